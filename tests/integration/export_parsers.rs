//! Every record of the catalogue (and the synthetic one), in every format,
//! read by independent parsers: pandoc (BibTeX, RIS, CSL-JSON), Python's
//! bibtexparser and rispy, and the CSL-JSON schema. The parsed title, year,
//! author count and type must agree with the record the store holds.
//!
//! The parsers come from `scripts/install-test-deps.sh`; a missing one
//! fails the test with that hint, never skips it.

use crate::export_support;

use export_support::*;
use palermo::export::{ExportOptions, Format, bibtex, cited_authors, csljson, ris};
use palermo::record::{Record, RecordKind};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const INSTALL: &str = "run scripts/install-test-deps.sh";

fn records() -> Vec<Record> {
    let mut all = catalogue_records();
    assert_eq!(all.len(), 103);
    all.push(record(SPECIAL_ID));
    all
}

/// pandoc 3 or later (its RIS reader is from 3.0): `$PANDOC`, else the
/// binary the `pypandoc-binary` package ships (Debian's pandoc is 2.17),
/// else `pandoc` on the PATH.
fn pandoc() -> PathBuf {
    let candidates: Vec<PathBuf> = std::env::var_os("PANDOC")
        .map(PathBuf::from)
        .into_iter()
        .chain(
            Command::new("python3")
                .args(["-c", "import pypandoc; print(pypandoc.get_pandoc_path())"])
                .output()
                .ok()
                .filter(|o| o.status.success())
                .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim())),
        )
        .chain([PathBuf::from("pandoc")])
        .collect();
    for c in &candidates {
        let Ok(out) = Command::new(c).arg("--list-input-formats").output() else {
            continue;
        };
        if String::from_utf8_lossy(&out.stdout)
            .lines()
            .any(|l| l == "ris")
        {
            return c.clone();
        }
    }
    panic!("no pandoc with a RIS reader (pandoc >= 3) among {candidates:?}: {INSTALL}");
}

/// What pandoc 3 makes of our types (its own mapping: `@misc` has no CSL
/// type, RIS `GEN` becomes `entry` and `ADVS` `motion-picture`).
fn pandoc_type(format: Format, r: &Record) -> String {
    let kind = r.kind;
    let t = match format {
        Format::BibTeX => match bibtex::entry_type(r).to_string().as_str() {
            "techreport" => "report",
            "manual" | "book" => "book",
            "article" => "article-journal",
            "incollection" => "chapter",
            _ => "",
        },
        Format::Ris => match ris::ris_type(kind) {
            "RPRT" => "report",
            "BOOK" => "book",
            "JOUR" => "article-journal",
            "CHAP" => "chapter",
            "ADVS" => "motion-picture",
            // pandoc's RIS reader: SOUND is a musical score (Zotero,
            // EndNote and Mendeley: an audio recording).
            "SOUND" => "musical_score",
            _ => "entry",
        },
        _ => return csl_type(kind),
    };
    t.to_string()
}

fn csl_type(kind: RecordKind) -> String {
    match serde_json::to_value(csljson::CslType::from(kind)) {
        Ok(Value::String(s)) => s,
        _ => panic!("CSL types serialise as strings"),
    }
}

fn url(r: &Record) -> String {
    format!("{BASE}records/{}", r.id)
}

/// Quotes folded to straight ones: pandoc makes `'` and `"` typographic
/// (LaTeX's meaning in BibTeX; its CSL-JSON reader does the same), and the
/// ASCII BibTeX variant writes typographic quotes as TeX ligatures.
fn fold_quotes(s: &str) -> String {
    s.replace(['‘', '’'], "'").replace(['“', '”'], "\"")
}

fn write_temp(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).expect("write temp file");
    p
}

