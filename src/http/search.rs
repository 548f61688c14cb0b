//! `GET /records`: search and browse. One result, three faces: an HTML page
//! (search box, facets as links, highlighted snippets, pages), JSON
//! (`Accept: application/json` or `format=json`), and every citation format
//! of the *whole* result set (`format=bibtex|ris|csljson|bibliography` or
//! by `Accept`), streamed record by record from the store.

use super::AppState;
use super::negotiate::{self, Offer, choose};
use super::pages::{self, Doc, search::highlighted};
use super::plumbing::{blocking, streamed};
use crate::error::Error;
use crate::export::{ExportOptions, Format};
use crate::record::RecordKind;
use crate::search::{FacetKind, Highlighted, Hit, SearchIndex, SearchRequest, SearchResults, Sort};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::{Value, json};

/// Results per page unless `per_page` says otherwise, and the most it may say.
pub const PER_PAGE: usize = 20;
pub const MAX_PER_PAGE: usize = 100;

/// What `/records` answers with. The page comes first: a client that states
/// no preference (a browser, a bare `curl`) gets it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsDoc {
    Html,
    Json,
    Citation(Format),
}

impl ResultsDoc {
    pub const ALL: [ResultsDoc; 6] = [
        ResultsDoc::Html,
        ResultsDoc::Json,
        ResultsDoc::Citation(Format::BibTeX),
        ResultsDoc::Citation(Format::Ris),
        ResultsDoc::Citation(Format::CslJson),
        ResultsDoc::Citation(Format::Bibliography),
    ];
}

impl Offer for ResultsDoc {
    fn media_type(&self) -> &'static str {
        match self {
            ResultsDoc::Html => Doc::Html.media_type(),
            ResultsDoc::Json => crate::media::JSON,
            ResultsDoc::Citation(f) => f.media_type(),
        }
    }
    fn aliases(&self) -> &'static [&'static str] {
        match self {
            ResultsDoc::Html => Doc::Html.aliases(),
            ResultsDoc::Json => &[],
            ResultsDoc::Citation(f) => f.aliases(),
        }
    }
    /// `json` is this page's own JSON (it comes first); CSL-JSON is `csljson`.
    fn names(&self) -> &'static [&'static str] {
        match self {
            ResultsDoc::Html => Doc::Html.names(),
            ResultsDoc::Json => &["json"],
            ResultsDoc::Citation(f) => f.names(),
        }
    }
}

/// The query parameters of `/records`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pub q: String,
    pub filters: Vec<(FacetKind, String)>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    pub sort: Option<Sort>,
    pub page: usize,
    pub per_page: usize,
    pub format: Option<String>,
    pub style: Option<String>,
    pub locale: Option<String>,
    pub ascii: bool,
}

