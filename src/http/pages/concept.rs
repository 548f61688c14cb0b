//! Pages of agents, countries, regions, categories and languages, and the
//! index page of each kind: what a resource is, and the records about it.

use super::{Doc, layout};
use crate::rdf::describe::{Kind, Summary};
use maud::{Markup, html};

/// A value on a resource page: a link (ours or elsewhere) or plain text.
pub enum Fact {
    Text(String),
    Link { href: String, text: String },
}

/// Records grouped under a heading ("As author", "Records").
pub struct Group {
    pub heading: String,
    pub records: Vec<Summary>,
}

/// One agent or concept, as its page shows it.
pub struct ResourcePage {
    pub kind: Kind,
    pub key: String,
    pub label: String,
    pub iri: String,
    pub facts: Vec<(String, Vec<Fact>)>,
    pub groups: Vec<Group>,
}

/// Singular and plural names of a kind, for headings.
pub fn kind_names(kind: Kind) -> (&'static str, &'static str) {
    match kind {
        Kind::Agent => ("Author or publisher", "Authors and publishers"),
        Kind::Country => ("Country", "Countries"),
        Kind::Region => ("Region", "Regions"),
        Kind::Category => ("Category", "Categories"),
        Kind::Language => ("Language", "Languages"),
    }
}

fn alternates(path: &str) -> Markup {
    html! {
        @for d in Doc::RDF {
            link rel="alternate" type=(d.content_type_bare()) href={(path) "." (d.extension())};
        }
    }
}

fn formats(path: &str) -> Markup {
    html! {
        p.meta {
            "This description as linked data: "
            @for (i, d) in Doc::RDF.iter().enumerate() {
                @if i > 0 { ", " }
                a href={(path) "." (d.extension())} type=(d.content_type_bare()) { (d.label()) }
            }
            "."
        }
    }
}

/// A list of records: title (linked to its landing page) and year.
pub fn record_list(records: &[Summary]) -> Markup {
    html! {
        ol.records {
            @for r in records {
                li {
                    a href={"/records/" (r.id)} { (r.title) }
                    @if let Some(y) = r.year { " (" (y) ")" }
                    // Zotero offers every record of the page for selection.
                    abbr.unapi-id title=(r.id) {}
                }
            }
        }
    }
}

impl ResourcePage {
    pub fn render(&self) -> String {
        let (singular, plural) = kind_names(self.kind);
        let path = format!("/id/{}/{}", self.kind.segment(), self.key);
        let total: usize = self.groups.iter().map(|g| g.records.len()).sum();
        let head = html! {
            link rel="canonical" href=(self.iri);
            (alternates(&path))
            link rel="unapi-server" type=(crate::media::XML) title="unAPI" href="/unapi";
        };
        let main = html! {
            h1 { (self.label) }
            p.meta {
                (singular) " · "
                a href={"/id/" (self.kind.segment()) "/"} { "all " (plural.to_lowercase()) }
            }
            dl.facts {
                dt { "Identifier" }
                dd { code { (self.iri) } }
                @for (name, values) in &self.facts {
                    dt { (name) }
                    dd {
                        ul.inline {
                            @for v in values {
                                li {
                                    @match v {
                                        Fact::Text(t) => { (t) }
                                        Fact::Link { href, text } => { a href=(href) { (text) } }
                                    }
                                }
                            }
                        }
                    }
                }
                dt { "Records" }
                dd { (total) }
            }
            @for g in &self.groups {
                section {
                    h2 { (g.heading) " (" (g.records.len()) ")" }
                    @if g.records.is_empty() {
                        p { "No records." }
                    } @else {
                        (record_list(&g.records))
                    }
                }
            }
            (formats(&path))
        };
        layout(&self.label, head, main).into_string()
    }
}

/// One row of an index page.
pub struct Entry {
    pub key: String,
    pub label: String,
    pub count: usize,
}

/// The index of a kind: the resources with records, by count, and the
/// rest of the scheme below them.
pub struct IndexPage {
    pub kind: Kind,
    pub iri: String,
    pub used: Vec<Entry>,
    pub unused: Vec<Entry>,
}

impl IndexPage {
    pub fn render(&self) -> String {
        let (singular, plural) = kind_names(self.kind);
        let segment = self.kind.segment();
        let path = format!("/id/{segment}/");
        let head = html! {
            link rel="canonical" href=(self.iri);
        };
        let main = html! {
            h1 { (plural) }
            p.meta { (self.used.len()) " with records in the catalogue." }
            @if self.used.is_empty() {
                p { "No records link to any of them yet." }
            } @else {
                table {
                    caption.meta { (plural) " and their number of records" }
                    thead { tr { th scope="col" { (singular) } th.n scope="col" { "Records" } } }
                    tbody {
                        @for e in &self.used {
                            tr {
                                td { a href={"/id/" (segment) "/" (e.key)} { (e.label) } }
                                td.n { (e.count) }
                            }
                        }
                    }
                }
            }
            @if !self.unused.is_empty() {
                details {
                    summary { (self.unused.len()) " more in the scheme, without records" }
                    ul.inline {
                        @for e in &self.unused {
                            li { a href={"/id/" (segment) "/" (e.key)} { (e.label) } }
                        }
                    }
                }
            }
            p.meta {
                "This index as linked data: "
                @for (i, d) in Doc::RDF.iter().enumerate() {
                    @if i > 0 { ", " }
                    a href={(path) "?format=" (d.extension())} type=(d.content_type_bare()) { (d.label()) }
                }
                "."
            }
        };
        layout(plural, head, main).into_string()
    }
}
