//! The side file of serialised records (`derived/records.redb`): exports
//! read from it only while it matches the store's generation, so whatever
//! happens to it (deleted, behind the store after a write through the
//! service, left behind by a kill between the store's commit and its own
//! update, damaged) every export is byte for byte the triples-only export.
//!
//! Real processes throughout: `palermo serve` started and stopped (or
//! killed) on a RocksDB store, and `palermo export`, whose
//! `--no-side-file` is the triples-only reference.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "side-file-test-token";
const FORMATS: [&str; 4] = ["bibtex", "ris", "csljson", "bibliography"];
const ZEBRA: &str = "understanding-human-trafficking-in-conflict";

fn palermo(data: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_palermo"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("PALERMO_NO_SIDE_FILE")
        .output()
        .unwrap()
}

fn palermo_ok(data: &Path, args: &[&str]) -> std::process::Output {
    let out = palermo(data, args);
    assert!(
        out.status.success(),
        "palermo {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// A data directory holding the shipped catalogue and its derived data.
fn catalogue(dir: &Path) -> PathBuf {
    let data = dir.join("data");
    palermo_ok(&data, &["import", "data/"]);
    let out = palermo_ok(&data, &["index", "--rebuild"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("side file rebuilt"), "{said}");
    data
}

fn side_file(data: &Path) -> PathBuf {
    data.join("derived").join("records.redb")
}

/// `palermo export` in every format: (stdout, stderr) each.
fn cli_exports(data: &Path, triples_only: bool) -> Vec<(Vec<u8>, String)> {
    FORMATS
        .iter()
        .map(|f| {
            let mut args = vec!["export", "--format", f];
            if triples_only {
                args.push("--no-side-file");
            }
            let out = palermo_ok(data, &args);
            (out.stdout, String::from_utf8(out.stderr).unwrap())
        })
        .collect()
}

fn bodies(exports: &[(Vec<u8>, String)]) -> Vec<Vec<u8>> {
    exports.iter().map(|(b, _)| b.clone()).collect()
}

/// Every export equals the triples-only one, format by format.
fn assert_same(got: &[Vec<u8>], want: &[Vec<u8>], what: &str) {
    assert_eq!(got.len(), want.len());
    for ((g, w), f) in got.iter().zip(want).zip(FORMATS) {
        assert!(!w.is_empty(), "{what}: empty {f} reference");
        assert!(
            g == w,
            "{what}: {f} differs from the triples-only export:\n--- got\n{}\n--- want\n{}",
            String::from_utf8_lossy(&g[..g.len().min(2000)]),
            String::from_utf8_lossy(&w[..w.len().min(2000)])
        );
    }
}

/// What the CLI said it read: (from the side file, from the triples), from
/// its closing line "exported N records (H read from the side file, F
/// from the triples)".
fn reads(stderr: &str) -> (u64, u64) {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("exported "))
        .unwrap_or_else(|| panic!("no summary in {stderr}"));
    let numbers: Vec<u64> = line
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|w| w.parse().ok())
        .collect();
    match numbers[..] {
        [_, hits, fallbacks] => (hits, fallbacks),
        _ => panic!("unexpected summary: {line}"),
    }
}

/// A `palermo serve` process on 127.0.0.1.
struct Server {
    child: Child,
    base: String,
}

impl Server {
    fn start(data: &Path, env: &[(&str, &str)]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_palermo"));
        cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
            .arg("--data-dir")
            .arg(data)
            .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
            .env("PALERMO_TOKEN", TOKEN)
            .env_remove("PALERMO_NO_SIDE_FILE")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let mut server = Server {
            child: cmd.spawn().unwrap(),
            base: format!("http://127.0.0.1:{port}"),
        };
        let started = Instant::now();
        loop {
            if let Some(status) = server.child.try_wait().unwrap() {
                panic!("palermo serve exited at start: {status}");
            }
            if ureq_get(&format!("{}/healthz", server.base)).is_some() {
                return server;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "palermo serve did not answer within 60 s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// SIGTERM, and wait for the process to let go of the store.
    fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while self.child.try_wait().unwrap().is_none() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "palermo serve did not stop"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn get(&self, path: &str) -> Vec<u8> {
        ureq_get(&format!("{}{path}", self.base)).unwrap_or_else(|| panic!("GET {path} failed"))
    }

    fn metric(&self, name: &str) -> f64 {
        let text = String::from_utf8(self.get("/metrics")).unwrap();
        text.lines()
            .find(|l| l.starts_with(name) && l[name.len()..].starts_with([' ', '{']))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no {name} in /metrics"))
    }

    fn hits(&self) -> f64 {
        self.metric("palermo_side_file_reads_total{result=\"hit\"}")
    }

    /// Wait until the side file reflects the store's generation.
    fn wait_current(&self) {
        let started = Instant::now();
        loop {
            let side = self.metric("palermo_side_file_generation");
            let store = self.metric("palermo_store_generation");
            let index = self.metric("palermo_search_index_generation");
            if side == store && index == store && store > 0.0 {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "the side file did not catch up: generation {side}, store {store}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// `/cite` of these ids in every format (the export path of `/records`).
    fn cite(&self, ids: &[String]) -> Vec<Vec<u8>> {
        FORMATS
            .iter()
            .map(|f| {
                let mut body = form_urlencoded::Serializer::new(String::new());
                for id in ids {
                    body.append_pair("id", id);
                }
                body.append_pair("format", f);
                let response = ureq::post(&format!("{}/cite", self.base))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .send(body.finish())
                    .unwrap();
                response.into_body().read_to_vec().unwrap()
            })
            .collect()
    }

    /// `/records` bulk exports of everything, in every format.
    fn bulk(&self) -> Vec<Vec<u8>> {
        FORMATS
            .iter()
            .map(|f| self.get(&format!("/records?format={f}&sort=title")))
            .collect()
    }

    fn update(&self, body: &str) -> Result<u16, String> {
        ureq::post(&format!("{}/sparql/update", self.base))
            .header("content-type", "application/sparql-update")
            .header("authorization", &format!("Bearer {TOKEN}"))
            .send(body)
            .map(|r| r.status().as_u16())
            .map_err(|e| e.to_string())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn ureq_get(url: &str) -> Option<Vec<u8>> {
    let response = ureq::get(url).call().ok()?;
    response.into_body().read_to_vec().ok()
}

fn retitle(id: &str, title: &str) -> String {
    format!(
        "PREFIX dcterms: <http://purl.org/dc/terms/> DELETE {{ GRAPH ?g {{ ?r dcterms:title ?t }} }} INSERT {{ GRAPH ?g {{ ?r dcterms:title \"{title}\" }} }} WHERE {{ GRAPH ?g {{ ?r dcterms:title ?t }} FILTER(?r = <http://localhost:8080/records/{id}>) }}"
    )
}

#[test]
fn a_missing_side_file_exports_the_same_from_the_triples() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogue(dir.path());
    let triples = cli_exports(&data, true);
    for (_, said) in &triples {
        assert_eq!(reads(said), (0, 103), "{said}");
    }
    let triples = bodies(&triples);

    // Current: every record from the side file, the same bytes.
    let side = cli_exports(&data, false);
    for (_, said) in &side {
        assert_eq!(reads(said), (103, 0), "{said}");
    }
    assert_same(&bodies(&side), &triples, "current side file");

    // Deleted: every record from the triples (the fallback counted).
    std::fs::remove_file(side_file(&data)).unwrap();
    let gone = cli_exports(&data, false);
    for (_, said) in &gone {
        assert_eq!(reads(said), (0, 103), "{said}");
    }
    assert_same(&bodies(&gone), &triples, "deleted side file");
    let check = palermo(&data, &["index", "--check"]);
    assert!(!check.status.success());
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("side file: missing"), "{said}");

    // A server started without it makes it again, and serves the same.
    let server = Server::start(&data, &[]);
    server.wait_current();
    assert_same(
        &server.cite(&ids_while_serving()),
        &triples,
        "rebuilt at start",
    );
    server.stop();
    assert!(side_file(&data).exists());
    let check = String::from_utf8(palermo_ok(&data, &["index", "--check"]).stdout).unwrap();
    assert!(check.contains("side file status: current"), "{check}");
}

/// The catalogue's ids, sorted (as `palermo export` orders them); read
/// from the shipped sources, since a serving process holds the store.
fn ids_while_serving() -> Vec<String> {
    let (store, _) = crate::common::catalogue();
    palermo::rdf::read::record_ids(&store, &crate::common::iris()).unwrap()
}

#[test]
fn writes_through_the_service_export_as_the_triples_do() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogue(dir.path());
    let server = Server::start(&data, &[]);
    server.wait_current();
    let generation = server.metric("palermo_store_generation");

    // SPARQL Update: followed before the response (read your writes).
    let answered = server.update(&retitle(ZEBRA, "The zebrafinch atlas"));
    assert!(matches!(answered, Ok(200..300)), "{answered:?}");
    assert_eq!(
        server.metric("palermo_side_file_generation"),
        generation + 1.0,
        "the side file follows a write before its response"
    );

    // Graph Store Protocol: a new record in a graph of its own.
    let turtle = "@prefix dcterms: <http://purl.org/dc/terms/> .\n<http://localhost:8080/records/zz-from-the-graph-store> a dcterms:BibliographicResource ; dcterms:title \"Zz from the graph store\" ; dcterms:issued \"2024\" .\n";
    let put = ureq::put(&format!(
        "{}/store?graph=http://localhost:8080/graph/partner",
        server.base
    ))
    .header("content-type", "text/turtle")
    .header("authorization", &format!("Bearer {TOKEN}"))
    .send(turtle)
    .unwrap();
    assert!(put.status().is_success(), "{}", put.status());
    server.wait_current();
    assert_eq!(
        server.metric("palermo_side_file_generation"),
        generation + 2.0
    );

    let mut ids = ids_while_serving();
    ids.push("zz-from-the-graph-store".into());
    ids.sort();
    let cited = server.cite(&ids);
    let bulk = server.bulk();
    // Records come through the record cache, which the renderer filled
    // (after start, and again for the records each write changed) from
    // the side file.
    assert!(server.hits() > 0.0, "nothing was read from the side file");
    let bib = String::from_utf8_lossy(&cited[0]);
    assert!(bib.contains("The zebrafinch atlas"), "{bib}");
    assert!(bib.contains("Zz from the graph store"), "{bib}");
    server.stop();

    // The same store, read from the triples only.
    let triples = cli_exports(&data, true);
    assert_same(
        &cited,
        &bodies(&triples),
        "after writes through the service",
    );
    let side = cli_exports(&data, false);
    for (_, said) in &side {
        assert_eq!(reads(said), (104, 0), "{said}");
    }
    assert_same(&bodies(&side), &bodies(&triples), "CLI after the writes");

    // `/records` bulk exports: the same server's, from the triples.
    let server = Server::start(&data, &[("PALERMO_NO_SIDE_FILE", "1")]);
    let triples_bulk = server.bulk();
    assert_eq!(server.hits(), 0.0);
    assert!(server.metric("palermo_side_file_reads_total{result=\"fallback\"}") > 0.0);
    server.stop();
    assert_same(&bulk, &triples_bulk, "/records bulk exports");
}

#[test]
fn a_kill_between_the_store_commit_and_the_side_file_update_is_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogue(dir.path());

    // The process dies right after the store committed the update.
    let mut server = Server::start(&data, &[("PALERMO_TEST_ABORT_BEFORE_SIDE_FILE", "1")]);
    // Open and current first: the file is opened (and caught up) on a
    // thread of its own, which would otherwise follow the write itself.
    server.wait_current();
    let answered = server.update(&retitle(ZEBRA, "The zebrafinch atlas"));
    assert!(answered.is_err(), "{answered:?}");
    let started = Instant::now();
    let status = loop {
        if let Some(status) = server.child.try_wait().unwrap() {
            break status;
        }
        assert!(started.elapsed() < Duration::from_secs(30));
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(!status.success(), "{status}");
    drop(server);

    // The store has the write, the side file does not: it is not read.
    let check = String::from_utf8(palermo(&data, &["index", "--check"]).stdout).unwrap();
    assert!(
        check.contains("side file status: 1 changes behind"),
        "{check}"
    );
    let triples = bodies(&cli_exports(&data, true));
    let bib = String::from_utf8_lossy(&triples[0]);
    assert!(
        bib.contains("The zebrafinch atlas"),
        "the update was committed"
    );
    let stale = cli_exports(&data, false);
    for (_, said) in &stale {
        assert_eq!(reads(said), (0, 103), "{said}");
    }
    assert_same(&bodies(&stale), &triples, "stale side file");

    // The next start catches it up, by the change.
    let server = Server::start(&data, &[]);
    server.wait_current();
    assert_same(
        &server.cite(&ids_while_serving()),
        &triples,
        "caught up at start",
    );
    server.stop();
    let side = cli_exports(&data, false);
    for (_, said) in &side {
        assert_eq!(reads(said), (103, 0), "{said}");
    }
    assert_same(&bodies(&side), &triples, "caught-up side file");
}

/// Replace every occurrence of `from` in the file with `to` (same length).
fn overwrite(path: &Path, from: &[u8], to: &[u8]) -> usize {
    assert_eq!(from.len(), to.len());
    let mut bytes = std::fs::read(path).unwrap();
    let mut n = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from {
            bytes[i..i + from.len()].copy_from_slice(to);
            n += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    std::fs::write(path, bytes).unwrap();
    n
}

#[test]
fn a_damaged_side_file_is_detected_and_never_served() {
    let dir = tempfile::tempdir().unwrap();
    let data = catalogue(dir.path());
    let triples = bodies(&cli_exports(&data, true));

    // A value changed behind redb's back: still valid CBOR, another title.
    let changed = overwrite(&side_file(&data), b"Trafficking", b"Traffickinq");
    assert!(changed > 0, "no title found in the side file");
    let damaged = cli_exports(&data, false);
    for (out, said) in &damaged {
        assert!(
            !String::from_utf8_lossy(out).contains("Traffickinq"),
            "a damaged value was served: {said}"
        );
        assert!(reads(said).1 > 0, "nothing read from the triples: {said}");
    }
    assert_same(&bodies(&damaged), &triples, "damaged values");

    // Garbage over a stretch of pages: the file cannot be trusted at all.
    let path = side_file(&data);
    let mut bytes = std::fs::read(&path).unwrap();
    let (middle, len) = (bytes.len() / 2, bytes.len());
    bytes[middle..(middle + 8192).min(len)].fill(0xA5);
    bytes[..64].fill(0x5A);
    std::fs::write(&path, bytes).unwrap();
    let garbage = cli_exports(&data, false);
    for (_, said) in &garbage {
        assert_eq!(reads(said), (0, 103), "{said}");
    }
    assert_same(&bodies(&garbage), &triples, "garbage side file");
    let check = palermo(&data, &["index", "--check"]);
    assert!(!check.status.success());
    let said = String::from_utf8_lossy(&check.stdout);
    assert!(said.contains("side file: damaged"), "{said}");

    // The next start removes it and makes it again.
    let server = Server::start(&data, &[]);
    server.wait_current();
    assert_same(
        &server.cite(&ids_while_serving()),
        &triples,
        "rebuilt after damage",
    );
    server.stop();
    let side = cli_exports(&data, false);
    for (_, said) in &side {
        assert_eq!(reads(said), (103, 0), "{said}");
    }
    assert_same(&bodies(&side), &triples, "rebuilt side file");
}
