//! The one place where errors become HTTP responses.

use crate::error::Error;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            // Evaluation errors (a refused SERVICE, a bad IRI at run time)
            // are the query's, not the server's.
            Error::Parse(_) | Error::BadQuery(_) | Error::BadRequest(_) | Error::Query(_) => {
                StatusCode::BAD_REQUEST
            }
            Error::Import(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Timeout(_) | Error::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::StoreLocked(_) | Error::Store(_) | Error::Io(_) => {
                StatusCode::INTERNAL_SERVER_ERROR
            }
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        // Busy is load shedding (query slots full, the search index still
        // being built) and Timeout a query cut at its deadline (logged where
        // it is cut): expected, and the client is told when to retry.
        if status.is_server_error() && !matches!(self, Error::Busy(_) | Error::Timeout(_)) {
            tracing::error!(error = %self, "request failed");
        }
        let mut response = (
            status,
            [("content-type", crate::media::PLAIN_UTF8)],
            format!("{self}\n"),
        )
            .into_response();
        let headers = response.headers_mut();
        match &self {
            Error::MethodNotAllowed { allowed, .. } => {
                headers.insert("allow", HeaderValue::from_static(allowed));
            }
            Error::Unauthorized(_) => {
                headers.insert(
                    "www-authenticate",
                    HeaderValue::from_static("Bearer realm=\"palermo\""),
                );
            }
            Error::Busy(_) | Error::Timeout(_) => {
                headers.insert("retry-after", HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response
    }
}

/// Unknown paths: a 404 that says what exists.
pub async fn not_found(uri: axum::http::Uri) -> Error {
    Error::NotFound(format!(
        "{} (see / for what this service offers)",
        uri.path()
    ))
}
