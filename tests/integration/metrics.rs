//! `/metrics` after a known workload against the production server on
//! 127.0.0.1, parsed by Python's `prometheus_client` text parser: every
//! family is there, and the counts are the workload's. Its own test binary,
//! so that no other test's requests share the process-wide counters.

use crate::common;

use palermo::http::Config;
use serde_json::json;
use std::time::{Duration, Instant};

const RUNAWAY: &str = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";

async fn sparql(base: &str, query: &str) -> u16 {
    common::get_form(
        base,
        "/sparql",
        &[("query", query)],
        Some("application/sparql-results+json, text/turtle"),
    )
    .await
    .status()
    .as_u16()
}

async fn get(base: &str, path: &str) -> u16 {
    common::get(&format!("{base}{path}"), None)
        .await
        .status()
        .as_u16()
}

/// The text of `/metrics`.
async fn scrape(base: &str) -> String {
    common::get_text(&format!("{base}/metrics"), None).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_count_the_workload() {
    if !common::in_own_process("metrics::metrics_count_the_workload") {
        return;
    }
    let (store, report) = common::catalogue();
    let quads = store.len().unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        bind: addr,
        iris: common::iris(),
        query_timeout: Duration::from_secs(3),
        query_fast_budget: Duration::from_secs(1),
        max_concurrent_queries: 1,
        max_long_queries: 1,
        query_queue_wait: Duration::from_millis(200),
        max_rows: 5,
        ..Config::default()
    };
    let (_stop, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(palermo::http::serve_on(listener, store, config, async {
        let _ = rx.await;
    }));
    let base = format!("http://{addr}");

    // The store's counts are taken off the request path after start.
    let started = Instant::now();
    loop {
        let text = scrape(&base).await;
        if text.contains(&format!("palermo_store_records {}", report.records)) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(20), "{text}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    for _ in 0..3 {
        assert_eq!(get(&base, "/healthz").await, 200);
    }
    assert_eq!(get(&base, "/no/such/page").await, 404);
    for path in ["/records/vita.bib", "/records/vita.bib"] {
        assert_eq!(get(&base, path).await, 200);
    }
    for path in [
        "/oai?verb=Identify",
        "/oai?verb=Identify",
        "/oai?verb=ListSets",
        "/oai?verb=Bogus",
    ] {
        assert_eq!(get(&base, path).await, 200);
    }
    assert_eq!(get(&base, "/records?q=trafficking").await, 200);

    // One query of each form, and one cut by the row cap (max_rows 5).
    let dct = "PREFIX dcterms: <http://purl.org/dc/terms/> ";
    for q in [
        format!("{dct}SELECT ?r WHERE {{ ?r dcterms:title ?t }} LIMIT 2"),
        format!("{dct}ASK {{ ?r dcterms:title ?t }}"),
        format!("{dct}CONSTRUCT {{ ?r dcterms:title ?t }} WHERE {{ ?r dcterms:title ?t }} LIMIT 2"),
        "DESCRIBE <http://localhost:8080/records/vita>".to_string(),
        format!("{dct}SELECT ?r WHERE {{ ?r dcterms:title ?t }}"),
    ] {
        assert_eq!(sparql(&base, &q).await, 200, "{q}");
    }

    // Admission (one fast slot, budget 1 s, one long slot, deadline 3 s):
    // A runs past its budget into the long pool and is cut at its deadline;
    // a cheap query sent while A holds the fast slot waits 0.2 s and is
    // refused; B, once A has moved on, runs past its budget with the long
    // pool full and is cancelled. Half a second of margin at every step.
    let a = tokio::spawn({
        let base = base.clone();
        async move { sparql(&base, RUNAWAY).await }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sparql(&base, "ASK {}").await, 503, "refused");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(sparql(&base, RUNAWAY).await, 503, "cancelled");
    assert_eq!(a.await.unwrap(), 503, "timeout");

    // No harvest succeeds against a URL that is not http(s).
    assert!(
        palermo::oai::harvest(
            &palermo::store::Store::memory().unwrap(),
            &common::iris(),
            palermo::oai::harvest::HarvestOptions::new("ftp://127.0.0.1/oai"),
        )
        .await
        .is_err()
    );

    let text = scrape(&base).await;
    let dir = tempfile::tempdir().unwrap();
    let scrape = dir.path().join("scrape.txt");
    std::fs::write(&scrape, &text).unwrap();
    // One query of each form answered, and one apiece cut by the row cap,
    // its deadline, admission and the long pool: each outcome once.
    let queries = [
        ("select", &["ok", "truncated", "timeout", "cancelled"][..]),
        ("ask", &["ok", "refused"]),
        ("construct", &["ok"]),
        ("describe", &["ok"]),
    ]
    .into_iter()
    .flat_map(|(form, outcomes)| {
        outcomes.iter().map(move |outcome| {
            json!(["palermo_sparql_queries_total", {"form": form, "outcome": outcome}, "==", 1])
        })
    });
    let http = |route: &str, status: &str, n: u32| json!(["palermo_http_requests_total", {"route": route, "status": status}, "==", n]);
    let mut expect = json!({
        "families": [
            "palermo_http_requests", "palermo_http_request_duration_seconds",
            "palermo_sparql_queries", "palermo_sparql_admission_wait_seconds",
            "palermo_sparql_admission_refusals", "palermo_sparql_slots_in_use",
            "palermo_cache_requests", "palermo_search_index_status",
            "palermo_search_index_documents", "palermo_store_quads",
            "palermo_store_records", "palermo_oai_requests", "palermo_harvest_runs",
            "palermo_harvest_failures", "palermo_build_info",
        ],
        "samples": [
            http("/healthz", "200", 3),
            http("unmatched", "404", 1),
            http("/records/{id}", "200", 2),
            http("/records", "200", 1),
            http("/oai", "200", 4),
            http("/sparql", "200", 5),
            http("/sparql", "503", 3),
            ["palermo_http_request_duration_seconds_count", {"route": "/healthz"}, "==", 3],
            ["palermo_http_request_duration_seconds_count", {"route": "/sparql"}, "==", 8],
            ["palermo_sparql_queries_total", {}, "==", 8],
            ["palermo_sparql_admission_wait_seconds_count", {}, "==", 8],
            ["palermo_sparql_admission_refusals_total", {"reason": "fast_lane_full"}, "==", 1],
            ["palermo_sparql_admission_refusals_total", {"reason": "long_pool_full"}, "==", 1],
            ["palermo_sparql_slots_in_use", {"lane": "fast"}, "==", 0],
            ["palermo_sparql_slots_in_use", {"lane": "long"}, "==", 0],
            // Two identical requests: the first renders, the second is kept.
            ["palermo_cache_requests_total", {"cache": "response", "result": "miss"}, "==", 1],
            ["palermo_cache_requests_total", {"cache": "response", "result": "hit"}, "==", 1],
            ["palermo_cache_requests_total", {"cache": "record"}, ">=", 1],
            ["palermo_cache_requests_total", {"cache": "reference"}, ">=", 0],
            ["palermo_search_index_status", {"status": "ready"}, "==", 1],
            ["palermo_search_index_status", {}, "==", 1],
            ["palermo_search_index_documents", {}, "==", report.records],
            ["palermo_store_records", {}, "==", report.records],
            ["palermo_store_quads", {}, "==", quads],
            ["palermo_oai_requests_total", {"verb": "Identify"}, "==", 2],
            ["palermo_oai_requests_total", {"verb": "ListSets"}, "==", 1],
            ["palermo_oai_requests_total", {"verb": "invalid"}, "==", 1],
            ["palermo_harvest_runs_total", {}, "==", 1],
            ["palermo_harvest_failures_total", {}, "==", 1],
            ["palermo_build_info", {"version": env!("CARGO_PKG_VERSION")}, "==", 1],
        ],
    });
    expect["samples"].as_array_mut().unwrap().extend(queries);
    let expectations = dir.path().join("expect.json");
    std::fs::write(&expectations, expect.to_string()).unwrap();
    let out = std::process::Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/metrics_check.py"
        ))
        .arg(&scrape)
        .arg(&expectations)
        .output()
        .expect("python3 is needed: run scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "{}\n{}\n--- scrape ---\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Nothing about clients: no addresses, no raw paths, no query text.
    assert!(!text.contains("127.0.0.1"), "{text}");
    assert!(!text.contains("vita"), "{text}");
    assert!(!text.contains("COUNT"), "{text}");
}
