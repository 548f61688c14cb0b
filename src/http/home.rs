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
    let mut categories = String::new();
    for (iri, n) in &stats.by_category {
        let key = iri.rsplit('/').next().unwrap_or_default();
        categories.push_str(&format!("<li>{} ({n})</li>", escape(key)));
    }
    Ok(Html(format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Palermo: publications on human trafficking and migrant smuggling</title>
<style>body{{font-family:system-ui,sans-serif;max-width:50rem;margin:2rem auto;padding:0 1rem;line-height:1.5;color:#1a1a1a}}</style>
</head><body>
<h1>Palermo</h1>
<p>A linked-data catalogue of publications on human trafficking and migrant smuggling.</p>
<p><strong id="record-count">{records}</strong> records, {triples} triples, {agents} authors and publishers, {countries} countries covered.</p>
<h2>Categories</h2><ul>{categories}</ul>
<p>Base IRI: <code>{base}</code></p>
</body></html>"#,
        records = stats.records,
        triples = stats.triples,
        agents = stats.agents,
        countries = stats.countries,
        base = escape(state.config.iris.base()),
    )))
}
