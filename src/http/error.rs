//! The one place where errors become HTTP responses.

use crate::error::Error;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::Parse(_) | Error::BadQuery(_) | Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Timeout(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::StoreLocked(_) | Error::Store(_) | Error::Query(_) | Error::Io(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        if status.is_server_error() {
            tracing::error!(error = %self, "request failed");
        }
        (
            status,
            [("content-type", "text/plain; charset=utf-8")],
            format!("{self}\n"),
        )
            .into_response()
    }
}

/// Unknown paths: a 404 that says what exists.
pub async fn not_found(uri: axum::http::Uri) -> Error {
    Error::NotFound(format!(
        "{} (see / for what this service offers)",
        uri.path()
    ))
}
