//! `/query`: the query page. A form that works without JavaScript, example
//! queries a librarian would ask, results as a table with links, and
//! downloads in every format.

use super::AppState;
use super::home::escape;
use super::negotiate::Offer;
use super::sparql::{GraphFormat, Request, ResultsFormat, run};
use crate::error::Error;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

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
        "Publications in a category (Law Enforcement), with authors in order",
        "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX bibo: <http://purl.org/ontology/bibo/>\nPREFIX foaf: <http://xmlns.com/foaf/0.1/>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\nSELECT ?record ?title (GROUP_CONCAT(?name; separator=\"; \") AS ?authors) WHERE {\n  ?record dcterms:subject <{base}id/category/law-enforcement> ; dcterms:title ?title .\n  OPTIONAL { ?record bibo:authorList/rdf:rest*/rdf:first ?a . ?a foaf:name ?name }\n} GROUP BY ?record ?title ORDER BY ?title",
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
    let base = state.config.iris.base().to_string();
    let query = req
        .query
        .clone()
        .unwrap_or_else(|| EXAMPLES[1].1.replace("{base}", &base));
    let mut status = StatusCode::OK;
    let results = if req.query.is_some() {
        match table(&state, &query, &req).await {
            Ok(html) => html,
            Err(e) => {
                status = e.status();
                format!(
                    "<p class=\"error\" role=\"alert\"><strong>Error:</strong> {}</p>",
                    escape(&e.to_string())
                )
            }
        }
    } else {
        String::new()
    };
    let encoded: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", &query)
        .finish();
    let downloads: Vec<String> = ResultsFormat::ALL
        .iter()
        .map(|f| (f.names()[0], f.media_type()))
        .chain(
            GraphFormat::ALL
                .iter()
                .map(|f| (f.names()[0], f.media_type())),
        )
        .map(|(name, media)| {
            format!("<a href=\"/sparql?{encoded}&amp;format={name}\" title=\"{media}\">{name}</a>")
        })
        .collect();
    let examples: String = EXAMPLES
        .iter()
        .map(|(title, q)| {
            let q = q.replace("{base}", &base);
            let href: String = form_urlencoded::Serializer::new(String::new())
                .append_pair("query", &q)
                .finish();
            format!("<li><a href=\"/query?{href}\">{}</a></li>", escape(title))
        })
        .collect();
    let html = format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>SPARQL query – Palermo</title>
<style>
body{{font-family:system-ui,sans-serif;max-width:70rem;margin:1.5rem auto;padding:0 1rem;line-height:1.45;color:#1a1a1a}}
textarea{{width:100%;min-height:14rem;font-family:ui-monospace,monospace;font-size:.95rem}}
table{{border-collapse:collapse;width:100%;font-size:.9rem}} th,td{{border:1px solid #bbb;padding:.25rem .4rem;text-align:left;vertical-align:top}}
th{{background:#eee}} .error{{color:#8b0000}} .note{{color:#444}} button{{font-size:1rem;padding:.3rem 1rem}}
</style></head><body>
<nav><a href="/">Palermo</a> › SPARQL query</nav>
<h1>SPARQL query</h1>
<form method="get" action="/query">
<label for="query">Query (SPARQL 1.1; the default graph is the union of all sources)</label>
<textarea id="query" name="query" spellcheck="false">{query}</textarea>
<p><button type="submit">Run query</button></p>
</form>
<p class="note">Endpoint: <code>{base}sparql</code>. Deadline {timeout}s, at most {rows} rows. Download these results: {downloads}</p>
<section aria-labelledby="results-h"><h2 id="results-h">Results</h2>{results}</section>
<section aria-labelledby="examples-h"><h2 id="examples-h">Example queries</h2><ul>{examples}</ul></section>
</body></html>"#,
        query = escape(&query),
        base = escape(&base),
        timeout = state.config.query_timeout.as_secs_f32(),
        rows = state.config.max_rows,
        downloads = downloads.join(" · "),
    );
    Ok((status, Html(html)).into_response())
}

/// Run the query and render its results as an HTML table.
async fn table(state: &AppState, query: &str, req: &Request) -> Result<String, Error> {
    let answer = run(
        state,
        query,
        req,
        Some("application/sparql-results+json, application/n-triples;q=0.9"),
    )
    .await?;
    let base = state.config.iris.base();
    let cell = |value: &str, is_iri: bool| -> String {
        if is_iri {
            // Our own IRIs link to their pages; others open where they point.
            let href = value
                .strip_prefix(base)
                .map(|p| format!("/{p}"))
                .unwrap_or_else(|| value.to_string());
            format!("<a href=\"{}\">{}</a>", escape(&href), escape(value))
        } else {
            escape(value)
        }
    };
    let mut html = String::new();
    if let Some(n) = answer.truncated_at {
        html.push_str(&format!("<p class=\"error\" role=\"status\">Only the first {n} results are shown: the result was cut at the row limit.</p>"));
    }
    if answer.media_type == "application/n-triples" {
        let text = String::from_utf8_lossy(&answer.body);
        html.push_str("<table><thead><tr><th>subject</th><th>predicate</th><th>object</th></tr></thead><tbody>");
        let mut n = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            n += 1;
            html.push_str(&format!(
                "<tr><td colspan=\"3\"><code>{}</code></td></tr>",
                escape(line)
            ));
        }
        html.push_str(&format!("</tbody></table><p>{n} triples</p>"));
        return Ok(html);
    }
    let json: serde_json::Value =
        serde_json::from_slice(&answer.body).map_err(|e| Error::Io(e.to_string()))?;
    if let Some(b) = json.get("boolean") {
        return Ok(format!("<p><strong>{b}</strong></p>"));
    }
    let vars: Vec<String> = json["head"]["vars"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect();
    html.push_str("<table><thead><tr>");
    for v in &vars {
        html.push_str(&format!("<th scope=\"col\">{}</th>", escape(v)));
    }
    html.push_str("</tr></thead><tbody>");
    let rows = json["results"]["bindings"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for row in &rows {
        html.push_str("<tr>");
        for v in &vars {
            let b = &row[v];
            let value = b["value"].as_str().unwrap_or("");
            html.push_str(&format!("<td>{}</td>", cell(value, b["type"] == "uri")));
        }
        html.push_str("</tr>");
    }
    html.push_str(&format!("</tbody></table><p>{} rows</p>", rows.len()));
    Ok(html)
}
