//! The type mapping checked against Zotero's published import tables
//! (`tests/zotero/tables.toml`, facts from `zotero/translators`' `RIS.js`
//! and `BibTeX.js`): for every record of the catalogue, what Zotero would
//! make of our RIS, BibTeX and CSL-JSON.
//!
//! - every format gives the item type the record is cited as (BibTeX
//!   only where its mandatory fields are known, else a document);
//! - no record becomes a journal article unless it is one, and none a film;
//! - no tag or field lands nowhere (Zotero turns those into child notes or
//!   discards them): publisher, genre, language, abstract and tags survive.

use crate::export_support;

use export_support::*;
use palermo::export::types::{CitationType, genre};
use palermo::export::{ExportOptions, Format, bibtex, cited_authors, csljson, issuers, ris};
use palermo::record::{Agent, Record, RecordKind};
use serde::Deserialize;
use std::collections::BTreeMap;

type PerType = BTreeMap<String, String>;

#[derive(Deserialize)]
struct Tables {
    ris_types: BTreeMap<String, String>,
    ris_fields: BTreeMap<String, PerType>,
    bibtex_types: BTreeMap<String, String>,
    bibtex_fields: BTreeMap<String, PerType>,
    publisher_field: BTreeMap<String, String>,
    csl_types: BTreeMap<String, String>,
    primary_creator: BTreeMap<String, String>,
}

fn tables() -> Tables {
    toml::from_str(include_str!("../zotero/tables.toml")).expect("tables parse")
}

/// The Zotero field a tag or field lands in for an item type, if any.
fn field<'a>(map: &'a BTreeMap<String, PerType>, tag: &str, item_type: &str) -> Option<&'a str> {
    let per = map.get(tag)?;
    per.get(item_type)
        .or_else(|| per.get("*"))
        .map(String::as_str)
}

fn bibtex_entry(r: &Record) -> (String, Vec<String>) {
    let text = bibtex::to_string(&bibtex::entry(r, &iris()), false);
    let ty = text[1..text.find('{').expect("entry")].to_string();
    let e = bibtex::entry(r, &iris());
    (ty, e.fields.keys().cloned().collect())
}

fn csl_type(r: &Record) -> String {
    let v = serde_json::to_value(csljson::item(r, &iris())).expect("json");
    v["type"].as_str().unwrap_or_default().to_string()
}

