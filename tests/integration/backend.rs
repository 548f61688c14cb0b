//! Palermo on a remote SPARQL engine (`--backend`), as a reader: the
//! shipped catalogue is loaded into a private Oxigraph server, and a
//! reader on it must answer as the embedded store does, page for page;
//! writes to the reader are refused with 503 naming the writer.

use crate::common::{self, BASE, get, iris};
use crate::engines;
use palermo::http::{Config, Role};
use palermo::store::Store;
use std::process::Command;

const WRITER: &str = "http://writer.internal:8080/";

/// The embedded catalogue, and an Oxigraph server loaded with its quads
/// (N-Quads POSTed to the Graph Store endpoint, as `palermo export` of a
/// dump would be).
fn loaded_engine() -> (Store, engines::Engine) {
    let (embedded, _) = common::catalogue();
    let engine = engines::oxigraph();
    let mut nquads = String::new();
    for q in embedded.iter() {
        nquads.push_str(&q.unwrap().to_string());
        nquads.push_str(" .\n");
    }
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let response = agent
        .post(&format!("{}/store", engine.http))
        .header("content-type", "application/n-quads")
        .send(nquads.as_bytes())
        .unwrap();
    assert!(
        response.status().is_success(),
        "loading the engine: {}\n{}",
        response.status(),
        engine.log()
    );
    (embedded, engine)
}

fn reader_config() -> Config {
    Config {
        iris: iris(),
        role: Role::Reader,
        writer: Some(WRITER.into()),
        ..Config::default()
    }
}

/// The body of a GET, with its status and content type, for comparing.
async fn fetch(url: &str, accept: Option<&str>) -> (u16, String, String) {
    let r = get(url, accept).await;
    let status = r.status().as_u16();
    let ctype = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (status, ctype, r.text().await.unwrap())
}

/// A body without its time-dependent parts (OAI-PMH's responseDate).
fn timeless(body: &str) -> String {
    let mut out = body.to_string();
    while let (Some(a), Some(b)) = (out.find("<responseDate>"), out.find("</responseDate>")) {
        if b < a {
            break;
        }
        out.replace_range(a..b + "</responseDate>".len(), "");
    }
    out
}

/// The triples of an RDF document, sorted: two documents of one graph
/// (without blank nodes) compare equal whatever their order.
fn triples(body: &str, format: oxigraph::io::RdfFormat) -> Vec<String> {
    let mut out: Vec<String> = oxigraph::io::RdfParser::from_format(format)
        .with_base_iri(BASE)
        .unwrap()
        .for_reader(body.as_bytes())
        .map(|q| q.unwrap().to_string())
        .collect();
    out.sort();
    out
}

