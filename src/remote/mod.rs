//! The client of a remote SPARQL 1.1 engine (`--backend URL`): queries,
//! updates and the Graph Store Protocol over HTTP, with each engine's
//! quirks handled here so that callers (`store::Store`, later) see one
//! behaviour. Blocking: run it on blocking threads (`store::blocking`).
//!
//! - `Backend` (`FromStr`): `oxigraph+http://host:port/`,
//!   `virtuoso+http://host:port/`, `sparql+http://…/query` with
//!   `with_update_url` and `with_gsp_url`. `https` is refused with a clear
//!   message: this build has no TLS.
//! - `Credentials`: only from `PALERMO_BACKEND_USER` and
//!   `PALERMO_BACKEND_PASSWORD` (`Credentials::from_env`).
//! - `Client::query` → `Answer` (solutions as `sparesults::QuerySolution`,
//!   a boolean, or triples), `Client::update`, and `put_graph`,
//!   `post_graph`, `delete_graph`, `get_graph` (N-Triples).
//! - Errors: the engine's syntax error → `Error::BadQuery`; its timeout →
//!   `Error::Timeout` (503); a result cut at its row cap →
//!   `Error::Truncated`; unreachable, an answer whose connection broke
//!   before its end, or a write not answered in time or whose connection
//!   broke once it was sent (applied or not, we cannot tell: said in the
//!   message) → `Error::BackendUnavailable` (503); anything else it
//!   answers, refused credentials included → `Error::Backend` (502), with
//!   the engine's own message.
//! - Under network faults (`tests/integration/faults.rs`, through a fault
//!   proxy): every call ends by its deadline (plus `VIRTUOSO_GRACE` on
//!   Virtuoso); an answer is taken only when its framing (`Content-Length`
//!   or the last chunk) is complete and it parses; a write is sent once,
//!   never retried; a failed connection is not reused, so the same
//!   `Client` works again once the engine does. An answer framed only by
//!   the connection's close (no length, not chunked; neither engine does
//!   this) cannot be told from a cut one: N-Triples cut at a line's end
//!   would parse.
//!
//! # Engines and their quirks
//!
//! Tested in `tests/integration/remote.rs` against Oxigraph server 0.5.13
//! (PyPI `oxigraph`) and Virtuoso Open Source 7.2.5.1 (Debian bookworm's
//! `virtuoso-opensource`, `Virtuoso/07.20.3229`), each started privately by
//! `tests/integration/engines.rs`.
//!
//! **Oxigraph server** (`/query`, `/update`, `/store`):
//! - `union-default-graph` (any value, even empty) overrides a query's own
//!   `FROM` (confirmed: `FROM <h>` counted 5 triples with it, 1 without).
//!   We send it only when the query names no dataset and the caller gives
//!   none, which is what `store::Dataset::Service` means.
//! - No per-query timeout parameter: the client enforces the deadline as
//!   its read timeout. The query keeps running in the server after we give
//!   up (the issue saw a cross-product burn a core for ten minutes).
//! - No authentication: keep it on loopback or a private network.
//!   Credentials, if set, are only sent when an endpoint challenges.
//! - Reported, not re-checked here: an unknown function fails the whole
//!   query with a 500 (→ `Error::Backend`).
//!
//! **Virtuoso 7.2** (`/sparql`; `/sparql-auth` and
//! `/sparql-graph-crud-auth`, Digest only):
//! - Form POST only: a POST of `application/sparql-query` hangs (reported
//!   in the issue); every request here is `application/x-www-form-urlencoded`.
//! - Results are asked as XML (`application/sparql-results+xml`), not JSON:
//!   - its JSON uses the old `"typed-literal"` type and `\uXXXX` surrogate
//!     escapes (both parse in sparesults, see `answer`'s tests) and writes
//!     `true` as `"1"^^xsd:boolean` (we make booleans canonical in any
//!     answer); its XML writes `true`;
//!   - in both, blank nodes are named `nodeID://b10000`, which no parser
//!     takes as a label (`/`): the XML is rewritten as it streams
//!     (`<bnode>nodeID://` → `<bnode>nodeID___`), which cannot touch a
//!     value because `<` in a literal is escaped. N-Triples (CONSTRUCT)
//!     names them `_:b10000`, with tabs and `\U` escapes: fine as is.
//! - Timeouts: we send `timeout=` (ms). Confirmed three outcomes, all made
//!   `Error::Timeout`:
//!   - 200 with `X-SQL-State: S1TAT` and an incomplete result (seen with
//!     no rows found yet);
//!   - **200 with an incomplete result and no marker at all** (seen when
//!     some rows were found: 4 of 84 rows at `timeout=5000`, 35 of 84 at
//!     10000). So an answer that comes back after the timeout we sent is
//!     taken as cut, whatever its headers say: late, never wrong;
//!   - 500 `HY008 … SR203: Async statement killed by SQLCancel` (an
//!     aggregate; but `COUNT(*)` of a bare cross product is answered at
//!     once and right, from the counts), and 500 `The estimated execution time … exceeds the
//!     limit` (refused before running, by `MaxQueryCostEstimationTime`).
//!
//!   The answer comes about a second after the timeout; the client waits
//!   the timeout plus `VIRTUOSO_GRACE`.
//! - `ResultSetMaxRows` cuts results silently but for an `X-SPARQL-MaxRows`
//!   header → `Error::Truncated`. Debian's ini has 10,000. A result of
//!   exactly the cap (`LIMIT 100` under a cap of 100) carries the header
//!   too: page under the cap.
//! - Updates: `/sparql-auth` answers a request without credentials with
//!   401 and a Digest challenge (`qop="auth"`, MD5) with `Connection:
//!   close`, also to `HEAD`. We get the challenge with a `HEAD` and send the
//!   request (and its body) once, on a new connection; a body is never sent
//!   twice, so a streamed Graph Store body works. Basic credentials get a
//!   401 without a challenge.
//! - An update answers 200 with a result set ("Insert into <g>, 1 (or less)
//!   triples -- done"), not 204: any 2xx is success.
//! - An update sent to `/sparql` (no authentication) answers 500 `SR186:
//!   SECURITY: No permission…`, not 401: made a clear credentials error.
//! - `true` and `1` are one value: `INSERT DATA` of both `true` and `1` as
//!   objects of one subject and predicate stores one triple (`true`).
//! - `INSERT DATA` refuses blank nodes (`SP031: Blank node '_:b' is not
//!   allowed in a constant clause`): use `INSERT { … } WHERE {}`.
//! - The default graph (no `FROM`) is the union of every graph, with about
//!   2,500 system triples: always name our graphs.
//! - Reported in the issue and not re-checked here (they concern the
//!   `ChangeSet` writer, not this client): a multi-operation update is not
//!   atomic; an unbound variable in a DELETE template drops the INSERT too;
//!   concurrent writers lose updates; `rdf:rest*` repeats rows; a type
//!   error in a FILTER fails the query with a 500.
//! - No `timeout=` on updates: a cut update would be partly applied.
//! - **The Graph Store endpoint answers a chunked body (no
//!   `Content-Length`) with 201 Created and stores nothing.** A streamed
//!   `Payload::Reader` is therefore read into memory and sent with its
//!   length to Virtuoso (callers bound what they stream); other engines get
//!   it chunked.