fn check_with_pandoc(format: Format, from: &str, opts: &ExportOptions, ascii: bool) {
    let records = records();
    let text = export(format, &records, opts);
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_temp(dir.path(), &format!("export.{}", format.extension()), &text);
    let out = Command::new(pandoc())
        .args(["-f", from, "-t", "csljson"])
        .arg(&file)
        .output()
        .expect("pandoc runs");
    assert!(
        out.status.success(),
        "pandoc -f {from} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let items: Vec<Value> = serde_json::from_slice(&out.stdout).expect("pandoc writes CSL-JSON");
    assert_eq!(
        items.len(),
        records.len(),
        "pandoc -f {from}: one item per record"
    );
    let by_url: BTreeMap<String, &Value> = items
        .iter()
        .map(|i| (i["URL"].as_str().unwrap_or_default().to_string(), i))
        .collect();
    let mut problems = Vec::new();
    for r in &records {
        let Some(item) = by_url.get(&url(r)) else {
            problems.push(format!("{}: not read back", r.id));
            continue;
        };
        let title = item["title"].as_str().unwrap_or_default();
        let expected = fold_quotes(&r.title);
        let got = fold_quotes(title);
        // A title with characters outside Latin is transliterated in ASCII.
        let comparable = !ascii || r.id != SPECIAL_ID;
        if comparable && got != expected {
            problems.push(format!("{}: title {title:?} != {:?}", r.id, r.title));
        }
        let year = item["issued"]["date-parts"][0][0]
            .as_i64()
            .or_else(|| item["issued"]["date-parts"][0][0].as_str()?.parse().ok());
        if year != r.year.map(i64::from) {
            problems.push(format!("{}: year {year:?} != {:?}", r.id, r.year));
        }
        // Group authors included (README, "Corporate authorship"). pandoc
        // reads RIS `A2` as an editor: on `SOUND` it is the performer, the
        // recording's author (Zotero's reading, `ris::creator_tag`).
        let mut authors = item["author"].as_array().map_or(0, Vec::len);
        if format == Format::Ris && ris::ris_type(r.kind) == "SOUND" {
            authors += item["editor"].as_array().map_or(0, Vec::len);
        }
        if authors != cited_authors(r).len() {
            problems.push(format!(
                "{}: {authors} authors != {}",
                r.id,
                cited_authors(r).len()
            ));
        }
        // A chapter's book, in every format.
        if let Some(c) = &r.container {
            let book = item["container-title"].as_str().unwrap_or_default();
            if fold_quotes(book) != fold_quotes(&c.title) {
                problems.push(format!("{}: book {book:?} != {:?}", r.id, c.title));
            }
            let editors = item["editor"].as_array().map_or(0, Vec::len);
            if editors != c.editors.len() {
                problems.push(format!(
                    "{}: {editors} editors != {}",
                    r.id,
                    c.editors.len()
                ));
            }
        }
        let ty = item["type"].as_str().unwrap_or_default();
        if ty != pandoc_type(format, r) {
            problems.push(format!(
                "{}: type {ty:?} != {:?} ({:?})",
                r.id,
                pandoc_type(format, r),
                r.kind
            ));
        }
    }
    assert!(
        problems.is_empty(),
        "pandoc -f {from}:\n{}",
        problems.join("\n")
    );
}

#[test]
fn pandoc_reads_bibtex() {
    check_with_pandoc(Format::BibTeX, "bibtex", &ExportOptions::default(), false);
}

#[test]
fn pandoc_reads_ascii_bibtex() {
    let ascii = ExportOptions {
        ascii: true,
        ..ExportOptions::default()
    };
    check_with_pandoc(Format::BibTeX, "bibtex", &ascii, true);
}

#[test]
fn pandoc_reads_ris() {
    check_with_pandoc(Format::Ris, "ris", &ExportOptions::default(), false);
}

#[test]
fn pandoc_reads_csljson() {
    check_with_pandoc(Format::CslJson, "csljson", &ExportOptions::default(), false);
}

/// Run `tests/python/export_check.py` on an export.
fn python_check(format: Format, name: &str) {
    let records = records();
    let text = export(format, &records, &ExportOptions::default());
    let expected: BTreeMap<String, Value> = records
        .iter()
        .map(|r| {
            (
                url(r),
                json!({
                    "title": r.title,
                    "year": r.year,
                    "authors": cited_authors(r).len(),
                    "bibtex_type": bibtex::entry_type(r).to_string(),
                    "ris_type": ris::ris_type(r.kind),
                    "csl_type": csl_type(r.kind),
                }),
            )
        })
        .collect();
    let dir = tempfile::tempdir().expect("tempdir");
    let file = write_temp(dir.path(), &format!("export.{}", format.extension()), &text);
    let exp = write_temp(
        dir.path(),
        "expected.json",
        &serde_json::to_string(&expected).expect("json"),
    );
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let schema = root.join("tests/schemas/csl-data.json");
    assert!(schema.exists(), "missing {}", schema.display());
    let out = Command::new("python3")
        .arg(root.join("tests/python/export_check.py"))
        .arg(name)
        .arg(&file)
        .arg(&exp)
        .arg(&schema)
        .output()
        .unwrap_or_else(|e| panic!("python3 does not run ({e}): {INSTALL}"));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name} check failed ({INSTALL} if a module is missing):\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains(&format!(
            "{name}: {} entries read, 0 problems",
            records.len()
        )),
        "{stdout}"
    );
}

#[test]
fn bibtexparser_reads_bibtex() {
    python_check(Format::BibTeX, "bibtex");
}

#[test]
fn rispy_reads_ris() {
    python_check(Format::Ris, "ris");
}

#[test]
fn csljson_validates_against_the_schema() {
    python_check(Format::CslJson, "csljson");
}
