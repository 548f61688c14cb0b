//! `--backend URL`: which engine holds the triples and where its endpoints
//! are, and the credentials the writes use.

use std::fmt;
use std::str::FromStr;

/// The engines we know the endpoints and quirks of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// Oxigraph server: `/query`, `/update`, `/store`.
    Oxigraph,
    /// Virtuoso: `/sparql` for queries; `/sparql-auth` (Digest) for
    /// updates and `/sparql-graph-crud-auth` (Digest) for the Graph Store
    /// Protocol.
    Virtuoso,
    /// Any other SPARQL 1.1 store: the URL is its query endpoint, the update
    /// and Graph Store endpoints are given on their own.
    Sparql,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Oxigraph => "oxigraph",
            Engine::Virtuoso => "virtuoso",
            Engine::Sparql => "sparql",
        }
    }
}

/// A backend: the engine and its three endpoints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Backend {
    pub engine: Engine,
    /// SPARQL 1.1 Query.
    pub query_url: String,
    /// SPARQL 1.1 Update; `None` for a `sparql+` backend given no update URL
    /// (updates are then refused with a message that says so).
    pub update_url: Option<String>,
    /// SPARQL 1.1 Graph Store HTTP Protocol (indirect, `?graph=`); `None`
    /// as for `update_url`.
    pub gsp_url: Option<String>,
}

/// A `--backend` (or endpoint) URL we cannot use, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("backend {url}: {why}")]
pub struct BadBackend {
    pub url: String,
    pub why: String,
}

const FORMS: &str = "use oxigraph+http://host:port/ (Oxigraph server), virtuoso+http://host:port/ (Virtuoso) or sparql+http://host:port/path (any SPARQL 1.1 query endpoint, with its update and Graph Store URLs given separately)";

fn bad(url: &str, why: impl Into<String>) -> BadBackend {
    BadBackend {
        url: url.to_string(),
        why: why.into(),
    }
}

/// `url` checked as a plain `http://` URL with a host, a path and no
/// fragment; `what` names it in the error.
fn http_url(url: &str, what: &str) -> Result<String, BadBackend> {
    if url.starts_with("https://") {
        return Err(bad(
            url,
            format!(
                "{what}: https is not supported by this build (it has no TLS); keep the engine on loopback or a private network, or put a TLS proxy on this host in front of it"
            ),
        ));
    }
    let Some(rest) = url.strip_prefix("http://") else {
        return Err(bad(url, format!("{what}: not an http:// URL")));
    };
    let iri = oxiri::Iri::parse(url.to_string())
        .map_err(|e| bad(url, format!("{what}: not a URL ({e})")))?;
    let authority = iri.authority().unwrap_or("");
    if authority.is_empty() || rest.starts_with('/') {
        return Err(bad(url, format!("{what}: no host")));
    }
    if authority.contains('@') {
        return Err(bad(
            url,
            format!(
                "{what}: credentials in the URL are not used; set PALERMO_BACKEND_USER and PALERMO_BACKEND_PASSWORD"
            ),
        ));
    }
    if iri.fragment().is_some() {
        return Err(bad(url, format!("{what}: a URL with a #fragment")));
    }
    Ok(url.to_string())
}

impl FromStr for Backend {
    type Err = BadBackend;

    fn from_str(url: &str) -> Result<Self, BadBackend> {
        let url = url.trim();
        let Some((engine, rest)) = url.split_once('+') else {
            return Err(bad(url, format!("no engine named: {FORMS}")));
        };
        let engine = match engine {
            "oxigraph" => Engine::Oxigraph,
            "virtuoso" => Engine::Virtuoso,
            "sparql" => Engine::Sparql,
            other => return Err(bad(url, format!("unknown engine {other:?}: {FORMS}"))),
        };
        let http = http_url(rest, "the engine's URL").map_err(|e| bad(url, e.why))?;
        let base = |http: &str| -> Result<String, BadBackend> {
            if http.contains('?') {
                return Err(bad(
                    url,
                    format!(
                        "{} URL is the server's root (and a path prefix, if any), without a query string",
                        engine.name()
                    ),
                ));
            }
            Ok(if http.ends_with('/') {
                http.to_string()
            } else {
                format!("{http}/")
            })
        };
        Ok(match engine {
            Engine::Oxigraph => {
                let base = base(&http)?;
                Backend {
                    engine,
                    query_url: format!("{base}query"),
                    update_url: Some(format!("{base}update")),
                    gsp_url: Some(format!("{base}store")),
                }
            }
            Engine::Virtuoso => {
                let base = base(&http)?;
                Backend {
                    engine,
                    query_url: format!("{base}sparql"),
                    update_url: Some(format!("{base}sparql-auth")),
                    gsp_url: Some(format!("{base}sparql-graph-crud-auth")),
                }
            }
            Engine::Sparql => Backend {
                engine,
                query_url: http,
                update_url: None,
                gsp_url: None,
            },
        })
    }
}

impl Backend {
    /// This backend with its SPARQL Update endpoint (`--update-url`).
    pub fn with_update_url(mut self, url: &str) -> Result<Self, BadBackend> {
        self.update_url = Some(http_url(url.trim(), "--update-url")?);
        Ok(self)
    }

    /// This backend with its Graph Store Protocol endpoint (`--gsp-url`).
    pub fn with_gsp_url(mut self, url: &str) -> Result<Self, BadBackend> {
        let url = http_url(url.trim(), "--gsp-url")?;
        if url.contains('?') {
            return Err(bad(
                &url,
                "--gsp-url: the endpoint without a query string (?graph= is added per request)",
            ));
        }
        self.gsp_url = Some(url);
        Ok(self)
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} engine at {}", self.engine.name(), self.query_url)
    }
}

