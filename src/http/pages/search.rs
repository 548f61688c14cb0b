//! The search page of `/records`: search box, active filters, facets as
//! links, highlighted results, pages and downloads of the whole result.

use super::{Echo, layout};
use crate::http::search::{PER_PAGE, Params, page_count};
use crate::search::{FacetKind, Highlighted, Hit, SearchIndex, SearchResults, Sort};
use maud::{Markup, html};

/// Values shown per facet on the page before "more" (JSON lists up to
/// `search::MAX_FACET_VALUES`).
const FACET_VALUES_SHOWN: usize = 12;

/// The downloads offered under the results: `format=` name and link text.
const DOWNLOADS: [(&str, &str); 5] = [
    ("bibtex", "BibTeX"),
    ("ris", "RIS"),
    ("csljson", "CSL-JSON"),
    ("bibliography", "References (APA)"),
    ("json", "JSON"),
];

/// Highlighted text: everything escaped, matches in `<mark>`.
pub fn highlighted(h: &Highlighted) -> Markup {
    html! {
        @if h.cut_before { "…" }
        @for (part, hit) in h.parts() {
            @if hit { mark { (part) } } @else { (part) }
        }
        @if h.cut_after { "…" }
    }
}

/// The page of one search.
pub fn render(index: &SearchIndex, params: &Params, results: &SearchResults) -> String {
    let json = Params {
        format: Some("json".into()),
        ..params.clone()
    };
    let head = html! {
        link rel="alternate" type=(crate::media::JSON) href=(json.href());
        link rel="unapi-server" type=(crate::media::XML) title="unAPI" href="/unapi";
    };
    let main = html! {
        h1 { "Search the catalogue" }
        (search_form(params, results.sort))
        (active_filters(index, params))
        p id="summary" role="status" { (summary(params, results.total)) "." }
        div.columns {
            aside id="facets" aria-label="Refine the results" {
                @for f in results.facets.iter().filter(|f| !f.values.is_empty()) {
                    (facet(params, f))
                }
                section class="facet" data-facet="years" {
                    h2 { "Years" }
                    (year_form(params))
                }
            }
            div.hits {
                (hits(index, params, results))
                (pager(params, results.total))
                (downloads(params, results.total))
            }
        }
    };
    let title = if params.q.is_empty() {
        "Search".to_string()
    } else {
        format!("{} – Search", params.q)
    };
    layout(&title, head, main).into_string()
}

fn search_form(params: &Params, sort: Sort) -> Markup {
    html! {
        form method="get" action="/records" role="search" id="search-form" {
            label for="q" { "Titles, abstracts, authors and subjects" }
            br;
            input type="search" id="q" name="q" value=(Echo(&params.q)) placeholder="e.g. labour exploitation" maxlength=(crate::search::MAX_QUERY_CHARS);
            @for (k, v) in &params.filters {
                input type="hidden" name=(k.name()) value=(v);
            }
            @for (name, y) in [("year_from", params.year_from), ("year_to", params.year_to)] {
                @if let Some(y) = y {
                    input type="hidden" name=(name) value=(y);
                }
            }
            @if params.per_page != PER_PAGE {
                input type="hidden" name="per_page" value=(params.per_page);
            }
            " "
            label for="sort" { "Sort" }
            " "
            select id="sort" name="sort" {
                @for s in Sort::ALL {
                    option value=(s.name()) selected[s == sort] { (s.label()) }
                }
            }
            " "
            button type="submit" { "Search" }
        }
    }
}

/// Active filters, each with a link that removes it.
fn active_filters(index: &SearchIndex, params: &Params) -> Markup {
    let years = match (params.year_from, params.year_to) {
        (Some(f), Some(t)) if f == t => Some(f.to_string()),
        (Some(f), Some(t)) => Some(format!("{f}–{t}")),
        (Some(f), None) => Some(format!("from {f}")),
        (None, Some(t)) => Some(format!("until {t}")),
        (None, None) => None,
    };
    if params.filters.is_empty() && years.is_none() {
        return html! {};
    }
    let clear = params.with(|p| {
        p.filters.clear();
        p.year_from = None;
        p.year_to = None;
    });
    html! {
        div id="active-filters" {
            ul {
                @for (k, v) in &params.filters {
                    @let label = index.label(*k, v);
                    @let without = params.with(|p| p.filters.retain(|f| f != &(*k, v.clone())));
                    li data-facet=(k.name()) data-value=(v) {
                        (k.title()) ": " strong { (label) } " "
                        a href=(without.href()) aria-label={ "Remove filter " (k.title()) ": " (label) } { "×" }
                    }
                }
                @if let Some(span) = years {
                    @let without = params.with(|p| {
                        p.year_from = None;
                        p.year_to = None;
                    });
                    li data-facet="year" {
                        "Year: " strong { (span) } " "
                        a href=(without.href()) aria-label="Remove the year filter" { "×" }
                    }
                }
            }
            a href=(clear.href()) { "Clear all filters" }
        }
    }
}

fn summary(params: &Params, total: usize) -> Markup {
    let noun = if total == 1 { "record" } else { "records" };
    html! {
        strong id="total" { (total) } " " (noun)
        @if !params.q.is_empty() {
            @if total == 1 { " matches " } @else { " match " }
            q { (Echo(&params.q)) }
        }
    }
}

