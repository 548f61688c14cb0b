//! The query page in headless Chromium, driven as a librarian would with
//! the mouse and keyboard: type a query with the editor's completions,
//! press Ctrl+Enter, read the rows, switch to chart, map and timeline,
//! follow a link, open the permalink, cite the results; the same page
//! with JavaScript off; and no request to any other origin, nor any
//! Content-Security-Policy violation, all along.
//!
//! With `PALERMO_UPDATE_SCREENSHOTS=1` the views' screenshots are written
//! to `docs/screenshots/` (else under the target's temporary directory).

use crate::cdp::{self, CTRL, Page};
use crate::common;
use serde_json::Value;

/// The editor's content, inside its shadow root.
const EDITOR: &str = "document.querySelector('#editor').shadowRoot.querySelector('.cm-content')";
/// The completion popup's options, as text.
const OPTIONS: &str = "[...document.querySelector('#editor').shadowRoot.querySelectorAll('.cm-tooltip-autocomplete li')].map(li => li.textContent).join('\\n')";

/// CodeMirror ignores keys for a moment after showing its completions
/// (`interactionDelay`, 75 ms), as a person would not react sooner.
fn settle() {
    std::thread::sleep(std::time::Duration::from_millis(300));
}

/// The editor's text, as the hidden form field it keeps in step holds it.
fn doc(page: &mut Page) -> String {
    page.text("document.getElementById('query').value")
}

/// Replace the editor's text by typing, then run with Ctrl+Enter and wait
/// for the answer.
fn run_query(page: &mut Page, query: &str) {
    page.click(EDITOR);
    page.press("a", CTRL);
    page.type_text(query);
    let before = runs(page);
    page.press("Enter", CTRL);
    wait_results(page, before);
}

/// How many runs the page has drawn whole.
fn runs(page: &mut Page) -> u64 {
    page.text("document.getElementById('query-app').dataset.runs ?? '0'")
        .parse()
        .unwrap()
}

/// Wait for a run after the `before`th to be drawn, with its count and time.
fn wait_results(page: &mut Page, before: u64) {
    page.wait_until(&format!(
        "Number(document.getElementById('query-app').dataset.runs ?? 0) > {before}"
    ));
    let status = page.text("document.getElementById('result-status').textContent");
    let words: Vec<&str> = status.split(' ').collect();
    assert!(
        words.len() >= 5
            && words[0].parse::<u64>().is_ok()
            && words[1].starts_with("result")
            && words[2] == "in"
            && words[3].parse::<u64>().is_ok()
            && words[4] == "ms",
        "{status}"
    );
}

fn rows(page: &mut Page) -> u64 {
    page.eval("document.querySelectorAll('#result-table tbody tr').length")
        .as_u64()
        .unwrap()
}

fn status_count(page: &mut Page) -> u64 {
    let s = page.text("document.getElementById('result-status').textContent");
    s.split(' ').next().unwrap().parse().unwrap()
}

fn keep(name: &str, png: &[u8]) {
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "{name}: {} bytes",
        png.len()
    );
    let dir = if std::env::var_os("PALERMO_UPDATE_SCREENSHOTS").is_some() {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/screenshots")
    } else {
        std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).to_path_buf()
    };
    std::fs::write(dir.join(name), png).unwrap();
}

