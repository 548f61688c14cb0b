//! Content negotiation: `Accept` with q-values and wildcards, overridden by
//! an explicit `format=` parameter, against a closed list of offers.

use crate::error::Error;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};

/// One media range of an `Accept` header.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    kind: String,
    subtype: String,
    params: Vec<(String, String)>,
    q: f32,
}

fn parse_accept(header: &str) -> Vec<Range> {
    header
        .split(',')
        .filter_map(|part| {
            let mut pieces = part.split(';');
            let media = pieces.next()?.trim().to_ascii_lowercase();
            let (kind, subtype) = media.split_once('/')?;
            if kind.is_empty() || subtype.is_empty() {
                return None;
            }
            let mut q = 1.0;
            let mut params = Vec::new();
            for p in pieces {
                let Some((k, v)) = p.split_once('=') else {
                    continue;
                };
                let (k, v) = (
                    k.trim().to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_string(),
                );
                if k == "q" {
                    q = v
                        .parse::<f32>()
                        .ok()
                        .filter(|q| (0.0..=1.0).contains(q))
                        .unwrap_or(0.0);
                } else {
                    params.push((k, v));
                }
            }
            Some(Range {
                kind: kind.to_string(),
                subtype: subtype.to_string(),
                params,
                q,
            })
        })
        .collect()
}

/// Something a handler can answer with: a media type, plus aliases that
/// clients send for it (`application/json` for SPARQL JSON results).
pub trait Offer: Copy {
    fn media_type(&self) -> &'static str;
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }
    /// Names accepted by `format=` (e.g. "json", "ttl").
    fn names(&self) -> &'static [&'static str];
}

/// The outcome: the chosen offer and the parameters of the matching range
/// (e.g. `style=apa` from `text/x-bibliography; style=apa`).
#[derive(Debug, Clone)]
pub struct Chosen<T> {
    pub offer: T,
    pub params: Vec<(String, String)>,
}

