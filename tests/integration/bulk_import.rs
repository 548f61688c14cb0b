//! The bulk import path (`import::bulk`): the same store as the transaction
//! path, and crash recovery at each step, with the real binary aborting.

use crate::common;

use common::{BASE, T1, T2, iris, snapshot, snapshot_of_data};
use palermo::import::{Mode, RecordSource, Strategy, import_records_with};
use palermo::record::Record;
use palermo::store::Store;
use std::process::Command;
use time::macros::datetime;

const T3: time::OffsetDateTime = datetime!(2026-03-01 00:00:00 UTC);

fn source(id: &str, records: Vec<Record>) -> RecordSource {
    RecordSource {
        id: id.to_string(),
        title: format!("Source {id}"),
        files: vec![(format!("{id}.json"), format!("{id}.json"))],
        records,
        mode: Mode::Replace,
    }
}

/// The shipped catalogue, then source `alpha` with 20 records of which the
/// last 10 are later removed (so they carry deletion marks and old stamps).
fn prepared() -> Store {
    let (store, _) = common::catalogue();
    let alpha: Vec<Record> = palermo::synthetic::records(1, 20).collect();
    let write = |records: Vec<Record>, now| {
        import_records_with(
            &store,
            &iris(),
            vec![source("alpha", records)],
            now,
            Strategy::Transaction,
        )
        .unwrap()
    };
    write(alpha.clone(), T1);
    write(alpha[..10].to_vec(), T2);
    store
}

/// Source `beta`: 200 new records and two of alpha's deleted ones, back.
fn beta() -> RecordSource {
    let mut records: Vec<Record> = palermo::synthetic::records(2, 220).skip(20).collect();
    records.extend(palermo::synthetic::records(1, 12).skip(10));
    source("beta", records)
}

#[test]
fn bulk_and_transaction_write_the_same_store() {
    let by_tx = prepared();
    let by_bulk = prepared();
    assert_eq!(snapshot(&by_tx), snapshot(&by_bulk));
    let tx = import_records_with(&by_tx, &iris(), vec![beta()], T3, Strategy::Transaction).unwrap();
    let bulk =
        import_records_with(&by_bulk, &iris(), vec![beta()], T3, Strategy::BulkWhenNew).unwrap();
    assert!(!tx.bulk);
    assert!(bulk.bulk, "a new source takes the bulk path");
    assert_eq!(tx.records, 202);
    assert_eq!(bulk.records, 202);
    assert_eq!(bulk.sources[0].added, 202);
    assert_eq!(tx.sources[0].added, bulk.sources[0].added);

    // The change feed says how: the records one by one, or everything.
    let (a, b) = (snapshot_of_data(&by_tx), snapshot_of_data(&by_bulk));
    let only_tx: Vec<_> = a.iter().filter(|l| !b.contains(l)).collect();
    let only_bulk: Vec<_> = b.iter().filter(|l| !a.contains(l)).collect();
    assert!(
        only_tx.is_empty() && only_bulk.is_empty(),
        "only after the transaction: {only_tx:#?}\nonly after the bulk load: {only_bulk:#?}"
    );
    // The two records that came back lost their deletion marks and old stamps.
    let back = format!("<{BASE}records/synthetic-0000010>");
    let meta: Vec<_> = b
        .iter()
        .filter(|l| l.starts_with(&back) && l.ends_with(&format!("<{BASE}graph/meta>")))
        .collect();
    assert_eq!(meta.len(), 1, "{meta:#?}");
    assert!(meta[0].contains("2026-03-01T00:00:00Z"), "{meta:#?}");
    assert!(
        !b.iter()
            .any(|l| l.contains("importPending") && l.ends_with("meta>"))
    );
}

