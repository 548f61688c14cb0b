//! Import semantics: idempotent, atomic, change-tracking, with clear errors.

use crate::common;

use common::*;
use palermo::import::{SourceFile, import};
use palermo::rdf::{meta, read};

#[test]
fn reimport_changes_nothing() {
    let (store, _) = catalogue();
    let before = snapshot(&store);
    let report = import(&store, &iris(), &palermo::catalogue::shipped(), T2).unwrap();
    assert_eq!(
        snapshot(&store),
        before,
        "a second import of the same sources must not change the store"
    );
    for s in &report.sources {
        assert_eq!((s.added, s.changed, s.removed), (0, 0, 0), "{s:?}");
        assert_eq!(s.unchanged, s.records);
    }
}

#[test]
fn updated_source_bumps_modified_only_on_changed_records() {
    let (store, _) = catalogue();
    let files = shipped_with("003_f0068be67fa4eb83.txt", |t| {
        t.replace("Lori J. Mann", "Lori J. Mann\nA. N. Other")
    });
    let report = import(&store, &iris(), &files, T2).unwrap();
    let portal = report.sources.iter().find(|s| s.id == "portal").unwrap();
    assert_eq!((portal.changed, portal.added, portal.removed), (1, 0, 0));
    let changed = "trafficking-in-human-beings-and-smuggling-of-migrants";
    let ids = read::record_ids(&store, &iris()).unwrap();
    for id in ids {
        let m = meta::modified(&store, &iris(), &id).unwrap().unwrap();
        let expected = if id == changed {
            "2026-02-01T00:00:00Z"
        } else {
            "2026-01-01T00:00:00Z"
        };
        assert_eq!(m, expected, "{id}");
    }
    let r = read::record(&store, &iris(), changed).unwrap().unwrap();
    assert_eq!(r.authors.len(), 2);
}

#[test]
fn a_record_gone_from_its_source_is_marked_deleted() {
    let (store, _) = catalogue();
    let files = shipped_with("unodc.toml", |t| {
        t.replace("title = \"VITA\"", "title = \"VITA\"\nid = \"vita\"")
    });
    import(&store, &iris(), &files, T2).unwrap();
    let files: Vec<SourceFile> = palermo::catalogue::shipped()
        .into_iter()
        .map(|mut f| {
            if f.path.ends_with("unodc.toml") {
                let start = f.text.find("[[publication]]\nline = 27\n").unwrap();
                let end = start + 1 + f.text[start + 1..].find("[[publication]]").unwrap();
                f.text.replace_range(start..end, "");
            }
            f
        })
        .collect();
    let report = import(&store, &iris(), &files, T2).unwrap();
    assert_eq!(
        report
            .sources
            .iter()
            .find(|s| s.id == "unodc")
            .unwrap()
            .removed,
        1
    );
    assert!(read::record(&store, &iris(), "vita").unwrap().is_none());
    let deleted = store
        .query(
            "ASK { GRAPH ?g { <http://localhost:8080/records/vita> <http://localhost:8080/ontology#deleted> true } }",
            std::time::Duration::from_secs(5),
            |r| Ok(matches!(r, palermo::store::Answer::Boolean(true))),
        )
        .unwrap();
    assert!(deleted);
}

type Edit = Box<dyn Fn(&str) -> String>;

/// Each bad file fails the whole import, names file and line, and leaves the store as it was.
#[test]
fn failed_import_writes_nothing() {
    let (store, _) = catalogue();
    let before = snapshot(&store);
    let cases: Vec<(&str, Edit, &str)> = vec![
        (
            "001_640d2a1d6da21558.txt",
            Box::new(|t: &str| t[..t.find("Year\n2019").unwrap()].to_string()),
            "truncated entry",
        ),
        (
            "unodc.toml",
            Box::new(|t: &str| t.replacen("title = \"VITA\"", "title = \"VITA", 1)),
            "invalid TOML",
        ),
        (
            "unodc.toml",
            Box::new(|t: &str| t.replacen("year = 2016", "year = 20016", 1)),
            "out of range",
        ),
        (
            "unodc.toml",
            Box::new(|t: &str| {
                t.replacen(
                    "same_as = \"first-aid-kit-for-use-by-law-enforcement\"",
                    "same_as = \"no-such-record\"",
                    1,
                )
            }),
            "no such record",
        ),
        (
            "002_7dcb1351ec7842b8.txt",
            Box::new(|t: &str| t.replacen("Year\n2015", "Year\nMMXV", 1)),
            "is not a year",
        ),
    ];
    for (file, edit, expected) in cases {
        let files = shipped_with(file, &*edit);
        let err = import(&store, &iris(), &files, T2).unwrap_err().to_string();
        assert!(err.contains(file), "error should name {file}: {err}");
        assert!(
            err.contains(expected),
            "error should say {expected:?}: {err}"
        );
        assert!(
            err.split(':')
                .nth(1)
                .is_some_and(|l| l.trim().parse::<usize>().is_ok_and(|n| n > 0)),
            "no line number: {err}"
        );
        assert_eq!(
            snapshot(&store),
            before,
            "store changed after a failed import ({file})"
        );
    }
}

