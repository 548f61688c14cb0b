//! Fuzzing inputs as ordinary tests (FUZZING.md): every seed under
//! `fuzz/seeds/<target>/` and every saved crashing input under
//! `tests/fuzz_regressions/<target>/` goes through the very checks the fuzz
//! target runs (`fuzz/src/lib.rs`, included below), which assert the
//! parser's promises, not only the absence of a panic.
//!
//! A file's name says what it must give: `err-*` a refusal (for a source
//! reader, one that names the file: `fuzz.bib:3: ...`), anything else an
//! acceptance. An empty or missing seed directory fails the test.

#[path = "../../fuzz/src/lib.rs"]
mod checks;

use checks::Outcome;
use std::path::{Path, PathBuf};

/// The files of one directory, sorted; none when it does not exist.
fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

/// Run every seed and regression input of `target` through `check`.
/// `named` is the file name a source reader's errors must start with.
fn run(target: &str, check: fn(&[u8]) -> Outcome, named: Option<&str>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = files(&root.join("fuzz/seeds").join(target));
    assert!(
        !seeds.is_empty(),
        "no seeds in fuzz/seeds/{target}: the test would check nothing"
    );
    let regressions = files(&root.join("tests/fuzz_regressions").join(target));
    let mut failures = Vec::new();
    for path in seeds.iter().chain(&regressions) {
        let data = std::fs::read(path).expect("readable input");
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        // A panic here is the crash coming back: name the input.
        let outcome = std::panic::catch_unwind(|| check(&data))
            .unwrap_or_else(|_| panic!("{target}: {} panics again", path.display()));
        let expected = if name.starts_with("err-") {
            match &outcome {
                Outcome::Err(m) => named.is_none_or(|f| m.starts_with(&format!("{f}:"))),
                _ => false,
            }
        } else {
            matches!(outcome, Outcome::Ok(_))
        };
        if !expected {
            failures.push(format!("{}: {outcome:?}", path.display()));
        }
    }
    assert!(
        failures.is_empty(),
        "{target}: unexpected outcomes:\n{}",
        failures.join("\n")
    );
}

#[test]
fn listing() {
    run("listing", checks::listing, Some(checks::LISTING_FILE));
}

#[test]
fn curated() {
    run("curated", checks::curated, Some(checks::CURATED_FILE));
}

#[test]
fn bibtex() {
    run("bibtex", checks::bibtex, Some(checks::BIBTEX_FILE));
}

#[test]
fn ris() {
    run("ris", checks::ris, Some(checks::RIS_FILE));
}

#[test]
fn csljson() {
    run("csljson", checks::csljson, Some(checks::CSLJSON_FILE));
}

#[test]
fn negotiate() {
    run("negotiate", checks::negotiate, None);
}

#[test]
fn oai() {
    run("oai", checks::oai, None);
}
