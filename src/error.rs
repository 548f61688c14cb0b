//! The one error type of the crate. `http::error` maps it to HTTP statuses
//! in one place; the CLI prints its message.

use crate::ingest::ParseError;
use std::time::Duration;

/// The cause an error keeps, for `Error::source` chains and logs.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Parse(#[from] ParseError),
    #[error("import failed, nothing was written: {0}")]
    Import(String),
    #[error(
        "the store in {0} is in use by another process (is `palermo serve` running?); stop it or use another --data-dir"
    )]
    StoreLocked(String),
    #[error("store error: {0}")]
    Store(String),
    /// The store's IRIs are under another base than this process's.
    #[error(
        "this store was written with base IRI {written}, not {given}: every record in it is under {written}, so with {given} the catalogue would look empty. Run with --base-iri {written} (or PALERMO_BASE_IRI={written}), or move the catalogue to {given} by importing its sources into a new --data-dir with --base-iri {given} (README, \"Moving to another base IRI\")"
    )]
    BaseIri { written: String, given: String },
    #[error("SPARQL syntax error: {0}")]
    BadQuery(String),
    #[error("query evaluation failed: {0}")]
    Query(String),
    #[error("query cut off after {}s (the deadline); narrow it or add LIMIT", .0.as_secs_f32())]
    Timeout(Duration),
    /// An update past its deadline: its transaction was dropped, not committed.
    #[error("update cut off after {}s (the deadline) and rolled back, nothing was changed; split it or narrow its WHERE", .0.as_secs_f32())]
    UpdateTimeout(Duration),
    #[error("not found: {0}")]
    NotFound(String),
    /// A record its source no longer lists (410: harvesters delete their copy).
    #[error("gone: {0}")]
    Withdrawn(String),
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("not acceptable: this resource is available as {}", .0.join(", "))]
    NotAcceptable(Vec<String>),
    #[error("method not allowed: {message} (allowed: {allowed})")]
    MethodNotAllowed {
        allowed: &'static str,
        message: String,
    },
    #[error("unsupported media type: {0}")]
    UnsupportedMediaType(String),
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    #[error("busy: {0}")]
    Busy(String),
    #[error("request body larger than {0} bytes (the limit)")]
    BodyTooLarge(usize),
    #[error("request body not received within {} s", .0.as_secs_f32())]
    BodyTooSlow(Duration),
    #[error("request cut off after {} s (the limit per request); try again later or narrow it", .0.as_secs_f32())]
    RequestTooSlow(Duration),
    /// A remote service we called (a partner's OAI-PMH repository, a
    /// `SERVICE` endpoint) failed or answered what we cannot use: 502.
    #[error("{what}: {source}")]
    Upstream {
        what: String,
        #[source]
        source: Cause,
    },
    /// The SPARQL engine behind `--backend` answered an error, refused our
    /// credentials, or answered what we cannot use (502).
    #[error("SPARQL engine: {0}")]
    Backend(String),
    /// The engine cannot be reached, or did not answer a write in time (503).
    #[error("SPARQL engine unavailable: {0}")]
    BackendUnavailable(String),
    /// A write to a process that does not write: a reader (`serve --role
    /// reader`), or any write on a remote engine for now (503).
    #[error("read-only: {0}")]
    ReadOnly(String),
    /// The engine cut a result at its row cap (502): never taken as complete.
    #[error(
        "the {engine} cut the result at its row cap ({cap} rows); page the query (ORDER BY, LIMIT under the cap) or raise the engine's cap"
    )]
    Truncated { engine: String, cap: u64 },
    /// A file or socket failed; the message is the system's.
    #[error("{0}")]
    System(#[from] std::io::Error),
    /// Something of ours failed (a task that panicked, a serialiser), with
    /// what we were doing.
    #[error("{what}: {source}")]
    Internal {
        what: String,
        #[source]
        source: Cause,
    },
}

impl Error {
    pub fn upstream(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Error::Upstream {
            what: what.into(),
            source: source.into(),
        }
    }

    pub fn internal(what: impl Into<String>, source: impl Into<Cause>) -> Self {
        Error::Internal {
            what: what.into(),
            source: source.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use std::error::Error as _;

    #[test]
    fn internal_errors_keep_their_source() {
        let e = Error::from(std::io::Error::other("disk full"));
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(e.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let e = Error::internal("styles directory /x", std::io::Error::other("gone"));
        assert_eq!(e.to_string(), "styles directory /x: gone");
        let source = e.source().unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }
}
