//! The SPARQL 1.1 Protocol over real HTTP, modelled on the W3C protocol
//! tests: query forms, negotiation, datasets, errors, limits, writes, federation.

use crate::common;

use palermo::http::{Config, Secret};
use reqwest::{Client, Response, StatusCode};
use std::time::{Duration, Instant};

const COUNT: &str = "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }";

async fn server(config: Config) -> (String, tokio::sync::oneshot::Sender<()>) {
    let (store, _) = common::catalogue();
    common::serve(
        store,
        Config {
            iris: common::iris(),
            ..config
        },
    )
    .await
}

use common::{form, post_update};

/// A server over `store` that takes writes with the token `s3cret`.
async fn writable(store: palermo::store::Store) -> (String, tokio::sync::oneshot::Sender<()>) {
    common::serve(
        store,
        Config {
            token: Secret::new("s3cret".into()),
            ..Config::default()
        },
    )
    .await
}

async fn get(base: &str, pairs: &[(&str, &str)], accept: Option<&str>) -> Response {
    common::get_form(base, "/sparql", pairs, accept).await
}

/// POST `body` to `/sparql` as `content_type`, with `Accept` when given.
async fn post(
    base: &str,
    content_type: &str,
    accept: Option<&str>,
    body: impl Into<reqwest::Body>,
) -> Response {
    let mut r = Client::new()
        .post(format!("{base}/sparql"))
        .header("content-type", content_type)
        .body(body);
    if let Some(a) = accept {
        r = r.header("accept", a);
    }
    r.send().await.unwrap()
}

