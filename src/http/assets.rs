//! `/assets/{name}`: the static files of the query page, embedded in the
//! binary. The script and its stylesheet are bundled from `web/` by
//! `build.rs` (CodeMirror, d3); the map's geometry is Natural Earth's
//! 1:110m countries from `world-atlas`; `site.css` is the layout's style,
//! served as a file so that a page with a strict Content-Security-Policy
//! needs no inline style. Everything is same-origin: the page reaches for
//! nothing outside.

use super::pages;
use crate::error::Error;
use crate::media;
use axum::body::Body;
use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::io::Write;
use std::sync::OnceLock;

/// One embedded file: its name under `/assets/`, media type and bytes.
struct Asset {
    name: &'static str,
    media_type: &'static str,
    bytes: &'static [u8],
}

const ASSETS: [Asset; 4] = [
    Asset {
        name: "query.js",
        media_type: media::JAVASCRIPT_UTF8,
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/query.js")),
    },
    Asset {
        name: "query.css",
        media_type: media::CSS_UTF8,
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/query.css")),
    },
    Asset {
        name: "countries-110m.json",
        media_type: media::JSON,
        bytes: include_bytes!(concat!(env!("OUT_DIR"), "/countries-110m.json")),
    },
    Asset {
        name: "site.css",
        media_type: media::CSS_UTF8,
        bytes: pages::STYLE.as_bytes(),
    },
];

/// The path of an asset, for pages to link.
pub fn href(name: &str) -> String {
    debug_assert!(
        ASSETS.iter().any(|a| a.name == name),
        "unknown asset {name}"
    );
    format!("/assets/{name}")
}

/// An asset ready to send: its validator and its gzip form, computed once.
struct Ready {
    etag: HeaderValue,
    gzip: Vec<u8>,
}

fn ready(i: usize) -> &'static Ready {
    static READY: [OnceLock<Ready>; 4] = [const { OnceLock::new() }; 4];
    READY[i].get_or_init(|| {
        use sha2::Digest;
        let bytes = ASSETS[i].bytes;
        let digest = sha2::Sha256::digest(bytes);
        let hex: String = digest.iter().take(16).map(|b| format!("{b:02x}")).collect();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to memory cannot fail.
        let gzip = gz
            .write_all(bytes)
            .and_then(|_| gz.finish())
            .unwrap_or_default();
        Ready {
            etag: HeaderValue::from_str(&format!("\"{hex}\"")).expect("hex is a header value"),
            gzip,
        }
    })
}

/// GET /assets/{name}: the bytes, gzipped for a client that takes gzip,
/// with a strong ETag (304 on a match). Revalidated on every use
/// (`no-cache`): a new binary may change any of them.
pub async fn asset(Path(name): Path<String>, headers: HeaderMap) -> Result<Response, Error> {
    let i = ASSETS
        .iter()
        .position(|a| a.name == name)
        .ok_or_else(|| Error::NotFound(format!("no asset named {name}")))?;
    let asset = &ASSETS[i];
    let ready = ready(i);
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == ready.etag));
    let gzip = !ready.gzip.is_empty()
        && headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().starts_with("gzip")));
    let mut response = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else if gzip {
        let mut r = Response::new(Body::from(ready.gzip.as_slice()));
        r.headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        r
    } else {
        Response::new(Body::from(asset.bytes))
    };
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.media_type),
    );
    h.insert(header::ETAG, ready.etag.clone());
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    Ok(response)
}
