//! Limits on what one client may cost: the time a request body may take to
//! arrive, the time a handler may run, and (in `serve_on`) the size of a
//! request head, the time it may take to arrive and the number of open
//! connections.

use super::Config;
use crate::error::Error;
use axum::body::{Body, HttpBody};
use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use futures_util::StreamExt;
use std::time::Duration;

/// The per-request limits the router's middleware enforces.
#[derive(Debug, Clone, Copy)]
pub struct RequestLimits {
    pub max_body_bytes: usize,
    pub body_timeout: Duration,
    pub request_timeout: Duration,
}

impl RequestLimits {
    pub fn of(config: &Config) -> Self {
        RequestLimits {
            max_body_bytes: config.max_body_bytes,
            body_timeout: config.body_timeout,
            request_timeout: config.request_timeout,
        }
    }
}

/// An error after which the connection closes: the rest of the body is
/// not worth reading.
fn closing(error: Error) -> Response {
    let mut r = error.into_response();
    r.headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    r
}

/// Read the whole request body before the handler runs, within
/// `body_timeout` from the end of the head: a body that drips in slower gets
/// 408 and the connection is closed. Bodies over `max_body_bytes` get 413 (at
/// once when `Content-Length` says so). Handlers then see the buffered body.
pub async fn read_body<F: Future<Output = Response>>(
    limits: RequestLimits,
    req: Request,
    inner: impl FnOnce(Request) -> F,
) -> Response {
    let hint = req.body().size_hint();
    if hint.exact() == Some(0) {
        return inner(req).await;
    }
    let too_large = || closing(Error::BodyTooLarge(limits.max_body_bytes));
    if hint.lower() > limits.max_body_bytes as u64 {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let deadline = tokio::time::Instant::now() + limits.body_timeout;
    let mut stream = body.into_data_stream();
    let mut buf = Vec::with_capacity((hint.lower() as usize).min(limits.max_body_bytes));
    loop {
        match tokio::time::timeout_at(deadline, stream.next()).await {
            Err(_) => {
                tracing::info!(
                    received = buf.len(),
                    "request body not received in time; closing"
                );
                return closing(Error::BodyTooSlow(limits.body_timeout));
            }
            Ok(None) => break,
            Ok(Some(Ok(chunk))) => {
                if buf.len() + chunk.len() > limits.max_body_bytes {
                    return too_large();
                }
                buf.extend_from_slice(&chunk);
            }
            Ok(Some(Err(e))) => {
                return Error::BadRequest(format!("cannot read the request body: {e}"))
                    .into_response();
            }
        }
    }
    inner(Request::from_parts(parts, Body::from(buf))).await
}

/// Cut off a handler that has not produced its response within
/// `request_timeout` (503). Only the handler is timed: a streamed body (the
/// dumps) flows on after its response has started.
pub async fn deadline<F: Future<Output = Response>>(
    limits: RequestLimits,
    req: Request,
    inner: impl FnOnce(Request) -> F,
) -> Response {
    let uri = req.uri().clone();
    match tokio::time::timeout(limits.request_timeout, inner(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(
                path = uri.path(),
                "request cut off by the request time limit"
            );
            Error::RequestTooSlow(limits.request_timeout).into_response()
        }
    }
}
