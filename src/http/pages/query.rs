//! The query page of `/query`: the editor, the results as a table with
//! links, downloads in every format and the example queries.

use super::layout_linked;
use crate::error::Error;
use crate::http::assets;
use crate::http::negotiate::Offer;
use crate::http::query_page::EXAMPLES;
use crate::http::sparql::{Answer, GraphFormat, ResultsFormat};
use maud::{Markup, html};

/// What the page shows around the editor.
pub struct QueryPage<'a> {
    pub query: &'a str,
    pub base: &'a str,
    pub timeout_secs: f32,
    pub max_rows: usize,
    /// The citation styles "cite these records" offers.
    pub styles: Vec<String>,
    /// The results (or the error) of the query, when one was run.
    pub results: Markup,
}

impl QueryPage<'_> {
    pub fn render(&self) -> String {
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", self.query)
            .finish();
        let downloads = ResultsFormat::ALL
            .iter()
            .map(|f| (f.names()[0], f.media_type()))
            .chain(
                GraphFormat::ALL
                    .iter()
                    .map(|f| (f.names()[0], f.media_type())),
            );
        // With JavaScript on, `query.js` turns the form into an editor
        // and the table into a result viewer (table, chart, map, timeline,
        // downloads, code, citations); without it, all below works as is.
        let styles = serde_json::to_string(&self.styles).unwrap_or_default();
        let main = html! {
            h1 { "SPARQL query" }
            div id="query-app" data-base=(self.base) data-max-rows=(self.max_rows) data-styles=(styles) {
                form method="get" action="/query" id="query-form" {
                    label for="query" { "Query (SPARQL 1.1; the default graph is the union of all sources)" }
                    textarea id="query" name="query" spellcheck="false" { (self.query) }
                    p { button type="submit" { "Run query" } }
                }
                p class="meta" id="endpoint-note" {
                    "Endpoint: " code { (self.base) "sparql" } ". Deadline " (self.timeout_secs)
                    "s, at most " (self.max_rows) " rows. Download these results: "
                    @for (i, (name, media)) in downloads.enumerate() {
                        @if i > 0 { " · " }
                        a href={ "/sparql?" (encoded) "&format=" (name) } title=(media) { (name) }
                    }
                }
                section class="wide" aria-labelledby="results-h" id="results" {
                    h2 id="results-h" { "Results" }
                    (self.results)
                }
            }
            section aria-labelledby="examples-h" id="examples" {
                h2 id="examples-h" { "Example queries" }
                p id="example-search" hidden {
                    label for="example-filter" { "Search the examples " }
                    input type="search" id="example-filter" autocomplete="off";
                }
                ul {
                    @for (title, q) in EXAMPLES {
                        @let href = form_urlencoded::Serializer::new(String::new())
                            .append_pair("query", &q.replace("{base}", self.base))
                            .finish();
                        li { a href={ "/query?" (href) } { (title) } }
                    }
                }
            }
        };
        let head = html! {
            link rel="stylesheet" href=(assets::href("query.css"));
            script src=(assets::href("query.js")) defer {}
        };
        layout_linked("SPARQL query", head, main).into_string()
    }
}

/// A failed query, in place of its results.
pub fn error(e: &Error) -> Markup {
    html! {
        p class="error" role="alert" { strong { "Error:" } " " (e.to_string()) }
    }
}

/// The results of a query as a table: solutions (asked for as SPARQL JSON)
/// one per row, a graph (asked for as N-Triples) one triple per row.
pub fn results(answer: &Answer, base: &str) -> Result<Markup, Error> {
    let note = html! {
        @if let Some(n) = answer.truncated_at {
            p class="error" role="status" {
                "Only the first " (n) " results are shown: the result was cut at the row limit."
            }
        }
    };
    if answer.media_type == GraphFormat::NTriples.media_type() {
        let text = String::from_utf8_lossy(&answer.body);
        let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
        return Ok(html! {
            (note)
            table {
                thead { tr { th { "subject" } th { "predicate" } th { "object" } } }
                tbody {
                    @for line in &lines {
                        tr { td colspan="3" { code { (line) } } }
                    }
                }
            }
            p { (lines.len()) " triples" }
        });
    }
    let json: serde_json::Value = serde_json::from_slice(&answer.body)
        .map_err(|e| Error::internal("reading the example's JSON results", e))?;
    if let Some(b) = json.get("boolean") {
        return Ok(html! { (note) p { strong { (b.to_string()) } } });
    }
    let vars: Vec<&str> = json["head"]["vars"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str())
        .collect();
    let rows = json["results"]["bindings"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    Ok(html! {
        (note)
        table {
            thead { tr { @for v in &vars { th scope="col" { (v) } } } }
            tbody {
                @for row in rows {
                    tr {
                        @for v in &vars {
                            td { (cell(&row[*v], base)) }
                        }
                    }
                }
            }
        }
        p { (rows.len()) " rows" }
    })
}

/// One value of a solution: our own IRIs link to their pages, others open
/// where they point.
fn cell(binding: &serde_json::Value, base: &str) -> Markup {
    let value = binding["value"].as_str().unwrap_or("");
    if binding["type"] != "uri" {
        return html! { (value) };
    }
    let href = value
        .strip_prefix(base)
        .map(|p| format!("/{p}"))
        .unwrap_or_else(|| value.to_string());
    html! { a href=(href) { (value) } }
}
