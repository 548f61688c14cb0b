//! Strict decoding, for every route at once: a path segment, query-string
//! parameter or form-body parameter that is not UTF-8 once percent-decoded
//! gets 400 naming it. Lenient decoders (serde_urlencoded, form_urlencoded)
//! would otherwise hand handlers U+FFFD, and a search for `%FF%FE` would
//! quietly search for replacement characters.

use super::negotiate::request_media_type;
use crate::error::Error;
use crate::media::FORM;
use axum::body::Body;
use axum::extract::Request;
use axum::response::{IntoResponse, Response};

/// The check, before `inner`. It runs after `limits::read_body`, so a form
/// body is already in memory and within its size limit.
pub async fn utf8<F: Future<Output = Response>>(
    req: Request,
    inner: impl FnOnce(Request) -> F,
) -> Response {
    if let Err(e) = check_path(req.uri().path()) {
        return e.into_response();
    }
    if let Some(query) = req.uri().query()
        && let Err(e) = check_form(query.as_bytes(), "query string")
    {
        return e.into_response();
    }
    if request_media_type(req.headers()) != FORM {
        return inner(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(e) => {
            return Error::BadRequest(format!("cannot read the request body: {e}")).into_response();
        }
    };
    if let Err(e) = check_form(&bytes, "form body") {
        return e.into_response();
    }
    inner(Request::from_parts(parts, Body::from(bytes))).await
}

fn check_path(path: &str) -> Result<(), Error> {
    for (i, segment) in path.split('/').filter(|s| !s.is_empty()).enumerate() {
        if std::str::from_utf8(&percent_decode(segment.as_bytes(), false)).is_err() {
            return Err(Error::BadRequest(format!(
                "path segment {} is not valid UTF-8 after percent-decoding",
                i + 1
            )));
        }
    }
    Ok(())
}

/// Every `name=value` pair of `application/x-www-form-urlencoded` text.
fn check_form(raw: &[u8], whence: &str) -> Result<(), Error> {
    for pair in raw.split(|&b| b == b'&').filter(|p| !p.is_empty()) {
        let (name, value) = match pair.iter().position(|&b| b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let name = percent_decode(name, true);
        let Ok(name) = std::str::from_utf8(&name) else {
            return Err(Error::BadRequest(format!(
                "a parameter name in the {whence} is not valid UTF-8 after percent-decoding"
            )));
        };
        if std::str::from_utf8(&percent_decode(value, true)).is_err() {
            // Named, but never echoed at length.
            let shown: String = name.chars().take(64).collect();
            return Err(Error::BadRequest(format!(
                "parameter {shown:?} in the {whence} is not valid UTF-8 after percent-decoding"
            )));
        }
    }
    Ok(())
}

/// Percent-decoding (and `+` as space in forms); a `%` not followed by two
/// hex digits stays as it is, as the URL and form standards say.
fn percent_decode(input: &[u8], plus_is_space: bool) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        let b = input[i];
        if b == b'%'
            && let (Some(h), Some(l)) = (
                input.get(i + 1).copied().and_then(hex),
                input.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(if plus_is_space && b == b'+' { b' ' } else { b });
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_parameter_that_is_not_utf8() {
        assert!(check_form(b"q=caf%C3%A9&page=2", "query string").is_ok());
        assert!(check_form(b"q=%", "query string").is_ok());
        let e = check_form(b"q=ok&author=%C3%28", "query string").unwrap_err();
        assert!(e.to_string().contains("\"author\""), "{e}");
        let e = check_form(b"%FF=1", "form body").unwrap_err();
        assert!(
            e.to_string().contains("parameter name in the form body"),
            "{e}"
        );
        assert!(check_path("/records/caf%C3%A9").is_ok());
        assert!(check_path("/records/%FF").is_err());
    }
}
