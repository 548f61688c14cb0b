//! `/records/{id}`: one record, content-negotiated like Crossref's DOI
//! resolver (landing page, RDF, citation formats, formatted references with
//! `style=`/`locale=`), the same at `/records/{id}.{ext}`, and `/unapi`.

use super::AppState;
use super::cache;
use super::error::Failure;
use super::negotiate::{self, Negotiated, Offer, choose, wants_html};
use super::pages::record::{Landing, SHOWN_STYLES, schema_type};
use super::pages::{self, Doc};
use super::plumbing::{
    Representation, blocking, parse_modified, query_param, split_extension, valid_key,
};
use crate::error::Error;
use crate::export::{ExportOptions, Format};
use crate::oai::xml::Xml;
use crate::rdf::{Iris, describe, meta, read};
use crate::record::Record;
use crate::side::SideFile;
use crate::store::Store;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::html;
use std::collections::BTreeMap;

/// Every representation of a record. The page comes first: it is what a
/// client that states no preference gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordDoc {
    Rdf(Doc),
    Citation(Format),
}

impl RecordDoc {
    pub const ALL: [RecordDoc; 9] = [
        RecordDoc::Rdf(Doc::Html),
        RecordDoc::Rdf(Doc::Turtle),
        RecordDoc::Rdf(Doc::NTriples),
        RecordDoc::Rdf(Doc::RdfXml),
        RecordDoc::Rdf(Doc::JsonLd),
        RecordDoc::Citation(Format::BibTeX),
        RecordDoc::Citation(Format::Ris),
        RecordDoc::Citation(Format::CslJson),
        RecordDoc::Citation(Format::Bibliography),
    ];

    /// `ttl nt rdf jsonld bib ris json txt` (and `html`).
    pub fn from_extension(ext: &str) -> Option<RecordDoc> {
        Doc::from_extension(ext)
            .map(RecordDoc::Rdf)
            .or_else(|| Format::from_extension(ext).map(RecordDoc::Citation))
    }

    pub fn extension(self) -> &'static str {
        match self {
            RecordDoc::Rdf(d) => d.extension(),
            RecordDoc::Citation(f) => f.extension(),
        }
    }
}

impl Offer for RecordDoc {
    fn media_type(&self) -> &'static str {
        match self {
            RecordDoc::Rdf(d) => d.media_type(),
            RecordDoc::Citation(f) => f.media_type(),
        }
    }
    fn aliases(&self) -> &'static [&'static str] {
        match self {
            RecordDoc::Rdf(d) => d.aliases(),
            RecordDoc::Citation(f) => f.aliases(),
        }
    }
    fn names(&self) -> &'static [&'static str] {
        match self {
            RecordDoc::Rdf(d) => d.names(),
            RecordDoc::Citation(f) => f.names(),
        }
    }
}

/// Parameters of a formatted reference: query parameters win over those
/// of the `Accept` range (`text/x-bibliography; style=apa`).
fn export_options(raw_query: Option<&str>, accept_params: &[(String, String)]) -> ExportOptions {
    let mut media = String::from(Format::Bibliography.media_type());
    for (k, v) in accept_params {
        media.push_str(&format!("; {k}={v}"));
    }
    ExportOptions {
        ascii: query_param(raw_query, "ascii").is_some_and(|v| v == "1" || v == "true"),
        style: query_param(raw_query, "style"),
        locale: query_param(raw_query, "locale"),
        html: false,
    }
    .with_media_type_params(&media)
}

/// The parameters of the client's `text/x-bibliography` range, if any, for
/// suffix URLs (which skip negotiation but still read the style).
fn bibliography_params(accept: Option<&str>) -> Vec<(String, String)> {
    let Some(accept) = accept else {
        return Vec::new();
    };
    accept
        .split(',')
        .find(|r| {
            r.split(';').next().is_some_and(|m| {
                m.trim()
                    .eq_ignore_ascii_case(Format::Bibliography.media_type())
            })
        })
        .map(|r| {
            r.split(';')
                .skip(1)
                .filter_map(|p| p.split_once('='))
                .map(|(k, v)| {
                    (
                        k.trim().to_ascii_lowercase(),
                        v.trim().trim_matches('"').to_string(),
                    )
                })
                .filter(|(k, _)| k != "q")
                .collect()
        })
        .unwrap_or_default()
}

