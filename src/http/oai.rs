//! `GET, POST /oai`: the OAI-PMH 2.0 data provider over HTTP.
//!
//! Decodes the arguments (query string, or form body for POST) and hands
//! them to `oai::Provider` off the async runtime. Protocol errors are OAI
//! documents with status 200, as the protocol wants; only a failing store
//! answers 5xx.

use super::AppState;
use crate::oai::args::{ErrorCode, OaiError};
use crate::oai::{Provider, Settings};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

const XML: &str = crate::media::TEXT_XML_UTF8;

/// The handler. `Settings` come from a request extension when a layer puts
/// one there (tests use a small page size; a deployment may name itself),
/// else from the base IRI.
pub async fn oai(
    State(state): State<AppState>,
    settings: Option<Extension<Settings>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let iris = state.config.iris.clone();
    let settings = settings.map_or_else(|| Settings::for_iris(&iris), |Extension(s)| s);
    let provider =
        Provider::new(state.store.clone(), iris, settings).with_side_file(state.side.clone());
    let mut pairs = decode(query.as_deref().unwrap_or_default().as_bytes());
    let now = time::OffsetDateTime::now_utc();
    if method == Method::POST {
        if super::negotiate::request_media_type(&headers) != crate::media::FORM {
            let doc = provider.reject(
                OaiError::new(
                    ErrorCode::BadArgument,
                    "a POST request must send its arguments as application/x-www-form-urlencoded",
                ),
                now,
            );
            return xml(doc);
        }
        pairs.extend(decode(&body));
    }
    // One verb label per request: the first `verb`, if it is a verb.
    let verb = pairs
        .iter()
        .find(|(k, _)| k == "verb")
        .and_then(|(_, v)| crate::oai::args::Verb::parse(v))
        .map_or("invalid", crate::oai::args::Verb::as_str);
    crate::metrics::metrics()
        .oai_requests
        .get_or_create(&crate::metrics::Verb { verb })
        .inc();
    match crate::store::blocking(move || provider.respond(&pairs, now)).await {
        Ok(doc) => xml(doc),
        Err(e) => e.into_response(),
    }
}

fn decode(bytes: &[u8]) -> Vec<(String, String)> {
    form_urlencoded::parse(bytes)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn xml(doc: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, XML)], doc).into_response()
}
