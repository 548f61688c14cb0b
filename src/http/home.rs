//! The home page: what the catalogue holds and where to go next.

use super::AppState;
use crate::error::Error;
use crate::stats::Stats;
use axum::extract::State;
use axum::response::Html;

/// Escape text for HTML element content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, Error> {
    let store = state.store.clone();
    let iris = state.config.iris.clone();
    let stats = tokio::task::spawn_blocking(move || Stats::compute(&store, &iris))
        .await
        .map_err(|e| Error::Io(e.to_string()))??;
    // The catalogue's own facets, to browse from: the search index counts
    // them in one pass. Without an index the page still says what is here.
    let index = state.search.clone();
    let browse =
        tokio::task::spawn_blocking(move || index.search(&crate::search::SearchRequest::default()))
            .await
            .map_err(|e| Error::Io(e.to_string()))?
            .map(|r| r.facets)
            .unwrap_or_default();
    let mut facets = String::new();
    for f in &browse {
        use crate::search::FacetKind;
        if !matches!(
            f.facet,
            FacetKind::Category | FacetKind::Region | FacetKind::Language
        ) {
            continue;
        }
        let items: String = f
            .values
            .iter()
            .take(10)
            .map(|v| {
                let href: String = form_urlencoded::Serializer::new(String::new())
                    .append_pair(f.facet.name(), &v.value)
                    .finish();
                format!(
                    "<li><a href=\"/records?{}\">{}</a> <span class=\"count\">({})</span></li>",
                    escape(&href),
                    escape(&v.label),
                    v.count
                )
            })
            .collect();
        facets.push_str(&format!(
            "<section data-facet=\"{}\"><h2>{}</h2><ul>{items}</ul></section>",
            f.facet.name(),
            f.facet.title()
        ));
    }
    Ok(Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Palermo: publications on human trafficking and migrant smuggling</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}
input[type=search]{{width:min(30rem,100%);font-size:1.05rem;padding:.3rem}} button{{font-size:1rem;padding:.25rem .9rem}}
.browse{{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0 2rem}} .browse h2{{font-size:1.1rem}} .count{{color:#555}}</style>
</head><body>
<h1>Palermo</h1>
<p>A linked-data catalogue of publications on human trafficking and migrant smuggling.</p>
<form method="get" action="/records" role="search" id="search-form">
<label for="q">Search titles, abstracts, authors and subjects</label><br>
<input type="search" id="q" name="q" placeholder="e.g. labour exploitation" maxlength="{maxlen}">
<button type="submit">Search</button> <a href="/records">Browse all records</a>
</form>
<p><strong id="record-count">{records}</strong> records, {triples} triples, {agents} authors and publishers, {countries} countries covered.</p>
<div class="browse">{facets}</div>
<h2>For machines</h2>
<ul>
<li><a href="/query">SPARQL query page</a> (endpoint <code>/sparql</code>), with full-text search through <code>pal:score</code>.</li>
<li>Every search result as <a href="/records?format=json">JSON</a>, <a href="/records?format=bibtex">BibTeX</a>, <a href="/records?format=ris">RIS</a>, <a href="/records?format=csljson">CSL-JSON</a> or <a href="/records?format=bibliography">formatted references</a>.</li>
</ul>
<p>Base IRI: <code>{base}</code></p>
</body></html>"#,
        records = stats.records,
        triples = stats.triples,
        agents = stats.agents,
        countries = stats.countries,
        base = escape(state.config.iris.base()),
        maxlen = crate::search::MAX_QUERY_CHARS,
    )))
}
