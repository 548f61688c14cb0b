//! Shared helpers of the integration tests: a store with the shipped catalogue.

use palermo::import::{SourceFile, import};
use palermo::rdf::Iris;
use palermo::record::{Record, RecordKind};
use palermo::report::ImportReport;
use palermo::store::Store;
use time::OffsetDateTime;
use time::macros::datetime;

pub const BASE: &str = "http://localhost:8080/";
pub const T1: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
pub const T2: OffsetDateTime = datetime!(2026-02-01 00:00:00 UTC);
/// The deadline of the updates tests run through the library.
pub const UPDATE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

pub fn iris() -> Iris {
    Iris::new(BASE)
}

/// An in-memory store holding the shipped catalogue, imported at `T1`.
pub fn catalogue() -> (Store, ImportReport) {
    let store = Store::memory().unwrap();
    let report = import(&store, &iris(), &palermo::catalogue::shipped(), T1).unwrap();
    (store, report)
}

/// Every quad of the store as sorted N-Quads lines: the whole state, comparable.
pub fn snapshot(store: &Store) -> Vec<String> {
    let mut lines: Vec<String> = store.iter().map(|q| q.unwrap().to_string()).collect();
    lines.sort();
    lines
}

/// `snapshot` without the change feed (the generation, its log, the
/// running totals): what the store holds, whatever writes made it.
pub fn snapshot_of_data(store: &Store) -> Vec<String> {
    let meta = format!("<{BASE}graph/meta> ");
    let log = format!("<{BASE}graph/meta/change/");
    snapshot(store)
        .into_iter()
        .filter(|l| !l.starts_with(&meta) && !l.starts_with(&log))
        .collect()
}

/// A report with an id, a title and a year and nothing else: no agents,
/// places, languages, categories or provenance.
pub fn bare_record(id: &str, title: &str, year: i32) -> Record {
    Record {
        id: id.into(),
        title: title.into(),
        alternative_titles: vec![],
        abstract_text: None,
        description: None,
        kind: RecordKind::Report,
        year: Some(year),
        authors: vec![],
        publishers: vec![],
        place: None,
        container: None,
        languages: vec![],
        countries: vec![],
        regions: vec![],
        categories: vec![],
        citation: None,
        note: None,
        editorial_notes: Vec::new(),
        provenance: vec![],
        repairs: vec![],
    }
}

pub fn shipped_with(path_suffix: &str, edit: impl Fn(&str) -> String) -> Vec<SourceFile> {
    palermo::catalogue::shipped()
        .into_iter()
        .map(|mut f| {
            if f.path.ends_with(path_suffix) {
                f.text = edit(&f.text);
            }
            f
        })
        .collect()
}

/// A real server on 127.0.0.1 (random port) over `store`, run by the
/// production accept loop and state (`http::serve_on`: connection limits,
/// the warm thread, store counts); returns its base URL and a sender that
/// stops it.
pub async fn serve(
    store: Store,
    config: palermo::http::Config,
) -> (String, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = palermo::http::Config {
        bind: addr,
        ..config
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        palermo::http::serve_on(listener, store, config, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (format!("http://{addr}"), tx)
}

/// Headless Chromium as this machine runs it: no sandbox (root), and nothing
/// that reaches for the network behind our back.
pub const CHROMIUM_FLAGS: [&str; 9] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
];

/// Run Chromium once with a fresh profile (`--dump-dom URL`, `--screenshot=…`).
pub fn chromium(args: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    std::process::Command::new("/usr/bin/chromium")
        .args(CHROMIUM_FLAGS)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium is needed: run scripts/install-test-deps.sh")
}

/// `application/x-www-form-urlencoded` pairs, for query strings and bodies.
pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}

/// For a test that reads process-wide state (the metrics registry, the
/// peak resident size): runs `test` (its full path, `module::name`) again in
/// a process of its own, unless this already is one, and returns whether
/// the caller is that process. `cargo nextest` gives every test its own
/// process already; `cargo test` shares one between all of them.
pub fn in_own_process(test: &str) -> bool {
    const ALONE: &str = "PALERMO_TEST_ALONE";
    let nextest = std::env::var("NEXTEST_EXECUTION_MODE").is_ok_and(|m| m == "process-per-test");
    if nextest || std::env::var_os(ALONE).is_some() {
        return true;
    }
    let status = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(ALONE, "1")
        .status()
        .expect("the test binary runs");
    assert!(status.success(), "{test} failed in a process of its own");
    false
}

/// The shipped catalogue, served with the test IRIs and default settings.
pub async fn serve_catalogue() -> (String, tokio::sync::oneshot::Sender<()>) {
    let (store, _) = catalogue();
    serve(
        store,
        palermo::http::Config {
            iris: iris(),
            ..palermo::http::Config::default()
        },
    )
    .await
}

/// GET `url`, with `Accept` when given.
pub async fn get(url: &str, accept: Option<&str>) -> reqwest::Response {
    let mut r = reqwest::Client::new().get(url);
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    r.send().await.unwrap()
}

/// The body of a GET of `url` as text, with `Accept` when given.
pub async fn get_text(url: &str, accept: Option<&str>) -> String {
    get(url, accept).await.text().await.unwrap()
}

/// POST the update `body` to `{base}/sparql/update`, with the bearer
/// `token` when given.
pub async fn post_update(base: &str, token: Option<&str>, body: &str) -> reqwest::Response {
    let mut r = reqwest::Client::new()
        .post(format!("{base}/sparql/update"))
        .header("content-type", "application/sparql-update")
        .body(body.to_string());
    if let Some(t) = token {
        r = r.header("authorization", format!("Bearer {t}"));
    }
    r.send().await.unwrap()
}

/// GET `{base}{path}?{pairs}`, with `Accept` when given.
pub async fn get_form(
    base: &str,
    path: &str,
    pairs: &[(&str, &str)],
    accept: Option<&str>,
) -> reqwest::Response {
    get(&format!("{base}{path}?{}", form(pairs)), accept).await
}

/// A screenshot of `url` by headless Chromium at `size` ("1200,1400"), as
/// PNG bytes; fails the test when Chromium does.
pub async fn screenshot(url: &str, size: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("page.png");
    let args = [
        format!("--screenshot={}", shot.display()),
        format!("--window-size={size}"),
        url.to_string(),
    ];
    let out = tokio::task::spawn_blocking(move || {
        chromium(&args.iter().map(String::as_str).collect::<Vec<_>>())
    })
    .await
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read(&shot).expect("chromium wrote the screenshot")
}

/// A remote that is broken: a plain TCP listener on 127.0.0.1 that reads
/// each request's head and answers `response` (raw HTTP bytes), for as long
/// as the test runs. Returns `http://127.0.0.1:{port}`.
pub fn broken_remote(response: &'static str) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            while reader.read_line(&mut line).is_ok_and(|n| n > 0) && line != "\r\n" {
                line.clear();
            }
            let _ = stream.write_all(response.as_bytes());
        }
    });
    url
}
