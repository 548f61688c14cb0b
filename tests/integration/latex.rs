//! The whole catalogue typeset by LaTeX, as an academic would: every record
//! cited (`\nocite{*}`) with the classic BibTeX styles `plain`, `unsrt`,
//! `alpha` and `apalike` on the ASCII export, and with biblatex + biber
//! (`--validate-datamodel`) on the UTF-8 export. Any warning fails the
//! test, except biber's missing year on a record whose sources give none
//! (the classic styles get APA's "n.d." there); and LaTeX must finish
//! without an error. Every record is typeset in every style.
//!
//! The toolchain comes from `scripts/install-test-deps.sh`; a missing tool
//! fails the test with that hint, never skips it.

use crate::export_support;

use export_support::*;
use palermo::export::{ExportOptions, Format, bibtex, cited_authors};
use palermo::record::Record;
use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

const INSTALL: &str = "run scripts/install-test-deps.sh";

fn run(dir: &Path, program: &str, args: &[&str]) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("{program} did not run ({e}): {INSTALL}"))
}

fn pdflatex(dir: &Path, doc: &str) -> Output {
    run(
        dir,
        "pdflatex",
        &["-interaction=nonstopmode", "-halt-on-error", doc],
    )
}

/// Cite keys of records without a year: their "empty year" / "date, year"
/// warnings are the one kind allowed.
fn undated_keys(records: &[Record]) -> Vec<String> {
    let mut keys = bibtex::CiteKeys::new();
    records
        .iter()
        .map(|r| (keys.assign(&bibtex::cite_key(r)), r.year.is_none()))
        .filter(|(_, undated)| *undated)
        .map(|(k, _)| k)
        .collect()
}

fn records() -> Vec<Record> {
    let all = catalogue_records();
    assert_eq!(all.len(), 103);
    all
}

/// The author-year label classic author-year and alphabetic styles give a
/// record: its cited authors and its year.
fn label(r: &Record) -> (Vec<String>, Option<i32>) {
    (
        cited_authors(r).iter().map(|a| a.display_name()).collect(),
        r.year,
    )
}

/// `alpha` and `apalike` letter works with the same author-year label a to
/// z, and a 27th would get `{`, which breaks LaTeX (`forward.pass` in
/// alpha.bst and apalike.bst). The catalogue has 40 undated works cited
/// under UNODC: the classic tests below typeset every one of them, which
/// the ASCII export makes possible by writing APA's lettered "n.d." years
/// (`bibtex::UndatedYears`). Asserted so that the classic tests keep
/// covering that case.
#[test]
fn the_catalogue_has_more_than_26_undated_works_of_one_author() {
    let mut sizes: BTreeMap<(Vec<String>, Option<i32>), usize> = BTreeMap::new();
    for r in &records() {
        *sizes.entry(label(r)).or_default() += 1;
    }
    let over: Vec<_> = sizes.into_iter().filter(|(_, n)| *n > 26).collect();
    assert_eq!(
        over,
        vec![(
            (
                vec!["United Nations Office on Drugs and Crime".to_string()],
                None
            ),
            40
        )]
    );
}

fn classic(style: &str) {
    let records = records();
    let text = export(
        Format::BibTeX,
        &records,
        &ExportOptions {
            ascii: true,
            ..ExportOptions::default()
        },
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("refs.bib"), text).expect("write bib");
    // apalike's labels ("Author, Year") are typeset by its own package
    // (natbib would refuse them: they are not natbib's "Author(Year)").
    let package = if style == "apalike" {
        "\\usepackage{apalike}\n"
    } else {
        ""
    };
    let doc = format!(
        "\\documentclass{{article}}\n\\usepackage[T1]{{fontenc}}\n\\usepackage{{lmodern}}\n\\usepackage{{url}}\n{package}\\begin{{document}}\n\\nocite{{*}}\n\\bibliographystyle{{{style}}}\n\\bibliography{{refs}}\n\\end{{document}}\n"
    );
    std::fs::write(dir.path().join("doc.tex"), doc).expect("write tex");
    let first = pdflatex(dir.path(), "doc");
    assert!(
        first.status.success(),
        "{style}: first LaTeX run failed:\n{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let bib = run(dir.path(), "bibtex", &["doc"]);
    let log = String::from_utf8_lossy(&bib.stdout).to_string();
    // Not even "empty year": the ASCII export writes "n.d." for those.
    let unexpected: Vec<&str> = log
        .lines()
        .filter(|l| l.starts_with("Warning--") || l.contains("error message"))
        .collect();
    assert!(
        unexpected.is_empty(),
        "{style}: {} BibTeX warnings:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    assert!(
        !log.contains("error message"),
        "{style}: BibTeX errors:\n{log}"
    );
    for pass in ["second", "third"] {
        let out = pdflatex(dir.path(), "doc");
        assert!(
            out.status.success(),
            "{style}: {pass} LaTeX run failed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let cited = std::fs::read_to_string(dir.path().join("doc.bbl"))
        .expect("bbl")
        .matches("\\bibitem")
        .count();
    assert_eq!(cited, records.len(), "{style}: every record is typeset");
}

#[test]
fn classic_bibtex_plain() {
    classic("plain");
}

#[test]
fn classic_bibtex_unsrt() {
    classic("unsrt");
}

#[test]
fn classic_bibtex_alpha() {
    classic("alpha");
}

#[test]
fn classic_bibtex_apalike() {
    classic("apalike");
}

#[test]
fn biblatex_biber_validates_the_datamodel() {
    let records = records();
    let undated = undated_keys(&records);
    let text = export(Format::BibTeX, &records, &ExportOptions::default());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("refs.bib"), text).expect("write bib");
    let doc = "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{lmodern}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n";
    std::fs::write(dir.path().join("doc.tex"), doc).expect("write tex");
    let first = pdflatex(dir.path(), "doc");
    assert!(
        first.status.success(),
        "first LaTeX run failed:\n{}",
        String::from_utf8_lossy(&first.stdout)
    );
    let biber = run(dir.path(), "biber", &["--validate-datamodel", "doc"]);
    let log = String::from_utf8_lossy(&biber.stdout).to_string();
    assert!(biber.status.success(), "biber failed:\n{log}");
    let unexpected: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        // The summary line counts the warnings listed above it.
        .filter(|l| !l.contains("WARNINGS:"))
        .filter(|l| {
            !(l.contains("one of 'date, year' must be defined")
                && undated.iter().any(|k| l.contains(&format!("'{k}'"))))
        })
        .collect();
    assert!(
        unexpected.is_empty(),
        "biber: {} warnings besides missing years:\n{}",
        unexpected.len(),
        unexpected.join("\n")
    );
    let out = pdflatex(dir.path(), "doc");
    assert!(
        out.status.success(),
        "second LaTeX run failed:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
}
