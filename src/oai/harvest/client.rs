//! The harvester's HTTP side: GET with arguments, the repository's flow
//! control (503 and 429 with Retry-After) waited out, dropped connections
//! tried again, every answer bounded in size and checked to be OAI-PMH.

use super::HarvestReport;
use crate::error::Error;
use crate::oai::provider::OAI_NS;
use crate::oai::xml::Element;
use std::time::Duration;
use time::OffsetDateTime;

/// Longest wait one Retry-After may impose; a longer one is cut to this.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Retries of one request the repository said it was busy for (503).
const MAX_RETRIES: usize = 5;
/// Retries of one request whose connection failed.
const MAX_DROPPED: u32 = 2;
/// Deadline of one HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest response accepted, in bytes.
const MAX_RESPONSE: usize = 64 << 20;

/// The repository failed or answered what is not OAI-PMH: upstream's
/// fault (502), and the harvest writes nothing.
pub(super) fn remote(endpoint: &str, cause: impl Into<crate::error::Cause>) -> Error {
    Error::upstream(
        format!("harvest of {endpoint} stopped, nothing written"),
        cause,
    )
}

/// The HTTP side: GET with arguments, 503 and dropped connections retried.
pub(super) struct Client {
    http: reqwest::Client,
    endpoint: reqwest::Url,
}

impl Client {
    pub(super) fn new(endpoint: reqwest::Url) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("palermo-harvester/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal("HTTP client", e))?;
        Ok(Client { http, endpoint })
    }

    /// The repository's base URL, as errors name it.
    pub(super) fn endpoint(&self) -> &str {
        self.endpoint.as_str()
    }

    /// One OAI request; the parsed `<OAI-PMH>` root.
    pub(super) async fn get(
        &self,
        args: &[(&str, &str)],
        report: &mut HarvestReport,
    ) -> Result<Element, Error> {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut().extend_pairs(args);
        let (mut busy, mut dropped) = (0, 0);
        loop {
            report.requests += 1;
            let endpoint = self.endpoint.as_str();
            let outcome = match self.http.get(url.clone()).send().await {
                Ok(resp) if resp.status().is_success() => match read_body(resp).await {
                    Ok(body) => {
                        let root = Element::parse(&body)
                            .map_err(|e| remote(endpoint, format!("{url}: {e}")))?;
                        if root.ns != OAI_NS || root.name != "OAI-PMH" {
                            return Err(remote(
                                endpoint,
                                format!("{url}: not an OAI-PMH response"),
                            ));
                        }
                        return Ok(root);
                    }
                    Err(e) => Attempt::Dropped(e),
                },
                // The protocol's flow control (and its common cousin).
                Ok(resp)
                    if resp.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE
                        || resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS =>
                {
                    Attempt::Busy(retry_after(resp.headers()))
                }
                Ok(resp) => {
                    return Err(remote(endpoint, format!("{url}: HTTP {}", resp.status())));
                }
                Err(e) if describe(&e).contains("scheme is not http") => {
                    return Err(remote(
                        endpoint,
                        "this build harvests http:// endpoints only (https needs reqwest's TLS feature)",
                    ));
                }
                Err(e) if e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() => {
                    Attempt::Dropped(describe(&e))
                }
                Err(e) => return Err(remote(endpoint, format!("{url}: {}", describe(&e)))),
            };
            let wait = match outcome {
                Attempt::Busy(wait) => {
                    if busy >= MAX_RETRIES {
                        return Err(remote(
                            endpoint,
                            format!("{url}: still unavailable after {MAX_RETRIES} retries"),
                        ));
                    }
                    busy += 1;
                    wait
                }
                // A repository that is down is not waited for long: a
                // harvest can simply run again.
                Attempt::Dropped(e) => {
                    if dropped >= MAX_DROPPED {
                        return Err(remote(endpoint, format!("{url}: {e}")));
                    }
                    dropped += 1;
                    Duration::from_secs(1 << (dropped - 1))
                }
            };
            report.retries += 1;
            tokio::time::sleep(wait.min(MAX_WAIT)).await;
        }
    }
}

/// Why a request is tried again.
enum Attempt {
    /// 503 or 429: wait as told.
    Busy(Duration),
    /// Refused, timed out or cut off.
    Dropped(String),
}

/// An error with its causes: reqwest's own message ("error sending
/// request") says least, the innermost ("Connection refused") most.
fn describe(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    parts.join(": ")
}

async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return Err(format!("a response larger than {MAX_RESPONSE} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Retry-After in seconds or as an HTTP date; 10 seconds if absent or unreadable.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    let Some(v) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    else {
        return Duration::from_secs(10);
    };
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Duration::from_secs(secs);
    }
    match OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc2822) {
        Ok(at) => {
            let secs = (at - OffsetDateTime::now_utc()).whole_seconds().max(0);
            Duration::from_secs(u64::try_from(secs).unwrap_or(0))
        }
        Err(_) => Duration::from_secs(10),
    }
}
