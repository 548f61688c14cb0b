//! Shared by the export tests: the catalogue plus one synthetic record with
//! every character BibTeX, RIS, JSON and HTML treat specially, all read back
//! from the store as exports are.

use palermo::export::{ExportOptions, Exporter, Format};
use palermo::import::{Mode, RecordSource, import_records};
use palermo::rdf::{Iris, read};
use palermo::record::{Agent, Record, RecordKind};
use palermo::store::Store;
use std::sync::LazyLock;
use time::macros::datetime;

pub const BASE: &str = "http://localhost:8080/";
pub const SPECIAL_ID: &str = "special-characters";

pub fn iris() -> Iris {
    Iris::new(BASE)
}

/// The records of the golden files: person authors and several countries,
/// accents and a name particle, organisation authors, a multi-language
/// UNODC record without authors, a policy brief with neither authors nor
/// publishers, a pasted citation, two publishers (one with a comma), an
/// audio-visual tool, and the synthetic record.
pub const GOLDEN_IDS: &[&str] = &[
    "needs-assessment-human-trafficking-in-the-western-balkans",
    "training-of-trainers-curriculum-on-standard-operating",
    "towards-global-eu-action-against-trafficking-in-human",
    "united-nations-anti-human-trafficking-manual-for-criminal",
    "the-demand-side-in-anti-trafficking-current-measures",
    "national-referral-mechanisms-for-victims-of-human",
    "2007-publication-of-unodc-regional-office-for-south",
    "vita",
    SPECIAL_ID,
];

/// Every character that breaks naive exports, in every text field.
pub fn special_record() -> Record {
    Record {
        id: SPECIAL_ID.into(),
        title: "Müller & Søn’s 100% {Braced} $5 #1 a_b ~tilde ^caret \\backslash -- “quoted” <b>UNODC</b> EU-Action in Čačak".into(),
        alternative_titles: Vec::new(),
        abstract_text: Some(
            "Costs 5$ and 10% of ~50 items: a_b^2 & {x} #tag \\emph{no} -- en–dash — em; 'single' \"double\"; Россия 中文 عربي".into(),
        ),
        description: None,
        kind: RecordKind::PolicyBrief,
        year: Some(2021),
        authors: vec![
            Agent::Person {
                given: Some("Jürgen".into()),
                family: "Müller".into(),
            },
            Agent::Organization {
                name: "ACME & Sons, Ltd.".into(),
                acronym: None,
            },
            Agent::Person {
                given: Some("Markéta".into()),
                family: "von Hagen".into(),
            },
            Agent::Organization {
                name: "International Organization for Migration".into(),
                acronym: Some("IOM".into()),
            },
        ],
        publishers: vec![Agent::Organization {
            name: "Institute of Social Sciences, New Delhi".into(),
            acronym: None,
        }],
        place: None,
        container: None,
        languages: vec!["en".into(), "fr".into(), "ru".into()],
        countries: vec!["BA".into(), "TT".into(), "AN".into()],
        regions: vec!["middle-east-and-north-africa".into()],
        categories: vec!["trafficking".into(), "law-enforcement".into()],
        citation: None,
        note: Some("Note with % and & and $ and a URL http://example.org/a_b?x=1#y".into()),
        editorial_notes: Vec::new(),
        provenance: Vec::new(),
        repairs: Vec::new(),
    }
}

/// The catalogue and the synthetic record, imported once per test binary.
pub static STORE: LazyLock<Store> = LazyLock::new(|| {
    let store = Store::memory().expect("memory store");
    let t = datetime!(2026-01-01 00:00:00 UTC);
    palermo::import::import(&store, &iris(), &palermo::catalogue::shipped(), t)
        .expect("catalogue imports");
    import_records(
        &store,
        &iris(),
        vec![RecordSource {
            id: "synthetic".into(),
            title: "Synthetic test record".into(),
            files: vec![("tests/export_support/mod.rs".into(), "synthetic".into())],
            records: vec![special_record()],
            mode: Mode::Replace,
        }],
        t,
    )
    .expect("synthetic record imports");
    store
});

/// A record as the store gives it back.
pub fn record(id: &str) -> Record {
    read::record(&STORE, &iris(), id)
        .expect("store reads")
        .unwrap_or_else(|| panic!("no record {id}"))
}

/// Every record of the shipped catalogue (without the synthetic one), sorted by id.
pub fn catalogue_records() -> Vec<Record> {
    read::record_ids(&STORE, &iris())
        .expect("store reads")
        .iter()
        .filter(|id| id.as_str() != SPECIAL_ID)
        .map(|id| record(id))
        .collect()
}

/// Export records as a string.
pub fn export(format: Format, records: &[Record], opts: &ExportOptions) -> String {
    let mut out = Vec::new();
    let n = Exporter::new(iris())
        .write_records(format, records.iter().cloned().map(Ok), opts, &mut out)
        .expect("export succeeds");
    assert_eq!(n, records.len());
    String::from_utf8(out).expect("exports are UTF-8")
}

pub fn golden_records() -> Vec<Record> {
    GOLDEN_IDS.iter().map(|id| record(id)).collect()
}