fn ct(r: &Response) -> String {
    r.headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn count_of(json: &serde_json::Value) -> String {
    json["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn query_by_get_post_form_and_post_direct() {
    let (base, _stop) = server(Config::default()).await;
    let r = get(&base, &[("query", COUNT)], None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(ct(&r), "application/sparql-results+json");
    let json: serde_json::Value = r.json_or_panic().await;
    assert_eq!(count_of(&json), "103");

    let r = post(
        &base,
        "application/x-www-form-urlencoded",
        None,
        form(&[("query", COUNT)]),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(count_of(&r.json_or_panic().await), "103");

    let r = post(&base, "application/sparql-query", Some("text/csv"), COUNT).await;
    assert_eq!(r.status(), 200);
    assert_eq!(ct(&r), "text/csv; charset=utf-8");
    assert_eq!(r.text().await.unwrap(), "n\r\n103\r\n");
}

#[tokio::test]
async fn negotiation_of_result_formats() {
    let (base, _stop) = server(Config::default()).await;
    for (accept, format, expected) in [
        (
            Some("application/sparql-results+xml"),
            None,
            "application/sparql-results+xml",
        ),
        (
            Some("text/tab-separated-values"),
            None,
            "text/tab-separated-values; charset=utf-8",
        ),
        (
            Some("text/csv;q=0.5, application/sparql-results+xml;q=0.9"),
            None,
            "application/sparql-results+xml",
        ),
        (Some("text/*"), None, "text/csv; charset=utf-8"),
        (
            Some("application/json"),
            None,
            "application/sparql-results+json",
        ),
        (
            Some("text/csv"),
            Some("json"),
            "application/sparql-results+json",
        ),
        (
            None,
            Some("tsv"),
            "text/tab-separated-values; charset=utf-8",
        ),
    ] {
        let mut pairs = vec![("query", COUNT)];
        if let Some(f) = format {
            pairs.push(("format", f));
        }
        let r = get(&base, &pairs, accept).await;
        assert_eq!(r.status(), 200, "{accept:?} {format:?}");
        assert_eq!(ct(&r), expected, "{accept:?} {format:?}");
        assert_eq!(r.headers()["vary"], "accept");
        assert!(r.text().await.unwrap().contains("103"));
    }
    let ask =
        "ASK { <http://localhost:8080/records/understanding-human-trafficking-in-conflict> ?p ?o }";
    let json: serde_json::Value = get(&base, &[("query", ask)], None)
        .await
        .json_or_panic()
        .await;
    assert_eq!(json["boolean"], true);
    let xml = get(
        &base,
        &[("query", ask)],
        Some("application/sparql-results+xml"),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(xml.contains("<boolean>true</boolean>"), "{xml}");
}

#[tokio::test]
async fn graphs_in_every_rdf_format() {
    let (base, _stop) = server(Config::default()).await;
    let describe =
        "DESCRIBE <http://localhost:8080/records/understanding-human-trafficking-in-conflict>";
    let construct = "CONSTRUCT { ?r <http://purl.org/dc/terms/title> ?t } WHERE { ?r <http://purl.org/dc/terms/title> ?t }";
    let r = get(&base, &[("query", describe)], None).await;
    assert_eq!(ct(&r), "text/turtle; charset=utf-8");
    let ttl = r.text().await.unwrap();
    assert!(
        ttl.contains("Understanding Human Trafficking In Conflict"),
        "{ttl}"
    );
    for (accept, expected) in [
        ("application/n-triples", "application/n-triples"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("application/ld+json", "application/ld+json"),
        ("application/n-quads", "application/n-quads"),
        ("application/trig", "application/trig"),
    ] {
        let r = get(&base, &[("query", construct)], Some(accept)).await;
        assert_eq!(r.status(), 200, "{accept}");
        assert_eq!(ct(&r), expected);
        let body = r.text().await.unwrap();
        assert!(
            body.contains("Understanding Human Trafficking In Conflict"),
            "{accept}: {body}"
        );
    }
    // CONSTRUCT that yields the same triple twice returns it once.
    let dup = "CONSTRUCT { <http://e/s> <http://e/p> \"x\" } WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }";
    let nt = get(&base, &[("query", dup)], Some("application/n-triples"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(nt.lines().count(), 1, "{nt}");
}

#[tokio::test]
async fn protocol_errors_say_what_went_wrong() {
    let (base, _stop) = server(Config::default()).await;
    // 406 lists the formats on offer.
    let r = get(&base, &[("query", COUNT)], Some("image/png")).await;
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("application/sparql-results+json") && body.contains("text/csv"),
        "{body}"
    );
    // A syntax error: 400 with the parser's message and position.
    let r = get(&base, &[("query", "SELECT ?x WHERE { ?x ?p }")], None).await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("SPARQL syntax error") && body.contains("1:"),
        "{body}"
    );
    // Wrong method: 405 with Allow.
    let r = Client::new()
        .put(format!("{base}/sparql?{}", form(&[("query", COUNT)])))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
    assert_eq!(r.headers()["allow"], "GET, POST");
    // Wrong media type: 415.
    let r = post(&base, "text/plain", None, COUNT).await;
    assert_eq!(r.status(), 415);
    assert!(r.text().await.unwrap().contains("application/sparql-query"));
    // An update sent here says where updates go.
    for (ct, body) in [
        (
            "application/x-www-form-urlencoded",
            form(&[("update", "INSERT DATA { <a:b> <a:c> <a:d> }")]),
        ),
        (
            "application/sparql-update",
            "INSERT DATA { <a:b> <a:c> <a:d> }".to_string(),
        ),
    ] {
        let r = post(&base, ct, None, body).await;
        assert_eq!(r.status(), 400);
        assert!(r.text().await.unwrap().contains("/sparql/update"));
    }
    // Two queries in one request.
    let r = get(&base, &[("query", COUNT), ("query", COUNT)], None).await;
    assert_eq!(r.status(), 400);
    // Unknown format= is a 400 naming the known ones.
    let r = get(&base, &[("query", COUNT), ("format", "yaml")], None).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("json"));
    // A bad dataset IRI.
    let r = get(
        &base,
        &[("query", COUNT), ("default-graph-uri", "not an iri")],
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    // An oversized body: 413, not a hang.
    let r = post(&base, "application/sparql-query", None, vec![b' '; 2 << 20]).await;
    assert_eq!(r.status(), 413);
}

#[tokio::test]
async fn datasets_by_protocol_parameters() {
    let (base, _stop) = server(Config::default()).await;
    let portal = "http://localhost:8080/graph/portal";
    let unodc = "http://localhost:8080/graph/unodc";
    let titled =
        "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r <http://purl.org/dc/terms/title> ?t }";
    let json: serde_json::Value = get(
        &base,
        &[("query", titled), ("default-graph-uri", portal)],
        None,
    )
    .await
    .json_or_panic()
    .await;
    // 34 records and the book one of them is a chapter of.
    assert_eq!(count_of(&json), "35");
    let json: serde_json::Value = get(
        &base,
        &[
            ("query", titled),
            ("default-graph-uri", portal),
            ("default-graph-uri", unodc),
        ],
        None,
    )
    .await
    .json_or_panic()
    .await;
    assert_eq!(count_of(&json), "104");
    let named = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g";
    let json: serde_json::Value = get(&base, &[("query", named), ("named-graph-uri", unodc)], None)
        .await
        .json_or_panic()
        .await;
    let rows = json["results"]["bindings"].as_array().unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["g"]["value"], unodc);
}

#[tokio::test]
async fn an_explicit_dataset_has_only_the_graphs_it_names() {
    let (base, _stop) = server(Config::default()).await;
    let portal = "http://localhost:8080/graph/portal";
    let unodc = "http://localhost:8080/graph/unodc";
    let graphs = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g";
    let rows = |json: serde_json::Value| json["results"]["bindings"].as_array().unwrap().len();
    // Default graphs only: no named graph at all (SPARQL 1.1 Query §13.2).
    let json = get(
        &base,
        &[("query", graphs), ("default-graph-uri", portal)],
        None,
    )
    .await
    .json_or_panic()
    .await;
    assert_eq!(rows(json), 0);
    // Named graphs only: an empty default graph.
    let all = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }";
    let json = get(&base, &[("query", all), ("named-graph-uri", unodc)], None)
        .await
        .json_or_panic()
        .await;
    assert_eq!(count_of(&json), "0");
    // The query's own FROM without FROM NAMED: no named graphs either…
    let from = format!("SELECT ?g FROM <{portal}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1");
    let json = get(&base, &[("query", &from)], None)
        .await
        .json_or_panic()
        .await;
    assert_eq!(rows(json), 0);
    // …and the protocol's dataset replaces the query's own.
    let json = get(&base, &[("query", &from), ("named-graph-uri", unodc)], None)
        .await
        .json_or_panic()
        .await;
    let bindings = &json["results"]["bindings"];
    assert_eq!(bindings[0]["g"]["value"], unodc, "{json}");
    // Without any dataset: every graph, the default being their union.
    let json = get(&base, &[("query", graphs)], None)
        .await
        .json_or_panic()
        .await;
    assert!(rows(json) > 2);
}

#[tokio::test]
async fn blank_nodes_are_scoped_to_their_upload() {
    let (store, _) = common::catalogue();
    let (base, _stop) = writable(store).await;
    let doc = "_:b0 <http://example.org/p> \"x\" .\n_:b0 <http://example.org/q> _:b1 .\n";
    for g in ["http://example.org/g1", "http://example.org/g2"] {
        for method in [reqwest::Method::PUT, reqwest::Method::POST] {
            let r = Client::new()
                .request(method, format!("{base}/store?{}", form(&[("graph", g)])))
                .header("authorization", "Bearer s3cret")
                .header("content-type", "text/turtle")
                .body(doc)
                .send()
                .await
                .unwrap();
            assert!(r.status().is_success(), "{}", r.text().await.unwrap());
        }
    }
    // Each graph got a PUT and a POST of the same document: two documents,
    // so two `_:b0`s per graph and four in all; within one document the
    // label is one node, so every `_:b0` still has its `q`.
    let q = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s <http://example.org/p> \"x\" ; <http://example.org/q> ?o }";
    for (graphs, n) in [
        (vec!["http://example.org/g1"], "2"),
        (vec!["http://example.org/g1", "http://example.org/g2"], "4"),
    ] {
        let mut pairs = vec![("query", q)];
        pairs.extend(graphs.iter().map(|g| ("default-graph-uri", *g)));
        let json = get(&base, &pairs, None).await.json_or_panic().await;
        assert_eq!(count_of(&json), n, "{graphs:?}");
    }
}

#[tokio::test]
async fn service_description_and_browser_redirects() {
    let (base, _stop) = server(Config::default()).await;
    let r = get(&base, &[], None).await;
    assert_eq!(r.status(), 200);
    assert_eq!(ct(&r), "text/turtle; charset=utf-8");
    let sd = r.text().await.unwrap();
    for needle in [
        "sd:Service",
        "SPARQL_Results_JSON",
        "SPARQL_Results_CSV",
        "sd:UnionDefaultGraph",
        "http://localhost:8080/graph/portal",
    ] {
        assert!(sd.contains(needle), "{needle} missing from\n{sd}");
    }
    let no_redirect = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let html = "text/html,application/xhtml+xml,*/*;q=0.8";
    let r = no_redirect
        .get(format!("{base}/sparql"))
        .header("accept", html)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/query");
    let r = no_redirect
        .get(format!("{base}/sparql?{}", form(&[("query", COUNT)])))
        .header("accept", html)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/query?query=SELECT")
    );
}

#[tokio::test]
async fn row_cap_is_reported() {
    let (base, _stop) = server(Config {
        max_rows: 5,
        ..Config::default()
    })
    .await;
    let r = get(
        &base,
        &[(
            "query",
            "SELECT ?r WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }",
        )],
        None,
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["palermo-results-truncated"], "5");
    let json: serde_json::Value = r.json_or_panic().await;
    assert_eq!(json["results"]["bindings"].as_array().unwrap().len(), 5);
    let r = get(&base, &[("query", COUNT)], None).await;
    assert!(r.headers().get("palermo-results-truncated").is_none());
}

/// A query that outruns the inline budget is cut there and evaluated again
/// on the blocking pool: same answer, whatever the budget (none at all, or
/// so short that every query moves).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn queries_moved_off_the_request_thread_answer_the_same() {
    let queries = [
        COUNT,
        "SELECT ?r ?t WHERE { ?r <http://purl.org/dc/terms/title> ?t OPTIONAL { ?r <http://purl.org/dc/terms/issued> ?y } } ORDER BY ?t ?r",
        "ASK { ?r <http://purl.org/dc/terms/title> ?t }",
    ];
    let mut answers = Vec::new();
    for inline in [
        Duration::from_millis(20),
        Duration::ZERO,
        Duration::from_nanos(1),
    ] {
        let (base, _stop) = server(Config {
            query_inline_budget: inline,
            ..Config::default()
        })
        .await;
        let mut these = Vec::new();
        for q in queries {
            let r = get(&base, &[("query", q)], None).await;
            assert_eq!(r.status(), 200, "inline budget {inline:?}: {q}");
            these.push(r.text().await.unwrap());
        }
        assert!(these[0].contains("\"103\""), "{}", these[0]);
        answers.push(these);
    }
    assert_eq!(answers[0], answers[1]);
    assert_eq!(answers[0], answers[2]);
}

/// A runaway query is cut off at its deadline while cheap queries keep answering.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_query_is_cut_off_and_others_still_answer() {
    let (base, _stop) = server(Config {
        query_timeout: Duration::from_secs(2),
        ..Config::default()
    })
    .await;
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";
    let slow = {
        let base = base.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let r = get(&base, &[("query", runaway)], None).await;
            (r.status(), r.text().await.unwrap(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let r = get(&base, &[("query", COUNT)], None).await;
        assert_eq!(r.status(), 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "cheap query took {:?}",
            started.elapsed()
        );
        let r = Client::new()
            .get(format!("{base}/healthz"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
    }
    let (status, body, elapsed) = slow.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(body.contains("cut off after 2s"), "{body}");
    assert!(
        elapsed < Duration::from_secs(6),
        "deadline not enforced: {elapsed:?}"
    );
}

/// Four runaway queries always running from one address (ours: every client
/// here is 127.0.0.1) cannot hold the fast lane: cheap queries sent all the
/// while answer 200, with p99 under a second. The runaways themselves are
/// still refused or cut (503), never run past their deadline. (With the
/// fast budget as long as the deadline, as before the long-running pool,
/// the cheap queries get 503.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cheap_queries_stay_cheap_beside_four_runaways() {
    let (base, _stop) = server(Config::default()).await;
    let runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }";
    let until = Instant::now() + Duration::from_secs(8);
    let mut runaways = Vec::new();
    for _ in 0..4 {
        let base = base.clone();
        runaways.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            while Instant::now() < until {
                let started = Instant::now();
                let r = get(&base, &[("query", runaway)], None).await;
                let elapsed = started.elapsed();
                assert!(elapsed < Duration::from_secs(13), "ran {elapsed:?}");
                statuses.push(r.status().as_u16());
            }
            statuses
        }));
    }
    // Let the runaways take every slot they can.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut latencies = Vec::new();
    while Instant::now() < until {
        let started = Instant::now();
        let r = get(&base, &[("query", COUNT)], None).await;
        latencies.push(started.elapsed());
        assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    latencies.sort();
    let p = |q: f64| latencies[((latencies.len() - 1) as f64 * q).round() as usize];
    let (p50, p99) = (p(0.5), p(0.99));
    eprintln!(
        "{} cheap queries: p50 {p50:?}, p99 {p99:?}",
        latencies.len()
    );
    assert!(
        latencies.len() >= 20,
        "only {} cheap queries",
        latencies.len()
    );
    assert!(p99 <= Duration::from_secs(1), "p50 {p50:?}, p99 {p99:?}");
    let mut runaway_statuses = Vec::new();
    for r in runaways {
        runaway_statuses.extend(r.await.unwrap());
    }
    assert!(
        runaway_statuses.iter().all(|&s| s == 503),
        "{runaway_statuses:?}"
    );
}

/// `LOAD` would fetch from the network for the client: refused with 400,
/// the whole request with it. `LOAD SILENT` is a failed LOAD whose error is
/// ignored (SPARQL 1.1 Update §3.1.4): 200, nothing loaded, and the rest of
/// the request applied.
#[tokio::test]
async fn load_is_refused_and_load_silent_changes_nothing() {
    let (store, _) = common::catalogue();
    let (base, _stop) = writable(store.clone()).await;
    let before = common::snapshot(&store);
    let insert = "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/s> <http://example.org/p> \"o\" } }";
    for update in [
        "LOAD <http://example.org/data.ttl>".to_string(),
        "LOAD <http://example.org/data.ttl> INTO GRAPH <http://example.org/g>".to_string(),
        format!("{insert} ; LOAD <http://example.org/data.ttl>"),
    ] {
        let r = post_update(&base, Some("s3cret"), &update).await;
        assert_eq!(r.status(), 400, "{update}");
        let body = r.text().await.unwrap();
        assert!(body.contains("LOAD is not allowed"), "{body}");
        assert_eq!(common::snapshot(&store), before, "{update}");
    }
    for update in [
        "LOAD SILENT <http://example.org/data.ttl>",
        "LOAD SILENT <http://example.org/data.ttl> INTO GRAPH <http://example.org/loaded>",
    ] {
        let r = post_update(&base, Some("s3cret"), update).await;
        assert_eq!(r.status(), 200, "{update}: {}", r.text().await.unwrap());
    }
    let graphs = |g: &str| {
        store
            .contains_named_graph(oxigraph::model::NamedNodeRef::new_unchecked(g))
            .unwrap()
    };
    assert!(
        !graphs("http://example.org/loaded"),
        "LOAD SILENT loaded nothing"
    );
    let r = post_update(
        &base,
        Some("s3cret"),
        &format!("LOAD SILENT <http://example.org/data.ttl> ; {insert}"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(
        graphs("http://example.org/g"),
        "the rest of the request ran"
    );
}

/// An update whose WHERE is a cross product of the catalogue with itself,
/// three times over (about 10¹¹ solutions), is cut off at its deadline with
/// 503 and rolled back whole: the data its first operation inserted is gone,
/// and the meta graph has no change of it. Queries and the health check
/// answer meanwhile.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runaway_update_is_cut_off_rolled_back_and_others_still_answer() {
    let (store, _) = common::catalogue();
    assert!(store.len().unwrap() > 4000, "{}", store.len().unwrap());
    let (base, _stop) = common::serve(
        store.clone(),
        Config {
            token: Secret::new("s3cret".into()),
            update_timeout: Duration::from_secs(2),
            ..Config::default()
        },
    )
    .await;
    let before = common::snapshot(&store);
    let runaway = "INSERT DATA { GRAPH <http://example.org/marker> { <http://example.org/s> <http://example.org/p> \"first\" } } ;
        INSERT { GRAPH <http://example.org/marker> { <http://example.org/s> <http://example.org/count> ?n } }
        WHERE { SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g1 { ?a ?b ?c } GRAPH ?g2 { ?d ?e ?f } GRAPH ?g3 { ?h ?i ?j } } }";
    let slow = {
        let base = base.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let r = post_update(&base, Some("s3cret"), runaway).await;
            (r.status(), r.text().await.unwrap(), started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    for _ in 0..3 {
        let started = Instant::now();
        let r = get(&base, &[("query", COUNT)], None).await;
        assert_eq!(r.status(), 200);
        assert!(r.text().await.unwrap().contains("\"103\""));
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a query beside the update took {:?}",
            started.elapsed()
        );
        let r = common::get(&format!("{base}/healthz"), None).await;
        assert_eq!(r.status(), 200);
    }
    let (status, body, elapsed) = slow.await.unwrap();
    assert_eq!(status, 503, "{body}");
    assert!(
        body.contains("update cut off after 2s (the deadline) and rolled back"),
        "{body}"
    );
    assert!(
        elapsed < Duration::from_secs(6),
        "deadline not enforced: {elapsed:?}"
    );
    assert_eq!(common::snapshot(&store), before, "the store is unchanged");
    // A cheap update afterwards is applied.
    let r = post_update(
        &base,
        Some("s3cret"),
        "INSERT DATA { GRAPH <http://example.org/marker> { <http://example.org/s> <http://example.org/p> \"first\" } }",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_ne!(common::snapshot(&store), before);
}

#[tokio::test]
async fn writes_need_the_token_and_keep_modified_right() {
    // No token configured: writes are off.
    let (base, _stop) = server(Config::default()).await;
    let update = "PREFIX dcterms: <http://purl.org/dc/terms/> DELETE { GRAPH ?g { ?r dcterms:title ?t } } INSERT { GRAPH ?g { ?r dcterms:title \"Understanding Human Trafficking in Conflict\" } } WHERE { GRAPH ?g { ?r dcterms:title ?t } FILTER(?r = <http://localhost:8080/records/understanding-human-trafficking-in-conflict>) }";
    let r = post_update(&base, Some("anything"), update).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("writes are disabled"));

    let (store, _) = common::catalogue();
    let (base, _stop2) = writable(store.clone()).await;
    let r = post_update(&base, None, update).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = post_update(&base, Some("wrong"), update).await;
    assert_eq!(r.status(), 401);
    let r = post_update(&base, Some("s3cret"), "INSERT DATA { oops").await;
    assert_eq!(r.status(), 400);
    let r = post_update(&base, Some("s3cret"), update).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let report: serde_json::Value = r.json_or_panic().await;
    assert_eq!(
        report["records"],
        serde_json::json!(["understanding-human-trafficking-in-conflict"])
    );

    let iris = common::iris();
    let id = "understanding-human-trafficking-in-conflict";
    let rec = palermo::rdf::read::record(&store, &iris, id)
        .unwrap()
        .unwrap();
    assert_eq!(rec.title, "Understanding Human Trafficking in Conflict");
    let modified = palermo::rdf::meta::modified(&store, &iris, id)
        .unwrap()
        .unwrap();
    assert!(modified.as_str() > "2026-01-01T00:00:00Z", "{modified}");
    let other = palermo::rdf::meta::modified(&store, &iris, "vita")
        .unwrap()
        .unwrap();
    assert_eq!(
        other, "2026-01-01T00:00:00Z",
        "an untouched record keeps its date"
    );

    // Deleting a record through SPARQL marks it deleted for harvesters.
    let delete =
        format!("DELETE WHERE {{ GRAPH ?g {{ <http://localhost:8080/records/{id}> ?p ?o }} }}");
    let r = post_update(&base, Some("s3cret"), &delete).await;
    let report: serde_json::Value = r.json_or_panic().await;
    assert_eq!(report["deleted"], serde_json::json!([id]));
    assert!(
        palermo::rdf::read::record(&store, &iris, id)
            .unwrap()
            .is_none()
    );

    // Graph Store Protocol: public read, token-guarded writes, system graphs protected.
    let turtle = "<http://localhost:8080/records/partner-report> a <http://purl.org/dc/terms/BibliographicResource> ; <http://purl.org/dc/terms/title> \"Partner report\" .";
    let gsp = async |method: reqwest::Method, graph: &str, token: Option<&str>| {
        let mut r = Client::new()
            .request(
                method,
                format!("{base}/store?{}", form(&[("graph", graph)])),
            )
            .header("content-type", "text/turtle")
            .body(turtle);
        if let Some(t) = token {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r.send().await.unwrap().status()
    };
    let partner = "http://localhost:8080/graph/partner";
    assert_eq!(gsp(reqwest::Method::PUT, partner, None).await, 401);
    assert_eq!(
        gsp(reqwest::Method::PUT, partner, Some("s3cret")).await,
        200
    );
    assert!(
        palermo::rdf::meta::modified(&store, &iris, "partner-report")
            .unwrap()
            .is_some()
    );
    let r = common::get(
        &format!("{base}/store?{}", form(&[("graph", partner)])),
        Some("application/n-triples"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Partner report"));
    assert_eq!(
        gsp(
            reqwest::Method::PUT,
            "http://localhost:8080/graph/meta",
            Some("s3cret")
        )
        .await,
        403
    );
    assert_eq!(
        gsp(reqwest::Method::DELETE, partner, Some("s3cret")).await,
        200
    );
    let r = common::get(
        &format!("{base}/store?{}", form(&[("graph", partner)])),
        None,
    )
    .await;
    assert_eq!(r.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn service_calls_only_to_allowed_prefixes() {
    let (remote, _stop_remote) = server(Config::default()).await;
    let federated = format!(
        "SELECT (COUNT(*) AS ?n) WHERE {{ SERVICE <{remote}/sparql> {{ ?r a <http://purl.org/dc/terms/BibliographicResource> }} }}"
    );
    // Off by default.
    let (base, _stop) = server(Config::default()).await;
    let r = get(&base, &[("query", &federated)], None).await;
    assert_eq!(r.status(), 400);
    // Allowed prefix: the call goes out and comes back.
    let (base, _stop2) = server(Config {
        service_allow: vec![format!("{remote}/")],
        ..Config::default()
    })
    .await;
    let r = get(&base, &[("query", &federated)], None).await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(count_of(&r.json_or_panic().await), "103");
    // Another prefix is refused with a message naming the allowed ones.
    let other = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }";
    let r = get(&base, &[("query", other)], None).await;
    assert_eq!(r.status(), 400);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("not allowed") && body.contains(&remote),
        "{body}"
    );
}

/// An allowed endpoint that fails or answers garbage is upstream's fault
/// (502), not the query's (400) nor ours (500).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_service_is_a_bad_gateway() {
    let failing = common::broken_remote(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\noops",
    );
    let garbage = common::broken_remote(
        "HTTP/1.1 200 OK\r\ncontent-type: application/sparql-results+json\r\ncontent-length: 9\r\nconnection: close\r\n\r\nnot json!",
    );
    let (base, _stop) = server(Config {
        service_allow: vec![failing.clone(), garbage.clone()],
        ..Config::default()
    })
    .await;
    for (remote, says) in [(&failing, "500"), (&garbage, "invalid results")] {
        let query = format!("SELECT * WHERE {{ SERVICE <{remote}/sparql> {{ ?s ?p ?o }} }}");
        let r = get(&base, &[("query", &query)], None).await;
        assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
        let body = r.text().await.unwrap();
        assert!(
            body.contains(&format!("SERVICE <{remote}/sparql>")) && body.contains(says),
            "{body}"
        );
    }
}

#[tokio::test]
async fn cors_and_query_page() {
    let (base, _stop) = server(Config::default()).await;
    let r = Client::new()
        .request(reqwest::Method::OPTIONS, format!("{base}/sparql"))
        .header("origin", "https://partner.example")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 204);
    assert_eq!(r.headers()["access-control-allow-origin"], "*");
    assert!(
        r.headers()["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    let vary = |r: &Response| -> Vec<String> {
        r.headers()
            .get_all("vary")
            .iter()
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .collect()
    };
    // CORS headers only for a request that carries Origin (a browser's),
    // and every answer says it depends on Origin.
    let ask = form(&[("query", "ASK {}")]);
    let plain = common::get(&format!("{base}/sparql?{ask}"), None).await;
    assert_eq!(plain.status(), 200);
    let cors_headers: Vec<_> = plain
        .headers()
        .keys()
        .filter(|k| k.as_str().starts_with("access-control-"))
        .collect();
    assert!(cors_headers.is_empty(), "{cors_headers:?}");
    assert!(
        vary(&plain).contains(&"origin".to_string()),
        "{:?}",
        vary(&plain)
    );
    let browser = Client::new()
        .get(format!("{base}/sparql?{ask}"))
        .header("origin", "https://partner.example")
        .send()
        .await
        .unwrap();
    assert_eq!(browser.status(), 200);
    assert_eq!(browser.headers()["access-control-allow-origin"], "*");
    assert_eq!(
        browser.headers()["access-control-expose-headers"],
        "palermo-results-truncated"
    );
    assert!(vary(&browser).contains(&"origin".to_string()));

    let page = common::get_text(&format!("{base}/query"), None).await;
    assert!(page.contains("<textarea") && page.contains("Example queries"));
    assert!(page.matches("<li><a href=\"/query?query=").count() >= 8);
    let q = "SELECT ?r ?t WHERE { ?r <http://purl.org/dc/terms/title> ?t } ORDER BY ?t LIMIT 3";
    let page = common::get_text(&format!("{base}/query?{}", form(&[("query", q)])), None).await;
    assert!(
        page.contains("<td><a href=\"/records/"),
        "IRIs link to their pages"
    );
    assert!(page.contains("3 rows"));
    assert!(page.contains("format=csv") && page.contains("format=ttl"));
    let hostile = "SELECT * WHERE { ?s ?p \"<script>alert(1)</script>\" }";
    let r = common::get(
        &format!("{base}/query?{}", form(&[("query", hostile)])),
        None,
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(!page.contains("<script>alert"), "query echoed unescaped");
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    let r = common::get(
        &format!("{base}/query?{}", form(&[("query", "SELECT <oops")])),
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("SPARQL syntax error"));
}

trait JsonOrPanic {
    async fn json_or_panic(self) -> serde_json::Value;
}

impl JsonOrPanic for Response {
    async fn json_or_panic(self) -> serde_json::Value {
        let text = self.text().await.unwrap();
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
}

#[tokio::test]
async fn cached_record_answers_follow_every_write() {
    let (store, _) = common::catalogue();
    let (base, _stop) = writable(store).await;
    let id = "understanding-human-trafficking-in-conflict";
    let fetch = |path: String| async move {
        let r = common::get(&path, None).await;
        assert_eq!(r.status(), 200);
        let etag = r.headers()["etag"].to_str().unwrap().to_string();
        (etag, r.text().await.unwrap())
    };
    let paths: Vec<String> = ["bib", "ris", "json", "txt", "ttl", "html"]
        .iter()
        .map(|ext| format!("{base}/records/{id}.{ext}"))
        .collect();
    let mut before = Vec::new();
    for p in &paths {
        let first = fetch(p.clone()).await;
        // The second answer comes from the cache: byte for byte the first.
        assert_eq!(fetch(p.clone()).await, first, "{p}");
        assert!(!first.1.contains("zebrafinch atlas"), "{p}");
        before.push(first);
    }

    let update = format!(
        "PREFIX dcterms: <http://purl.org/dc/terms/> DELETE {{ GRAPH ?g {{ ?r dcterms:title ?t }} }} INSERT {{ GRAPH ?g {{ ?r dcterms:title \"the zebrafinch atlas\" }} }} WHERE {{ GRAPH ?g {{ ?r dcterms:title ?t }} FILTER(?r = <http://localhost:8080/records/{id}>) }}"
    );
    // A bibliography of every record reads the records through the
    // record cache: the second export comes from it.
    let bibliography = || async {
        let r = common::get(&format!("{base}/records"), Some("text/x-bibliography")).await;
        assert_eq!(r.status(), 200);
        r.text().await.unwrap().to_lowercase()
    };
    let first = bibliography().await;
    assert_eq!(bibliography().await, first);
    assert!(!first.contains("zebrafinch atlas"));

    assert_eq!(
        post_update(&base, Some("s3cret"), &update).await.status(),
        200
    );
    assert!(
        bibliography().await.contains("zebrafinch atlas"),
        "the bibliography still used the record as read before the write"
    );
    for (p, (etag, _)) in paths.iter().zip(&before) {
        let (new_etag, body) = fetch(p.clone()).await;
        assert!(
            body.contains("zebrafinch atlas"),
            "{p} still served the old title"
        );
        assert_ne!(&new_etag, etag, "{p}");
    }

    let delete =
        format!("DELETE WHERE {{ GRAPH ?g {{ <http://localhost:8080/records/{id}> ?p ?o }} }}");
    assert_eq!(
        post_update(&base, Some("s3cret"), &delete).await.status(),
        200
    );
    for p in &paths {
        let r = common::get(p, None).await;
        assert_eq!(r.status(), 410, "{p} after the record was deleted");
    }
}

mod differential {
    //! Librarians' queries through `/sparql` against the same store queried
    //! by the bare engine: Oxigraph's evaluator over the union default graph,
    //! with nothing of Palermo's but the full-text functions, which are ours
    //! by definition. Any difference is a bug of our layer.

    use super::common;
    use oxigraph::model::{Triple, Variable};
    use palermo::http::Config;
    use palermo::store::Answer as Bare;
    use sparesults::{
        QueryResultsFormat, QueryResultsParser, QuerySolution, SliceQueryResultsParserOutput,
    };
    use spargebra::algebra::{Expression, GraphPattern, OrderExpression};
    use std::collections::BTreeSet;

    /// An answer in a form two evaluations can be compared in.
    #[derive(Debug, PartialEq)]
    enum Answer {
        Boolean(bool),
        /// Rows in the variables' order, cut into blocks the query's ORDER
        /// BY cannot tell apart; each block sorted. Without ORDER BY, one block.
        Rows(Vec<String>, Vec<Vec<Vec<Option<String>>>>),
        Graph(BTreeSet<String>),
    }

    /// The ORDER BY variables of a query (`None` when it orders by an
    /// expression: then the order must match row for row).
    fn order_keys(query: &str) -> Option<Vec<String>> {
        let parsed = spargebra::SparqlParser::new().parse_query(query).unwrap();
        let spargebra::Query::Select { pattern, .. } = parsed else {
            return Some(Vec::new());
        };
        let mut p = &pattern;
        loop {
            match p {
                GraphPattern::Project { inner, .. }
                | GraphPattern::Distinct { inner }
                | GraphPattern::Reduced { inner }
                | GraphPattern::Slice { inner, .. } => p = inner,
                GraphPattern::OrderBy { expression, .. } => {
                    return expression
                        .iter()
                        .map(|e| match e {
                            OrderExpression::Asc(Expression::Variable(v))
                            | OrderExpression::Desc(Expression::Variable(v)) => {
                                Some(v.as_str().to_string())
                            }
                            _ => None,
                        })
                        .collect();
                }
                _ => return Some(Vec::new()),
            }
        }
    }

    fn rows_answer<E: std::fmt::Debug>(
        query: &str,
        variables: Vec<Variable>,
        solutions: impl Iterator<Item = Result<QuerySolution, E>>,
    ) -> Answer {
        let rows: Vec<Vec<Option<String>>> = solutions
            .map(|s| {
                let s = s.unwrap();
                variables
                    .iter()
                    .map(|v| s.get(v).map(|t| t.to_string()))
                    .collect()
            })
            .collect();
        let variables: Vec<String> = variables.iter().map(|v| v.as_str().to_string()).collect();
        let blocks = match order_keys(query) {
            None => rows.into_iter().map(|r| vec![r]).collect(),
            Some(keys) => {
                let at: Vec<usize> = keys
                    .iter()
                    .map(|k| {
                        variables
                            .iter()
                            .position(|v| v == k)
                            .expect("ordered by a projected variable")
                    })
                    .collect();
                let mut blocks: Vec<Vec<Vec<Option<String>>>> = Vec::new();
                for r in rows {
                    let same = blocks.last().is_some_and(|b: &Vec<Vec<Option<String>>>| {
                        at.iter().all(|&i| b[0][i] == r[i])
                    });
                    if same {
                        blocks.last_mut().unwrap().push(r);
                    } else {
                        blocks.push(vec![r]);
                    }
                }
                for b in &mut blocks {
                    b.sort();
                }
                blocks
            }
        };
        Answer::Rows(variables, blocks)
    }

    fn engine(
        store: &palermo::store::Store,
        search: &palermo::search::SearchIndex,
        query: &str,
    ) -> Answer {
        let options = palermo::search::sparql::register(
            palermo::store::QueryOptions::default(),
            search,
            &common::iris(),
        );
        match store.query_unguarded(&options, query).unwrap() {
            Bare::Boolean(b) => Answer::Boolean(b),
            Bare::Solutions(s) => rows_answer(query, s.variables().to_vec(), s),
            Bare::Graph(g) => Answer::Graph(g.map(|t| t.unwrap().to_string()).collect()),
        }
    }

    async fn served(base: &str, query: &str) -> Answer {
        let r = super::get(
            base,
            &[("query", query)],
            Some("application/sparql-results+json, application/n-triples"),
        )
        .await;
        let status = r.status();
        let ct = super::ct(&r);
        let body = r.bytes().await.unwrap();
        assert_eq!(status, 200, "{query}\n{}", String::from_utf8_lossy(&body));
        if ct.starts_with("application/n-triples") {
            return Answer::Graph(
                oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::NTriples)
                    .for_slice(&body)
                    .map(|q| Triple::from(q.unwrap()).to_string())
                    .collect(),
            );
        }
        match QueryResultsParser::from_format(QueryResultsFormat::Json)
            .for_slice(&body)
            .unwrap()
        {
            SliceQueryResultsParserOutput::Boolean(b) => Answer::Boolean(b),
            SliceQueryResultsParserOutput::Solutions(s) => {
                rows_answer(query, s.variables().to_vec(), s)
            }
        }
    }

    const P: &str = "PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX foaf: <http://xmlns.com/foaf/0.1/>
PREFIX bibo: <http://purl.org/ontology/bibo/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
PREFIX pal: <http://localhost:8080/ontology#>
";

    /// The corpus beyond the examples: each construct librarians use, and
    /// the shapes that broke before (unmatched OPTIONALs, UNION branches
    /// with different variables, unbound arguments).
    const CORPUS: &[&str] = &[
        // The two counts of issue #16: 103 and 154.
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a dcterms:BibliographicResource . OPTIONAL { ?r dcterms:issued ?y } }",
        "SELECT (COUNT(*) AS ?n) WHERE { ?r a dcterms:BibliographicResource . { ?r dcterms:issued ?y } UNION { ?r dcterms:title ?t } }",
        // OPTIONAL, nested and with FILTER, and !bound.
        "SELECT ?r ?y ?a WHERE { ?r a dcterms:BibliographicResource . OPTIONAL { ?r dcterms:issued ?y OPTIONAL { ?r dcterms:abstract ?a } } }",
        "SELECT ?r ?y WHERE { ?r a dcterms:BibliographicResource . OPTIONAL { ?r dcterms:issued ?y FILTER(YEAR(?y) > 2015) } }",
        "SELECT ?r WHERE { ?r a dcterms:BibliographicResource . OPTIONAL { ?r dcterms:issued ?y } FILTER(!BOUND(?y)) }",
        "SELECT ?r ?c WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:creator ?c . ?c foaf:name ?n } }",
        // UNION with different variables, and inside a join.
        "SELECT * WHERE { { ?r dcterms:issued ?y } UNION { ?r dcterms:subject ?s } }",
        "SELECT ?r ?x WHERE { ?r dcterms:language ?l . { ?r dcterms:spatial ?x } UNION { ?r dcterms:subject ?x } UNION { BIND(\"none\" AS ?z) } }",
        // MINUS, with an optional part; FILTER (NOT) EXISTS.
        "SELECT ?r WHERE { ?r a dcterms:BibliographicResource MINUS { ?r dcterms:subject ?s OPTIONAL { ?s skos:prefLabel ?l } } }",
        "SELECT ?r WHERE { ?r a dcterms:BibliographicResource FILTER EXISTS { ?r dcterms:creator ?c } }",
        "SELECT ?r WHERE { ?r a dcterms:BibliographicResource FILTER NOT EXISTS { ?r dcterms:issued ?y } }",
        // BIND, including an error, COALESCE and IF over unbound values.
        "SELECT ?r ?d WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } BIND(COALESCE(STR(?y), \"n.d.\") AS ?d) }",
        "SELECT ?r ?bad WHERE { ?r dcterms:title ?t . BIND(xsd:integer(?t) AS ?bad) }",
        "SELECT ?r ?k WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } BIND(IF(BOUND(?y), \"dated\", \"undated\") AS ?k) }",
        // VALUES, with unbound cells and with OPTIONAL.
        "SELECT ?r ?type WHERE { VALUES (?type ?x) { (bibo:Report UNDEF) (bibo:Manual 1) (bibo:Book UNDEF) } ?r a ?type }",
        "SELECT ?c ?r WHERE { VALUES ?c { <http://localhost:8080/id/country/BA> <http://localhost:8080/id/country/XX> } OPTIONAL { ?r dcterms:spatial ?c } }",
        // Subqueries and aggregates with GROUP BY / HAVING over optional values.
        "SELECT ?y (COUNT(?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } } GROUP BY ?y HAVING (COUNT(?r) > 1) ORDER BY ?y",
        "SELECT ?r ?n WHERE { ?r a dcterms:BibliographicResource { SELECT ?r (COUNT(?c) AS ?n) WHERE { ?r dcterms:creator ?c } GROUP BY ?r } }",
        "SELECT (COUNT(DISTINCT ?y) AS ?years) (SAMPLE(?t) AS ?one) (GROUP_CONCAT(DISTINCT ?l; separator=\",\") AS ?langs) WHERE { ?r dcterms:title ?t OPTIONAL { ?r dcterms:issued ?y } OPTIONAL { ?r dcterms:language ?l } }",
        "SELECT DISTINCT ?y WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } }",
        // Property paths.
        "SELECT ?r ?name WHERE { ?r bibo:authorList/rdf:rest*/rdf:first/foaf:name ?name }",
        "SELECT ?region ?broader WHERE { ?region skos:broader+ ?broader }",
        "SELECT ?r ?x WHERE { ?r (dcterms:spatial|dcterms:subject) ?x }",
        // ORDER BY with LIMIT / OFFSET (a total order: LIMIT cuts no tie).
        "SELECT ?r ?t WHERE { ?r dcterms:title ?t } ORDER BY ?t ?r LIMIT 10 OFFSET 5",
        "SELECT ?r ?y WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } } ORDER BY DESC(?y) ?r LIMIT 20",
        // Graph patterns over named graphs.
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g",
        // ASK, CONSTRUCT, DESCRIBE.
        "ASK { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:issued ?y } FILTER(!BOUND(?y)) }",
        "CONSTRUCT { ?r dcterms:issued ?y ; dcterms:title ?t } WHERE { ?r dcterms:title ?t OPTIONAL { ?r dcterms:issued ?y } }",
        "DESCRIBE ?c WHERE { ?c skos:inScheme <http://localhost:8080/id/category/> }",
        // The full-text functions, also with unbound and wrong arguments.
        "SELECT ?r ?s WHERE { ?r a dcterms:BibliographicResource BIND(pal:score(?r, \"labour\") AS ?s) }",
        "SELECT ?r WHERE { ?r a dcterms:BibliographicResource FILTER(pal:matches(?r, \"smuggling\")) }",
        "SELECT ?r ?s ?m WHERE { ?r a dcterms:BibliographicResource OPTIONAL { ?r dcterms:nothing ?q } BIND(pal:score(?r, ?q) AS ?s) BIND(pal:matches(?unbound, \"x\") AS ?m) }",
        "SELECT ?r ?m WHERE { ?r a dcterms:BibliographicResource BIND(pal:matches(?r, 42) AS ?m) }",
    ];

    /// The example queries of the README (fenced as `sparql`).
    fn readme_examples() -> Vec<String> {
        let readme = include_str!("../../README.md");
        let mut out = Vec::new();
        let mut lines = readme.lines();
        while let Some(l) = lines.next() {
            if l.trim() == "```sparql" {
                let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != "```").collect();
                out.push(body.join("\n"));
            }
        }
        out
    }

    /// The example "with authors in order" gives each record's authors in
    /// the order of its `bibo:authorList` (the order `rdf::read` keeps),
    /// numbered from 1, through `/sparql` as through the engine.
    #[tokio::test]
    async fn the_authors_example_keeps_the_list_order() {
        let (store, _) = common::catalogue();
        let (base, _stop) = common::serve(
            store.clone(),
            Config {
                iris: common::iris(),
                ..Config::default()
            },
        )
        .await;
        let (_, query) = palermo::http::query_page::EXAMPLES
            .iter()
            .find(|(title, _)| title.contains("authors in order"))
            .expect("the example");
        let query = query.replace("{base}", common::BASE);
        let Answer::Rows(vars, blocks) = served(&base, &query).await else {
            panic!("rows")
        };
        assert_eq!(vars, ["record", "title", "position", "name"]);
        // Each block is one row: the order is the answer's own.
        let mut got: Vec<(String, Vec<(String, String)>)> = Vec::new();
        for row in blocks.into_iter().flatten() {
            let record = row[0].clone().unwrap();
            let id = record
                .trim_matches(['<', '>'])
                .rsplit('/')
                .next()
                .unwrap()
                .to_string();
            if got.last().is_none_or(|(last, _)| *last != id) {
                got.push((id, Vec::new()));
            }
            if let Some(name) = &row[3] {
                let position = row[2].clone().unwrap();
                got.last_mut().unwrap().1.push((position, name.clone()));
            }
        }
        let mut with_authors = 0;
        for (id, authors) in &got {
            let record = palermo::rdf::read::record(&store, &common::iris(), id)
                .unwrap()
                .unwrap();
            let expected: Vec<(String, String)> = record
                .authors
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    (
                        format!("\"{}\"^^<http://www.w3.org/2001/XMLSchema#integer>", i + 1),
                        format!("{:?}", a.display_name()),
                    )
                })
                .collect();
            assert_eq!(authors, &expected, "{id}");
            with_authors += usize::from(authors.len() > 1);
        }
        // Records with several authors are there, or the order is untested.
        assert!(with_authors >= 2, "{got:?}");
    }

    #[tokio::test]
    async fn answers_equal_the_bare_engine() {
        let (store, _) = common::catalogue();
        let search = palermo::search::SearchIndex::build(&store, &common::iris()).unwrap();
        let (base, _stop) = common::serve(
            store.clone(),
            Config {
                iris: common::iris(),
                ..Config::default()
            },
        )
        .await;
        let examples: Vec<String> = palermo::http::query_page::EXAMPLES
            .iter()
            .map(|(_, q)| q.replace("{base}", common::BASE))
            // SERVICE needs the network and an allow-list; the federation
            // tests cover it.
            .filter(|q| !q.contains("SERVICE"))
            .collect();
        let readme = readme_examples();
        assert!(!readme.is_empty(), "the README has SPARQL examples");
        let corpus: Vec<String> = CORPUS.iter().map(|q| format!("{P}{q}")).collect();
        let mut compared = 0;
        for query in examples.iter().chain(&readme).chain(&corpus) {
            let expected = engine(&store, &search, query);
            let got = served(&base, query).await;
            assert_eq!(got, expected, "{query}");
            compared += 1;
        }
        assert_eq!(compared, examples.len() + readme.len() + CORPUS.len());
        // The two counts of the issue, as numbers.
        for (q, n) in [(&corpus[0], "103"), (&corpus[1], "154")] {
            let Answer::Rows(_, blocks) = engine(&store, &search, q) else {
                panic!("a count is a row")
            };
            assert_eq!(
                blocks[0][0][0].as_deref(),
                Some(format!("\"{n}\"^^<http://www.w3.org/2001/XMLSchema#integer>").as_str())
            );
        }
    }
}
