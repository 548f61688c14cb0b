//! The W3C SPARQL query- and update-evaluation tests through Palermo, against
//! plain Oxigraph, and against each engine Palermo can run on (Virtuoso).
//!
//! tests/python/w3c_sparql.py runs the SPARQL 1.0 (dawg-data-r2) and 1.1
//! query-evaluation tests over HTTP against `palermo serve` and against
//! `oxigraph serve` (same engine version), then through `palermo query` over
//! the store the HTTP run filled. Many tests fail in the engine itself (its
//! store keeps numeric literals canonical, "01" becomes "1"), so the bar is
//! plain Oxigraph's pass list, recorded in tests/w3c/pass-oxigraph.txt: a
//! test that passes there and not through Palermo is a Palermo bug.
//!
//! tests/python/w3c_sparql_update.py runs the SPARQL 1.1 update-evaluation
//! tests the same way, through `POST /sparql/update` and Oxigraph's
//! `/update`: each test resets the store, loads its initial dataset with the
//! Graph Store Protocol, runs the update and compares the dataset read back
//! with the expected one (isomorphic, blank nodes shared across graphs
//! included). Palermo's own graphs (everything under its base IRI: graph/meta,
//! which every write stamps and appends its change to, graph/vocab,
//! graph/ontology and the shipped catalogue's graphs) stay in the store
//! beside the tests' data, as in production, and are left out of the reset
//! and the comparison; the runner's docstring says why in full. Recorded in
//! tests/w3c/update-pass-oxigraph.txt and update-pass-palermo.txt.
//!
//! Plain Oxigraph is `oxigraph serve`, started by the engines harness
//! (tests/integration/engines.rs), so the reference runs are already the
//! Oxigraph-server engine's own.
//!
//! Virtuoso 7.2 (the harness's private one) runs both suites itself, through
//! its own endpoints (`--virtuoso`: /sparql, and /sparql-auth and the Graph
//! Store at /sparql-graph-crud-auth with Digest), asked as Palermo's client
//! (`src/remote`) asks it; each runner's docstring says how a test's dataset
//! is given to an engine whose default graph is every graph. What it passes
//! is recorded in tests/w3c/pass-virtuoso.txt and update-pass-virtuoso.txt:
//! the bar for Palermo on Virtuoso, when it can run there. A test fails if
//! Virtuoso passes other tests than recorded. tests/w3c/README.md counts
//! each engine's passes and sorts what Virtuoso fails.
//!
//! `PALERMO_W3C_RECORD=1` rewrites the recorded lists from the run instead of
//! comparing with them (the Palermo list only when Palermo's lists agree).

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::engines;

const TOKEN: &str = "w3c-suite-token";
const QUERY_RUNNER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/python/w3c_sparql.py");
const UPDATE_RUNNER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/python/w3c_sparql_update.py"
);
/// Palermo's base IRI in these runs: its own graphs are all under it.
const BASE: &str = "http://localhost:8080/";
const RECORDED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/w3c");
const INSTALL: &str = "run scripts/install-test-deps.sh";

fn suites() -> PathBuf {
    let dir = std::env::var_os("PALERMO_W3C_SUITES")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            Path::new(&std::env::var_os("HOME").expect("HOME is not set"))
                .join(".cache/palermo/w3c")
        });
    for manifest in [
        "dawg-data-r2/manifest-evaluation.ttl",
        "sparql11/manifest-all.ttl",
    ] {
        assert!(
            dir.join(manifest).is_file(),
            "the W3C SPARQL suites are missing ({} has no {manifest}): {INSTALL}",
            dir.display()
        );
    }
    dir
}

/// A server child that dies with the test, even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The status of `GET path`, or None while nothing answers.
fn status(port: u16, path: &str) -> Option<u16> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 12];
    s.read_exact(&mut head).ok()?;
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

