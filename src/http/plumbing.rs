//! HTTP plumbing every surface shares: a representation sent with its
//! validators (ETag, Last-Modified) and answered 304 when the client's copy
//! is current, HTTP dates, the hop to the blocking pool for store work and
//! bodies streamed from it, and reading a path's suffix and a query parameter.

use crate::error::Error;
use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One representation of a resource, ready to send with its validators.
pub struct Representation {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Vec<u8>,
    /// When the resource last changed (`dcterms:modified`).
    pub last_modified: Option<OffsetDateTime>,
    /// `Link` header values (FAIR Signposting).
    pub links: Vec<String>,
    pub content_disposition: Option<String>,
}

impl Representation {
    pub fn new(content_type: impl Into<String>, body: Vec<u8>) -> Self {
        Representation {
            status: StatusCode::OK,
            content_type: content_type.into(),
            body,
            last_modified: None,
            links: Vec::new(),
            content_disposition: None,
        }
    }

    pub fn modified(mut self, at: Option<OffsetDateTime>) -> Self {
        self.last_modified = at;
        self
    }

    /// The strong validator: a digest of the exact bytes sent, so two
    /// representations (or two versions) never share one.
    pub fn etag(&self) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(&self.body);
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        format!("\"{hex}\"")
    }

    /// Compute the validators and header values once, so the answer can be
    /// kept (see `http::cache`) and sent again without touching the body.
    pub fn prepare(self) -> Prepared {
        let header = |v: Option<String>| v.and_then(|v| HeaderValue::from_str(&v).ok());
        let etag = self.etag();
        Prepared {
            etag: header(Some(etag.clone())),
            etag_text: etag,
            last_modified_at: self.last_modified,
            last_modified: header(self.last_modified.map(http_date)),
            link: header((!self.links.is_empty()).then(|| self.links.join(", "))),
            content_type: header(Some(self.content_type)),
            content_disposition: header(self.content_disposition),
            status: self.status,
            body: Bytes::from(self.body),
        }
    }

    /// Answer the request: 304 when its validators match, else the body.
    /// Every answer, 304 included, carries `Vary: Accept` and the validators.
    pub fn respond(self, method: &Method, request: &HeaderMap) -> Response {
        self.prepare().respond(method, request)
    }
}

/// A representation ready to send, as many times as asked.
#[derive(Debug)]
pub struct Prepared {
    status: StatusCode,
    body: Bytes,
    etag_text: String,
    etag: Option<HeaderValue>,
    last_modified_at: Option<OffsetDateTime>,
    last_modified: Option<HeaderValue>,
    link: Option<HeaderValue>,
    content_type: Option<HeaderValue>,
    content_disposition: Option<HeaderValue>,
}

impl Prepared {
    /// Bytes held, for the cache's budget.
    pub fn size(&self) -> usize {
        self.body.len() + self.link.as_ref().map_or(0, |l| l.len()) + 256
    }

    /// See `Representation::respond`.
    pub fn respond(&self, method: &Method, request: &HeaderMap) -> Response {
        let fresh = self.status == StatusCode::OK
            && matches!(*method, Method::GET | Method::HEAD)
            && not_modified(request, &self.etag_text, self.last_modified_at);
        let mut response = if fresh {
            StatusCode::NOT_MODIFIED.into_response()
        } else {
            let mut r = Response::new(Body::from(self.body.clone()));
            *r.status_mut() = self.status;
            let h = r.headers_mut();
            if let Some(v) = &self.content_type {
                h.insert(header::CONTENT_TYPE, v.clone());
            }
            if let Some(v) = &self.content_disposition {
                h.insert(header::CONTENT_DISPOSITION, v.clone());
            }
            r
        };
        let h = response.headers_mut();
        h.insert(header::VARY, HeaderValue::from_static("Accept"));
        for (name, value) in [
            (header::ETAG, &self.etag),
            (header::LAST_MODIFIED, &self.last_modified),
            (header::LINK, &self.link),
        ] {
            if let Some(v) = value {
                h.insert(name, v.clone());
            }
        }
        response
    }
}

