//! Shared by the OAI-PMH tests: real servers on 127.0.0.1, requests, the
//! facts of a response, and the Python validators.

use axum::Extension;
use palermo::http::{AppState, Config, router};
use palermo::oai::Settings;
use palermo::oai::xml::Element;
use palermo::rdf::Iris;
use palermo::store::Store;
use std::path::{Path, PathBuf};
use std::process::Command;

pub const OAI: &str = "http://www.openarchives.org/OAI/2.0/";
pub const DC: &str = "http://purl.org/dc/elements/1.1/";
pub const OAI_DC: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const MODS: &str = "http://www.loc.gov/mods/v3";

/// A Palermo instance serving on 127.0.0.1 until dropped.
pub struct Server {
    /// `http://127.0.0.1:{port}`, which is also its base IRI (with '/').
    pub addr: String,
    pub store: Store,
    pub iris: Iris,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Server {
    pub fn oai(&self) -> String {
        format!("{}/oai", self.addr)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

/// Bind a port; its base IRI is the address itself, as in a deployment.
pub async fn bind() -> (tokio::net::TcpListener, Iris) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    (listener, Iris::new(&format!("http://{addr}/")))
}

/// Serve `store` through the service's one route table, with the OAI
/// settings a deployment would get plus the given page size, and an optional
/// extra layer (to make the server misbehave).
pub async fn serve(
    listener: tokio::net::TcpListener,
    iris: Iris,
    store: Store,
    page_size: usize,
    wrap: impl FnOnce(axum::Router) -> axum::Router,
) -> Server {
    let addr = listener.local_addr().unwrap();
    let config = Config {
        bind: addr,
        iris: iris.clone(),
        ..Config::default()
    };
    let settings = Settings {
        page_size,
        ..Settings::for_iris(&iris)
    };
    let app = wrap(router::router(AppState::new(store.clone(), config)).layer(Extension(settings)));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = rx.await;
            })
            .await
            .unwrap();
    });
    Server {
        addr: format!("http://{addr}"),
        store,
        iris,
        stop: Some(tx),
    }
}

/// A response as the tests look at it.
pub struct Response {
    pub status: u16,
    pub content_type: String,
    pub body: String,
    pub doc: Element,
}

impl Response {
    /// Codes of the `<error>` elements.
    pub fn errors(&self) -> Vec<String> {
        self.doc
            .children(OAI, "error")
            .map(|e| e.attr("code").unwrap_or_default().to_string())
            .collect()
    }

    /// The attributes of `<request>`.
    pub fn request_attrs(&self) -> Vec<(String, String)> {
        self.doc.child(OAI, "request").unwrap().attrs.clone()
    }

    /// The verb element (`<Identify>`, `<ListRecords>`, ...).
    pub fn verb(&self, name: &str) -> &Element {
        self.doc
            .child(OAI, name)
            .unwrap_or_else(|| panic!("no <{name}> in {}", self.body))
    }

    /// Headers of a list or GetRecord response.
    pub fn headers(&self) -> Vec<Header> {
        let mut out = Vec::new();
        for verb in &self.doc.children {
            for el in &verb.children {
                let h = if el.name == "header" {
                    el
                } else if el.name == "record" {
                    el.child(OAI, "header").unwrap()
                } else {
                    continue;
                };
                out.push(Header {
                    identifier: h.child(OAI, "identifier").unwrap().value(),
                    datestamp: h.child(OAI, "datestamp").unwrap().value(),
                    deleted: h.attr("status") == Some("deleted"),
                    sets: h.children(OAI, "setSpec").map(|s| s.value()).collect(),
                });
            }
        }
        out
    }

    /// `(token, completeListSize, cursor)` of the resumptionToken, if any.
    pub fn token(&self) -> Option<(String, usize, usize)> {
        self.doc.children.iter().find_map(|verb| {
            verb.child(OAI, "resumptionToken").map(|t| {
                (
                    t.value(),
                    t.attr("completeListSize").unwrap().parse().unwrap(),
                    t.attr("cursor").unwrap().parse().unwrap(),
                )
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub identifier: String,
    pub datestamp: String,
    pub deleted: bool,
    pub sets: Vec<String>,
}

/// GET `{oai}?{query}` (query already encoded).
pub async fn get(oai: &str, query: &str) -> Response {
    let r = reqwest::Client::new()
        .get(format!("{oai}?{query}"))
        .send()
        .await
        .unwrap();
    read(r).await
}

/// POST a form body.
pub async fn post(oai: &str, form: &str, content_type: &str) -> Response {
    let r = reqwest::Client::new()
        .post(oai)
        .header("content-type", content_type)
        .body(form.to_string())
        .send()
        .await
        .unwrap();
    read(r).await
}

async fn read(r: reqwest::Response) -> Response {
    let status = r.status().as_u16();
    let content_type = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = r.text().await.unwrap();
    let doc = Element::parse(body.as_bytes()).unwrap_or_else(|e| panic!("{e}: {body}"));
    Response {
        status,
        content_type,
        body,
        doc,
    }
}

/// Follow a list through its resumption tokens; every page's response.
pub async fn pages(oai: &str, first_query: &str) -> Vec<Response> {
    let verb = first_query
        .split('&')
        .find_map(|p| p.strip_prefix("verb="))
        .unwrap()
        .to_string();
    let mut out = vec![get(oai, first_query).await];
    while let Some((t, _, _)) = out.last().unwrap().token()
        && !t.is_empty()
    {
        assert!(out.len() < 1000, "token loop");
        let q = format!("verb={verb}&resumptionToken={}", enc(&t));
        out.push(get(oai, &q).await);
    }
    out
}

/// Percent-encode a query value.
pub fn enc(v: &str) -> String {
    form_urlencoded::byte_serialize(v.as_bytes()).collect()
}

/// Responses saved for the schema validator.
pub struct Saved {
    dir: tempfile::TempDir,
    pub files: Vec<PathBuf>,
}

impl Saved {
    pub fn new() -> Self {
        Saved {
            dir: tempfile::tempdir().unwrap(),
            files: Vec::new(),
        }
    }

    pub fn add(&mut self, name: &str, r: &Response) {
        let path = self
            .dir
            .path()
            .join(format!("{:03}-{name}.xml", self.files.len()));
        std::fs::write(&path, &r.body).unwrap();
        self.files.push(path);
    }

    pub fn add_text(&mut self, name: &str, body: &str) -> PathBuf {
        let path = self.dir.path().join(format!("{name}.xml"));
        std::fs::write(&path, body).unwrap();
        path
    }
}

fn python(script: &str) -> Command {
    let mut c = Command::new("python3");
    c.arg(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/python")
            .join(script),
    );
    c
}

/// Run the XSD validator over files: (success, stdout).
pub fn validate(files: &[PathBuf]) -> (bool, String) {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/schemas");
    let out = python("oai_validate.py")
        .arg(&schemas)
        .args(files)
        .output()
        .expect("python3 is needed: run scripts/install-test-deps.sh");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Harvest with Sickle: the JSON it prints.
pub fn sickle(oai: &str, prefix: &str, set: Option<&str>) -> serde_json::Value {
    let mut c = python("oai_sickle.py");
    c.arg(oai).arg(prefix);
    if let Some(s) = set {
        c.arg(s);
    }
    let out = c.output().expect("python3 is needed");
    assert!(
        out.status.success(),
        "Sickle failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}