fn wait_ready(server: &mut Server, port: u16, path: &str, log: &Path) {
    // The first start of Palermo imports the shipped catalogue first.
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        if status(port, path) == Some(200) {
            return;
        }
        if let Some(exit) = server.0.try_wait().unwrap() {
            panic!(
                "server exited ({exit}) before answering:\n{}",
                std::fs::read_to_string(log).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!(
        "no 200 from GET {path} on port {port} within 180 s:\n{}",
        std::fs::read_to_string(log).unwrap_or_default()
    );
}

fn spawn(cmd: &mut Command, log: &Path) -> Server {
    let out = std::fs::File::create(log).unwrap();
    let err = out.try_clone().unwrap();
    Server(
        cmd.stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {cmd:?}: {e}: {INSTALL}")),
    )
}

/// One run of the runner: the ids that pass, and why the others fail.
struct Run {
    name: &'static str,
    passed: BTreeSet<String>,
    failures: BTreeMap<String, String>,
}

fn run(name: &'static str, runner: &str, work: &Path, suites: &Path, args: &[&str]) -> Run {
    let out = work.join(format!("{name}.pass"));
    let failures = work.join(format!("{name}.failures"));
    let started = Instant::now();
    let result = Command::new("python3")
        .arg(runner)
        .arg("--suites")
        .arg(suites)
        .arg("--out")
        .arg(&out)
        .arg("--failures")
        .arg(&failures)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed: {INSTALL}: {e}"));
    assert!(
        result.status.success(),
        "the W3C runner broke ({name}):\n{}\n{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    eprint!(
        "{name} ({:.0} s): {}",
        started.elapsed().as_secs_f64(),
        String::from_utf8_lossy(&result.stdout)
    );
    Run {
        name,
        passed: lines(&std::fs::read_to_string(out).unwrap()),
        failures: std::fs::read_to_string(failures)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(id, why)| (id.to_string(), why.to_string()))
            .collect(),
    }
}

fn lines(text: &str) -> BTreeSet<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// How `got` differs from the pass list `want` (named `want_name`), with the
/// failure reasons of both sides; empty when they agree.
fn differences(
    got: &Run,
    want_name: &str,
    want: &BTreeSet<String>,
    why_not: &BTreeMap<String, String>,
) -> String {
    let mut out = String::new();
    for id in want.difference(&got.passed) {
        let why = got.failures.get(id).map_or("(not run)", String::as_str);
        out += &format!(
            "  passes in {want_name}, fails in {}: {id}\n      {why}\n",
            got.name
        );
    }
    for id in got.passed.difference(want) {
        out += &format!("  passes in {}, fails in {want_name}: {id}\n", got.name);
        if let Some(why) = why_not.get(id) {
            out += &format!("      {why}\n");
        }
    }
    out
}

fn write_list(name: &str, ids: &BTreeSet<String>) {
    std::fs::create_dir_all(RECORDED).unwrap();
    let text: String = ids.iter().map(|id| format!("{id}\n")).collect();
    std::fs::write(Path::new(RECORDED).join(name), text).unwrap();
}

/// `palermo serve` (writes on, with `TOKEN`) and `oxigraph serve` (the
/// engines harness's), each on a fresh store in `work`, both answering.
struct Servers {
    /// Held only to stop it when the run is over (`Server`'s `Drop`).
    _palermo: Server,
    palermo_url: String,
    palermo_dir: PathBuf,
    oxigraph: engines::Engine,
}

fn start(work: &Path) -> Servers {
    let palermo_dir = work.join("palermo-data");
    let palermo_port = engines::free_port();
    let palermo_log = work.join("palermo.log");
    let mut palermo = spawn(
        Command::new(env!("CARGO_BIN_EXE_palermo"))
            .arg("--data-dir")
            .arg(&palermo_dir)
            .args(["--base-iri", BASE])
            .args(["serve", "--bind", &format!("127.0.0.1:{palermo_port}")])
            .args(["--query-timeout", "30"])
            .env("PALERMO_TOKEN", TOKEN),
        &palermo_log,
    );
    // Started while Palermo imports the shipped catalogue.
    let oxigraph = engines::oxigraph();
    wait_ready(&mut palermo, palermo_port, "/healthz", &palermo_log);
    Servers {
        _palermo: palermo,
        palermo_url: format!("http://127.0.0.1:{palermo_port}"),
        palermo_dir,
        oxigraph,
    }
}

/// Compare Palermo's runs with the engine's own (`reference`), and both
/// with the lists recorded as `files` (the engine's, then Palermo's; no
/// Palermo run on an engine Palermo cannot run on yet); or record them.
fn check(reference: &Run, palermo: &[&Run], files: &[&str]) {
    let mut report = String::new();
    for r in palermo {
        report += &differences(r, reference.name, &reference.passed, &reference.failures);
    }
    let runs = std::iter::once(reference).chain(palermo.first().copied());
    if std::env::var_os("PALERMO_W3C_RECORD").is_some() {
        write_list(files[0], &reference.passed);
        if report.is_empty()
            && let (Some(file), Some(run)) = (files.get(1), palermo.first())
        {
            write_list(file, &run.passed);
        }
    } else {
        for (file, got) in files.iter().zip(runs) {
            let path = Path::new(RECORDED).join(file);
            let recorded = lines(
                &std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display())),
            );
            report += &differences(got, file, &recorded, &BTreeMap::new());
        }
    }
    let counts: Vec<String> = std::iter::once(reference)
        .chain(palermo.iter().copied())
        .map(|r| format!("{} {}", r.name, r.passed.len()))
        .collect();
    assert!(
        report.is_empty(),
        "the pass lists differ ({} passed):\n{report}",
        counts.join(", ")
    );
}

