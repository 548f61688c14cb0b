//! The one place where errors become HTTP responses: the status of each
//! error, and its body in the form the client asked for (a page, JSON or
//! plain text), chosen by `Accept` in `render` for every route at once.

use super::negotiate::{prefers, wants_html};
use crate::error::Error;
use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{Markup, html};

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
            Error::Withdrawn(_) => StatusCode::GONE,
            Error::Timeout(_)
            | Error::UpdateTimeout(_)
            | Error::Busy(_)
            | Error::RequestTooSlow(_)
            | Error::BackendUnavailable(_)
            | Error::ReadOnly(_) => StatusCode::SERVICE_UNAVAILABLE,
            Error::BodyTooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Error::BodyTooSlow(_) => StatusCode::REQUEST_TIMEOUT,
            Error::NotAcceptable(_) => StatusCode::NOT_ACCEPTABLE,
            Error::MethodNotAllowed { .. } => StatusCode::METHOD_NOT_ALLOWED,
            Error::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Error::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::Upstream { .. } | Error::Backend(_) | Error::Truncated { .. } => {
                StatusCode::BAD_GATEWAY
            }
            Error::StoreLocked(_)
            | Error::Store(_)
            | Error::BaseIri { .. }
            | Error::System(_)
            | Error::Internal { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The heading of the error's page.
    fn heading(&self) -> &'static str {
        match self {
            Error::Withdrawn(_) => "Record withdrawn",
            _ => match self.status() {
                StatusCode::NOT_FOUND => "Not found",
                StatusCode::BAD_REQUEST => "Bad request",
                StatusCode::NOT_ACCEPTABLE => "Not acceptable",
                _ => "Something went wrong",
            },
        }
    }

    /// This error with what its page shows under the message (suggestions,
    /// links onward); clients that get JSON or text get the message alone.
    pub fn with_page(self, page: Markup) -> Failure {
        Failure { error: self, page }
    }
}

/// What a handler fails with when its error page says more than the error.
pub struct Failure {
    error: Error,
    page: Markup,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        error.with_page(html! {})
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let mut response = self.error.into_response();
        if let Some(report) = response.extensions_mut().get_mut::<Report>() {
            report.page = self.page;
        }
        response
    }
}

/// An error response's message, kept in its extensions until `render`
/// gives the response the body the client asked for.
#[derive(Clone)]
struct Report {
    heading: &'static str,
    message: String,
    page: Markup,
}

/// The plain-text answer, with the headers the status needs; `render`
/// replaces the body for clients that want a page or JSON.
impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        // Busy is load shedding (query slots full, the search index still
        // being built), Timeout a query, UpdateTimeout an update and
        // RequestTooSlow a handler cut at its deadline (logged where cut):
        // expected, and the client is told when to retry.
        let retry = matches!(
            self,
            Error::Busy(_)
                | Error::Timeout(_)
                | Error::UpdateTimeout(_)
                | Error::RequestTooSlow(_)
                | Error::BackendUnavailable(_)
        );
        if status.is_server_error() && !retry {
            tracing::error!(error = %self, "request failed");
        }
        let message = self.to_string();
        let mut response = (
            status,
            [("content-type", crate::media::PLAIN_UTF8)],
            format!("{message}\n"),
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
            _ if retry => {
                headers.insert("retry-after", HeaderValue::from_static("1"));
            }
            _ => {}
        }
        response.extensions_mut().insert(Report {
            heading: self.heading(),
            message,
            page: html! {},
        });
        response
    }
}

/// Give an error response the body its client asked for: a page to a
/// browser, JSON (`{"error": …, "status": …}`) to a client that prefers
/// `application/json`, plain text to everyone else. Other responses pass
/// unchanged. Runs once per request, in the router's `per_request`.
pub fn render(accept: Option<&str>, mut response: Response) -> Response {
    let Some(report) = response.extensions_mut().remove::<Report>() else {
        return response;
    };
    let status = response.status();
    let body = if wants_html(accept) {
        Some((
            crate::media::HTML_UTF8,
            super::pages::error_page(report.heading, &report.message, report.page).into_string(),
        ))
    } else if prefers(accept, crate::media::JSON) {
        let json = serde_json::json!({ "error": report.message, "status": status.as_u16() });
        Some((crate::media::JSON, json.to_string()))
    } else {
        None
    };
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    if let Some((content_type, body)) = body {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.remove(header::CONTENT_LENGTH);
        *response.body_mut() = Body::from(body);
    }
    response
}

/// Unknown paths: a 404 that says what exists.
pub async fn not_found(uri: axum::http::Uri) -> Error {
    Error::NotFound(format!(
        "{} (see / for what this service offers)",
        uri.path()
    ))
}
