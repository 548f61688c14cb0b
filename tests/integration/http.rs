//! The service over real HTTP on 127.0.0.1.

use crate::common;

use palermo::http::{AppState, Config};
use std::time::Duration;

async fn start() -> (String, tokio::sync::oneshot::Sender<()>) {
    let (store, _) = common::catalogue();
    common::serve(
        store,
        Config {
            iris: common::iris(),
            query_timeout: Duration::from_secs(5),
            ..Config::default()
        },
    )
    .await
}

#[tokio::test]
async fn health_and_home() {
    let (base, stop) = start().await;
    let client = reqwest::Client::new();
    let r = client.get(format!("{base}/healthz")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.text().await.unwrap(), "ok\n");
    let r = client.get(format!("{base}/")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let body = r.text().await.unwrap();
    assert!(
        body.contains(r#"<strong id="record-count">103</strong>"#),
        "{body}"
    );
    let r = client
        .get(format!("{base}/no/such/page?<script>"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let _ = stop.send(());
}

#[tokio::test]
async fn serve_loads_the_catalogue_into_an_empty_store() {
    let dir = tempfile::tempdir().unwrap();
    let store = palermo::store::Store::open(dir.path()).unwrap();
    let iris = common::iris();
    palermo::http::ensure_catalogue(&store, &iris).unwrap();
    let ids = palermo::rdf::read::record_ids(store.oxigraph(), &iris).unwrap();
    assert_eq!(ids.len(), 103);
    // A second start does not import again.
    let before = common::snapshot(&store);
    palermo::http::ensure_catalogue(&store, &iris).unwrap();
    assert_eq!(common::snapshot(&store), before);
}

/// After start (and after each write) every record's APA reference is
/// rendered ahead into the cache, so the first bibliography is a lookup.
#[test]
fn references_are_rendered_ahead_into_the_cache() {
    let (store, report) = common::catalogue();
    let state = AppState::try_new(
        store,
        Config {
            iris: common::iris(),
            ..Config::default()
        },
    )
    .unwrap();
    let styles = state.exporter.styles().clone();
    assert_eq!(styles.cache_stats().entries, 0);
    let n = palermo::http::warm::run(&state).unwrap();
    assert_eq!(n, report.records);
    let warmed = styles.cache_stats();
    assert_eq!(warmed.entries, 2 * n, "plain and HTML per record");

    // A bibliography of every record now renders nothing anew.
    let iris = common::iris();
    let mut reader = palermo::rdf::read::Reader::new(state.store.oxigraph(), &iris);
    let ids: Vec<Result<_, palermo::error::Error>> =
        palermo::rdf::read::record_ids(state.store.oxigraph(), &iris)
            .unwrap()
            .iter()
            .map(|id| Ok(reader.record(id).unwrap().unwrap()))
            .collect();
    let mut out = Vec::new();
    let written = state
        .exporter
        .write_records(
            palermo::export::Format::Bibliography,
            ids,
            &palermo::export::ExportOptions::default(),
            &mut out,
        )
        .unwrap();
    assert_eq!(written, n);
    let after = styles.cache_stats();
    assert_eq!(after.misses, warmed.misses, "no reference rendered anew");
    assert_eq!(after.hits, warmed.hits + n as u64);

    // Rendering the same records again finds them all cached.
    assert_eq!(palermo::http::warm::run(&state).unwrap(), n);
    assert_eq!(styles.cache_stats().misses, warmed.misses);
}
