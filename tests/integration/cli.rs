//! The command line against a real RocksDB store in a temporary directory.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn palermo(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_palermo"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .output()
        .unwrap()
}

/// `palermo` that must end within `limit` (a `serve` that does not stop
/// would hang the test): killed and failed otherwise.
fn palermo_within(dir: &std::path::Path, args: &[&str], limit: Duration) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_palermo"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("palermo {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// `palermo` that must succeed: fails the test with its stderr otherwise.
fn palermo_ok(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let out = palermo(dir, args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

#[test]
fn import_query_stats_and_reimport() {
    let dir = tempfile::tempdir().unwrap();
    let out = palermo_ok(dir.path(), &["import", "data/"]);
    let report = String::from_utf8(out.stdout).unwrap();
    assert!(report.contains("Records: 103"), "{report}");
    assert!(report.contains("Repairs:"), "{report}");

    let q = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }";
    let out = palermo_ok(dir.path(), &["query", q, "--format", "csv"]);
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "n\r\n103\r\n");

    let out = palermo(dir.path(), &["query", q]);
    let table = String::from_utf8(out.stdout).unwrap();
    assert!(
        table.contains("103") && table.contains("(1 rows)"),
        "{table}"
    );

    // The full-text functions of the query page, over the same index the
    // server builds: ranked scores, and matches for the same records.
    let score = "PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX pal: <http://localhost:8080/ontology#>
SELECT ?record ?score WHERE {
  ?record a dcterms:BibliographicResource .
  BIND(pal:score(?record, \"labour exploitation\") AS ?score)
  FILTER(BOUND(?score))
} ORDER BY DESC(?score)";
    let out = palermo_ok(dir.path(), &["query", score, "--format", "csv"]);
    let csv = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    assert!(rows.len() >= 3, "{csv}");
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r.rsplit(',').next().unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{csv}");
    let matches = "PREFIX pal: <http://localhost:8080/ontology#>
SELECT (COUNT(DISTINCT ?record) AS ?n) WHERE {
  ?record a <http://purl.org/dc/terms/BibliographicResource>
  FILTER(pal:matches(?record, \"labour exploitation\"))
}";
    let out = palermo_ok(dir.path(), &["query", matches, "--format", "csv"]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("n\r\n{}\r\n", rows.len())
    );

    let out = palermo(dir.path(), &["query", "SELECT ?x WHERE { ?x ?p }"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("SPARQL syntax error"));

    let out = palermo(dir.path(), &["stats"]);
    let stats = String::from_utf8(out.stdout).unwrap();
    assert!(stats.contains("records: 103"), "{stats}");

    // The same files from the same paths: nothing changes.
    let out = palermo(
        dir.path(),
        &["import", "--json", "data/portal", "data/unodc.toml"],
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    for s in json["sources"].as_array().unwrap() {
        assert_eq!(s["changed"], 0, "{s}");
        assert_eq!(s["added"], 0, "{s}");
    }
}

#[test]
fn a_locked_store_says_who_holds_it() {
    let dir = tempfile::tempdir().unwrap();
    let _held = palermo::store::Store::open(dir.path()).unwrap();
    let out = palermo(dir.path(), &["stats"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("in use by another process"), "{err}");
}

/// An update cut by the request limit instead of its own deadline would get
/// a 503 and still commit: serve refuses to start so, before opening the store.
#[test]
fn the_update_deadline_must_be_below_the_request_limit() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        &["serve", "--update-timeout", "30"][..],
        &["serve", "--update-timeout", "10", "--request-timeout", "10"][..],
    ] {
        let out = palermo(dir.path(), args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("--update-timeout") && err.contains("must be below --request-timeout"),
            "{err}"
        );
    }
    let out = Command::new(env!("CARGO_BIN_EXE_palermo"))
        .arg("--data-dir")
        .arg(dir.path())
        .args(["serve", "--request-timeout", "10"])
        .env("PALERMO_UPDATE_TIMEOUT", "12")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("(12 s) must be below"));
    assert!(
        std::fs::read_dir(dir.path()).unwrap().next().is_none(),
        "the store was never opened"
    );
}

#[test]
fn bad_input_file_fails_without_panic() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("broken.toml");
    std::fs::write(
        &bad,
        "[source]\nid = \"x\"\ntitle = \"X\"\n[[publication]]\nline = 1\n",
    )
    .unwrap();
    let out = palermo(
        &dir.path().join("store"),
        &["import", bad.to_str().unwrap()],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("broken.toml:") && err.contains("missing field `title`"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn export_then_import_the_citations_elsewhere() {
    let dir = tempfile::tempdir().unwrap();
    palermo_ok(dir.path(), &["import", "data/"]);
    for (format, ext) in [("bibtex", "bib"), ("ris", "ris"), ("csljson", "json")] {
        let out = palermo_ok(dir.path(), &["export", "--format", format]);
        assert!(String::from_utf8_lossy(&out.stderr).contains("exported 103 records"));
        let file = dir.path().join(format!("catalogue.{ext}"));
        std::fs::write(&file, &out.stdout).unwrap();
        let other = tempfile::tempdir().unwrap();
        let out = palermo(other.path(), &["import", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = palermo(other.path(), &["stats"]);
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("records: 103"),
            "{format}"
        );
    }
    // Filters narrow the export; a bad filter or format is an error, not an empty file.
    let out = palermo(
        dir.path(),
        &["export", "--format", "ris", "--country", "BA"],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("TY  - ")
            .count(),
        1
    );
    let out = palermo(dir.path(), &["export", "--format", "yaml"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("bibtex"));
}

#[test]
fn generated_catalogues_import_and_load_as_quads() {
    let dir = tempfile::tempdir().unwrap();
    for format in ["csljson", "bibtex", "ris"] {
        let out = palermo_ok(dir.path(), &["gen", "--records", "300", "--format", format]);
        let file = dir.path().join(format!("synthetic.{format}"));
        let ext = match format {
            "csljson" => "json",
            "bibtex" => "bib",
            other => other,
        };
        let file = file.with_extension(ext);
        std::fs::write(&file, &out.stdout).unwrap();
        // Each format into a store of its own: the 300 records, with their
        // generated ids, and nothing else.
        let store = dir.path().join(format!("store-{format}"));
        let out = palermo(&store, &["import", "--json", file.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["records"], 300, "{format}: {report}");
        let q = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> FILTER(STRSTARTS(STR(?r), \"http://localhost:8080/records/synthetic-\")) }";
        let out = palermo(&store, &["query", q, "--format", "csv"]);
        assert_eq!(
            String::from_utf8(out.stdout).unwrap(),
            "n\r\n300\r\n",
            "{format}"
        );
    }

    // The same seed gives the same file; N-Quads parse and type 300 records.
    let a = palermo(
        dir.path(),
        &["gen", "--records", "300", "--format", "nquads"],
    );
    let b = palermo(
        dir.path(),
        &["gen", "--records", "300", "--format", "nquads"],
    );
    assert!(a.status.success(), "{}", String::from_utf8_lossy(&a.stderr));
    assert_eq!(a.stdout, b.stdout);
    // The quads as a set (a store would hold each once).
    let quads: std::collections::HashSet<oxigraph::model::Quad> =
        oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NQuads)
            .for_slice(&a.stdout)
            .collect::<Result<_, _>>()
            .unwrap();
    let resource =
        oxigraph::model::NamedNodeRef::new("http://purl.org/dc/terms/BibliographicResource")
            .unwrap();
    let typed = quads
        .iter()
        .filter(|q| q.predicate == oxigraph::model::vocab::rdf::TYPE && q.object == resource.into())
        .count();
    assert_eq!(typed, 300);
}

#[test]
fn unmatched_optionals_and_union_branches_keep_their_rows() {
    let dir = tempfile::tempdir().unwrap();
    assert!(palermo(dir.path(), &["import", "data/"]).status.success());
    let count = |q: &str, extra: &[&str]| {
        let mut args = vec!["query", q, "--format", "csv"];
        args.extend(extra);
        let out = palermo_ok(dir.path(), &args);
        String::from_utf8(out.stdout).unwrap()
    };
    let optional = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT (COUNT(*) AS ?n) WHERE { ?r a dcterms:BibliographicResource . OPTIONAL { ?r dcterms:issued ?y } }";
    let union = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT (COUNT(*) AS ?n) WHERE { ?r a dcterms:BibliographicResource . { ?r dcterms:issued ?y } UNION { ?r dcterms:title ?t } }";
    assert_eq!(count(optional, &[]), "n\r\n103\r\n");
    assert_eq!(count(union, &[]), "n\r\n154\r\n");
    // A dataset named on the command line is exactly those graphs.
    let portal = "http://localhost:8080/graph/portal";
    let graphs = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }";
    assert_eq!(count(graphs, &["--default-graph", portal]), "n\r\n0\r\n");
    let titled =
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r <http://purl.org/dc/terms/title> ?t }";
    // 34 records and the book one of them is a chapter of.
    assert_eq!(count(titled, &["--default-graph", portal]), "n\r\n35\r\n");
    let out = palermo(
        dir.path(),
        &["query", titled, "--default-graph", "not an iri"],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--default-graph not an iri"));
}

#[test]
fn another_base_iri_stops_with_both_named() {
    let dir = tempfile::tempdir().unwrap();
    palermo_ok(dir.path(), &["import", "data/portal"]);
    let written = "http://localhost:8080/";
    let other = "http://127.0.0.1:9/";
    let q = "ASK { ?s ?p ?o }";
    for args in [
        vec!["serve", "--bind", "127.0.0.1:0"],
        vec!["query", q],
        vec!["export", "--format", "ris"],
        vec!["import", "data/unodc.toml"],
    ] {
        let mut with_base = vec!["--base-iri", other];
        with_base.extend(&args);
        let out = palermo_within(dir.path(), &with_base, Duration::from_secs(60));
        assert!(!out.status.success(), "{args:?} ran with another base");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(&format!("written with base IRI {written}, not {other}"))
                && err.contains(&format!("--base-iri {written}")),
            "{args:?}: {err}"
        );
        assert!(out.stdout.is_empty(), "{args:?} wrote to stdout");
    }
    // Nothing was written under the other base, and the store's own base
    // still works.
    let out = palermo_ok(
        dir.path(),
        &[
            "query",
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } FILTER(STRSTARTS(STR(?g), \"http://127.0.0.1:9/\")) }",
            "--format",
            "csv",
        ],
    );
    assert_eq!(String::from_utf8(out.stdout).unwrap(), "n\r\n0\r\n");
    let out = palermo_ok(dir.path(), &["--base-iri", written, "stats"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("records: 34"));
}