mod answer;
mod auth;
mod backend;

pub use answer::Answer;
pub use backend::{Backend, BadBackend, Credentials, Engine, PASSWORD_VAR, USER_VAR};

use crate::error::Error;
use crate::store::Dataset;
use oxigraph::model::{NamedNode, Triple};
use std::cell::Cell;
use std::io::{self, Read};
use std::rc::Rc;
use std::time::{Duration, Instant};
use ureq::http::{self, Method, Response, StatusCode};
use ureq::{AsSendBody, Body, RequestExt, SendBody};

/// How long we wait for a TCP connection: a closed port fails at once, a
/// host that drops packets after this.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// How long past its own `timeout=` Virtuoso may take to answer; it
/// answers about a second after.
const VIRTUOSO_GRACE: Duration = Duration::from_secs(5);
/// The most of an engine's error message we quote.
const QUOTE: usize = 600;
const FORM: &str = "application/x-www-form-urlencoded";

/// A Graph Store Protocol body: N-Triples, in memory or streamed.
pub enum Payload<'a> {
    Bytes(&'a [u8]),
    /// Sent with chunked transfer encoding, read once; to Virtuoso, read
    /// into memory first (it drops chunked bodies).
    Reader(&'a mut dyn Read),
}

/// One engine's client; cheap to share (`&self` everywhere), it keeps its
/// connections alive.
pub struct Client {
    backend: Backend,
    credentials: Option<Credentials>,
    agent: ureq::Agent,
}

/// One request, before it is sent.
struct Call<'a> {
    method: Method,
    url: String,
    accept: Option<&'static str>,
    content_type: Option<&'static str>,
    body: Option<Payload<'a>>,
    timeout: Duration,
    /// A write: answer the endpoint's challenge with our credentials.
    authenticate: bool,
    /// Names the request in errors ("query", "update", "PUT <g>").
    what: String,
    /// The error to give when the answer does not come in time.
    late: fn(&Client, &str, Duration) -> Error,
    /// A write: once sent, a broken connection leaves its outcome unknown.
    write: bool,
}

