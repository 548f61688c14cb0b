//! The query page in a real browser: headless Chromium runs an example
//! query, and we keep a screenshot of it.

use crate::common;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_page_runs_an_example_in_chromium() {
    let (base, _stop) = common::serve_catalogue().await;
    // The second example link on the page: publications per year.
    let page = reqwest::get(format!("{base}/query"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let href = page
        .split("<li><a href=\"")
        .nth(2)
        .and_then(|s| s.split('"').next())
        .expect("example links")
        .replace("&amp;", "&");
    let url = format!("{base}{href}");
    let dom = tokio::task::spawn_blocking({
        let url = url.clone();
        move || common::chromium(&["--dump-dom", &url])
    })
    .await
    .unwrap();
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("<th scope=\"col\">year</th>"),
        "no results table in the DOM:\n{dom}"
    );
    assert!(dom.contains("<td>2017</td>"), "expected a row for 2017");

    let png = common::screenshot(&url, "1200,1400").await;
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "screenshot is {} bytes",
        png.len()
    );
    // Kept for people to look at; docs/screenshots/query.png is one such run.
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("query.png");
    std::fs::write(&keep, &png).unwrap();
    eprintln!("screenshot: {}", keep.display());
}
