//! A record's landing page: what a reader sees, and what reference managers
//! and crawlers read from its head (schema.org JSON-LD, Highwire
//! `citation_*` tags as Zotero's Embedded Metadata translator reads them,
//! Dublin Core, COinS, unAPI, FAIR Signposting links).

use super::{Doc, layout, script_json, with_query};
use crate::export::types::CitationType;
use crate::export::{Format, cited_authors};
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};
use maud::{Markup, html};
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// Styles shown on every landing page, besides the one picked.
pub const SHOWN_STYLES: [&str; 5] = [
    "apa",
    "chicago-author-date",
    "modern-language-association",
    "harvard-cite-them-right",
    "ieee",
];

/// Everything the page shows, read from the store by the handler.
pub struct Landing<'a> {
    pub record: &'a Record,
    pub iris: &'a Iris,
    /// Labels of the concepts and agents the record links to, by IRI.
    pub labels: &'a BTreeMap<String, String>,
    /// (style, plain-text reference): the picked style first.
    pub citations: Vec<(String, String)>,
    /// Every style name, for the picker.
    pub styles: Vec<String>,
    pub selected_style: String,
    /// `dcterms:modified`, as stored.
    pub modified: Option<String>,
}

/// How people call a CSL style; the style's id otherwise.
pub fn style_name(style: &str) -> &str {
    match style {
        "apa" => "APA",
        "chicago-author-date" => "Chicago (author-date)",
        "chicago-notes" => "Chicago (notes)",
        "modern-language-association" => "MLA",
        "harvard-cite-them-right" => "Harvard (Cite Them Right)",
        "ieee" => "IEEE",
        "vancouver" => "Vancouver",
        other => other,
    }
}

/// Reports in Zotero's sense: what gets `citation_technical_report_institution`.
pub fn is_report(kind: RecordKind) -> bool {
    CitationType::from(kind) == CitationType::Report
}

/// The schema.org type of a kind (local name), as `rdf::mapping` maps it.
pub fn schema_type(kind: RecordKind) -> String {
    let (_, schema_type) = crate::rdf::mapping::kind_classes(kind);
    schema_type
        .as_str()
        .rsplit('/')
        .next()
        .unwrap_or("CreativeWork")
        .to_string()
}

/// `DC.type` as Zotero's RDF import reads it: a Zotero item type name.
fn zotero_type(kind: RecordKind) -> &'static str {
    CitationType::from(kind).zotero_type()
}