impl Client {
    pub fn new(backend: Backend, credentials: Option<Credentials>) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .max_redirects(0)
            .user_agent(concat!("palermo/", env!("CARGO_PKG_VERSION")))
            .build()
            .new_agent();
        Client {
            backend,
            credentials,
            agent,
        }
    }

    /// A client with the credentials of the environment
    /// (`Credentials::from_env`).
    pub fn from_env(backend: Backend) -> Result<Self, BadBackend> {
        Ok(Self::new(backend, Credentials::from_env()?))
    }

    pub fn backend(&self) -> &Backend {
        &self.backend
    }

    fn engine(&self) -> Engine {
        self.backend.engine
    }

    /// Evaluate `text` against `dataset` within `timeout`.
    pub fn query(&self, text: &str, dataset: &Dataset, timeout: Duration) -> Result<Answer, Error> {
        use spargebra::Query;
        let parsed = spargebra::SparqlParser::new().parse_query(text).ok();
        let engine = self.engine();
        let accept = match &parsed {
            Some(Query::Construct { .. } | Query::Describe { .. }) => answer::NTRIPLES,
            // A query we cannot parse goes as it is: the engine judges it,
            // and its answer's type tells which form it was.
            None if engine == Engine::Virtuoso => {
                "application/sparql-results+xml, application/n-triples;q=0.9"
            }
            None => "application/sparql-results+json, application/n-triples;q=0.9",
            Some(_) if engine == Engine::Virtuoso => answer::XML,
            Some(_) => answer::JSON,
        };
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("query", text);
        match dataset {
            Dataset::Explicit { default, named } => {
                for g in default {
                    form.append_pair("default-graph-uri", g.as_str());
                }
                for g in named {
                    form.append_pair("named-graph-uri", g.as_str());
                }
            }
            Dataset::Service => {
                let own = parsed.as_ref().is_none_or(|q| q.dataset().is_some());
                if engine == Engine::Oxigraph && !own {
                    form.append_pair("union-default-graph", "");
                }
            }
        }
        let mut wait = timeout;
        if engine == Engine::Virtuoso {
            form.append_pair("timeout", &timeout.as_millis().max(1).to_string());
            wait += VIRTUOSO_GRACE;
        }
        let body = form.finish();
        let started = Instant::now();
        let mut response = self.send(Call {
            method: Method::POST,
            url: self.backend.query_url.clone(),
            accept: Some(accept),
            content_type: Some(FORM),
            body: Some(Payload::Bytes(body.as_bytes())),
            timeout: wait,
            authenticate: false,
            what: "query".into(),
            late: |_, _, t| Error::Timeout(t),
            write: false,
        })?;
        let late = || Error::Timeout(timeout);
        if !response.status().is_success() {
            return Err(self.refused(&mut response, "query", timeout));
        }
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if engine == Engine::Virtuoso {
            if header("x-sql-state").is_some_and(|s| s.trim() == "S1TAT") {
                return Err(late());
            }
            // Cut answers may come without S1TAT: one that took the whole
            // timeout is taken as cut.
            if started.elapsed() >= timeout {
                return Err(late());
            }
        }
        if let Some(cap) = header("x-sparql-maxrows") {
            return Err(Error::Truncated {
                engine: self.backend.to_string(),
                cap: cap.trim().parse().unwrap_or(0),
            });
        }
        let media_type = header("content-type").unwrap_or_default();
        let broke = Rc::new(Cell::new(None));
        let reader = Watch {
            inner: response.body_mut().as_reader(),
            broke: broke.clone(),
        };
        answer::parse(&media_type, reader, "query").map_err(|e| match broke.get() {
            Some(Broke::Late) => late(),
            Some(Broke::Cut) => self.cut("query", &e),
            None => e,
        })
    }

    /// Run the SPARQL Update `text`. `timeout` bounds the wait for the
    /// engine's answer; past it the update may or may not have been applied
    /// (`Error::BackendUnavailable`).
    pub fn update(&self, text: &str, timeout: Duration) -> Result<(), Error> {
        let url = self.backend.update_url.clone().ok_or_else(|| {
            Error::Backend(format!(
                "update: no update endpoint for the {}: give --update-url",
                self.backend
            ))
        })?;
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("update", text)
            .finish();
        let mut response = self.send(Call {
            method: Method::POST,
            url,
            accept: None,
            content_type: Some(FORM),
            body: Some(Payload::Bytes(body.as_bytes())),
            timeout,
            authenticate: true,
            what: "update".into(),
            late: Client::unanswered,
            write: true,
        })?;
        self.finish(&mut response, "update", timeout)
    }

    /// Replace the graph `graph` with the N-Triples `body` (GSP `PUT`).
    pub fn put_graph(
        &self,
        graph: &NamedNode,
        body: Payload<'_>,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.write_graph(Method::PUT, graph, body, timeout)
    }

    /// Add the N-Triples `body` to the graph `graph` (GSP `POST`).
    pub fn post_graph(
        &self,
        graph: &NamedNode,
        body: Payload<'_>,
        timeout: Duration,
    ) -> Result<(), Error> {
        self.write_graph(Method::POST, graph, body, timeout)
    }

    fn write_graph(
        &self,
        method: Method,
        graph: &NamedNode,
        body: Payload<'_>,
        timeout: Duration,
    ) -> Result<(), Error> {
        let what = format!("{method} <{}>", graph.as_str());
        // Virtuoso answers a chunked body 201 and stores nothing: it gets a
        // body of known length, read into memory first.
        let mut buffered = Vec::new();
        let body = match body {
            Payload::Reader(reader) if self.engine() == Engine::Virtuoso => {
                reader
                    .read_to_end(&mut buffered)
                    .map_err(|e| Error::internal(format!("{what}: reading the body to send"), e))?;
                Payload::Bytes(&buffered)
            }
            Payload::Reader(reader) => Payload::Reader(reader),
            Payload::Bytes(bytes) => Payload::Bytes(bytes),
        };
        let mut response = self.send(Call {
            method,
            url: self.graph_url(graph)?,
            accept: None,
            content_type: Some(answer::NTRIPLES),
            body: Some(body),
            timeout,
            authenticate: true,
            what: what.clone(),
            late: Client::unanswered,
            write: true,
        })?;
        self.finish(&mut response, &what, timeout)
    }

    /// Drop the graph `graph` (GSP `DELETE`); `false` when there was none.
    pub fn delete_graph(&self, graph: &NamedNode, timeout: Duration) -> Result<bool, Error> {
        let what = format!("DELETE <{}>", graph.as_str());
        let mut response = self.send(Call {
            method: Method::DELETE,
            url: self.graph_url(graph)?,
            accept: None,
            content_type: None,
            body: None,
            timeout,
            authenticate: true,
            what: what.clone(),
            late: Client::unanswered,
            write: true,
        })?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(false);
        }
        self.finish(&mut response, &what, timeout)?;
        Ok(true)
    }

    /// The triples of the graph `graph` (GSP `GET`); `None` when there is
    /// no such graph.
    pub fn get_graph(
        &self,
        graph: &NamedNode,
        timeout: Duration,
    ) -> Result<Option<Vec<Triple>>, Error> {
        let what = format!("GET <{}>", graph.as_str());
        let mut response = self.send(Call {
            method: Method::GET,
            url: self.graph_url(graph)?,
            accept: Some(answer::NTRIPLES),
            content_type: None,
            body: None,
            timeout,
            authenticate: true,
            what: what.clone(),
            late: |_, _, t| Error::Timeout(t),
            write: false,
        })?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        if !response.status().is_success() {
            return Err(self.refused(&mut response, &what, timeout));
        }
        let media_type = response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or(answer::NTRIPLES)
            .to_string();
        let broke = Rc::new(Cell::new(None));
        let reader = Watch {
            inner: response.body_mut().as_reader(),
            broke: broke.clone(),
        };
        match answer::parse(&media_type, reader, &what) {
            Ok(answer) => answer.into_triples().map(Some),
            Err(e) => Err(match broke.get() {
                Some(Broke::Late) => Error::Timeout(timeout),
                Some(Broke::Cut) => self.cut(&what, &e),
                None => e,
            }),
        }
    }

    fn graph_url(&self, graph: &NamedNode) -> Result<String, Error> {
        let base = self.backend.gsp_url.as_ref().ok_or_else(|| {
            Error::Backend(format!(
                "Graph Store Protocol: no endpoint for the {}: give --gsp-url",
                self.backend
            ))
        })?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("graph", graph.as_str())
            .finish();
        Ok(format!("{base}?{query}"))
    }

    /// A write's answer: any 2xx is success (Virtuoso answers an update
    /// with 200 and a result set); its body is read and dropped so that
    /// the connection can be used again.
    fn finish(
        &self,
        response: &mut Response<Body>,
        what: &str,
        timeout: Duration,
    ) -> Result<(), Error> {
        if !response.status().is_success() {
            return Err(self.refused(response, what, timeout));
        }
        let _ = io::copy(&mut response.body_mut().as_reader(), &mut io::sink());
        Ok(())
    }

    /// An answer whose connection broke before its end (`Broke::Cut`);
    /// `e` is the parser's error, which quotes the transport's.
    fn cut(&self, what: &str, e: &Error) -> Error {
        Error::BackendUnavailable(format!(
            "{what}: the connection to the {} broke before the end of its answer ({e})",
            self.backend
        ))
    }

    /// A write not answered in time.
    fn unanswered(&self, what: &str, timeout: Duration) -> Error {
        Error::BackendUnavailable(format!(
            "{what}: the {} did not answer within {} s; the write may or may not have been applied",
            self.backend,
            timeout.as_secs_f32()
        ))
    }

    /// Send `call`, first getting the endpoint's challenge when it is a
    /// write and we have credentials.
    fn send(&self, mut call: Call<'_>) -> Result<Response<Body>, Error> {
        let mut authorization = None;
        if call.authenticate
            && let Some(credentials) = &self.credentials
        {
            authorization = self.challenge(&call, credentials)?;
        }
        let mut request = http::Request::builder()
            .method(call.method.clone())
            .uri(&call.url);
        if let Some(accept) = call.accept {
            request = request.header("accept", accept);
        }
        if let Some(content_type) = call.content_type {
            request = request.header("content-type", content_type);
        }
        if let Some(authorization) = authorization {
            request = request.header("authorization", authorization);
        }
        let sent = match call.body.take() {
            None => self.run(request, SendBody::none(), call.timeout),
            Some(Payload::Bytes(bytes)) => self.run(request, bytes, call.timeout),
            Some(Payload::Reader(reader)) => {
                self.run(request, SendBody::from_reader(reader), call.timeout)
            }
        };
        let response = sent.map_err(|e| self.transport(e, &call, call.write))?;
        if response.status() == StatusCode::UNAUTHORIZED {
            let mut response = response;
            return Err(self.refused(&mut response, &call.what, call.timeout));
        }
        Ok(response)
    }

    fn run(
        &self,
        request: http::request::Builder,
        body: impl AsSendBody,
        timeout: Duration,
    ) -> Result<Response<Body>, ureq::Error> {
        request
            .body(body)?
            .with_agent(&self.agent)
            .configure()
            .timeout_global(Some(timeout))
            .run()
    }

    /// The `Authorization` for `call`, from the challenge a `HEAD` of its
    /// URL gets: the body is sent once, after it. `None` when the endpoint
    /// does not ask (Oxigraph).
    fn challenge(
        &self,
        call: &Call<'_>,
        credentials: &Credentials,
    ) -> Result<Option<String>, Error> {
        let request = http::Request::builder().method(Method::HEAD).uri(&call.url);
        let mut response = self
            .run(request, SendBody::none(), call.timeout)
            // Only the challenge broke: the write itself was not sent.
            .map_err(|e| self.transport(e, call, false))?;
        if response.status() != StatusCode::UNAUTHORIZED {
            return Ok(None);
        }
        let challenges: Vec<String> = response
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        let _ = io::copy(&mut response.body_mut().as_reader(), &mut io::sink());
        auth::answer(&challenges, credentials, call.method.as_str(), &call.url).map_err(|e| {
            Error::Backend(format!(
                "{}: cannot answer the {}'s authentication challenge: {e}",
                call.what, self.backend
            ))
        })
    }

    /// A transport failure (no answer, or none in time) as our error;
    /// `sent_write`: the request was the write itself.
    fn transport(&self, e: ureq::Error, call: &Call<'_>, sent_write: bool) -> Error {
        let timed_out = match &e {
            ureq::Error::Timeout(t) => {
                !matches!(t, ureq::Timeout::Connect | ureq::Timeout::Resolve)
            }
            ureq::Error::Io(io) => io.kind() == io::ErrorKind::TimedOut,
            _ => false,
        };
        if timed_out {
            return (call.late)(self, &call.what, call.timeout);
        }
        let unreachable = matches!(
            &e,
            ureq::Error::Io(_)
                | ureq::Error::ConnectionFailed
                | ureq::Error::HostNotFound
                | ureq::Error::Timeout(_)
        );
        // Nothing was sent when the connection could not be made; once it
        // was, a write may have reached the engine before it broke (found
        // by the fault tests: such a write was reported as "cannot reach",
        // as if surely not applied).
        let connected = !matches!(
            &e,
            ureq::Error::ConnectionFailed | ureq::Error::HostNotFound | ureq::Error::Timeout(_)
        ) && !matches!(&e, ureq::Error::Io(io) if matches!(
            io.kind(),
            io::ErrorKind::ConnectionRefused
                | io::ErrorKind::HostUnreachable
                | io::ErrorKind::NetworkUnreachable
                | io::ErrorKind::NetworkDown
                | io::ErrorKind::AddrNotAvailable
        ));
        if unreachable && sent_write && connected {
            Error::BackendUnavailable(format!(
                "{}: the connection to the {} broke before its answer ({e}); the write may or may not have been applied",
                call.what, self.backend
            ))
        } else if unreachable {
            Error::BackendUnavailable(format!(
                "{}: cannot reach the {}: {e}",
                call.what, self.backend
            ))
        } else {
            Error::Backend(format!("{}: the {} failed: {e}", call.what, self.backend))
        }
    }

    /// An answer that is not a success, as our error with the engine's
    /// message.
    fn refused(&self, response: &mut Response<Body>, what: &str, timeout: Duration) -> Error {
        let status = response.status();
        let mut body = Vec::new();
        let _ = response
            .body_mut()
            .as_reader()
            .take(64 << 10)
            .read_to_end(&mut body);
        let text = String::from_utf8_lossy(&body);
        // Virtuoso repeats the query after its message.
        let message = text.split("\nSPARQL query:").next().unwrap_or("").trim();
        let message: String = if message.chars().count() > QUOTE {
            message.chars().take(QUOTE).chain(['…']).collect()
        } else {
            message.to_string()
        };
        let engine = &self.backend;
        if status == StatusCode::UNAUTHORIZED
            || status == StatusCode::FORBIDDEN
            || message.contains("SR186")
        {
            return Error::Backend(match &self.credentials {
                None => format!(
                    "{what}: the {engine} asks for credentials ({status}{}): set {USER_VAR} and {PASSWORD_VAR} to a user allowed to write (on Virtuoso, one with the SPARQL_UPDATE role)",
                    if message.is_empty() {
                        String::new()
                    } else {
                        format!(": {message}")
                    }
                ),
                Some(c) => format!(
                    "{what}: the {engine} refused the credentials of {USER_VAR}={} ({status}{}): check {PASSWORD_VAR}, and that the user may write (on Virtuoso, the SPARQL_UPDATE role)",
                    c.user,
                    if message.is_empty() {
                        String::new()
                    } else {
                        format!(": {message}")
                    }
                ),
            });
        }
        if self.engine() == Engine::Virtuoso
            && (message.contains("SR203")
                || message.contains("HY008")
                || message.contains("estimated execution time"))
        {
            return Error::Timeout(timeout);
        }
        match status {
            StatusCode::BAD_REQUEST => Error::BadQuery(message),
            StatusCode::SERVICE_UNAVAILABLE => Error::BackendUnavailable(format!(
                "{what}: the {engine} answered {status}: {message}"
            )),
            _ => Error::Backend(format!("{what}: the {engine} answered {status}: {message}")),
        }
    }
}