#[test]
fn an_existing_source_still_goes_through_one_transaction() {
    let store = prepared();
    let alpha: Vec<Record> = palermo::synthetic::records(1, 5).collect();
    let report = import_records_with(
        &store,
        &iris(),
        vec![source("alpha", alpha)],
        T3,
        Strategy::BulkWhenNew,
    )
    .unwrap();
    assert!(!report.bulk);
    assert_eq!(report.sources[0].removed, 5);
}

#[test]
fn a_pinned_id_held_by_another_source_fails_before_anything_is_written() {
    let store = prepared();
    let before = snapshot(&store);
    // synthetic-0000003 is alive in alpha.
    let records: Vec<Record> = palermo::synthetic::records(1, 4).skip(3).collect();
    let err = import_records_with(
        &store,
        &iris(),
        vec![source("gamma", records)],
        T3,
        Strategy::BulkWhenNew,
    )
    .unwrap_err();
    assert!(err.to_string().contains("synthetic-0000003"), "{err}");
    assert_eq!(before, snapshot(&store));
}

/// Synthetic records `from..to` as a CSL-JSON file's text (`prepared`
/// holds `synthetic-0000000` to `…09` alive).
fn csl_json(seed: u64, from: usize, to: usize) -> String {
    generated(palermo::export::Format::CslJson, seed, from, to)
}

fn generated(format: palermo::export::Format, seed: u64, from: usize, to: usize) -> String {
    let mut out = Vec::new();
    palermo::export::Exporter::new(iris())
        .write_records(
            format,
            palermo::synthetic::records(seed, to).skip(from).map(Ok),
            &palermo::export::ExportOptions::default(),
            &mut out,
        )
        .unwrap();
    String::from_utf8(out).unwrap()
}

fn stream(
    store: &Store,
    path: &str,
    text: &str,
) -> Result<palermo::report::ImportReport, palermo::error::Error> {
    let (format, header) = palermo::ingest::citations::citation_header(path).unwrap();
    let records =
        palermo::ingest::citations::record_stream(format, path, text.as_bytes(), &iris()).unwrap();
    palermo::import::bulk::import_stream(store, &iris(), &header, records, T3)
}

#[test]
fn a_streamed_file_imports_like_the_whole_file() {
    use palermo::export::Format;
    for (format, path) in [
        (Format::CslJson, "in/big.json"),
        (Format::Ris, "in/big.ris"),
    ] {
        let text = generated(format, 4, 20, 320);
        let whole = prepared();
        let source = palermo::ingest::citations::citation_source(path, &text, &iris()).unwrap();
        let a =
            import_records_with(&whole, &iris(), vec![source], T3, Strategy::BulkWhenNew).unwrap();
        let streamed = prepared();
        let b = stream(&streamed, path, &text).unwrap();
        assert!(a.bulk && b.bulk, "{path}");
        assert_eq!(b.records, 300, "{path}");
        assert_eq!(
            serde_json::to_value(&a).unwrap(),
            serde_json::to_value(&b).unwrap(),
            "{path}"
        );
        assert_eq!(snapshot(&whole), snapshot(&streamed), "{path}");
    }
}

#[test]
fn a_bad_record_late_in_a_stream_writes_nothing() {
    let store = prepared();
    let before = snapshot(&store);
    let text = csl_json(5, 20, 320);
    let bad = text.trim_end().strip_suffix(']').unwrap().to_string()
        + ",\n{\"id\": \"x\", \"type\": \"report\", \"title\": \" \"}\n]\n";
    let lines = bad.lines().count();
    let err = stream(&store, "late.json", &bad).unwrap_err().to_string();
    assert!(
        err.contains(&format!("late.json:{}", lines - 1)) && err.contains("empty title"),
        "{err}"
    );
    assert_eq!(before, snapshot(&store));

    // An id that another source holds, as the last record: nothing either.
    let mut clash = csl_json(6, 20, 70)
        .trim_end()
        .strip_suffix(']')
        .unwrap()
        .to_string();
    let alive = csl_json(1, 0, 1);
    clash.push(',');
    clash.push_str(alive.trim().strip_prefix('[').unwrap());
    let err = stream(&store, "clash.json", &clash)
        .unwrap_err()
        .to_string();
    assert!(err.contains("synthetic-0000000"), "{err}");
    assert_eq!(before, snapshot(&store));

    // And an existing source cannot be streamed into.
    let (_, mut header) = palermo::ingest::citations::citation_header("x.json").unwrap();
    header.id = "alpha".into();
    let err =
        palermo::import::bulk::import_stream(&store, &iris(), &header, std::iter::empty(), T3)
            .unwrap_err()
            .to_string();
    assert!(err.contains("already in the store"), "{err}");
    assert_eq!(before, snapshot(&store));
}