impl Params {
    /// Read and check the query string. Every refusal is a 400 naming the
    /// parameter; empty values (an untouched form field) count as absent;
    /// parameters we do not know are ignored, as links from elsewhere carry
    /// tracking parameters.
    pub fn parse(raw: &str) -> Result<Params, Error> {
        let mut p = Params {
            page: 1,
            per_page: PER_PAGE,
            ..Params::default()
        };
        let mut seen_q = false;
        for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match k.as_ref() {
                "q" => {
                    if seen_q {
                        return Err(Error::BadRequest("q is given more than once".into()));
                    }
                    seen_q = true;
                    p.q = v.to_string();
                }
                "year_from" => p.year_from = Some(year(v, "year_from")?),
                "year_to" => p.year_to = Some(year(v, "year_to")?),
                "page" => p.page = number(v, "page", 1, usize::MAX)?,
                "per_page" => p.per_page = number(v, "per_page", 1, MAX_PER_PAGE)?,
                "sort" => {
                    p.sort = Some(Sort::from_name(v).ok_or_else(|| {
                        Error::BadRequest(format!(
                            "sort={v} is not a known order; use one of: {}",
                            Sort::ALL.map(Sort::name).join(", ")
                        ))
                    })?)
                }
                "format" => p.format = Some(v.to_string()),
                "style" => p.style = Some(v.to_string()),
                "locale" => p.locale = Some(v.to_string()),
                "ascii" => p.ascii = matches!(v, "1" | "true" | "yes"),
                other => {
                    if let Some(kind) =
                        FacetKind::from_name(other).filter(|k| *k != FacetKind::Year)
                    {
                        let value = v.to_string();
                        if !p.filters.contains(&(kind, value.clone())) {
                            p.filters.push((kind, value));
                        }
                    }
                }
            }
        }
        if let (Some(from), Some(to)) = (p.year_from, p.year_to)
            && from > to
        {
            return Err(Error::BadRequest(format!(
                "year_from ({from}) is after year_to ({to})"
            )));
        }
        if p.q.chars().count() > crate::search::MAX_QUERY_CHARS {
            return Err(Error::BadRequest(format!(
                "q is longer than {} characters",
                crate::search::MAX_QUERY_CHARS
            )));
        }
        Ok(p)
    }

    /// The search this asks for; `all` ignores the page (exports).
    pub fn request(&self, all: bool) -> SearchRequest {
        SearchRequest {
            q: self.q.clone(),
            filters: self.filters.clone(),
            year_from: self.year_from,
            year_to: self.year_to,
            sort: self.sort,
            offset: if all {
                0
            } else {
                (self.page - 1).saturating_mul(self.per_page)
            },
            limit: if all { 0 } else { self.per_page },
        }
    }

    /// A link to `/records` with these parameters (defaults left out), not
    /// yet HTML-escaped.
    pub fn href(&self) -> String {
        let mut s = form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            s.append_pair("q", &self.q);
        }
        for (k, v) in &self.filters {
            s.append_pair(k.name(), v);
        }
        if let Some(y) = self.year_from {
            s.append_pair("year_from", &y.to_string());
        }
        if let Some(y) = self.year_to {
            s.append_pair("year_to", &y.to_string());
        }
        if let Some(sort) = self.sort {
            s.append_pair("sort", sort.name());
        }
        if self.page > 1 {
            s.append_pair("page", &self.page.to_string());
        }
        if self.per_page != PER_PAGE {
            s.append_pair("per_page", &self.per_page.to_string());
        }
        if let Some(f) = &self.format {
            s.append_pair("format", f);
        }
        if let Some(v) = &self.style {
            s.append_pair("style", v);
        }
        if let Some(v) = &self.locale {
            s.append_pair("locale", v);
        }
        let query = s.finish();
        if query.is_empty() {
            "/records".to_string()
        } else {
            format!("/records?{query}")
        }
    }

    /// A copy changed by `f`, back on the first page, without a format.
    pub fn with(&self, f: impl FnOnce(&mut Params)) -> Params {
        let mut p = self.clone();
        p.page = 1;
        p.format = None;
        p.style = None;
        p.locale = None;
        f(&mut p);
        p
    }
}

fn year(v: &str, name: &str) -> Result<i32, Error> {
    v.parse::<i32>()
        .ok()
        .filter(|y| (0..=9999).contains(y))
        .ok_or_else(|| Error::BadRequest(format!("{name} must be a year such as 2015, not {v:?}")))
}

fn number(v: &str, name: &str, min: usize, max: usize) -> Result<usize, Error> {
    v.parse::<usize>()
        .ok()
        .filter(|n| (min..=max).contains(n))
        .ok_or_else(|| {
            if max == usize::MAX {
                Error::BadRequest(format!(
                    "{name} must be a whole number from {min}, not {v:?}"
                ))
            } else {
                Error::BadRequest(format!(
                    "{name} must be a whole number from {min} to {max}, not {v:?}"
                ))
            }
        })
}

/// GET /records
pub async fn records(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let params = Params::parse(raw.as_deref().unwrap_or(""))?;
    let accept = negotiate::accept(&headers);
    let chosen = choose(accept, params.format.as_deref(), &ResultsDoc::ALL)?;
    match chosen.offer {
        ResultsDoc::Citation(format) => export(&state, params, format, &chosen.params).await,
        doc => {
            let index = state.search.clone();
            let req = params.request(false);
            let results = blocking(move || index.search(&req)).await?;
            let mut params = params;
            // Links carry the values as the index knows them (keys).
            params.filters = results.filters.clone();
            let mut response = if doc == ResultsDoc::Json {
                axum::Json(to_json(&state, &params, &results)).into_response()
            } else {
                Html(pages::search::render(&state.search, &params, &results)).into_response()
            };
            response
                .headers_mut()
                .insert(header::VARY, HeaderValue::from_static("accept"));
            Ok(response)
        }
    }
}