/// What `/sparql` answers for `query`, as SPARQL JSON.
async fn sparql_json(base: &str, query: &str) -> Value {
    let r = common::get_form(
        base,
        "/sparql",
        &[("query", query)],
        Some("application/sparql-results+json"),
    )
    .await;
    assert_eq!(r.status(), 200);
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

fn count(json: &Value) -> u64 {
    json["results"]["bindings"].as_array().unwrap().len() as u64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_librarian_queries_views_and_cites_in_chromium() {
    let (base, _stop) = common::serve_catalogue().await;
    let origin = base.clone();
    // The page's policy: its own origin only.
    let r = common::get(&format!("{base}/query"), None).await;
    let csp = r.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self'"),
        "{csp}"
    );
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("http"),
        "{csp}"
    );

    let (typed, permalink, cited, cite_href, csv_href) = tokio::task::spawn_blocking({
        let base = base.clone();
        move || {
            let browser = cdp::launch();
            let mut page = Page::open(&browser);
            page.navigate(&format!("{base}/query"));
            page.wait_until(EDITOR);

            // Completion of a vocabulary term adds its PREFIX line.
            page.click(EDITOR);
            page.press("a", CTRL);
            page.type_text("SELECT ?record ?title ?year WHERE {\n  ?record dcterms:iss");
            page.wait_until(&format!("({OPTIONS}).includes('dcterms:issued')"));
            settle();
            page.press("Enter", 0);
            let text = doc(&mut page);
            assert!(text.starts_with("PREFIX dcterms: <http://purl.org/dc/terms/>\n"), "{text}");
            assert!(text.contains("?record dcterms:issued"), "{text}");
            // A term by its label, with the label shown.
            page.type_text(" ?year ; dcterms:title ?title ; dcterms:spatial Bosnia");
            page.wait_until(&format!("({OPTIONS}).includes('Bosnia and Herzegovina')"));
            assert!(page.text(OPTIONS).contains("country"), "the kind is shown");
            settle();
            page.press("Enter", 0);
            page.type_text(" .\n} ORDER BY ?year ?title");
            let typed = doc(&mut page);
            assert!(
                typed.contains("dcterms:spatial <http://localhost:8080/id/country/BA>"),
                "{typed}"
            );
            assert_eq!(typed.matches("PREFIX dcterms:").count(), 1, "{typed}");

            // Ctrl+Enter runs it; the rows, their count and the time show.
            page.press("Enter", CTRL);
            wait_results(&mut page, 0);
            // Records with years: the timeline first, the table a tab away.
            assert_eq!(page.text("document.getElementById('view').dataset.view"), "timeline");
            page.click("document.getElementById('tab-table')");
            page.wait_until("document.querySelector('#result-table')");
            let shown = rows(&mut page);
            assert!(shown > 0);
            assert_eq!(status_count(&mut page), shown);
            // The address bar holds the query.
            let permalink = page.text("location.href");
            let in_url = page.text("new URLSearchParams(location.search).get('query')");
            assert_eq!(in_url, typed);
            // Record IRIs link to their pages, and show their titles.
            page.wait_until("document.querySelector('#result-table a[href^=\"/records/\"]') && !document.querySelector('#result-table a[href^=\"/records/\"]').textContent.startsWith('http')");
            let first_title = page.text("document.querySelector('#result-table tbody tr td:nth-child(2)').textContent");
            let link_text = page.text("document.querySelector('#result-table a[href^=\"/records/\"]').textContent");
            assert_eq!(link_text, first_title, "the link shows the record's title");
            // This result has years: the timeline is offered, with a mark per row.
            page.click("document.getElementById('tab-timeline')");
            page.wait_until("document.querySelector('#timeline')");
            let marks = page.eval("document.querySelectorAll('#timeline circle.event').length");
            assert_eq!(marks.as_u64().unwrap(), shown);
            keep("query-timeline.png", &page.screenshot());

            // Cite these records: a bibliography in the result's order, then BibTeX and RIS.
            page.click("document.getElementById('cite-run')");
            page.wait_until("document.getElementById('cite-output').textContent.length > 20 && document.getElementById('cite-href')");
            let bibliography = page.text("document.getElementById('cite-output').textContent");
            assert!(bibliography.contains(&first_title), "{bibliography}");
            keep("query-cite.png", &page.screenshot());
            page.eval("(() => { const s = document.getElementById('cite-format'); s.value = 'bibtex'; s.dispatchEvent(new Event('change')); })()");
            page.click("document.getElementById('cite-run')");
            page.wait_until("document.getElementById('cite-output').textContent.startsWith('@')");
            page.eval("(() => { const s = document.getElementById('cite-format'); s.value = 'ris'; s.dispatchEvent(new Event('change')); })()");
            page.click("document.getElementById('cite-run')");
            page.wait_until("document.getElementById('cite-output').textContent.startsWith('TY  - ')");
            let cited = page.text("document.getElementById('cite-output').textContent");
            let cite_href = page.text("document.getElementById('cite-href').getAttribute('href')");
            let csv_href = page.text("document.querySelector('#downloads a[data-format=csv]').getAttribute('href')");
            // Code for the same query.
            page.eval("(() => { const s = document.getElementById('snippet-lang'); s.value = 'python'; s.dispatchEvent(new Event('change')); })()");
            let python = page.text("document.getElementById('snippet-code').textContent");
            assert!(python.contains("SPARQLWrapper") && python.contains("id/country/BA"), "{python}");

            // Follow a link from the table: the record's landing page.
            page.click("document.getElementById('tab-table')");
            page.wait_until("document.querySelector('#result-table a[href^=\"/records/\"]')");
            page.click("document.querySelector('#result-table a[href^=\"/records/\"]')");
            page.wait_until("location.pathname.startsWith('/records/') && document.readyState === 'complete'");
            assert_eq!(page.text("document.querySelector('h1').textContent"), first_title);

            // The permalink restores the query and runs it.
            page.navigate(&permalink);
            wait_results(&mut page, 0);
            assert_eq!(doc(&mut page), typed);
            assert_eq!(rows(&mut page), shown);

            // A count per year: a chart by default, the first column as the axis.
            run_query(
                &mut page,
                "PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?year (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?year } GROUP BY ?year ORDER BY ?year",
            );
            assert_eq!(page.text("document.getElementById('view').dataset.view"), "chart");
            let years = status_count(&mut page);
            page.click("document.getElementById('chart-bar')");
            page.wait_until("document.querySelectorAll('#chart rect.bar').length > 0");
            assert_eq!(page.eval("document.querySelectorAll('#chart rect.bar').length").as_u64().unwrap(), years);
            keep("query-chart.png", &page.screenshot());
            page.click("document.getElementById('chart-line')");
            page.wait_until("document.querySelector('#chart path.line')");

            // Publications per country: a map by default.
            run_query(
                &mut page,
                "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?country (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r dcterms:spatial ?country . ?country skos:inScheme <http://localhost:8080/id/country/> } GROUP BY ?country ORDER BY DESC(?n)",
            );
            assert_eq!(page.text("document.getElementById('view').dataset.view"), "map");
            page.wait_until("document.querySelectorAll('#map path.filled').length > 0");
            assert!(page.eval("!!document.querySelector('#map path.filled[data-code=BA]')").as_bool().unwrap());
            keep("query-map.png", &page.screenshot());
            // Regions are drawn through their countries.
            run_query(
                &mut page,
                "PREFIX dcterms: <http://purl.org/dc/terms/>\nPREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?region (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r dcterms:spatial ?region . ?region skos:inScheme <http://localhost:8080/id/region/> } GROUP BY ?region",
            );
            page.wait_until("document.querySelectorAll('#map path.filled').length > 0");
            assert!(page.eval("!!document.querySelector('#map path.filled[data-code=RS]')").as_bool().unwrap());
            // And back to the table by its tab.
            page.click("document.getElementById('tab-table')");
            page.wait_until("document.querySelector('#result-table')");
            keep("query-table.png", &page.screenshot());

            // The examples, searchable by title.
            page.click("document.getElementById('example-filter')");
            page.type_text("region");
            let visible = page.eval("[...document.querySelectorAll('#examples li')].filter(li => !li.hidden).map(li => li.textContent)");
            let visible: Vec<&str> = visible.as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(visible, ["Publications per region"]);

            // Nothing but this origin, and nothing the policy refused.
            // Chromium's own editing, when typed text replaces a selection
            // in the editor, writes a style attribute that the policy
            // refuses, with no script or file behind it (CodeMirror redraws
            // from its state); any other refusal is the page's.
            let violations = page.eval(
                "window.__csp.filter(v => !v.startsWith('style-src-attr inline :0:0'))",
            );
            assert_eq!(violations, serde_json::json!([]), "CSP violations");
            let elsewhere: Vec<&String> = page
                .requests
                .iter()
                .filter(|u| !u.starts_with(&format!("{base}/")) && !u.starts_with("data:") && !u.starts_with("blob:"))
                .collect();
            assert!(elsewhere.is_empty(), "requests to other origins: {elsewhere:?}");
            assert!(page.requests.iter().any(|u| u.contains("/assets/countries-110m.json")));
            (typed, permalink, cited, cite_href, csv_href)
        }
    })
    .await
    .unwrap();

    // What the page showed is what the endpoint and /cite give a script.
    assert!(permalink.starts_with(&format!("{origin}/query?query=")));
    let expected = sparql_json(&base, &typed).await;
    let n = count(&expected);
    let ris = common::get_text(&format!("{base}{cite_href}"), None).await;
    assert_eq!(ris, cited, "the page shows what the link gives");
    assert_eq!(
        ris.matches("TY  - ").count() as u64,
        n,
        "one entry per record"
    );
    // In the result's order.
    let first = expected["results"]["bindings"][0]["title"]["value"]
        .as_str()
        .unwrap();
    let ti = ris.lines().find(|l| l.starts_with("TI  - ")).unwrap();
    assert_eq!(ti, format!("TI  - {first}"));
    let csv = common::get_text(&format!("{base}{csv_href}"), None).await;
    assert_eq!(
        csv.trim_end().lines().count() as u64,
        n + 1,
        "the CSV holds the same rows"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_form_works_with_javascript_off() {
    let (base, _stop) = common::serve_catalogue().await;
    tokio::task::spawn_blocking(move || {
        let browser = cdp::launch();
        let mut page = Page::open(&browser);
        page.call("Emulation.setScriptExecutionDisabled", serde_json::json!({ "value": true }));
        page.navigate(&format!("{base}/query"));
        // No editor: the plain form.
        assert!(!page.eval("!!document.querySelector('#editor')").as_bool().unwrap());
        page.click("document.getElementById('query')");
        page.press("a", CTRL);
        page.type_text("PREFIX dcterms: <http://purl.org/dc/terms/>\nSELECT ?r WHERE { ?r dcterms:spatial <http://localhost:8080/id/country/BA> }");
        page.click_to_load("document.querySelector('#query-form button[type=submit]')");
        assert!(page.text("location.search").starts_with("?query=PREFIX"));
        let rows = page.eval("document.querySelectorAll('#results table tbody tr').length").as_u64().unwrap();
        assert!(rows > 0, "the server-rendered table");
        assert!(page.text("document.querySelector('#results').textContent").contains(&format!("{rows} rows")));
    })
    .await
    .unwrap();
}

/// Page weight and time to interactive (BENCHMARKS.md): what Chromium
/// transferred for `/query` and everything it loaded (gzip where the server
/// compresses: the assets), and the time from navigation to the editor
/// taking input. Budgets keep the page light.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_weight_and_time_to_interactive() {
    let (base, _stop) = common::serve_catalogue().await;
    let measured = tokio::task::spawn_blocking(move || {
        let browser = cdp::launch();
        let mut page = Page::open(&browser);
        // A cold cache, as a first visit.
        page.call("Network.setCacheDisabled", serde_json::json!({ "cacheDisabled": true }));
        page.navigate(&format!("{base}/query"));
        page.wait_until("performance.getEntriesByName('palermo-editor-ready').length");
        page.eval(
            "(() => { const nav = performance.getEntriesByType('navigation')[0]; \
             const res = performance.getEntriesByType('resource'); \
             const all = [nav, ...res]; \
             return { transferred: all.reduce((n, e) => n + e.transferSize, 0), \
                      decoded: all.reduce((n, e) => n + e.decodedBodySize, 0), \
                      requests: all.length, \
                      dom_content_loaded_ms: Math.round(nav.domContentLoadedEventEnd), \
                      editor_ready_ms: Math.round(performance.getEntriesByName('palermo-editor-ready')[0].startTime) }; })()",
        )
    })
    .await
    .unwrap();
    eprintln!("query page, cold: {measured}");
    let transferred = measured["transferred"].as_u64().unwrap();
    let decoded = measured["decoded"].as_u64().unwrap();
    assert!(transferred > 50_000 && transferred < 350_000, "{measured}");
    assert!(decoded > transferred, "the assets come gzipped: {measured}");
    assert!(
        measured["editor_ready_ms"].as_u64().unwrap() < 5_000,
        "{measured}"
    );
}