/// FAIR Signposting (signposting.org/FAIR): the identifier to cite, every
/// description of the record, its type and its authors.
fn signposting(iris: &Iris, record: &Record) -> Vec<String> {
    let iri = iris.record(&record.id).into_string();
    let mut links = vec![format!("<{iri}>; rel=\"cite-as\"")];
    for d in Doc::RDF {
        links.push(format!(
            "<{iri}.{}>; rel=\"describedby\"; type=\"{}\"",
            d.extension(),
            d.media_type()
        ));
    }
    for f in Format::ALL {
        links.push(format!(
            "<{iri}.{}>; rel=\"describedby\"; type=\"{}\"",
            f.extension(),
            f.media_type()
        ));
    }
    links.push(format!(
        "<https://schema.org/{}>; rel=\"type\"",
        schema_type(record.kind)
    ));
    links.push("<https://schema.org/AboutPage>; rel=\"type\"".into());
    for a in &record.authors {
        links.push(format!(
            "<{}>; rel=\"author\"",
            iris.agent(&a.key()).as_str()
        ));
    }
    links
}

/// What the store says about one record, read in one blocking task.
struct Loaded {
    record: Record,
    modified: Option<String>,
    graph: Option<oxigraph::model::Graph>,
    labels: BTreeMap<String, String>,
}

/// Read what one representation needs: the RDF description only for RDF
/// syntaxes, concept labels only for the HTML page (exports take labels
/// from the schemes compiled in), so single-record exports stay cheap.
fn load(
    store: &Store,
    side: &SideFile,
    id: &str,
    rdf: bool,
    html: bool,
) -> Result<Option<Loaded>, Error> {
    let source = side.source(store)?;
    let iris = source.iris();
    let Some(record) = source.record(&mut source.reader(), id)? else {
        return Ok(None);
    };
    // The store-wide fallback scans every date: only for records without one.
    let modified = match meta::modified(store, iris, id)? {
        Some(m) => Some(m),
        None => meta::last_modified(store, iris)?,
    };
    let graph = if rdf {
        describe::record(store, iris, id)?
    } else {
        None
    };
    let mut labels = BTreeMap::new();
    if html {
        let linked = record
            .categories
            .iter()
            .map(|k| iris.category(k))
            .chain(record.countries.iter().map(|k| iris.country(k)))
            .chain(record.regions.iter().map(|k| iris.region(k)))
            .chain(record.languages.iter().map(|k| iris.language(k)));
        let linked: Vec<oxigraph::model::NamedNode> = linked.collect();
        let found = describe::labels_of(store, &linked)?;
        for (iri, l) in linked.into_iter().zip(found) {
            if let Some(l) = l {
                labels.insert(iri.into_string(), l);
            }
        }
    }
    Ok(Some(Loaded {
        record,
        modified,
        graph,
        labels,
    }))
}