/// The number of pages `total` results fill.
pub fn page_count(total: usize, per_page: usize) -> usize {
    total.div_ceil(per_page.max(1))
}

fn plain(h: &Highlighted) -> String {
    format!(
        "{}{}{}",
        if h.cut_before { "…" } else { "" },
        h.text,
        if h.cut_after { "…" } else { "" }
    )
}

fn labelled(index: &SearchIndex, kind: FacetKind, keys: &[String]) -> Value {
    keys.iter()
        .map(|k| json!({ "value": k, "label": index.label(kind, k) }))
        .collect()
}

fn hit_json(state: &AppState, hit: &Hit) -> Value {
    let index = &state.search;
    json!({
        "id": hit.id,
        "iri": state.config.iris.record(&hit.id).as_str(),
        "url": format!("/records/{}", hit.id),
        "title": hit.title.text,
        "title_html": highlighted(&hit.title).into_string(),
        "snippet": plain(&hit.snippet),
        "snippet_html": highlighted(&hit.snippet).into_string(),
        "type": hit.kind.map(RecordKind::title_label),
        "year": hit.year,
        "authors": hit.authors,
        "categories": labelled(index, FacetKind::Category, &hit.categories),
        "countries": labelled(index, FacetKind::Country, &hit.countries),
        "regions": labelled(index, FacetKind::Region, &hit.regions),
        "languages": labelled(index, FacetKind::Language, &hit.languages),
        "score": hit.score,
    })
}

/// The JSON face: the same page, facets and links as the HTML.
fn to_json(state: &AppState, params: &Params, results: &SearchResults) -> Value {
    let mut filters = serde_json::Map::new();
    for (k, v) in &params.filters {
        if let Some(list) = filters
            .entry(k.name())
            .or_insert_with(|| Value::Array(Vec::new()))
            .as_array_mut()
        {
            list.push(Value::String(v.clone()));
        }
    }
    let mut facets = serde_json::Map::new();
    for f in &results.facets {
        facets.insert(
            f.facet.name().to_string(),
            json!({ "values": f.values, "more": f.more }),
        );
    }
    let last = page_count(results.total, params.per_page);
    let link = |page: usize| {
        let p = Params {
            page,
            ..params.clone()
        };
        Value::String(p.href())
    };
    json!({
        "total": results.total,
        "page": params.page,
        "per_page": params.per_page,
        "pages": last,
        "sort": results.sort.name(),
        "query": {
            "q": params.q,
            "filters": filters,
            "year_from": params.year_from,
            "year_to": params.year_to,
        },
        "results": results.hits.iter().map(|h| hit_json(state, h)).collect::<Vec<_>>(),
        "facets": facets,
        "links": {
            "self": link(params.page),
            "prev": if params.page > 1 { link(params.page - 1) } else { Value::Null },
            "next": if params.page < last { link(params.page + 1) } else { Value::Null },
        },
    })
}

/// The whole result set in a citation format, streamed: ids come from one
/// snapshot of the index, records are read from the store one at a time
/// and written through a bounded channel, so memory stays flat whatever
/// the size of the result and a client that goes away stops the work.
async fn export(
    state: &AppState,
    params: Params,
    format: Format,
    media_params: &[(String, String)],
) -> Result<Response, Error> {
    let mut opts = ExportOptions {
        ascii: params.ascii,
        style: params.style.clone(),
        locale: params.locale.clone(),
        html: false,
    };
    for (k, v) in media_params {
        match k.as_str() {
            "style" if opts.style.is_none() => opts.style = Some(v.clone()),
            "locale" if opts.locale.is_none() => opts.locale = Some(v.clone()),
            _ => {}
        }
    }
    // An unknown style is a 400 now, not a broken stream later.
    state.exporter.check(format, &opts)?;
    let index = state.search.clone();
    let req = params.request(true);
    let (total, ids) = blocking(move || index.ids(&req)).await?;
    if total == 0 {
        return Err(Error::NotFound(
            "no records match this search, so there is nothing to export".into(),
        ));
    }
    let mut response = stream_citations(state, ids, format, opts, &stem(&params));
    response
        .headers_mut()
        .insert("palermo-total-results", HeaderValue::from(total));
    Ok(response)
}