/// The user and password the engine's writes authenticate with (Digest,
/// or Basic where the engine offers only that). They come only from the
/// environment (`from_env`); tests pass them to `new`.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    password: String,
}

pub const USER_VAR: &str = "PALERMO_BACKEND_USER";
pub const PASSWORD_VAR: &str = "PALERMO_BACKEND_PASSWORD";

impl Credentials {
    pub fn new(user: impl Into<String>, password: impl Into<String>) -> Self {
        Credentials {
            user: user.into(),
            password: password.into(),
        }
    }

    pub fn password(&self) -> &str {
        &self.password
    }

    /// `PALERMO_BACKEND_USER` and `PALERMO_BACKEND_PASSWORD`: both, or
    /// neither (no credentials).
    pub fn from_env() -> Result<Option<Self>, BadBackend> {
        Self::from_vars(
            std::env::var(USER_VAR).ok(),
            std::env::var(PASSWORD_VAR).ok(),
        )
    }

    fn from_vars(
        user: Option<String>,
        password: Option<String>,
    ) -> Result<Option<Self>, BadBackend> {
        let missing = |set: &str, unset: &str| BadBackend {
            url: "(credentials)".into(),
            why: format!("{set} is set but {unset} is not: set both, or neither"),
        };
        match (user.filter(|u| !u.is_empty()), password) {
            (Some(user), Some(password)) => Ok(Some(Credentials { user, password })),
            (None, None) => Ok(None),
            (Some(_), None) => Err(missing(USER_VAR, PASSWORD_VAR)),
            (None, Some(_)) => Err(missing(PASSWORD_VAR, USER_VAR)),
        }
    }
}

/// Never prints the password.
impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("password", &"…")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_has_its_endpoints() {
        let o: Backend = "oxigraph+http://127.0.0.1:7878".parse().unwrap();
        assert_eq!(o.engine, Engine::Oxigraph);
        assert_eq!(o.query_url, "http://127.0.0.1:7878/query");
        assert_eq!(
            o.update_url.as_deref(),
            Some("http://127.0.0.1:7878/update")
        );
        assert_eq!(o.gsp_url.as_deref(), Some("http://127.0.0.1:7878/store"));
        let v: Backend = "virtuoso+http://db.internal:8890/".parse().unwrap();
        assert_eq!(v.query_url, "http://db.internal:8890/sparql");
        assert_eq!(
            v.update_url.as_deref(),
            Some("http://db.internal:8890/sparql-auth")
        );
        assert_eq!(
            v.gsp_url.as_deref(),
            Some("http://db.internal:8890/sparql-graph-crud-auth")
        );
        let p: Backend = "oxigraph+http://proxy/oxigraph/".parse().unwrap();
        assert_eq!(p.query_url, "http://proxy/oxigraph/query");
        let s: Backend = "sparql+http://h:3030/ds/query".parse().unwrap();
        assert_eq!(s.query_url, "http://h:3030/ds/query");
        assert_eq!(s.update_url, None);
        let s = s
            .with_update_url("http://h:3030/ds/update")
            .unwrap()
            .with_gsp_url("http://h:3030/ds/data")
            .unwrap();
        assert_eq!(s.update_url.as_deref(), Some("http://h:3030/ds/update"));
        assert_eq!(s.gsp_url.as_deref(), Some("http://h:3030/ds/data"));
    }

    #[test]
    fn a_bad_url_says_what_is_wrong() {
        let why = |url: &str| url.parse::<Backend>().unwrap_err().to_string();
        assert!(
            why("http://h:7878/").contains("no engine named"),
            "{}",
            why("http://h/")
        );
        assert!(why("fuseki+http://h/").contains("unknown engine \"fuseki\""));
        assert!(why("oxigraph+ftp://h/").contains("not an http:// URL"));
        assert!(why("oxigraph+https://h/").contains("https is not supported"));
        assert!(why("oxigraph+http:///query").contains("no host"));
        assert!(why("oxigraph+http://h:port/").contains("not a URL"));
        assert!(why("oxigraph+http://h:port/").starts_with("backend oxigraph+http://h:port/: "));
        assert!(why("virtuoso+http://u:p@h/").contains("PALERMO_BACKEND_USER"));
        assert!(why("oxigraph+http://h/?x=1").contains("without a query string"));
        assert!(why("sparql+http://h/q#f").contains("#fragment"));
        let e = "sparql+http://h/q"
            .parse::<Backend>()
            .unwrap()
            .with_gsp_url("http://h/data?graph=x")
            .unwrap_err();
        assert!(e.to_string().contains("--gsp-url"), "{e}");
    }

    #[test]
    fn credentials_come_in_pairs_and_never_print_the_password() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(Credentials::from_vars(None, None).unwrap(), None);
        let c = Credentials::from_vars(s("u"), s("secret"))
            .unwrap()
            .unwrap();
        assert_eq!((c.user.as_str(), c.password()), ("u", "secret"));
        assert!(!format!("{c:?}").contains("secret"));
        let e = Credentials::from_vars(s("u"), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("PALERMO_BACKEND_PASSWORD is not"), "{e}");
        let e = Credentials::from_vars(None, s("p"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("PALERMO_BACKEND_USER is not"), "{e}");
    }
}