/// Ids of the records whose ids share the most words with `id`: the
/// suggestions of a 404 page.
fn similar_ids(store: &Store, iris: &Iris, id: &str) -> Result<Vec<describe::Summary>, Error> {
    let words: Vec<&str> = id.split('-').filter(|w| w.len() > 2).collect();
    let mut scored: Vec<(usize, String)> = read::record_ids(store, iris)?
        .into_iter()
        .map(|other| {
            let score = other.split('-').filter(|w| words.contains(w)).count();
            (score, other)
        })
        .filter(|(s, _)| *s > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let similar: Vec<String> = scored.into_iter().take(5).map(|(_, id)| id).collect();
    Ok(describe::summaries_of(store, iris, &similar)?
        .into_iter()
        .flatten()
        .collect())
}

/// 404 for an unknown record, with suggestions on its page; 410 for a
/// record its source dropped (harvesters should delete their copy).
/// `suggest`: whether a page will show suggestions, which cost a scan of
/// every id.
async fn missing(state: &AppState, id: &str, suggest: bool) -> Failure {
    let (store, iris, key) = (
        state.store.clone(),
        state.config.iris.clone(),
        id.to_string(),
    );
    let found = blocking(move || {
        let gone = valid_key(&key) && meta::deleted(&store, &iris, &key)?;
        let similar = if suggest {
            similar_ids(&store, &iris, &key)?
        } else {
            Vec::new()
        };
        Ok((gone, similar))
    })
    .await;
    let (gone, similar) = match found {
        Ok(v) => v,
        Err(e) => return e.into(),
    };
    if gone {
        return Error::Withdrawn(format!(
            "the record {id} was withdrawn from the catalogue (its source no longer lists it)"
        ))
        .into();
    }
    Error::NotFound(format!(
        "no record with id \"{id}\"; record ids are listed at /sitemap.xml and searchable with SPARQL at /sparql"
    ))
    .with_page(html! {
        @if !similar.is_empty() {
            h2 { "Did you mean" }
            (pages::concept::record_list(&similar))
        }
        p {
            "Browse by " a href="/id/category/" { "category" } ", "
            a href="/id/country/" { "country" } " or " a href="/id/agent/" { "author" }
            ", or query the catalogue on the " a href="/query" { "SPARQL page" } "."
        }
    })
}

/// GET `/records/{id}` and `/records/{id}.{ext}`.
pub async fn record(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Negotiated(method, query, headers): Negotiated,
) -> Result<Response, Failure> {
    let accept = negotiate::accept(&headers);
    let (id, ext) = split_extension(&raw);
    let (doc, params) = match ext {
        Some(ext) => {
            let doc = RecordDoc::from_extension(ext).ok_or_else(|| {
                let known: Vec<&str> = RecordDoc::ALL.iter().map(|d| d.extension()).collect();
                Error::NotFound(format!(
                    "/records/{raw}: unknown extension .{ext}; known: {}",
                    known.join(", ")
                ))
            })?;
            (doc, bibliography_params(accept))
        }
        None => {
            let format = query_param(query.as_deref(), "format");
            let chosen = choose(accept, format.as_deref(), &RecordDoc::ALL)?;
            (chosen.offer, chosen.params)
        }
    };
    let suggest = wants_html(accept);
    if !valid_key(id) {
        return Err(missing(&state, id, suggest).await);
    }
    let mut opts = export_options(query.as_deref(), &params);
    if let Err(e) = state.exporter.check(Format::Bibliography, &opts) {
        // Only formatted references and the page read the style.
        if matches!(
            doc,
            RecordDoc::Citation(Format::Bibliography) | RecordDoc::Rdf(Doc::Html)
        ) {
            return Err(e.with_page(
                html! { p { a href={"/records/" (id)} { "The record with the default style" } } },
            ));
        }
    }
    opts.html = false;
    let cache_key = cache::Key::new(id, doc, ext.is_some(), &opts);
    let generation = match state.cache.get(&cache_key) {
        Ok(kept) => return Ok(kept.respond(&method, &headers)),
        Err(generation) => generation,
    };
    let (store, side, key) = (state.store.clone(), state.side.clone(), id.to_string());
    let rdf = matches!(doc, RecordDoc::Rdf(d) if d != Doc::Html);
    let html = matches!(doc, RecordDoc::Rdf(Doc::Html));
    let Some(loaded) = blocking(move || load(&store, &side, &key, rdf, html)).await? else {
        return Err(missing(&state, id, suggest).await);
    };
    let iris = &state.config.iris;
    let mut rep = match doc {
        RecordDoc::Rdf(Doc::Html) => {
            let body = landing(&state, &loaded, &opts)?;
            Representation::new(Doc::Html.content_type(), body.into_bytes())
        }
        RecordDoc::Rdf(d) => {
            let graph = loaded
                .graph
                .as_ref()
                .ok_or_else(|| Error::NotFound(format!("no record with id \"{id}\"")))?;
            Representation::new(d.content_type(), pages::serialize(graph, d, iris)?)
        }
        RecordDoc::Citation(format) => {
            let body = state.exporter.render(format, &loaded.record, &opts)?;
            let mut rep = Representation::new(format.content_type(&opts), body.into_bytes());
            if ext.is_some() && format != Format::Bibliography {
                rep.content_disposition = Some(format.content_disposition(id));
            }
            rep
        }
    };
    rep.last_modified = loaded.modified.as_deref().and_then(parse_modified);
    rep.links = signposting(iris, &loaded.record);
    if ext.is_some() {
        rep.links
            .push(format!("<{}>; rel=\"describes\"", iris.record(id).as_str()));
    }
    let prepared = std::sync::Arc::new(rep.prepare());
    state.cache.insert(cache_key, generation, prepared.clone());
    Ok(prepared.respond(&method, &headers))
}

/// Render the landing page, with references in the picked style and a few
/// common ones.
fn landing(state: &AppState, loaded: &Loaded, opts: &ExportOptions) -> Result<String, Error> {
    let selected = opts
        .style
        .clone()
        .map(|s| s.trim().to_lowercase())
        .unwrap_or_else(|| SHOWN_STYLES[0].to_string());
    let known = state.exporter.styles().names();
    let mut citations = Vec::new();
    for style in std::iter::once(selected.as_str()).chain(SHOWN_STYLES.iter().copied()) {
        if citations.iter().any(|(s, _): &(String, String)| s == style) {
            continue;
        }
        // The page offers the styles this build knows; skip one it lacks
        // rather than fail the page (the picked one was checked already).
        if style != selected && !known.iter().any(|k| k == style) {
            continue;
        }
        let o = ExportOptions {
            style: Some(style.to_string()),
            locale: opts.locale.clone(),
            html: false,
            ascii: false,
        };
        let text = state
            .exporter
            .render(Format::Bibliography, &loaded.record, &o)?;
        citations.push((style.to_string(), text.trim().to_string()));
    }
    let page = Landing {
        record: &loaded.record,
        iris: &state.config.iris,
        labels: &loaded.labels,
        citations,
        styles: known,
        selected_style: selected,
        modified: loaded.modified.clone(),
    };
    Ok(page.render())
}

/// The unAPI formats we offer: RIS, BibTeX and CSL-JSON.
///
/// Not MODS, although we write it for OAI-PMH: Zotero's unAPI translator
/// takes MODS over RIS when both are offered, and its MODS import keeps
/// less of our records than its RIS import. It reads no genre into a
/// report's type (RIS `M3` is kept as `reportType`), makes tags only of
/// `subject/topic` (our countries and regions, RIS `KW`, would be lost),
/// and turns every `note` into a child note (`zotero/translators`,
/// `MODS.js` and `unAPI.js`).
const UNAPI: [(&str, Format); 3] = [
    ("ris", Format::Ris),
    ("bibtex", Format::BibTeX),
    ("csljson", Format::CslJson),
];

fn unapi_formats(id: Option<&str>) -> String {
    let mut xml = Xml::new();
    match id {
        Some(id) => xml.open("formats", &[("id", id)]),
        None => xml.open("formats", &[]),
    };
    for (name, f) in UNAPI {
        let docs = match f {
            Format::Ris => "https://en.wikipedia.org/wiki/RIS_(file_format)",
            Format::BibTeX => "https://www.bibtex.org/Format/",
            _ => "https://citeproc-js.readthedocs.io/en/latest/csl-json/markup.html",
        };
        xml.empty(
            "format",
            &[("name", name), ("type", f.media_type()), ("docs", docs)],
        );
    }
    xml.finish()
}

/// GET `/unapi` (unAPI 1.0, as Zotero's unAPI translator uses it): the
/// formats; with `id`, the formats of that record (300); with `id` and
/// `format`, the record in that format.
pub async fn unapi(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let xml = |status: StatusCode, body: String| {
        (
            status,
            [(header::CONTENT_TYPE, crate::media::XML_UTF8)],
            body,
        )
            .into_response()
    };
    let id = query_param(query.as_deref(), "id");
    let format = query_param(query.as_deref(), "format");
    let Some(id) = id else {
        return Ok(xml(StatusCode::OK, unapi_formats(None)));
    };
    // Zotero and others may send the full IRI as the id.
    let id = state
        .config
        .iris
        .record_id(&id)
        .map(str::to_string)
        .unwrap_or(id);
    let no_record = || Error::NotFound(format!("no record with id \"{id}\""));
    if !valid_key(&id) {
        return Err(no_record());
    }
    let (store, side, key) = (state.store.clone(), state.side.clone(), id.clone());
    let record = blocking(move || {
        let source = side.source(&store)?;
        source.record(&mut source.reader(), &key)
    })
    .await?
    .ok_or_else(no_record)?;
    let Some(format) = format else {
        return Ok(xml(StatusCode::MULTIPLE_CHOICES, unapi_formats(Some(&id))));
    };
    let Some((_, f)) = UNAPI
        .iter()
        .find(|(n, _)| *n == format.to_ascii_lowercase())
    else {
        return Err(Error::NotAcceptable(
            UNAPI.iter().map(|(n, _)| n.to_string()).collect(),
        ));
    };
    let opts = ExportOptions::default();
    let body = state.exporter.render(*f, &record, &opts)?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, f.content_type(&opts).to_string())],
        body,
    )
        .into_response())
}
