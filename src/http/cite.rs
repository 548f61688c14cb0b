//! `/cite`: named records, in the order given, in a citation format
//! (`format=bibliography|bibtex|ris|csljson`, `style=`, `locale=`,
//! `ascii=1`), through the same export code as `/records?format=`. The query
//! page's "cite these records" asks it for the records of a result, and
//! shows its GET link for scripts; a long list can be POSTed as a form.

use super::AppState;
use super::search::stream_citations;
use crate::error::Error;
use crate::export::{ExportOptions, Format};
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::response::Response;

/// The most records one request may name: a result page's worth many times
/// over, and still a bounded amount of work.
pub const MAX_IDS: usize = 10_000;

/// What a request to `/cite` asks for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct CiteRequest {
    /// Record ids (`vita`) or record IRIs (`{base}records/vita`), in order.
    pub ids: Vec<String>,
    pub format: Option<String>,
    pub opts: ExportOptions,
}

impl CiteRequest {
    /// Read form pairs (a query string or a form body). Unknown parameters
    /// are ignored, as elsewhere; an empty value counts as absent.
    pub fn parse(bytes: &[u8], records_prefix: &str) -> Result<CiteRequest, Error> {
        let mut req = CiteRequest::default();
        for (k, v) in form_urlencoded::parse(bytes) {
            if v.is_empty() {
                continue;
            }
            let v = v.into_owned();
            match k.as_ref() {
                "id" => {
                    let id = v.strip_prefix(records_prefix).unwrap_or(&v);
                    if !super::plumbing::valid_key(id) {
                        return Err(Error::BadRequest(format!(
                            "id {v:?} is neither a record id nor a record IRI under {records_prefix}"
                        )));
                    }
                    req.ids.push(id.to_string());
                }
                "format" => req.format = Some(v),
                "style" => req.opts.style = Some(v),
                "locale" => req.opts.locale = Some(v),
                "ascii" => req.opts.ascii = v == "1" || v == "true",
                _ => {}
            }
        }
        if req.ids.is_empty() {
            return Err(Error::BadRequest(
                "name the records to cite: id=… (a record id or IRI), once per record".into(),
            ));
        }
        if req.ids.len() > MAX_IDS {
            return Err(Error::BadRequest(format!(
                "at most {MAX_IDS} records per request, not {}",
                req.ids.len()
            )));
        }
        Ok(req)
    }

    /// The format asked for; a formatted bibliography when none is.
    fn format(&self) -> Result<Format, Error> {
        match &self.format {
            None => Ok(Format::Bibliography),
            Some(name) => Format::from_name(name).ok_or_else(|| {
                let known: Vec<&str> = Format::ALL.iter().map(|f| f.names()[0]).collect();
                Error::BadRequest(format!(
                    "unknown format {name:?}; known: {}",
                    known.join(", ")
                ))
            }),
        }
    }
}

/// GET /cite?id=…&id=…&format=… and POST /cite (the same as a form body).
/// Records the store does not hold are a 404 naming them, checked before
/// the first byte is sent.
pub async fn cite(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Result<Response, Error> {
    let prefix = format!("{}records/", state.config.iris.base());
    let source: &[u8] = if body.is_empty() {
        raw.as_deref().unwrap_or("").as_bytes()
    } else {
        &body
    };
    let req = CiteRequest::parse(source, &prefix)?;
    let format = req.format()?;
    // An unknown style is a 400 now, not a broken stream later.
    state.exporter.check(format, &req.opts)?;
    let (store, iris, ids) = (
        state.store.clone(),
        state.config.iris.clone(),
        req.ids.clone(),
    );
    let missing = super::plumbing::blocking(move || {
        let mut missing = Vec::new();
        for id in &ids {
            let title = store
                .quads_for_pattern(
                    Some(iris.record(id).as_ref().into()),
                    Some(crate::rdf::vocab::dcterms::TITLE),
                    None,
                    None,
                )
                .next()
                .transpose()?;
            if title.is_none() {
                missing.push(id.clone());
            }
        }
        Ok::<_, Error>(missing)
    })
    .await?;
    if !missing.is_empty() {
        return Err(Error::NotFound(format!(
            "no record with id {}",
            missing.join(", ")
        )));
    }
    let stem = if req.ids.len() == 1 {
        req.ids[0].clone()
    } else {
        format!("palermo-{}-records", req.ids.len())
    };
    Ok(stream_citations(
        &state,
        req.ids.into_iter().map(Ok),
        format,
        req.opts,
        &stem,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_iris_are_read_in_order() {
        let p = "http://x/records/";
        let req = CiteRequest::parse(
            b"id=b&id=http%3A%2F%2Fx%2Frecords%2Fa&format=ris&style=apa",
            p,
        )
        .unwrap();
        assert_eq!(req.ids, ["b", "a"]);
        assert_eq!(req.format().unwrap(), Format::Ris);
        assert_eq!(req.opts.style.as_deref(), Some("apa"));
        assert!(CiteRequest::parse(b"format=ris", p).is_err());
        assert!(CiteRequest::parse(b"id=http%3A%2F%2Fother%2Fx%2Fy", p).is_err());
        let bad = CiteRequest::parse(b"id=a&format=docx", p).unwrap();
        assert!(bad.format().is_err());
    }
}
