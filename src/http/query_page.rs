//! `/query`: the query page. A form that works without JavaScript, example
//! queries a librarian would ask, results as a table with links, and
//! downloads in every format.

use super::AppState;
use super::pages::query::{self, QueryPage};
use super::sparql::{Request, run};
use crate::error::Error;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use maud::html;

/// (title, query) pairs; `{base}` is replaced by the base IRI.
pub const EXAMPLES: &[(&str, &str)] = &[
    (
        "Manuals and toolkits on labour exploitation since 2010",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX pal: <{base}ontology#>\nSELECT ?record ?title ?year WHERE {\n  ?record a ?type ; dcterms:title ?title ; dcterms:issued ?year .\n  VALUES ?type { pal:Manual pal:Toolkit }\n  FILTER(CONTAINS(LCASE(?title), \"labour\") && YEAR(?year) >= 2010)\n} ORDER BY ?year",
    ),
    (
        "Publications per year",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?year (COUNT(DISTINCT ?record) AS ?publications) WHERE {\n  ?record a dcterms:BibliographicResource ; dcterms:issued ?year .\n} GROUP BY ?year ORDER BY ?year",
    ),
    (
        "Publications covering a country (Bosnia and Herzegovina)",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?record ?title WHERE {\n  ?record dcterms:spatial <{base}id/country/BA> ; dcterms:title ?title .\n}",
    ),
    (
        "Publications per region",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?region ?label (COUNT(DISTINCT ?record) AS ?publications) WHERE {\n  ?record dcterms:spatial ?region .\n  ?region skos:inScheme <{base}id/region/> ; skos:prefLabel ?label .\n} GROUP BY ?region ?label ORDER BY DESC(?publications)",
    ),
    (
        // SPARQL does not order what `rdf:rest*/rdf:first` walks (nor what
        // GROUP_CONCAT joins): each author's position is the number of list
        // cells from the head to its own, and the rows are ordered by it.
        "Publications in a category (Law Enforcement), with authors in order",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX bibo: <http://purl.org/ontology/bibo/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nSELECT ?record ?title (COUNT(?before) AS ?position) ?name WHERE {\n  ?record dcterms:subject <{base}id/category/law-enforcement> ; dcterms:title ?title .\n  OPTIONAL {\n    ?record bibo:authorList ?list .\n    ?list rdf:rest* ?before . ?before rdf:rest* ?cell .\n    ?cell rdf:first/foaf:name ?name .\n  }\n} GROUP BY ?record ?title ?cell ?name ORDER BY ?title ?record ?position",
    ),
    (
        "Works by an author (Claire Healy)",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\nSELECT ?record ?title ?year WHERE {\n  ?record dcterms:creator ?author ; dcterms:title ?title .\n  ?author foaf:name \"Claire Healy\" .\n  OPTIONAL { ?record dcterms:issued ?year }\n}",
    ),
    (
        "Records missing an abstract",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?record ?title WHERE {\n  ?record a dcterms:BibliographicResource ; dcterms:title ?title .\n  FILTER NOT EXISTS { ?record dcterms:abstract ?abstract }\n} ORDER BY ?title",
    ),
    (
        "Repairs the importer made that a curator should review",
        "PREFIX pal: <{base}ontology#>\nSELECT ?record ?field ?original ?repaired WHERE {\n  ?record pal:repair ?r .\n  ?r pal:field ?field ; pal:originalValue ?original ; pal:repairedValue ?repaired ; pal:isGuess true .\n}",
    ),
    (
        "Where each record came from",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?graph (COUNT(DISTINCT ?record) AS ?records) WHERE {\n  GRAPH ?graph { ?record dcterms:source ?source }\n} GROUP BY ?graph",
    ),
    (
        "Federated: country labels from Wikidata (needs --service-allow https://query.wikidata.org/)",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX owl: <http://www.w3.org/2002/07/owl#>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\nSELECT DISTINCT ?country ?wikidata ?label WHERE {\n  ?record dcterms:spatial ?country . ?country owl:sameAs ?wikidata .\n  SERVICE <https://query.wikidata.org/sparql> { ?wikidata rdfs:label ?label FILTER(LANG(?label) = \"fr\") }\n}",
    ),
    (
        "Full-text search: publications about labour exploitation, best match first (pal:score; pal:matches gives true/false)",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX pal: <{base}ontology#>\nSELECT ?record ?title ?score WHERE {\n  ?record a dcterms:BibliographicResource ; dcterms:title ?title .\n  BIND(pal:score(?record, \"labour exploitation\") AS ?score)\n  FILTER(BOUND(?score))\n} ORDER BY DESC(?score)",
    ),
];

/// GET /query[?query=…]
pub async fn page(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Response, Error> {
    let mut req = Request::default();
    Request::from_form(raw.as_deref().unwrap_or("").as_bytes(), &mut req)?;
    let base = state.config.iris.base();
    let query = req
        .query
        .clone()
        .unwrap_or_else(|| EXAMPLES[1].1.replace("{base}", base));
    // A failed query is shown on the page, under the editor that holds it,
    // with the status the endpoint would have given.
    let (status, results) = match &req.query {
        None => (StatusCode::OK, html! {}),
        Some(_) => match run(&state, &query, &req, Some(&table_formats()))
            .await
            .and_then(|answer| query::results(&answer, base))
        {
            Ok(table) => (StatusCode::OK, table),
            Err(e) => (e.status(), query::error(&e)),
        },
    };
    let page = QueryPage {
        query: &query,
        base,
        timeout_secs: state.config.query_timeout.as_secs_f32(),
        max_rows: state.config.max_rows,
        styles: state.exporter.styles().names(),
        results,
    };
    let mut response = (status, Html(page.render())).into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY),
    );
    Ok(response)
}

/// The page loads and asks only its own origin: its script, stylesheets,
/// map geometry and every query are same-origin files and routes, and the
/// page has no inline script or style (`pages::layout_linked`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'";

/// What the table asks `/sparql` for: results, or N-Triples for graphs.
fn table_formats() -> String {
    use super::negotiate::Offer;
    format!(
        "{}, {};q=0.9",
        super::sparql::ResultsFormat::Json.media_type(),
        super::sparql::GraphFormat::NTriples.media_type()
    )
}