/// RFC 9110 §13.2.2: `If-None-Match` decides when present (weak
/// comparison); only without it does `If-Modified-Since` count.
fn not_modified(request: &HeaderMap, etag: &str, last_modified: Option<OffsetDateTime>) -> bool {
    let header_str = |name| {
        request
            .get(name)
            .and_then(|v: &HeaderValue| v.to_str().ok())
    };
    if let Some(inm) = header_str(header::IF_NONE_MATCH) {
        let ours = etag.trim_start_matches("W/");
        return inm
            .split(',')
            .map(|t| t.trim().trim_start_matches("W/"))
            .any(|t| t == "*" || t == ours);
    }
    match (
        header_str(header::IF_MODIFIED_SINCE).and_then(parse_http_date),
        last_modified,
    ) {
        (Some(since), Some(modified)) => {
            modified.replace_nanosecond(0).unwrap_or(modified) <= since
        }
        _ => false,
    }
}

const HTTP_DATE: &[time::format_description::BorrowedFormatItem<'static>] = time::macros::format_description!(
    "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
);

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn http_date(t: OffsetDateTime) -> String {
    // Checked (found by the fuzz checks, FUZZING.md): `to_offset` panics when UTC
    // falls outside the years time supports (9999-12-31T23:00:00-01:00).
    t.checked_to_offset(time::UtcOffset::UTC)
        .and_then(|t| t.format(HTTP_DATE).ok())
        .unwrap_or_default()
}

fn parse_http_date(s: &str) -> Option<OffsetDateTime> {
    time::PrimitiveDateTime::parse(s.trim(), HTTP_DATE)
        .ok()
        .map(|p| p.assume_utc())
}

/// An `xsd:dateTime` from the meta graph as a point in time.
pub fn parse_modified(value: &str) -> Option<OffsetDateTime> {
    // Only instants an HTTP date can show (fuzz checks, FUZZING.md):
    // an offset can put a year-0000 or year-9999 value outside 0000..=9999
    // in UTC, where `http_date` has no IMF-fixdate to give.
    OffsetDateTime::parse(value, &Rfc3339)
        .ok()
        .and_then(|t| t.checked_to_offset(time::UtcOffset::UTC))
        .filter(|t| (0..=9999).contains(&t.year()))
}

pub use crate::store::blocking;

/// Split `{id}.{ext}` (ids never hold dots).
pub fn split_extension(raw: &str) -> (&str, Option<&str>) {
    match raw.split_once('.') {
        Some((id, ext)) => (id, Some(ext)),
        None => (raw, None),
    }
}

/// A minted key is a slug of our own, or an ISO code: letters, digits and
/// hyphens. Anything else names nothing we mint.
pub fn valid_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= 200
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
}

/// The value of a query parameter (the first one).
pub fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.trim().is_empty())
}

/// A response body that `write` produces on the blocking pool, sent in
/// chunks of about `chunk` bytes through a bounded channel: memory stays
/// flat whatever the size, writing blocks while the client reads slower
/// and fails once it has gone, which stops the work. An error after the
/// headers have left ends the body with an error, so the client sees a
/// broken transfer rather than a short file.
pub fn streamed(
    chunk: usize,
    write: impl FnOnce(&mut ChannelWriter) -> Result<(), Error> + Send + 'static,
) -> Body {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    tokio::task::spawn_blocking(move || {
        let mut writer = ChannelWriter {
            tx: tx.clone(),
            buf: Vec::with_capacity(chunk),
            chunk,
        };
        let written = write(&mut writer).and_then(|()| Ok(writer.flush()?));
        if let Err(e) = written {
            tracing::warn!(error = %e, "streamed response stopped");
            let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
        }
    });
    Body::from_stream(futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

/// `Write` into a `streamed` body.
pub struct ChannelWriter {
    tx: tokio::sync::mpsc::Sender<Result<Bytes, std::io::Error>>,
    buf: Vec<u8>,
    chunk: usize,
}

impl ChannelWriter {
    fn send(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let next = Vec::with_capacity(self.chunk);
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, next));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the client went away")
        })
    }
}

impl Write for ChannelWriter {
    fn write(&mut self, data: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= self.chunk {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.send()
    }
}
