//! The home page: a search box, what the catalogue holds, facets to browse
//! from and where machines go.

use super::layout;
use crate::search::{FacetCounts, FacetKind};
use crate::stats::Stats;
use maud::html;

/// Facets the home page lists, and how many values of each.
const BROWSED: [FacetKind; 3] = [FacetKind::Category, FacetKind::Region, FacetKind::Language];
const VALUES_SHOWN: usize = 10;

/// The page; `facets` are the whole catalogue's (empty without an index).
pub fn render(stats: &Stats, facets: &[FacetCounts], base: &str) -> String {
    let main = html! {
        h1 { "Palermo" }
        p { "A linked-data catalogue of publications on human trafficking and migrant smuggling." }
        form method="get" action="/records" role="search" id="search-form" {
            label for="q" { "Search titles, abstracts, authors and subjects" }
            br;
            input type="search" id="q" name="q" placeholder="e.g. labour exploitation" maxlength=(crate::search::MAX_QUERY_CHARS);
            " "
            button type="submit" { "Search" }
            " "
            a href="/records" { "Browse all records" }
        }
        p {
            strong id="record-count" { (stats.records) }
            " records, " (stats.triples) " triples, " (stats.agents)
            " authors and publishers, " (stats.countries) " countries covered."
        }
        div class="browse" {
            @for f in facets.iter().filter(|f| BROWSED.contains(&f.facet)) {
                section data-facet=(f.facet.name()) {
                    h2 { (f.facet.title()) }
                    ul {
                        @for v in f.values.iter().take(VALUES_SHOWN) {
                            @let href = form_urlencoded::Serializer::new(String::new())
                                .append_pair(f.facet.name(), &v.value)
                                .finish();
                            li {
                                a href={ "/records?" (href) } { (v.label) }
                                " "
                                span class="count" { "(" (v.count) ")" }
                            }
                        }
                    }
                }
            }
        }
        h2 { "For machines" }
        ul {
            li {
                a href="/query" { "SPARQL query page" }
                " (endpoint " code { "/sparql" } "), with full-text search through "
                code { "pal:score" } "."
            }
            li {
                "Every search result as "
                a href="/records?format=json" { "JSON" } ", "
                a href="/records?format=bibtex" { "BibTeX" } ", "
                a href="/records?format=ris" { "RIS" } ", "
                a href="/records?format=csljson" { "CSL-JSON" } " or "
                a href="/records?format=bibliography" { "formatted references" } "."
            }
        }
        p { "Base IRI: " code { (base) } }
    };
    layout(
        "Publications on human trafficking and migrant smuggling",
        html! {},
        main,
    )
    .into_string()
}
