//! The one error type of the crate. `http::error` maps it to HTTP statuses
//! in one place; the CLI prints its message.

use crate::ingest::ParseError;
use std::time::Duration;

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
    #[error("SPARQL syntax error: {0}")]
    BadQuery(String),
    #[error("query evaluation failed: {0}")]
    Query(String),
    #[error("query cut off after {}s (the deadline); narrow it or add LIMIT", .0.as_secs_f32())]
    Timeout(Duration),
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
    #[error("{0}")]
    Io(String),
}

impl From<oxigraph::store::StorageError> for Error {
    fn from(e: oxigraph::store::StorageError) -> Self {
        Error::Store(e.to_string())
    }
}

impl From<oxigraph::sparql::QueryEvaluationError> for Error {
    fn from(e: oxigraph::sparql::QueryEvaluationError) -> Self {
        Error::Query(e.to_string())
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