#[test]
fn unknown_country_is_a_reported_warning_and_kept() {
    let store = palermo::store::Store::memory().unwrap();
    let page = "Skip to main content\n\nTrafficking\n\nA Study of Atlantis\n\nText.\nCountry\nAtlantis\nRegion\nWorldwide\nYear\n2020\n";
    let report = import(
        &store,
        &iris(),
        &[SourceFile {
            path: "x.txt".into(),
            text: page.into(),
        }],
        T1,
    )
    .unwrap();
    assert_eq!(report.warnings.len(), 1, "{:?}", report.warnings);
    assert!(report.warnings[0].contains("Atlantis"));
    let r = read::record(&store, &iris(), "a-study-of-atlantis")
        .unwrap()
        .unwrap();
    assert!(r.countries.is_empty());
    assert_eq!(r.repairs.len(), 1);
    assert_eq!(r.repairs[0].original, "Atlantis");
    assert!(r.repairs[0].guess);
}

#[test]
fn non_utf8_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.txt");
    std::fs::write(&path, b"Skip to main content\n\xff\xfe").unwrap();
    let err = SourceFile::read(&path).unwrap_err().to_string();
    assert!(err.contains("not UTF-8"), "{err}");
}

fn record(title: &str, year: i32) -> palermo::record::Record {
    bare_record("", title, year)
}

#[test]
fn record_sources_replace_or_merge() {
    use palermo::import::{Mode, RecordSource, import_records};
    let (store, _) = catalogue();
    let source = |records, mode| RecordSource {
        id: "partner".into(),
        title: "A partner".into(),
        files: vec![(
            "https://partner.example/oai".into(),
            "Partner OAI-PMH".into(),
        )],
        records,
        mode,
    };
    let first = import_records(
        &store,
        &iris(),
        vec![source(
            vec![record("Alpha Report", 2001), record("Beta Report", 2002)],
            Mode::Replace,
        )],
        T1,
    )
    .unwrap();
    assert_eq!(first.sources[0].added, 2);
    // Incremental: Alpha changes, Beta is deleted, Gamma arrives; nothing else is touched.
    let report = import_records(
        &store,
        &iris(),
        vec![source(
            vec![record("Alpha Report", 2011), record("Gamma Report", 2003)],
            Mode::Merge {
                delete: vec!["beta-report".into()],
            },
        )],
        T2,
    )
    .unwrap();
    let s = &report.sources[0];
    assert_eq!((s.added, s.changed, s.removed), (1, 1, 1), "{s:?}");
    let ids = read::record_ids(&store, &iris()).unwrap();
    assert!(ids.contains(&"alpha-report".to_string()) && ids.contains(&"gamma-report".to_string()));
    assert!(!ids.contains(&"beta-report".to_string()));
    assert_eq!(ids.len(), 103 + 2);
    let alpha = read::record(&store, &iris(), "alpha-report")
        .unwrap()
        .unwrap();
    assert_eq!(alpha.year, Some(2011));
    // A pinned id that belongs to another source is refused, and nothing is written.
    let before = snapshot(&store);
    let mut clash = record("Clash", 2000);
    clash.id = "understanding-human-trafficking-in-conflict".into();
    let err = import_records(
        &store,
        &iris(),
        vec![source(vec![clash], Mode::Merge { delete: vec![] })],
        T2,
    )
    .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    assert_eq!(snapshot(&store), before);
}