/// Pick the best offer. `format` wins over `Accept`; the first offer is the
/// default for a missing or `*/*` Accept. Returns 406 (listing what is
/// offered) when nothing fits, or 400 for an unknown `format=`.
pub fn choose<T: Offer>(
    accept: Option<&str>,
    format: Option<&str>,
    offers: &[T],
) -> Result<Chosen<T>, Error> {
    if let Some(name) = format.filter(|f| !f.is_empty()) {
        let lower = name.to_ascii_lowercase();
        return offers
            .iter()
            .find(|o| {
                o.names().contains(&lower.as_str())
                    || o.media_type() == lower
                    || o.aliases().contains(&lower.as_str())
            })
            .map(|o| Chosen {
                offer: *o,
                params: Vec::new(),
            })
            .ok_or_else(|| {
                Error::BadRequest(format!(
                    "unknown format={name}; known formats: {}",
                    offers
                        .iter()
                        .map(|o| o.names()[0])
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            });
    }
    let ranges = match accept.map(str::trim).filter(|a| !a.is_empty()) {
        None => {
            return Ok(Chosen {
                offer: offers[0],
                params: Vec::new(),
            });
        }
        Some(a) => parse_accept(a),
    };
    // For each offer, the most specific matching range decides its q;
    // then the best q wins, ties going to the earlier (preferred) offer.
    type Params = Vec<(String, String)>;
    type Match = (u8, f32, Params);
    let mut best: Option<(f32, usize, Params)> = None;
    for (i, offer) in offers.iter().enumerate() {
        // Aliases only count when named exactly: `text/*` should mean CSV,
        // not SPARQL XML under its `text/xml` alias.
        let types: Vec<(&str, bool)> = std::iter::once((offer.media_type(), true))
            .chain(offer.aliases().iter().map(|a| (*a, false)))
            .collect();
        let mut matched: Option<Match> = None;
        for (t, primary) in &types {
            let (kind, subtype) = t.split_once('/').unwrap_or((t, ""));
            for r in &ranges {
                let specificity = if r.kind == kind && r.subtype == subtype {
                    3
                } else if !primary {
                    continue;
                } else if r.kind == kind && r.subtype == "*" {
                    2
                } else if r.kind == "*" && r.subtype == "*" {
                    1
                } else {
                    continue;
                };
                if matched.as_ref().is_none_or(|(s, _, _)| specificity > *s) {
                    matched = Some((specificity, r.q, r.params.clone()));
                }
            }
        }
        if let Some((_, q, params)) = matched
            && q > 0.0
            && best.as_ref().is_none_or(|(bq, _, _)| q > *bq)
        {
            best = Some((q, i, params));
        }
    }
    match best {
        Some((_, i, params)) => Ok(Chosen {
            offer: offers[i],
            params,
        }),
        None => Err(Error::NotAcceptable(
            offers.iter().map(|o| o.media_type().to_string()).collect(),
        )),
    }
}

/// True when a browser asks for a page: HTML explicitly preferred.
pub fn wants_html(accept: Option<&str>) -> bool {
    prefers(accept, crate::media::HTML)
}

/// True when the client names `media_type` and prefers nothing it names
/// over it (wildcards aside): an explicit preference, never a default.
pub fn prefers(accept: Option<&str>, media_type: &str) -> bool {
    let Some(a) = accept else { return false };
    let (kind, subtype) = media_type.split_once('/').unwrap_or((media_type, ""));
    let ranges = parse_accept(a);
    let this = |r: &Range| r.kind == kind && r.subtype == subtype;
    let wanted = ranges.iter().find(|r| this(r)).map(|r| r.q);
    wanted.is_some_and(|q| {
        q > 0.0
            && ranges
                .iter()
                .filter(|r| r.kind != "*" && !this(r))
                .all(|r| r.q <= q)
    })
}

/// The media type of a request's body, its parameters dropped and
/// lowercased: `""` when there is no (readable) `Content-Type`.
pub fn request_media_type(headers: &HeaderMap) -> String {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// A request's `Accept`, if it is readable text.
pub fn accept(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::ACCEPT).and_then(|v| v.to_str().ok())
}

/// What a negotiated answer reads of its request: the method (HEAD answers
/// without a body), the query string (`format=`) and the headers (`Accept`,
/// `If-None-Match`), in that order. One extractor, so every negotiated
/// handler reads them the same way.
pub struct Negotiated(pub Method, pub Option<String>, pub HeaderMap);

impl<S: Send + Sync> FromRequestParts<S> for Negotiated {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Negotiated(
            parts.method.clone(),
            parts.uri.query().map(str::to_string),
            parts.headers.clone(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::http::sparql::ResultsFormat as F;
    const ALL: [F; 3] = [F::Json, F::Xml, F::Csv];

    #[test]
    fn q_values_wildcards_and_format() {
        let pick = |a: Option<&str>, f: Option<&str>| choose(a, f, &ALL).map(|c| c.offer);
        assert_eq!(pick(None, None).unwrap(), F::Json);
        assert_eq!(pick(Some("*/*"), None).unwrap(), F::Json);
        assert_eq!(pick(Some("text/csv"), None).unwrap(), F::Csv);
        assert_eq!(
            pick(
                Some("application/sparql-results+xml;q=0.9, text/csv;q=0.5"),
                None
            )
            .unwrap(),
            F::Xml
        );
        assert_eq!(
            pick(Some("text/*;q=0.8, application/*;q=0.2"), None).unwrap(),
            F::Csv
        );
        assert_eq!(pick(Some("application/json"), None).unwrap(), F::Json);
        assert_eq!(
            pick(Some("text/csv;q=0, */*;q=0.1"), None).unwrap(),
            F::Json
        );
        assert_eq!(pick(Some("text/csv"), Some("xml")).unwrap(), F::Xml);
        match pick(Some("image/png"), None) {
            Err(Error::NotAcceptable(offered)) => {
                assert!(offered.contains(&"text/csv".to_string()))
            }
            other => panic!("{other:?}"),
        }
        assert!(
            matches!(pick(None, Some("yaml")), Err(Error::BadRequest(m)) if m.contains("json, xml, csv"))
        );
    }

    #[test]
    fn browsers_want_html() {
        assert!(wants_html(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
        )));
        assert!(!wants_html(Some("application/sparql-results+json")));
        assert!(!wants_html(Some("*/*")));
        assert!(!wants_html(None));
        assert!(prefers(Some("application/json"), crate::media::JSON));
        assert!(!prefers(
            Some("application/ld+json, application/json;q=0.5"),
            crate::media::JSON
        ));
    }
}