impl Landing<'_> {
    fn iri(&self) -> String {
        self.iris.record(&self.record.id).into_string()
    }

    fn path(&self) -> String {
        format!("/records/{}", self.record.id)
    }

    fn label(&self, iri: &str, fallback: &str) -> String {
        self.labels
            .get(iri)
            .cloned()
            .unwrap_or_else(|| fallback.to_string())
    }

    /// (key, label) pairs of a record field, by the IRI maker of its kind.
    fn concepts(&self, keys: &[String], iri: impl Fn(&str) -> String) -> Vec<(String, String)> {
        keys.iter()
            .map(|k| (k.clone(), self.label(&iri(k), k)))
            .collect()
    }

    fn categories(&self) -> Vec<(String, String)> {
        self.concepts(&self.record.categories, |k| {
            self.iris.category(k).into_string()
        })
    }
    fn countries(&self) -> Vec<(String, String)> {
        self.concepts(&self.record.countries, |k| {
            self.iris.country(k).into_string()
        })
    }
    fn regions(&self) -> Vec<(String, String)> {
        self.concepts(&self.record.regions, |k| self.iris.region(k).into_string())
    }
    fn languages(&self) -> Vec<(String, String)> {
        self.concepts(&self.record.languages, |k| {
            self.iris.language(k).into_string()
        })
    }

    /// Keywords for reference managers: categories, regions, countries.
    fn keywords(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, l) in self
            .categories()
            .into_iter()
            .chain(self.regions())
            .chain(self.countries())
        {
            // Zotero splits keyword tags on ';'.
            let l = l.replace(';', ",");
            if !out.contains(&l) {
                out.push(l);
            }
        }
        out
    }

    /// The institution of a report: its publisher, else its first
    /// organisation author.
    fn institution(&self) -> Option<String> {
        self.record
            .publishers
            .first()
            .or_else(|| self.record.authors.iter().find(|a| !a.is_person()))
            .map(Agent::display_name)
    }

    fn agent_json(&self, a: &Agent) -> Value {
        let id = self.iris.agent(&a.key()).into_string();
        match a {
            Agent::Person { given, family } => {
                let mut v = json!({"@type": "Person", "@id": id, "name": a.display_name(), "familyName": family});
                if let Some(g) = given {
                    v["givenName"] = json!(g);
                }
                v
            }
            Agent::Organization { name, acronym } => {
                let mut v = json!({"@type": "Organization", "@id": id, "name": name});
                if let Some(a) = acronym {
                    v["alternateName"] = json!(a);
                }
                v
            }
        }
    }

    /// schema.org description for search engines, in its `https` context.
    pub fn schema_org(&self) -> Value {
        let r = self.record;
        let mut v = json!({
            "@context": "https://schema.org",
            "@type": schema_type(r.kind),
            "@id": self.iri(),
            "url": self.iri(),
            "identifier": r.id,
            "name": r.title,
            "isPartOf": {"@type": "DataCatalog", "name": "Palermo", "url": self.iris.base()},
        });
        if !r.alternative_titles.is_empty() {
            v["alternateName"] = json!(r.alternative_titles);
        }
        if let Some(a) = &r.abstract_text {
            v["abstract"] = json!(a);
            v["description"] = json!(a);
        }
        if let Some(y) = r.year {
            v["datePublished"] = json!(y.to_string());
        }
        if let Some(m) = &self.modified {
            v["dateModified"] = json!(m);
        }
        if !r.authors.is_empty() {
            v["author"] = Value::Array(r.authors.iter().map(|a| self.agent_json(a)).collect());
        }
        if !r.publishers.is_empty() {
            v["publisher"] =
                Value::Array(r.publishers.iter().map(|a| self.agent_json(a)).collect());
        }
        if !r.languages.is_empty() {
            v["inLanguage"] = json!(r.languages);
        }
        let about: Vec<Value> = self
            .categories()
            .into_iter()
            .map(|(k, l)| json!({"@type": "DefinedTerm", "@id": self.iris.category(&k).as_str(), "name": l}))
            .collect();
        if !about.is_empty() {
            v["about"] = Value::Array(about);
        }
        let places: Vec<Value> = self
            .countries()
            .into_iter()
            .map(|(k, l)| json!({"@type": "Country", "@id": self.iris.country(&k).as_str(), "name": l}))
            .chain(
                self.regions()
                    .into_iter()
                    .map(|(k, l)| json!({"@type": "Place", "@id": self.iris.region(&k).as_str(), "name": l})),
            )
            .collect();
        if !places.is_empty() {
            v["spatialCoverage"] = Value::Array(places);
        }
        let keywords = self.keywords();
        if !keywords.is_empty() {
            v["keywords"] = json!(keywords);
        }
        v
    }

    /// An OpenURL ContextObject (Z39.88-2004, KEV) for COinS.
    pub fn coins(&self) -> String {
        let r = self.record;
        let mut kev = form_urlencoded::Serializer::new(String::new());
        kev.append_pair("ctx_ver", "Z39.88-2004");
        let article = CitationType::from(r.kind) == CitationType::JournalArticle;
        if article {
            kev.append_pair("rft_val_fmt", "info:ofi/fmt:kev:mtx:journal");
            kev.append_pair("rft.genre", "article");
            kev.append_pair("rft.atitle", &r.title);
        } else {
            kev.append_pair("rft_val_fmt", "info:ofi/fmt:kev:mtx:book");
            let genre = match CitationType::from(r.kind) {
                CitationType::Report => "report",
                CitationType::Book => "book",
                CitationType::BookSection => "bookitem",
                CitationType::JournalArticle | CitationType::AudioRecording => "document",
            };
            kev.append_pair("rft.genre", genre);
            match &r.container {
                // A book item: the chapter is the article title, its book
                // the book title (Z39.88 book format).
                Some(c) => {
                    kev.append_pair("rft.atitle", &r.title);
                    kev.append_pair("rft.btitle", &c.title);
                }
                None => {
                    kev.append_pair("rft.btitle", &r.title);
                }
            }
        }
        kev.append_pair("rft_id", &self.iri());
        for a in cited_authors(r) {
            match a {
                Agent::Person { .. } => kev.append_pair("rft.au", &a.inverted_name()),
                Agent::Organization { name, .. } => kev.append_pair("rft.aucorp", name),
            };
        }
        if let Some(y) = r.year {
            kev.append_pair("rft.date", &y.to_string());
        }
        if let Some(p) = r.publishers.first() {
            kev.append_pair("rft.pub", &p.display_name());
        }
        if let Some(p) = &r.place {
            kev.append_pair("rft.place", p);
        }
        for (_, l) in self.categories() {
            kev.append_pair("rft.subject", &l);
        }
        kev.finish()
    }

    fn head(&self) -> Markup {
        let r = self.record;
        let path = self.path();
        let keywords = self.keywords();
        let languages = &r.languages;
        html! {
            meta name="description" content=(r.abstract_text.as_deref().unwrap_or(&r.title));
            link rel="canonical" href=(self.iri());
            link rel="cite-as" href=(self.iri());
            @for d in Doc::RDF {
                link rel="alternate" type=(d.content_type_bare()) href={(path) "." (d.extension())};
            }
            @for f in Format::ALL {
                link rel="alternate" type=(f.media_type()) href={(path) "." (f.extension())};
            }
            link rel="unapi-server" type=(crate::media::XML) title="unAPI" href="/unapi";
            script type=(Doc::JsonLd.content_type_bare()) { (script_json(&self.schema_org())) }

            // Highwire Press tags (Google Scholar, Zotero).
            meta name="citation_title" content=(r.title);
            @for a in cited_authors(r) {
                meta name="citation_author" content=(a.inverted_name());
            }
            @if let Some(y) = r.year {
                meta name="citation_publication_date" content=(y);
                meta name="citation_date" content=(y);
            }
            @if let Some(a) = &r.abstract_text {
                meta name="citation_abstract" content=(a);
            }
            @for l in languages {
                meta name="citation_language" content=(l);
            }
            @for k in &keywords {
                meta name="citation_keywords" content=(k);
            }
            @if !r.publishers.is_empty() {
                meta name="citation_publisher" content=(r.publishers.iter().map(Agent::display_name).collect::<Vec<_>>().join("; "));
            }
            // A chapter: Zotero's Embedded Metadata makes a book section of
            // a page with citation_inbook_title, with citation_editor.
            @if let Some(c) = &r.container {
                meta name="citation_inbook_title" content=(c.title);
                @for e in &c.editors {
                    meta name="citation_editor" content=(e.inverted_name());
                }
            }
            @if is_report(r.kind) {
                @if let Some(i) = self.institution() {
                    meta name="citation_technical_report_institution" content=(i);
                }
            }
            meta name="citation_public_url" content=(self.iri());
            meta name="citation_abstract_html_url" content=(self.iri());

            // Dublin Core. Coverage stays out: Zotero files DC.coverage as
            // an archive location, and our countries are subjects' places.
            link rel="schema.DC" href="http://purl.org/dc/elements/1.1/";
            link rel="schema.DCTERMS" href=(crate::rdf::ns::DCTERMS);
            meta name="DC.title" content=(r.title);
            @for a in cited_authors(r) {
                meta name="DC.creator" content=(a.inverted_name());
            }
            @if let Some(y) = r.year {
                meta name="DC.date" content=(y);
                meta name="DCTERMS.issued" content=(y);
            }
            @if let Some(a) = &r.abstract_text {
                meta name="DC.description" content=(a);
            }
            @for l in languages {
                meta name="DC.language" content=(l);
            }
            @for p in &r.publishers {
                meta name="DC.publisher" content=(p.display_name());
            }
            @for k in &keywords {
                meta name="DC.subject" content=(k);
            }
            meta name="DC.type" content=(zotero_type(r.kind));
            meta name="DC.identifier" content=(self.iri());
            @if let Some(m) = &self.modified {
                meta name="DCTERMS.modified" content=(m);
            }
        }
    }

    fn agents(&self, agents: &[Agent]) -> Markup {
        html! {
            ul.inline {
                @for a in agents {
                    li { a href={"/id/agent/" (a.key())} { (a.display_name()) } }
                }
            }
        }
    }

    fn linked(&self, kind: &str, items: &[(String, String)]) -> Markup {
        html! {
            ul.inline {
                @for (k, l) in items {
                    li { a href={"/id/" (kind) "/" (k)} { (l) } }
                }
            }
        }
    }

    fn body(&self) -> Markup {
        let r = self.record;
        let path = self.path();
        let (first, others) = self
            .citations
            .split_first()
            .map(|(f, o)| (Some(f), o))
            .unwrap_or((None, &[]));
        html! {
            article {
                h1 { (r.title) }
                p.meta {
                    (r.kind.label())
                    @if let Some(y) = r.year { " · " (y) }
                }
                @let by = cited_authors(r);
                @if !by.is_empty() {
                    p.byline {
                        "By "
                        @for (i, a) in by.iter().enumerate() {
                            @if i > 0 { @if i + 1 == by.len() { " and " } @else { ", " } }
                            a href={"/id/agent/" (a.key())} { (a.display_name()) }
                        }
                        // The corporate-author rule (README): cited under its
                        // issuer, which the sources name as publisher.
                        @if r.authors.is_empty() { " (group author)" }
                    }
                }
                dl.facts {
                    dt { "Year" }
                    dd { @if let Some(y) = r.year { (y) } @else { "not given" } }
                    @if let Some(c) = &r.container {
                        dt { "In" }
                        dd {
                            cite { (c.title) }
                            @if !c.editors.is_empty() {
                                ", edited by " (self.agents(&c.editors))
                            }
                        }
                    }
                    @if !r.publishers.is_empty() {
                        dt { "Publisher" }
                        dd { (self.agents(&r.publishers)) }
                    }
                    @if let Some(p) = &r.place {
                        dt { "Place" }
                        dd { (p) }
                    }
                    @if !r.languages.is_empty() {
                        dt { "Languages" }
                        dd { (self.linked("language", &self.languages())) }
                    }
                    @if !r.categories.is_empty() {
                        dt { "Categories" }
                        dd { (self.linked("category", &self.categories())) }
                    }
                    @if !r.countries.is_empty() {
                        dt { "Countries" }
                        dd { (self.linked("country", &self.countries())) }
                    }
                    @if !r.regions.is_empty() {
                        dt { "Regions" }
                        dd { (self.linked("region", &self.regions())) }
                    }
                    @if !r.alternative_titles.is_empty() {
                        dt { "Also titled" }
                        dd { ul.plain { @for t in &r.alternative_titles { li { (t) } } } }
                    }
                    dt { "Identifier" }
                    dd { code { (self.iri()) } }
                    @if let Some(m) = &self.modified {
                        dt { "Last modified" }
                        dd { time datetime=(m) { (m.get(..10).unwrap_or(m)) } }
                    }
                }
                @if let Some(a) = &r.abstract_text {
                    section aria-labelledby="abstract" {
                        h2 id="abstract" { "Abstract" }
                        p { (a) }
                    }
                }
                @if let Some(d) = &r.description {
                    @if r.abstract_text.as_deref() != Some(d.as_str()) {
                        section aria-labelledby="description" {
                            h2 id="description" { "Description from another source" }
                            p { (d) }
                        }
                    }
                }
                section aria-labelledby="cite" {
                    h2 id="cite" { "Cite" }
                    @if let Some((style, text)) = first {
                        div.citation { span.style { (style_name(style)) } (text) }
                    }
                    form.picker method="get" action=(path) {
                        label for="style" { "Citation style" }
                        select id="style" name="style" {
                            @for s in &self.styles {
                                option value=(s) selected[*s == self.selected_style] { (style_name(s)) }
                            }
                        }
                        button type="submit" { "Show" }
                    }
                    @if !others.is_empty() {
                        h3 { "In other styles" }
                        @for (style, text) in others {
                            div.citation { span.style { (style_name(style)) } (text) }
                        }
                    }
                    p {
                        "Plain text of this reference: "
                        a href=(with_query(&format!("{path}.txt"), &[("style", &self.selected_style)])) { "download" }
                        "."
                    }
                }
                section aria-labelledby="export" {
                    h2 id="export" { "Export" }
                    p { "Citation formats for reference managers (Zotero, Mendeley, EndNote, JabRef):" }
                    ul.inline {
                        li { a href={(path) ".bib"} type=(Format::BibTeX.media_type()) { "BibTeX" } }
                        li { a href={(path) ".ris"} type=(Format::Ris.media_type()) { "RIS" } }
                        li { a href={(path) ".json"} type=(Format::CslJson.media_type()) { "CSL-JSON" } }
                        li { a href={(path) ".txt"} type=(Format::Bibliography.media_type()) { "Formatted reference" } }
                    }
                    p { "Linked data:" }
                    ul.inline {
                        @for d in Doc::RDF {
                            li { a href={(path) "." (d.extension())} type=(d.content_type_bare()) { (d.label()) } }
                        }
                    }
                }
                @if !r.provenance.is_empty() || r.citation.is_some() || r.note.is_some() || !r.editorial_notes.is_empty() {
                    section aria-labelledby="sources" {
                        h2 id="sources" { "Sources" }
                        ul.plain {
                            @for p in &r.provenance {
                                li { "Source " code { (p.source) } ": " code { (p.file) } ", line " (p.line) }
                            }
                        }
                        @if let Some(c) = &r.citation {
                            p { "Citation given by the source: " (c) }
                        }
                        @if let Some(n) = &r.note {
                            p { "Note: " (n) }
                        }
                        @for n in &r.editorial_notes {
                            p.editorial-note { "Curator's note on the source: " (n) }
                        }
                    }
                }
                @if !r.repairs.is_empty() {
                    details {
                        summary { "How this record was cleaned (" (r.repairs.len()) " repairs)" }
                        table {
                            thead { tr { th scope="col" { "Field" } th scope="col" { "Source said" } th scope="col" { "Now" } th scope="col" { "Why" } } }
                            tbody {
                                @for rep in &r.repairs {
                                    tr {
                                        td { (rep.field) }
                                        td { (rep.original) }
                                        td { (rep.repaired) @if rep.guess { " (a guess)" } }
                                        td { (rep.reason) }
                                    }
                                }
                            }
                        }
                    }
                }
                abbr.unapi-id title=(r.id) {}
                span.Z3988 title=(self.coins()) {}
            }
        }
    }

    pub fn render(&self) -> String {
        layout(&self.record.title, self.head(), self.body()).into_string()
    }
}