/// Records by id, in the order given, written in a citation format as a
/// streamed body: read one at a time (through the record cache, from the
/// side file when it is current, else from the triples), ids whose record
/// is gone since skipped. `/records` exports and
/// `/cite` answer through it.
pub(super) fn stream_citations<I>(
    state: &AppState,
    ids: I,
    format: Format,
    opts: ExportOptions,
    stem: &str,
) -> Response
where
    I: Iterator<Item = Result<String, Error>> + Send + 'static,
{
    let (store, side, exporter, cache) = (
        state.store.clone(),
        state.side.clone(),
        state.exporter.clone(),
        state.cache.clone(),
    );
    let body = streamed(CHUNK, move |writer| {
        // The store's generation is read once: the whole export comes from
        // the side file if it matched then, else from the triples.
        let source = side.source(&store)?;
        let mut reader = source.reader();
        let records = ids.filter_map(|id| match id {
            Ok(id) => match cache.read_record(&source, &mut reader, &id) {
                Ok(Some(r)) => Some(Ok(std::sync::Arc::unwrap_or_clone(r))),
                // Deleted since the search: skipped, as `records_from_store` does.
                Ok(None) => None,
                Err(e) => Some(Err(e)),
            },
            Err(e) => Some(Err(e)),
        });
        exporter.write_records(format, records, &opts, writer)?;
        Ok(())
    });
    let mut response = Response::new(body);
    *response.status_mut() = StatusCode::OK;
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type(&ExportOptions::default())),
    );
    if format != Format::Bibliography
        && let Ok(v) = HeaderValue::from_str(&format.content_disposition(stem))
    {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::VARY, HeaderValue::from_static("accept"));
    response
}

/// The file name of an export: what was searched for.
fn stem(params: &Params) -> String {
    let mut words = vec!["palermo".to_string()];
    if !params.q.is_empty() {
        words.push(params.q.clone());
    }
    for (_, v) in &params.filters {
        words.push(v.clone());
    }
    crate::normalize::short_slug(&words.join(" "), 8, 60)
}

/// Bytes per message on the channel: large enough to keep the per-message
/// cost low, small enough that the first bytes leave quickly.
const CHUNK: usize = 32 * 1024;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_are_checked_and_named() {
        let p = Params::parse("q=labour+exploitation&country=BA&country=RS&year_from=2010&page=2&per_page=50&sort=title&utm_source=x").unwrap();
        assert_eq!(p.q, "labour exploitation");
        assert_eq!(
            p.filters,
            vec![
                (FacetKind::Country, "BA".to_string()),
                (FacetKind::Country, "RS".to_string())
            ]
        );
        assert_eq!((p.year_from, p.page, p.per_page), (Some(2010), 2, 50));
        assert_eq!(p.sort, Some(Sort::Title));
        assert_eq!(p.request(false).offset, 50);
        for (raw, name) in [
            ("year_from=abc", "year_from"),
            ("year_to=20155", "year_to"),
            ("page=0", "page"),
            ("page=-1", "page"),
            ("per_page=1000", "per_page"),
            ("sort=random", "sort"),
            ("q=a&q=b", "q"),
            ("year_from=2020&year_to=2010", "year_from"),
        ] {
            match Params::parse(raw) {
                Err(Error::BadRequest(m)) => assert!(m.contains(name), "{raw}: {m}"),
                other => panic!("{raw}: {other:?}"),
            }
        }
        // An untouched form field is no filter.
        assert_eq!(
            Params::parse("q=&country=&year_from=").unwrap().filters,
            vec![]
        );
    }

    #[test]
    fn links_round_trip() {
        let raw = "q=%3Cscript%3E&region=western-balkans&year_to=2019&sort=year&page=3";
        let p = Params::parse(raw).unwrap();
        let again = Params::parse(p.href().trim_start_matches("/records?")).unwrap();
        assert_eq!(p, again);
        assert!(!p.href().contains('<'));
    }
}