/// One facet: its values as links that add them to the search, the long
/// tail folded away (reachable without JavaScript).
fn facet(params: &Params, f: &crate::search::FacetCounts) -> Markup {
    let items: Vec<Markup> = f
        .values
        .iter()
        .map(|v| {
            let link = if f.facet == FacetKind::Year {
                let y: Option<i32> = v.value.parse().ok();
                let selected = y.is_some() && params.year_from == y && params.year_to == y;
                (!selected).then(|| {
                    params.with(|p| {
                        p.year_from = y;
                        p.year_to = y;
                    })
                })
            } else if v.selected {
                None
            } else {
                Some(params.with(|p| p.filters.push((f.facet, v.value.clone()))))
            };
            html! {
                li {
                    @match link {
                        Some(p) => a href=(p.href()) data-facet=(f.facet.name()) data-value=(v.value) { (v.label) },
                        None => strong aria-current="true" { (v.label) },
                    }
                    " "
                    span class="count" { (v.count) }
                }
            }
        })
        .collect();
    let (shown, rest) = items.split_at(items.len().min(FACET_VALUES_SHOWN));
    let name = f.facet.name();
    html! {
        section class="facet" data-facet=(name) aria-labelledby={ "facet-" (name) } {
            h2 id={ "facet-" (name) } { (f.facet.title()) }
            ul { @for i in shown { (i) } }
            @if !rest.is_empty() {
                details {
                    summary { (rest.len()) " more" }
                    ul { @for i in rest { (i) } }
                }
            }
            @if f.more > 0 {
                p class="more" { "and " (f.more) " more not listed: narrow the search to see them" }
            }
        }
    }
}

fn year_form(params: &Params) -> Markup {
    html! {
        form method="get" action="/records" class="years" aria-label="Years" {
            @if !params.q.is_empty() {
                input type="hidden" name="q" value=(params.q);
            }
            @for (k, v) in &params.filters {
                input type="hidden" name=(k.name()) value=(v);
            }
            @if let Some(s) = params.sort {
                input type="hidden" name="sort" value=(s.name());
            }
            label { "From " input type="number" name="year_from" min="0" max="9999" value=[params.year_from]; }
            " "
            label { "to " input type="number" name="year_to" min="0" max="9999" value=[params.year_to]; }
            " "
            button type="submit" { "Apply" }
        }
    }
}

fn hits(index: &SearchIndex, params: &Params, results: &SearchResults) -> Markup {
    let first_shown = (params.page - 1).saturating_mul(params.per_page) + 1;
    html! {
        @if results.total == 0 {
            p id="no-results" { "No records match. Try fewer words or remove a filter." }
        } @else if results.hits.is_empty() {
            p id="no-results" {
                "Page " (params.page) " is past the last page ("
                (page_count(results.total, params.per_page)) ")."
            }
        } @else {
            ol id="results" start=(first_shown) {
                @for hit in &results.hits { (hit_item(index, hit)) }
            }
        }
    }
}

fn hit_item(index: &SearchIndex, hit: &Hit) -> Markup {
    let mut meta = Vec::new();
    if let Some(k) = hit.kind {
        meta.push(k.title_label().to_string());
    }
    if let Some(y) = hit.year {
        meta.push(y.to_string());
    }
    if !hit.authors.is_empty() {
        meta.push(hit.authors.join("; "));
    }
    let places: Vec<String> = hit
        .countries
        .iter()
        .map(|c| index.label(FacetKind::Country, c))
        .chain(
            hit.regions
                .iter()
                .map(|r| index.label(FacetKind::Region, r)),
        )
        .collect();
    if !places.is_empty() {
        meta.push(places.join(", "));
    }
    html! {
        li class="result" data-id=(hit.id) {
            h3 { a href={ "/records/" (hit.id) } { (highlighted(&hit.title)) } }
            p class="meta" { (meta.join(" · ")) }
            @if !hit.snippet.text.is_empty() {
                p class="snippet" { (highlighted(&hit.snippet)) }
            }
            // The unAPI id lets Zotero offer every result for selection.
            abbr class="unapi-id" title=(hit.id) {}
        }
    }
}

fn pager(params: &Params, total: usize) -> Markup {
    let last = page_count(total, params.per_page);
    let mut parts = Vec::new();
    if params.page > 1 {
        let prev = Params {
            page: (params.page - 1).min(last.max(1)),
            ..params.clone()
        };
        parts.push(html! { a href=(prev.href()) rel="prev" { "« Previous" } });
    }
    if last > 1 {
        parts.push(html! { "Page " (params.page) " of " (last) });
    }
    if params.page < last {
        let next = Params {
            page: params.page + 1,
            ..params.clone()
        };
        parts.push(html! { a href=(next.href()) rel="next" { "Next »" } });
    }
    html! {
        @if !parts.is_empty() {
            nav class="pages" aria-label="Pages" { (joined(&parts)) }
        }
    }
}

fn downloads(params: &Params, total: usize) -> Markup {
    if total == 0 {
        return html! {};
    }
    let links: Vec<Markup> = DOWNLOADS
        .iter()
        .map(|(name, label)| {
            let mut p = params.clone();
            p.page = 1;
            p.format = Some(name.to_string());
            html! { a href=(p.href()) data-format=(name) { (label) } }
        })
        .collect();
    html! {
        p class="downloads" { "Download all " (total) " results: " (joined(&links)) }
    }
}

/// Pieces separated by ` · `.
fn joined(parts: &[Markup]) -> Markup {
    html! {
        @for (i, part) in parts.iter().enumerate() {
            @if i > 0 { " · " }
            (part)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_are_escaped() {
        let h = Highlighted {
            text: "<b>labour</b> & more".into(),
            ranges: std::iter::once(3..9).collect(),
            cut_before: false,
            cut_after: true,
        };
        assert_eq!(
            highlighted(&h).into_string(),
            "&lt;b&gt;<mark>labour</mark>&lt;/b&gt; &amp; more…"
        );
    }
}
