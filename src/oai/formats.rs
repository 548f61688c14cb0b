//! Metadata formats: `oai_dc` (the protocol's mandatory Dublin Core) and
//! MODS 3.6, which keeps what simple DC flattens away.
//!
//! Both are written from a `Record` read back from the store, so a record
//! added by import, SPARQL Update or a harvest disseminates like any other.
//! MODS was chosen as the richer format because its official schema is at
//! hand offline (tests validate against it) and because it is what library
//! aggregators ask for next: persons apart from organisations, name parts,
//! roles, languages and places as codes, and IRIs (`valueURI`) for agents and
//! concepts, so the linked-data identity of each value survives the harvest.

use super::repository::Labels;
use super::xml::Xml;
use crate::normalize::languages::language_name;
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};

/// A metadata format this repository disseminates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    OaiDc,
    Mods,
}

pub const OAI_DC_NS: &str = "http://www.openarchives.org/OAI/2.0/oai_dc/";
pub const DC_NS: &str = "http://purl.org/dc/elements/1.1/";
pub const MODS_NS: &str = "http://www.loc.gov/mods/v3";
pub const XSI_NS: &str = "http://www.w3.org/2001/XMLSchema-instance";

impl Format {
    pub const ALL: [Format; 2] = [Format::OaiDc, Format::Mods];

    pub fn prefix(self) -> &'static str {
        match self {
            Format::OaiDc => "oai_dc",
            Format::Mods => "mods",
        }
    }

    pub fn schema(self) -> &'static str {
        match self {
            Format::OaiDc => "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
            Format::Mods => "http://www.loc.gov/standards/mods/v3/mods-3-6.xsd",
        }
    }

    pub fn namespace(self) -> &'static str {
        match self {
            Format::OaiDc => OAI_DC_NS,
            Format::Mods => MODS_NS,
        }
    }

    pub fn parse(prefix: &str) -> Option<Format> {
        Format::ALL.into_iter().find(|f| f.prefix() == prefix)
    }

    /// Write the record's metadata element (the child of `<metadata>`).
    pub fn write(self, x: &mut Xml, r: &Record, ctx: &Context<'_>) {
        match self {
            Format::OaiDc => oai_dc(x, r, ctx),
            Format::Mods => mods(x, r, ctx),
        }
    }
}

/// What the writers need besides the record.
pub struct Context<'a> {
    pub iris: &'a Iris,
    pub labels: &'a Labels,
    /// The record's OAI datestamp (its last change).
    pub datestamp: &'a str,
    pub repository_name: &'a str,
}

impl Context<'_> {
    fn label(&self, iri: &str, fallback: &str) -> String {
        self.labels.get(iri).unwrap_or(fallback).to_string()
    }
}

/// The kind as a plain term, for `dc:type` and MODS `genre`: its label in
/// lower case. The generic document says nothing, so it gets none.
pub fn kind_label(kind: RecordKind) -> Option<String> {
    (kind != RecordKind::Document).then(|| kind.label().to_lowercase())
}

/// How an agent is written in `dc:creator` / `dc:publisher`: "Family, Given"
/// for persons (the order DC consumers and our harvester read back), the
/// name with its acronym for organisations.
pub fn dc_name(a: &Agent) -> String {
    match a {
        Agent::Organization {
            name,
            acronym: Some(acr),
        } if !name.contains(&format!("({acr})")) => format!("{name} ({acr})"),
        other => other.inverted_name(),
    }
}

