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
//! - RIS: the note and the source's citation come back as one note;
//! - CSL-JSON carries everything else, the rest in its `custom` object.

mod export_support;

use export_support::*;
use palermo::export::{ExportOptions, Format};
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
            let back = read::record(store.oxigraph(), &iris(), &o.id)
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
        diff("kind", o.kind == b.kind);
        diff("authors", o.authors == b.authors);
        diff(
            "abstract",
            o.abstract_text.as_ref().or(o.description.as_ref()) == b.abstract_text.as_ref(),
        );
        diff("languages", o.languages == b.languages);
        diff("publishers", o.publishers == b.publishers);
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
        if o.citation != b.citation {
            p.push("citation differs".into());
        }
        p
    });
}

#[test]
fn ris_round_trip() {
    let pairs = round_trip(Format::Ris);
    assert_same(Format::Ris, &pairs, |o, b| {
        let joined: Vec<&str> = o
            .note
            .iter()
            .chain(&o.citation)
            .map(String::as_str)
            .collect();
        let expected = (!joined.is_empty()).then(|| joined.join("\n"));
        if expected != b.note {
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
        // The RIS note that merged note and citation is written as one N1,
        // as the citation alone was: no record of ours has both.
        assert_eq!(first, second, "{format}");
    }
}
