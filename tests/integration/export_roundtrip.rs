//! What we export re-imports to the same records: the whole catalogue in
//! BibTeX, RIS and CSL-JSON, read back with `citation_source`, imported
//! into a fresh store with `import_records`, and read from that store.
//!
//! Compared for every format: id (from the landing-page URL), title, year,
//! kind, authors in order (persons and organisations kept apart, acronyms
//! restored), abstract, languages, publishers, countries, regions and
//! categories (from the keywords).
//!
//! What a format cannot carry, and is not compared:
//! - all three: provenance and repairs (the catalogue's own history), and
//!   the second description when the record has an abstract;
//! - BibTeX and RIS: alternative titles;
//! - BibTeX and RIS: the source's citation text (provenance, never in a
//!   citation), and the exact kind where the format has no genre for it
//!   (a manual is a book in RIS, a generic document a report): the kind of
//!   item it is cited as (`CitationType`) is compared instead;
//! - all three: a work cited under its group author (README, "Corporate
//!   authorship") comes back with that author, as the file says: the cited
//!   authors are compared;
//! - curators' remarks (`editorial_notes`), which no export carries;
//! - CSL-JSON carries everything else, the rest in its `custom` object.

use crate::export_support;

use export_support::*;
use palermo::export::types::CitationType;
use palermo::export::{ExportOptions, Format, cited_authors, issuers};
use palermo::import::import_records;
use palermo::ingest::citations::citation_source;
use palermo::rdf::read;
use palermo::record::Record;
use palermo::store::Store;
use time::macros::datetime;

fn round_trip(format: Format) -> Vec<(Record, Record)> {
    let originals = catalogue_records();
    let text = export(format, &originals, &ExportOptions::default());
    let path = format!("catalogue.{}", format.extension());
    let source = citation_source(&path, &text, &iris()).expect("our export parses");
    assert_eq!(source.records.len(), originals.len());
    let store = Store::memory().expect("store");
    let report = import_records(
        &store,
        &iris(),
        vec![source],
        datetime!(2026-03-01 00:00:00 UTC),
    )
    .expect("our export imports");
    assert_eq!(report.records, originals.len());
    originals
        .into_iter()
        .map(|o| {
            let back = read::record(&store, &iris(), &o.id)
                .expect("store reads")
                .unwrap_or_else(|| panic!("{format}: {} did not come back under its id", o.id));
            (o, back)
        })
        .collect()
}

fn assert_same(
    format: Format,
    pairs: &[(Record, Record)],
    also: impl Fn(&Record, &Record) -> Vec<String>,
) {
    let mut problems = Vec::new();
    for (o, b) in pairs {
        let mut diff = |field: &str, same: bool| {
            if !same {
                problems.push(format!("{}: {field} differs", o.id));
            }
        };
        diff("title", o.title == b.title);
        diff("year", o.year == b.year);
        let exact_kind = format == Format::CslJson;
        diff(
            "kind",
            if exact_kind {
                o.kind == b.kind
            } else {
                CitationType::from(o.kind) == CitationType::from(b.kind)
            },
        );
        diff("authors", cited_authors(o) == b.authors.as_slice());
        diff(
            "abstract",
            o.abstract_text.as_ref().or(o.description.as_ref()) == b.abstract_text.as_ref(),
        );
        diff("languages", o.languages == b.languages);
        // BibTeX names a report's issuer once, as institution: publishers,
        // or the organisations that wrote it (see `export::issuers`).
        if format == Format::BibTeX {
            diff("issuers", issuers(o) == issuers(b));
        } else {
            diff("publishers", o.publishers == b.publishers);
        }
        diff("countries", o.countries == b.countries);
        diff("regions", o.regions == b.regions);
        diff("categories", o.categories == b.categories);
        problems.extend(also(o, b).into_iter().map(|p| format!("{}: {p}", o.id)));
    }
    assert!(
        problems.is_empty(),
        "{format} round trip:\n{}\nfirst pair: {:#?}",
        problems.join("\n"),
        pairs.iter().find(|(o, _)| problems[0].starts_with(&o.id))
    );
}

#[test]
fn bibtex_round_trip() {
    let pairs = round_trip(Format::BibTeX);
    assert_same(Format::BibTeX, &pairs, |o, b| {
        let mut p = Vec::new();
        if o.note != b.note {
            p.push("note differs".into());
        }
        p
    });
}

#[test]
fn ris_round_trip() {
    let pairs = round_trip(Format::Ris);
    assert_same(Format::Ris, &pairs, |o, b| {
        if o.note != b.note {
            vec!["notes differ".into()]
        } else {
            Vec::new()
        }
    });
}

#[test]
fn csljson_round_trip() {
    let pairs = round_trip(Format::CslJson);
    assert_same(Format::CslJson, &pairs, |o, b| {
        let mut p = Vec::new();
        if (&o.note, &o.citation, &o.alternative_titles)
            != (&b.note, &b.citation, &b.alternative_titles)
        {
            p.push("note, citation or alternative titles differ".into());
        }
        p
    });
}

/// Re-exporting what was re-imported gives the same file: nothing drifts.
#[test]
fn exports_are_a_fixed_point() {
    for format in [Format::BibTeX, Format::Ris, Format::CslJson] {
        let pairs = round_trip(format);
        let originals: Vec<Record> = pairs.iter().map(|(o, _)| o.clone()).collect();
        let back: Vec<Record> = pairs.into_iter().map(|(_, b)| b).collect();
        let first = export(format, &originals, &ExportOptions::default());
        let second = export(format, &back, &ExportOptions::default());
        // A document read back as a report, a RIS manual as a book, a group
        // author as an author: each is written exactly as before.
        assert_eq!(first, second, "{format}");
    }
}
