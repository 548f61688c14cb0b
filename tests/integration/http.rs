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
    let ids = palermo::rdf::read::record_ids(&store, &iris).unwrap();
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
    let mut reader = palermo::rdf::read::Reader::new(&state.store, &iris);
    let ids: Vec<Result<_, palermo::error::Error>> =
        palermo::rdf::read::record_ids(&state.store, &iris)
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

/// One error, three bodies: a page for a browser, JSON for a client that
/// prefers it, plain text for anyone else; the status and `Vary: Accept`
/// are the same for all three, and the headers a status needs stay.
#[tokio::test]
async fn errors_come_in_the_form_the_client_asks_for() {
    let (base, stop) = start().await;
    let client = reqwest::Client::new();
    let browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
    for (path, status, message) in [
        (
            "/records?year_from=x",
            400,
            "year_from must be a year such as 2015",
        ),
        (
            "/records/nonexistent",
            404,
            "no record with id \"nonexistent\"",
        ),
        ("/records/nonexistent.zzz", 404, "unknown extension .zzz"),
        ("/id/planet/", 404, "no such kind of resource"),
        ("/no/such/page", 404, "/no/such/page"),
    ] {
        let fetch = |accept: &'static str| {
            client
                .get(format!("{base}{path}"))
                .header("accept", accept)
                .send()
        };
        let r = fetch(browser).await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(r.headers()["vary"], "Accept", "{path}");
        assert!(
            r.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{path}"
        );
        let page = r.text().await.unwrap();
        assert!(page.starts_with("<!DOCTYPE html>"), "{path}: {page}");
        assert!(page.contains("<meta name=\"robots\" content=\"noindex\">"));
        assert!(
            page.contains(&message.replace('"', "&quot;")),
            "{path}: {page}"
        );

        let r = fetch("application/json").await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(r.headers()["content-type"], "application/json", "{path}");
        let json: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
        assert_eq!(json["status"], status, "{path}");
        assert!(
            json["error"].as_str().unwrap().contains(message),
            "{path}: {json}"
        );

        let r = fetch("*/*").await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        assert_eq!(r.headers()["vary"], "Accept", "{path}");
        assert_eq!(
            r.headers()["content-type"],
            "text/plain; charset=utf-8",
            "{path}"
        );
        let text = r.text().await.unwrap();
        assert!(text.contains(message), "{path}: {text}");
        assert!(!text.contains('<'), "{path}: {text}");
    }
    // A page keeps what its handler adds: suggestions under a 404.
    let r = client
        .get(format!("{base}/records/trafficking-manual-unknown"))
        .header("accept", browser)
        .send()
        .await
        .unwrap();
    assert!(r.text().await.unwrap().contains("Did you mean"));
    // The headers a status needs come whatever the body.
    for accept in [browser, "application/json", "*/*"] {
        let r = client
            .delete(format!("{base}/sparql"))
            .header("accept", accept)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 405, "{accept}");
        assert_eq!(r.headers()["allow"], "GET, POST", "{accept}");
    }
    let _ = stop.send(());
}