#[test]
fn every_format_imports_as_the_type_the_record_is_cited_as() {
    let t = tables();
    let mut problems = Vec::new();
    let mut bibtex_fallbacks = Vec::new();
    for r in catalogue_records() {
        let cited = CitationType::from(r.kind).zotero_type();
        let ris = ris::ris_record(&r, &iris());
        let ty = ris.first(&["TY"]).unwrap_or_default().to_string();
        let from_ris = t.ris_types.get(&ty).map(String::as_str);
        if from_ris != Some(cited) {
            problems.push(format!(
                "{}: RIS {ty} imports as {from_ris:?}, not {cited}",
                r.id
            ));
        }
        let from_csl = t.csl_types.get(&csl_type(&r)).map(String::as_str);
        if from_csl != Some(cited) {
            problems.push(format!(
                "{}: CSL imports as {from_csl:?}, not {cited}",
                r.id
            ));
        }
        let (bib, _) = bibtex_entry(&r);
        let from_bib = t.bibtex_types.get(&bib).map(String::as_str);
        if from_bib != Some(cited) {
            // The one allowed difference: BibTeX has no type for what we
            // cannot fill (no issuer for a report, no journal for an
            // article, no audio type in classic BibTeX): a document.
            let allowed = from_bib == Some("document")
                && match CitationType::from(r.kind) {
                    CitationType::Report => issuers(&r).is_empty(),
                    CitationType::JournalArticle | CitationType::AudioRecording => true,
                    CitationType::Book => false,
                    CitationType::BookSection => {
                        r.container.is_none()
                            || r.publishers.is_empty()
                            || cited_authors(&r).is_empty()
                    }
                };
            if allowed {
                bibtex_fallbacks.push(r.id.clone());
            } else {
                problems.push(format!(
                    "{}: BibTeX @{bib} imports as {from_bib:?}, not {cited}",
                    r.id
                ));
            }
        }
        if r.kind != RecordKind::Article
            && [from_ris, from_csl, from_bib].contains(&Some("journalArticle"))
        {
            problems.push(format!("{}: arrives as a journal article", r.id));
        }
        if [from_ris, from_csl, from_bib].contains(&Some("film")) {
            problems.push(format!("{}: arrives as a film", r.id));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // Today: 21 portal reports whose sources name no issuer (BibTeX and
    // biblatex require an institution), the article (no journal) and the
    // audio tool. Counted, so that a change shows.
    assert_eq!(bibtex_fallbacks.len(), 22, "{bibtex_fallbacks:?}");
}

#[test]
fn nothing_we_write_is_discarded_or_turned_into_a_note() {
    let t = tables();
    let mut problems = Vec::new();
    for r in catalogue_records() {
        let ris = ris::ris_record(&r, &iris());
        let ty = ris.first(&["TY"]).unwrap_or_default();
        let item = t.ris_types.get(ty).cloned().unwrap_or_default();
        for (tag, _) in &ris.tags {
            if field(&t.ris_fields, tag, &item).is_none() {
                problems.push(format!(
                    "{}: RIS {tag} has no field in a Zotero {item}",
                    r.id
                ));
            }
        }
        if ris.values("N1").next().is_some() {
            problems.push(format!("{}: RIS N1 becomes a child note", r.id));
        }
        let (bib, fields) = bibtex_entry(&r);
        let item = t.bibtex_types.get(&bib).cloned().unwrap_or_default();
        for f in &fields {
            if field(&t.bibtex_fields, f, &item).is_none() {
                problems.push(format!(
                    "{}: BibTeX {f} has no field in a Zotero {item}",
                    r.id
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Zotero files every cited author (the group author included) as the
/// item type's primary creator, in order, and a chapter's editors as
/// editors: no author arrives as a composer.
#[test]
fn authors_arrive_as_the_primary_creator() {
    let t = tables();
    let mut problems = Vec::new();
    let mut recordings = 0;
    for r in catalogue_records() {
        let ris = ris::ris_record(&r, &iris());
        let item = t
            .ris_types
            .get(ris.first(&["TY"]).unwrap_or_default())
            .cloned()
            .unwrap_or_default();
        let primary = format!("creators/{}", t.primary_creator[&item]);
        let mut authors = Vec::new();
        let mut editors = Vec::new();
        for (tag, value) in &ris.tags {
            match field(&t.ris_fields, tag, &item) {
                Some(f) if f == primary => authors.push(value.clone()),
                Some("creators/editor") => editors.push(value.clone()),
                Some(f) if f.starts_with("creators/") => {
                    problems.push(format!("{}: {tag} {value:?} arrives as {f}", r.id))
                }
                _ => {}
            }
        }
        let expected: Vec<String> = cited_authors(&r).iter().map(ris::author_value).collect();
        if authors != expected {
            problems.push(format!(
                "{}: {item} {primary} {authors:?} != {expected:?}",
                r.id
            ));
        }
        let expected_editors: Vec<String> = r
            .container
            .iter()
            .flat_map(|c| &c.editors)
            .map(ris::author_value)
            .collect();
        if editors != expected_editors {
            problems.push(format!(
                "{}: editors {editors:?} != {expected_editors:?}",
                r.id
            ));
        }
        recordings += usize::from(item == "audioRecording" && !expected.is_empty());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The audio tool, cited under its issuing organisation.
    assert_eq!(recordings, 1);
}

/// `RIS.js` cuts every creator at its first comma (family, given), so an
/// organisation whose name holds one arrives split in two: the loss the
/// README states ("Organisations with a comma"), on exactly these records.
/// BibTeX (braced) and CSL-JSON (`literal`) keep the name whole.
#[test]
fn organisations_with_a_comma_are_split_by_ris_only() {
    let mut split = Vec::new();
    for r in catalogue_records() {
        let ris = ris::ris_record(&r, &iris());
        let bib = bibtex::to_string(&bibtex::entry(&r, &iris()), false);
        let csl = serde_json::to_value(csljson::item(&r, &iris())).expect("json");
        for a in cited_authors(&r) {
            let Agent::Organization { name, .. } = a else {
                continue;
            };
            if !name.contains(',') {
                continue;
            }
            // What RIS.js makes of our value: the part before the first
            // comma as the last name, the rest as the first name.
            let value = ris::author_value(a);
            assert!(ris.tags.iter().any(|(_, v)| *v == value), "{}", r.id);
            let (last, first) = value.split_once(',').expect("a comma");
            assert!(!first.trim().trim_end_matches(',').is_empty(), "{value}");
            split.push(format!("{}: {last}", r.id));
            assert!(bib.contains(&format!("{{{name}}}")), "{}: {bib}", r.id);
            let literals: Vec<&str> = csl["author"]
                .as_array()
                .expect("authors")
                .iter()
                .filter_map(|a| a["literal"].as_str())
                .collect();
            assert!(literals.contains(&name.as_str()), "{}: {literals:?}", r.id);
        }
    }
    assert_eq!(split.len(), 2, "{split:?}");
}

#[test]
fn publisher_genre_language_abstract_and_tags_survive() {
    let t = tables();
    let mut problems = Vec::new();
    for r in catalogue_records() {
        let ris = ris::ris_record(&r, &iris());
        let item = t
            .ris_types
            .get(ris.first(&["TY"]).unwrap_or_default())
            .cloned()
            .unwrap_or_default();
        if !r.publishers.is_empty() {
            if !t.publisher_field.contains_key(&item) {
                problems.push(format!("{}: a Zotero {item} has no publisher", r.id));
            }
            if ris.values("PB").next().is_none() {
                problems.push(format!("{}: RIS has no PB", r.id));
            }
            let (_, fields) = bibtex_entry(&r);
            if !["institution", "organization", "publisher"]
                .iter()
                .any(|f| fields.iter().any(|x| x == f))
            {
                problems.push(format!("{}: BibTeX names no publisher", r.id));
            }
        }
        if let Some(g) = genre(r.kind)
            && (ris.values("M3").next() != Some(g) || item != "report")
        {
            problems.push(format!("{}: genre {g} not kept as a report type", r.id));
        }
        for (present, tag) in [
            (!r.languages.is_empty(), "LA"),
            (r.abstract_text.is_some() || r.description.is_some(), "AB"),
            (
                !(r.categories.is_empty() && r.countries.is_empty() && r.regions.is_empty()),
                "KW",
            ),
        ] {
            if present && ris.values(tag).next().is_none() {
                problems.push(format!("{}: RIS has no {tag}", r.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// One golden file per record type in every format: a record of each kind
/// (the catalogue's first of that kind), as BibTeX, RIS and CSL-JSON.
#[test]
fn golden_file_per_type() {
    let records = catalogue_records();
    for kind in RecordKind::ALL {
        let Some(r) = records.iter().find(|r| r.kind == kind) else {
            continue;
        };
        let one = std::slice::from_ref(r);
        let text = [Format::BibTeX, Format::Ris, Format::CslJson]
            .into_iter()
            .map(|f| export(f, one, &ExportOptions::default()))
            .collect::<Vec<_>>()
            .join("\n");
        insta::assert_snapshot!(format!("type_{}", r.kind.class_name()), text);
    }
}