// --- crashes, with the real binary and a RocksDB store ---

fn palermo(dir: &std::path::Path, args: &[&str], failpoint: Option<&str>) -> std::process::Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_palermo"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data-dir")
        .arg(dir)
        .args(args);
    if let Some(f) = failpoint {
        cmd.env("PALERMO_FAILPOINT", f);
    }
    cmd.output().unwrap()
}

/// Every quad as sorted lines, with each import's change stamp (which
/// differs between runs) replaced by `STAMP`.
fn dump(dir: &std::path::Path) -> Vec<String> {
    let out = palermo(
        dir,
        &[
            "query",
            "--format",
            "tsv",
            "SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
        ],
        None,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .map(without_stamps)
        .collect();
    lines.sort();
    lines
}

/// `"…"^^xsd:dateTime` becomes `STAMP`: the only dateTimes are change stamps.
fn without_stamps(line: &str) -> String {
    const DATE_TIME: &str = "\"^^<http://www.w3.org/2001/XMLSchema#dateTime>";
    let mut line = line.to_string();
    while let Some(end) = line.find(DATE_TIME) {
        let start = line[..end].rfind('"').expect("a quoted literal");
        line.replace_range(start..end + DATE_TIME.len(), "STAMP");
    }
    line
}

fn import(
    dir: &std::path::Path,
    file: &std::path::Path,
    failpoint: Option<&str>,
) -> std::process::Output {
    palermo(
        dir,
        &["import", "--json", file.to_str().unwrap()],
        failpoint,
    )
}

#[test]
fn a_crash_at_either_step_leaves_the_old_store_or_the_whole_import() {
    let tmp = tempfile::tempdir().unwrap();
    let out = palermo(tmp.path(), &["gen", "--records", "400"], None);
    assert!(out.status.success());
    let file = tmp.path().join("big.json");
    std::fs::write(&file, &out.stdout).unwrap();
    let shipped_only = |name: &str| {
        let dir = tmp.path().join(name);
        let out = palermo(&dir, &["import", "data/"], None);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        dir
    };

    let reference = shipped_only("reference");
    let before = dump(&reference);
    let out = import(&reference, &file, None);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["bulk"], true);
    assert_eq!(report["records"], 400);
    let after = dump(&reference);
    assert!(after.len() > before.len() + 400 * 20);

    // Killed after the journal entry, before the ingest: the old store.
    let early = shipped_only("early");
    let out = import(&early, &file, Some("bulk-after-journal"));
    assert!(!out.status.success(), "the failpoint must stop the import");
    assert_eq!(dump(&early), before);
    // ... and the import can simply run again.
    assert!(import(&early, &file, None).status.success());
    assert_eq!(dump(&early), after);

    // Killed after the ingest, before the fix-ups: the next open finishes it.
    let late = shipped_only("late");
    let out = import(&late, &file, Some("bulk-after-ingest"));
    assert!(!out.status.success(), "the failpoint must stop the import");
    assert_eq!(dump(&late), after);
    let pending = |lines: Vec<String>| {
        lines
            .into_iter()
            .filter(|l| {
                l.starts_with(&format!("<{BASE}graph/meta>")) && l.contains("importPending")
            })
            .count()
    };
    assert_eq!(pending(dump(&late)), 0);
}