/// Wait until a server on `remote` has done its start-up work (warming
/// every record's references): only the change feed's poll then, one
/// request every 0.5 s.
async fn settle(remote: &Store) {
    let mut last = remote.remote_requests().unwrap();
    for _ in 0..600 {
        tokio::time::sleep(std::time::Duration::from_millis(1000)).await;
        let now = remote.remote_requests().unwrap();
        if now - last <= 3 {
            return;
        }
        last = now;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_reader_on_oxigraph_server_answers_as_the_embedded_store() {
    let (embedded, engine) = tokio::task::spawn_blocking(loaded_engine).await.unwrap();
    let remote = Store::remote(engine.client());
    assert_eq!(remote.len().unwrap(), embedded.len().unwrap());
    let ids = palermo::rdf::read::record_ids(&embedded, &iris()).unwrap();
    assert_eq!(
        palermo::rdf::read::record_ids(&remote, &iris()).unwrap(),
        ids
    );
    // What one record costs on the engine (reads of `rdf::read`).
    let id = ids[ids.len() / 2].clone();
    let before = remote.remote_requests().unwrap();
    let one = remote.records(&iris(), std::slice::from_ref(&id)).unwrap();
    let per_record = remote.remote_requests().unwrap() - before;
    assert_eq!(
        one,
        embedded
            .records(&iris(), std::slice::from_ref(&id))
            .unwrap()
    );
    eprintln!("one record read from the engine: {per_record} requests");
    assert_eq!(per_record, 1);
    // A page of records (or an export's chunk): one request per 200.
    let before = remote.remote_requests().unwrap();
    assert_eq!(
        remote.records(&iris(), &ids).unwrap(),
        embedded.records(&iris(), &ids).unwrap()
    );
    let all = remote.remote_requests().unwrap() - before;
    eprintln!("{} records read from the engine: {all} requests", ids.len());
    assert_eq!(all as usize, ids.len().div_ceil(200));

    let (local, _stop_local) = common::serve(
        embedded,
        Config {
            iris: iris(),
            ..Config::default()
        },
    )
    .await;
    let (reader, _stop_reader) = common::serve(remote.clone(), reader_config()).await;

    // What a record page costs, once the start-up work is done.
    settle(&remote).await;
    let other = &ids[ids.len() / 3];
    let before_page = remote.remote_requests().unwrap();
    let page = fetch(&format!("{reader}/records/{other}"), Some("text/html")).await;
    let sent = remote.remote_requests().unwrap() - before_page;
    eprintln!(
        "record page on the engine: {sent} requests (with perhaps a poll of the change feed)"
    );
    // The record with its neighbourhood, its stamp, its concepts' labels.
    assert!(sent <= 4, "{sent} requests for a record page");
    assert_eq!(page.0, 200, "{}", page.2);
    let page = fetch(&format!("{reader}/records/{id}"), Some("text/html")).await;
    assert_eq!(page.0, 200, "{}", page.2);
    assert_eq!(
        page,
        fetch(&format!("{local}/records/{id}"), Some("text/html")).await,
        "the record page"
    );
    for ext in ["bib", "ris", "json"] {
        let path = format!("/records/{id}.{ext}");
        let ours = fetch(&format!("{reader}{path}"), None).await;
        assert_eq!(ours.0, 200, "{path}: {}", ours.2);
        assert_eq!(ours, fetch(&format!("{local}{path}"), None).await, "{path}");
    }
    for (path, format, accept) in [
        (
            format!("/records/{id}"),
            oxigraph::io::RdfFormat::Turtle,
            "text/turtle",
        ),
        (
            format!("/records/{id}"),
            oxigraph::io::RdfFormat::JsonLd {
                profile: oxigraph::io::JsonLdProfile::Expanded.into(),
            },
            "application/ld+json",
        ),
        (
            "/id/category/trafficking".to_string(),
            oxigraph::io::RdfFormat::Turtle,
            "text/turtle",
        ),
    ] {
        let ours = fetch(&format!("{reader}{path}"), Some(accept)).await;
        let theirs = fetch(&format!("{local}{path}"), Some(accept)).await;
        assert_eq!(ours.0, 200, "{path} as {accept}: {}", ours.2);
        assert_eq!(
            (ours.0, &ours.1),
            (theirs.0, &theirs.1),
            "{path} as {accept}"
        );
        assert_eq!(
            triples(&ours.2, format),
            triples(&theirs.2, format),
            "{path} as {accept}"
        );
    }
    for path in [
        "/records?q=trafficking".to_string(),
        "/records?q=smuggling&format=json".to_string(),
    ] {
        let ours = fetch(&format!("{reader}{path}"), Some("text/html")).await;
        assert_eq!(ours.0, 200, "{path}: {}", ours.2);
        assert_eq!(
            ours,
            fetch(&format!("{local}{path}"), Some("text/html")).await,
            "{path}"
        );
    }
    let select = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?r ?t WHERE { ?r dcterms:title ?t } ORDER BY ?r ?t LIMIT 50";
    let path = format!("/sparql?{}", common::form(&[("query", select)]));
    let ours = fetch(
        &format!("{reader}{path}"),
        Some("application/sparql-results+json"),
    )
    .await;
    assert_eq!(ours.0, 200, "{}", ours.2);
    assert_eq!(
        ours,
        fetch(
            &format!("{local}{path}"),
            Some("application/sparql-results+json")
        )
        .await,
        "/sparql SELECT"
    );
    let identifier = format!("oai:palermo.localhost:{id}");
    for prefix in ["oai_dc", "mods"] {
        let query = format!(
            "/oai?{}",
            common::form(&[
                ("verb", "GetRecord"),
                ("metadataPrefix", prefix),
                ("identifier", &identifier)
            ])
        );
        let ours = fetch(&format!("{reader}{query}"), None).await;
        let theirs = fetch(&format!("{local}{query}"), None).await;
        assert_eq!(ours.0, theirs.0, "{query}: {}", ours.2);
        assert_eq!(timeless(&ours.2), timeless(&theirs.2), "{query}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reader_refuses_writes_naming_the_writer_and_search_functions_remotely() {
    let (_, engine) = tokio::task::spawn_blocking(loaded_engine).await.unwrap();
    let remote = Store::remote(engine.client());
    // A query goes to a remote engine once, for its whole deadline, never
    // cut by a stage and sent again. (The engine answers this one within
    // any stage, so this checks the one request, not the cut.)
    let config = Config {
        query_inline_budget: std::time::Duration::from_micros(1),
        query_fast_budget: std::time::Duration::from_micros(1),
        ..reader_config()
    };
    let (reader, _stop) = common::serve(remote.clone(), config).await;
    settle(&remote).await;
    let before = remote.remote_requests().unwrap();
    let r = get(
        &format!(
            "{reader}/sparql?{}",
            common::form(&[("query", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")])
        ),
        Some("application/sparql-results+json"),
    )
    .await;
    assert_eq!(r.status(), 200);
    // One, and perhaps a poll of the change feed.
    let sent = remote.remote_requests().unwrap() - before;
    assert!(sent <= 2, "{sent} requests");
    let r = common::post_update(
        &reader,
        Some("token"),
        "INSERT DATA { GRAPH <http://example.org/g> { <http://example.org/a> <http://example.org/b> 1 } }",
    )
    .await;
    assert_eq!(r.status(), 503);
    let text = r.text().await.unwrap();
    assert!(text.contains(WRITER), "{text}");
    let r = reqwest::Client::new()
        .put(format!("{reader}/store?graph=http://example.org/g"))
        .header("content-type", "application/n-triples")
        .body("<http://example.org/a> <http://example.org/b> <http://example.org/c> .\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 503);
    assert!(r.text().await.unwrap().contains(WRITER));
    // Nothing reached the engine.
    let graphs = Store::remote(engine.client());
    assert!(
        !tokio::task::spawn_blocking(move || {
            graphs.contains_named_graph(oxigraph::model::NamedNodeRef::new_unchecked(
                "http://example.org/g",
            ))
        })
        .await
        .unwrap()
        .unwrap()
    );
    // pal:score runs on this process's search index: refused, clearly.
    let query = format!(
        "PREFIX pal: <{BASE}ontology#> SELECT ?r WHERE {{ ?r a ?t FILTER(pal:matches(?r, \"trafficking\")) }}"
    );
    let r = get(
        &format!("{reader}/sparql?{}", common::form(&[("query", &query)])),
        Some("application/sparql-results+json"),
    )
    .await;
    let status = r.status();
    let text = r.text().await.unwrap();
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("not yet supported"), "{text}");
    // SERVICE outside the allow-list (none here), and SERVICE ?var.
    for query in [
        "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
        "SELECT * WHERE { SERVICE ?e { ?s ?p ?o } }",
    ] {
        let r = get(
            &format!("{reader}/sparql?{}", common::form(&[("query", query)])),
            Some("application/sparql-results+json"),
        )
        .await;
        assert_eq!(r.status(), 400, "{query}: {}", r.text().await.unwrap());
    }
}

/// `palermo stats` and `palermo query` with `--backend` read the engine.
#[test]
fn the_cli_reads_a_backend() {
    let (embedded, engine) = loaded_engine();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_palermo"))
            .args(["--backend", &engine.url, "--base-iri", BASE, "--data-dir"])
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(
        run(&["stats"]),
        palermo::stats::Stats::compute(&embedded, &iris())
            .unwrap()
            .to_string()
    );
    let count = run(&[
        "query",
        "--format",
        "csv",
        "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    ]);
    assert!(
        count.contains(&embedded.len().unwrap().to_string()),
        "{count}"
    );
    // `export` of every record, as the embedded store gives it.
    let ids = palermo::rdf::read::record_ids(&embedded, &iris()).unwrap();
    let mut expected = Vec::new();
    palermo::export::Exporter::new(iris())
        .write_records(
            palermo::export::Format::from_name("bibtex").unwrap(),
            palermo::export::records_from_store(&embedded, &iris(), ids),
            &palermo::export::ExportOptions::default(),
            &mut expected,
        )
        .unwrap();
    assert_eq!(
        run(&["export", "--format", "bibtex"]),
        String::from_utf8(expected).unwrap()
    );
    let out = Command::new(env!("CARGO_BIN_EXE_palermo"))
        .args(["--backend", &engine.url, "--data-dir"])
        .arg(dir.path())
        .args(["serve", "--bind", "127.0.0.1:0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--role reader"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
