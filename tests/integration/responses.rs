//! Whole responses, as clients see them, snapshotted with insta: the JSON
//! of a search, an error in each of its three forms, and the HTML of the
//! pages people land on. A change to any of them shows up as a diff to
//! review (`cargo insta review`), not as a silent drift.

use crate::common;

async fn body(base: &str, path: &str, accept: &str) -> (u16, String, String) {
    let r = reqwest::Client::new()
        .get(format!("{base}{path}"))
        .header("accept", accept)
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    let content_type = r.headers()["content-type"].to_str().unwrap().to_string();
    (status, content_type, r.text().await.unwrap())
}

/// The port changes per run; nothing else in these answers may.
fn stable(text: &str, base: &str) -> String {
    text.replace(base, "http://127.0.0.1:PORT")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_json() {
    let (base, _stop) = common::serve_catalogue().await;
    let (status, content_type, text) = body(
        &base,
        "/records?q=smuggling&category=smuggling-of-migrants&per_page=3",
        "application/json",
    )
    .await;
    assert_eq!((status, content_type.as_str()), (200, "application/json"));
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    insta::assert_json_snapshot!(json);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_in_each_form() {
    let (base, _stop) = common::serve_catalogue().await;
    let mut all = String::new();
    for accept in ["text/html", "application/json", "*/*"] {
        let (status, content_type, text) = body(&base, "/records?year_from=x", accept).await;
        all.push_str(&format!(
            "== Accept: {accept}\n{status} {content_type}\n{}\n",
            stable(&text, &base)
        ));
    }
    insta::assert_snapshot!(all);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_page_html() {
    let (base, _stop) = common::serve_catalogue().await;
    let (status, _, text) = body(&base, "/records/global-report-2012", "text/html").await;
    assert_eq!(status, 200);
    insta::assert_snapshot!(stable(&text, &base));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_page_html() {
    let (base, _stop) = common::serve_catalogue().await;
    let (status, _, text) = body(&base, "/records?q=smuggling&per_page=3", "text/html").await;
    assert_eq!(status, 200);
    insta::assert_snapshot!(stable(&text, &base));
}