fn oai_dc(x: &mut Xml, r: &Record, ctx: &Context<'_>) {
    let location = format!("{OAI_DC_NS} {}", Format::OaiDc.schema());
    x.open(
        "oai_dc:dc",
        &[
            ("xmlns:oai_dc", OAI_DC_NS),
            ("xmlns:dc", DC_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", &location),
        ],
    );
    x.text("dc:title", &[], &r.title);
    for t in &r.alternative_titles {
        x.text("dc:title", &[], t);
    }
    for a in &r.authors {
        x.text("dc:creator", &[], &dc_name(a));
    }
    for key in &r.categories {
        x.text(
            "dc:subject",
            &[],
            &ctx.label(ctx.iris.category(key).as_str(), key),
        );
    }
    if let Some(a) = &r.abstract_text {
        x.text("dc:description", &[], a);
    }
    if let Some(d) = &r.description {
        x.text("dc:description", &[], d);
    }
    for p in &r.publishers {
        x.text("dc:publisher", &[], &dc_name(p));
    }
    // A chapter's book, as DRIVER and OpenAIRE name a work's host, and
    // its editors as contributors.
    if let Some(c) = &r.container {
        x.text("dc:source", &[], &c.title);
        for e in &c.editors {
            x.text("dc:contributor", &[], &dc_name(e));
        }
    }
    if let Some(y) = r.year {
        x.text("dc:date", &[], &format!("{y:04}"));
    }
    let dcmi = if r.kind == RecordKind::AudioVisual {
        "Sound"
    } else {
        "Text"
    };
    x.text("dc:type", &[], dcmi);
    if let Some(k) = kind_label(r.kind) {
        x.text("dc:type", &[], &k);
    }
    x.text("dc:identifier", &[], ctx.iris.record(&r.id).as_str());
    for l in &r.languages {
        x.text("dc:language", &[], l);
    }
    for c in &r.countries {
        x.text(
            "dc:coverage",
            &[],
            &ctx.label(ctx.iris.country(c).as_str(), c),
        );
    }
    for key in &r.regions {
        x.text(
            "dc:coverage",
            &[],
            &ctx.label(ctx.iris.region(key).as_str(), key),
        );
    }
    x.close();
}

fn mods(x: &mut Xml, r: &Record, ctx: &Context<'_>) {
    let location = format!("{MODS_NS} {}", Format::Mods.schema());
    x.open(
        "mods",
        &[
            ("xmlns", MODS_NS),
            ("xmlns:xsi", XSI_NS),
            ("xsi:schemaLocation", &location),
            ("version", "3.6"),
        ],
    );
    x.open("titleInfo", &[])
        .text("title", &[], &r.title)
        .close();
    for t in &r.alternative_titles {
        x.open("titleInfo", &[("type", "alternative")])
            .text("title", &[], t)
            .close();
    }
    for a in &r.authors {
        mods_name(x, a, ctx, ("aut", "author"));
    }
    let resource = if r.kind == RecordKind::AudioVisual {
        "sound recording"
    } else {
        "text"
    };
    x.text("typeOfResource", &[], resource);
    if let Some(k) = kind_label(r.kind) {
        x.text("genre", &[], &k);
    }
    if !r.publishers.is_empty() || r.year.is_some() || r.place.is_some() {
        x.open("originInfo", &[]);
        if let Some(p) = &r.place {
            x.open("place", &[])
                .text("placeTerm", &[("type", "text")], p)
                .close();
        }
        for p in &r.publishers {
            x.text("publisher", &[], &p.display_name());
        }
        if let Some(y) = r.year {
            x.text(
                "dateIssued",
                &[("encoding", "w3cdtf"), ("keyDate", "yes")],
                &format!("{y:04}"),
            );
        }
        x.close();
    }
    // A chapter's book: MODS's host item, with its editors.
    if let Some(c) = &r.container {
        x.open("relatedItem", &[("type", "host")]);
        x.open("titleInfo", &[])
            .text("title", &[], &c.title)
            .close();
        for e in &c.editors {
            mods_name(x, e, ctx, ("edt", "editor"));
        }
        x.close();
    }
    for l in &r.languages {
        x.open("language", &[]);
        x.text(
            "languageTerm",
            &[("type", "code"), ("authority", "rfc5646")],
            l,
        );
        if let Some(name) = language_name(l) {
            x.text("languageTerm", &[("type", "text")], name);
        }
        x.close();
    }
    if let Some(a) = &r.abstract_text {
        x.text("abstract", &[], a);
    }
    if let Some(d) = &r.description {
        x.text("abstract", &[("type", "description")], d);
    }
    for key in &r.categories {
        let iri = ctx.iris.category(key);
        x.open("subject", &[("valueURI", iri.as_str())])
            .text("topic", &[], &ctx.label(iri.as_str(), key))
            .close();
    }
    for c in &r.countries {
        let iri = ctx.iris.country(c);
        x.open("subject", &[("valueURI", iri.as_str())]).text(
            "geographic",
            &[],
            &ctx.label(iri.as_str(), c),
        );
        // Two-letter codes only: the historic and user-assigned ones we
        // keep (XK, AN) are not ISO 3166 codes a consumer could look up.
        if c.len() == 2 && c != "XK" {
            x.text("geographicCode", &[("authority", "iso3166")], c);
        }
        x.close();
    }
    for key in &r.regions {
        let iri = ctx.iris.region(key);
        x.open("subject", &[("valueURI", iri.as_str())])
            .text("geographic", &[], &ctx.label(iri.as_str(), key))
            .close();
    }
    if let Some(c) = &r.citation {
        x.text("note", &[("type", "citation/reference")], c);
    }
    if let Some(n) = &r.note {
        x.text("note", &[], n);
    }
    let iri = ctx.iris.record(&r.id);
    x.text("identifier", &[("type", "uri")], iri.as_str());
    x.open("location", &[])
        .text("url", &[("usage", "primary display")], iri.as_str())
        .close();
    x.open("recordInfo", &[])
        .text("recordContentSource", &[], ctx.repository_name)
        .text("recordChangeDate", &[("encoding", "w3cdtf")], ctx.datestamp)
        .text("recordIdentifier", &[("source", ctx.iris.base())], &r.id)
        .close();
    x.close();
}

fn mods_name(x: &mut Xml, a: &Agent, ctx: &Context<'_>, (code, text): (&str, &str)) {
    let iri = ctx.iris.agent(&a.key());
    match a {
        Agent::Person { given, family } => {
            x.open("name", &[("type", "personal"), ("valueURI", iri.as_str())]);
            x.text("namePart", &[("type", "family")], family);
            if let Some(g) = given {
                x.text("namePart", &[("type", "given")], g);
            }
            x.text("displayForm", &[], &dc_name(a));
        }
        Agent::Organization { name, acronym } => {
            x.open("name", &[("type", "corporate"), ("valueURI", iri.as_str())]);
            x.text("namePart", &[], name);
            if let Some(acr) = acronym {
                x.text("displayForm", &[], &format!("{name} ({acr})"));
            }
        }
    }
    x.open("role", &[])
        .text(
            "roleTerm",
            &[("type", "code"), ("authority", "marcrelator")],
            code,
        )
        .text(
            "roleTerm",
            &[("type", "text"), ("authority", "marcrelator")],
            text,
        )
        .close();
    x.close();
}