#[test]
fn w3c_sparql_query_tests_pass_as_in_plain_oxigraph() {
    let suites = suites();
    let work = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let servers = start(work.path());
    let palermo_http = run(
        "palermo-http",
        QUERY_RUNNER,
        work.path(),
        &suites,
        &["--endpoint", &servers.palermo_url, "--token", TOKEN],
    );
    let oxigraph_http = run(
        "oxigraph-http",
        QUERY_RUNNER,
        work.path(),
        &suites,
        &["--endpoint", &servers.oxigraph.http],
    );
    // The CLI opens the store read-write, so the server must be gone.
    let palermo_dir = servers.palermo_dir.clone();
    drop(servers);
    let palermo_cli = run(
        "palermo-cli",
        QUERY_RUNNER,
        work.path(),
        &suites,
        &[
            "--cli",
            env!("CARGO_BIN_EXE_palermo"),
            "--data-dir",
            palermo_dir.to_str().unwrap(),
        ],
    );
    eprintln!(
        "W3C SPARQL suites: {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    check(
        &oxigraph_http,
        &[&palermo_http, &palermo_cli],
        &["pass-oxigraph.txt", "pass-palermo.txt"],
    );
}

#[test]
fn w3c_sparql_update_tests_pass_as_in_plain_oxigraph() {
    let suites = suites();
    let work = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let servers = start(work.path());
    let palermo = run(
        "palermo-update",
        UPDATE_RUNNER,
        work.path(),
        &suites,
        &[
            "--endpoint",
            &servers.palermo_url,
            "--token",
            TOKEN,
            "--own-graphs",
            BASE,
        ],
    );
    let oxigraph = run(
        "oxigraph-update",
        UPDATE_RUNNER,
        work.path(),
        &suites,
        &[
            "--endpoint",
            &servers.oxigraph.http,
            "--update-path",
            "/update",
        ],
    );
    drop(servers);
    eprintln!(
        "W3C SPARQL update tests: {:.0} s in all",
        started.elapsed().as_secs_f64()
    );
    check(
        &oxigraph,
        &[&palermo],
        &["update-pass-oxigraph.txt", "update-pass-palermo.txt"],
    );
}

/// The runner's arguments for Virtuoso itself: its own endpoints, with
/// the test user's Digest credentials.
fn virtuoso_args(engine: &engines::Engine) -> Vec<&str> {
    vec![
        "--endpoint",
        &engine.http,
        "--virtuoso",
        "--user",
        engines::USER,
        "--password",
        engines::PASSWORD,
    ]
}

#[test]
fn w3c_sparql_query_tests_on_virtuoso_pass_as_recorded() {
    let suites = suites();
    let work = tempfile::tempdir().unwrap();
    let virtuoso = engines::virtuoso();
    let run = run(
        "virtuoso-http",
        QUERY_RUNNER,
        work.path(),
        &suites,
        &virtuoso_args(&virtuoso),
    );
    check(&run, &[], &["pass-virtuoso.txt"]);
}

#[test]
fn w3c_sparql_update_tests_on_virtuoso_pass_as_recorded() {
    let suites = suites();
    let work = tempfile::tempdir().unwrap();
    let virtuoso = engines::virtuoso();
    let run = run(
        "virtuoso-update",
        UPDATE_RUNNER,
        work.path(),
        &suites,
        &virtuoso_args(&virtuoso),
    );
    check(&run, &[], &["update-pass-virtuoso.txt"]);
}
