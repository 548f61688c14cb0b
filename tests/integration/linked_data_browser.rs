//! A record's landing page in a real browser: headless Chromium renders it
//! (nothing to fetch from the network), and we keep a screenshot of it.

use crate::common;

use palermo::http::Config;
use palermo::rdf::read;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_page_renders_in_chromium() {
    let (store, _) = common::catalogue();
    let iris = common::iris();
    // A record with authors, an abstract and places: the fullest page.
    let record = read::record_ids(&store, &iris)
        .unwrap()
        .into_iter()
        .map(|id| read::record(&store, &iris, &id).unwrap().unwrap())
        .filter(|r| r.abstract_text.is_some() && !r.countries.is_empty())
        .max_by_key(|r| (r.authors.len().min(3), r.categories.len(), r.regions.len()))
        .expect("a record with an abstract and countries");
    let (base, _stop) = common::serve(
        store,
        Config {
            iris: iris.clone(),
            ..Config::default()
        },
    )
    .await;
    let url = format!("{base}/records/{}", record.id);

    let dom = tokio::task::spawn_blocking({
        let url = url.clone();
        move || common::chromium(&["--dump-dom", &url])
    })
    .await
    .unwrap();
    assert!(
        dom.status.success(),
        "{}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let dom = String::from_utf8_lossy(&dom.stdout);
    let title = maud::html! { (record.title) }.into_string();
    assert!(
        dom.contains(&format!("<h1>{title}</h1>")),
        "the DOM shows the title"
    );
    assert!(
        dom.contains("<h2 id=\"cite\">Cite</h2>"),
        "the DOM shows the citations"
    );

    let png = common::screenshot(&url, "1200,1600").await;
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG");
    assert!(png.len() > 30_000, "screenshot is only {} bytes", png.len());
    // A blank page compresses to almost nothing; a rendered one does not.
    let distinct: std::collections::BTreeSet<&u8> = png.iter().collect();
    assert!(distinct.len() > 200, "the screenshot looks blank");
    // Kept for people to look at (docs/screenshots/record.png is one such run).
    let keep = std::env::temp_dir().join("palermo-record.png");
    std::fs::write(&keep, &png).unwrap();
    eprintln!("screenshot: {}", keep.display());
}