/// How reading an answer's body failed, if it failed in transport: the
/// parser only sees "invalid", and a cut is not the engine's bad answer.
#[derive(Clone, Copy, PartialEq)]
enum Broke {
    /// Our deadline passed mid-body: `Error::Timeout`.
    Late,
    /// The connection closed or reset before the body's end (its length or
    /// last chunk): `Error::BackendUnavailable`, as for an engine we cannot
    /// reach. Found by the fault tests: it was a 502 "answer is not
    /// valid", though the engine answered nothing wrong.
    Cut,
}

/// A body reader that notes whether reading it timed out or broke off
/// (`Broke`), so that a result cut by our deadline or by the network is
/// our timeout or a 503, not an invalid answer.
struct Watch<R> {
    inner: R,
    broke: Rc<Cell<Option<Broke>>>,
}

impl<R: Read> Read for Watch<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).inspect_err(|e| {
            use io::ErrorKind::*;
            // ureq's own deadline (`timeout_global`) comes as its
            // `Error::Timeout` wrapped in an `ErrorKind::Other`, not as
            // `TimedOut` (found by the fault tests: an answer stalled
            // mid-body past the deadline was a 502 "answer is not valid:
            // timeout: global", not our timeout).
            // A connection closed inside a chunked answer's last chunk
            // comes as its `BodyStalled`.
            let ureq = e
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<ureq::Error>());
            match e.kind() {
                _ if matches!(ureq, Some(ureq::Error::Timeout(_))) => {
                    self.broke.set(Some(Broke::Late))
                }
                _ if matches!(ureq, Some(ureq::Error::BodyStalled)) => {
                    self.broke.set(Some(Broke::Cut))
                }
                TimedOut => self.broke.set(Some(Broke::Late)),
                UnexpectedEof | ConnectionReset | ConnectionAborted | BrokenPipe => {
                    self.broke.set(Some(Broke::Cut))
                }
                _ => {}
            }
        })
    }
}
