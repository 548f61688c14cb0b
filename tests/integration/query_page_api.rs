//! What the query page's script asks the server for, over HTTP: the
//! completions (`/query/vocabulary`, `/query/entities`), the citations of
//! a result (`/cite`) and the embedded assets (`/assets/…`).

use crate::common;
use serde_json::Value;

async fn json(url: &str) -> Value {
    let r = common::get(url, Some("application/json")).await;
    assert_eq!(r.status(), 200, "{url}");
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn the_vocabulary_is_what_the_data_uses_with_labels() {
    let (base, _stop) = common::serve_catalogue().await;
    let v = json(&format!("{base}/query/vocabulary")).await;
    let prefixes = v["prefixes"].as_array().unwrap();
    assert!(
        prefixes
            .iter()
            .any(|p| p["prefix"] == "dcterms" && p["namespace"] == "http://purl.org/dc/terms/")
    );
    assert!(
        prefixes
            .iter()
            .any(|p| p["prefix"] == "pal" && p["namespace"] == "http://localhost:8080/ontology#")
    );
    let terms = v["terms"].as_array().unwrap();
    let term = |prefix: &str, local: &str| {
        terms
            .iter()
            .find(|t| t["prefix"] == prefix && t["local"] == local)
            .cloned()
    };
    let issued = term("dcterms", "issued").expect("dcterms:issued is used");
    assert_eq!(issued["kind"], "property");
    assert_eq!(
        term("schema", "datePublished").unwrap()["label"],
        "date published"
    );
    // Our own terms carry the ontology's labels.
    let manual = term("pal", "Manual").expect("pal:Manual is used");
    assert_eq!(manual["kind"], "class");
    assert_eq!(manual["label"], "Manual, handbook or guide");
    // A term of a vocabulary we know but the data does not use is left out.
    assert!(
        term("dcterms", "license").is_none() || {
            let q = "ASK { ?s <http://purl.org/dc/terms/license> ?o }";
            json(&format!("{base}/sparql?{}", common::form(&[("query", q)]))).await["boolean"]
                == true
        }
    );
}

#[tokio::test]
async fn entities_are_found_by_label_most_used_first() {
    let (base, _stop) = common::serve_catalogue().await;
    let found = json(&format!("{base}/query/entities?q=bosnia")).await;
    let first = &found[0];
    assert_eq!(first["iri"], "http://localhost:8080/id/country/BA");
    assert_eq!(first["label"], "Bosnia and Herzegovina");
    assert_eq!(first["kind"], "country");
    assert!(first["records"].as_u64().unwrap() > 0);
    // Every kind, accents and case aside.
    let balkans = json(&format!("{base}/query/entities?q=WESTERN%20balkans")).await;
    assert_eq!(balkans[0]["kind"], "region");
    let healy = json(&format!("{base}/query/entities?q=healy")).await;
    assert!(
        healy
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "agent" && e["label"] == "Claire Healy"),
        "{healy}"
    );
    let law = json(&format!("{base}/query/entities?q=law%20enforcement")).await;
    assert!(
        law.as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "category"),
        "{law}"
    );
    // Sorted by use, limited.
    let all = json(&format!("{base}/query/entities?limit=5")).await;
    let counts: Vec<u64> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["records"].as_u64().unwrap())
        .collect();
    assert_eq!(counts.len(), 5);
    assert!(counts.windows(2).all(|w| w[0] >= w[1]), "{counts:?}");
    let r = common::get(&format!("{base}/query/entities?limit=0"), None).await;
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn cite_gives_the_named_records_in_their_order() {
    let (base, _stop) = common::serve_catalogue().await;
    let q = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?r ?t WHERE { ?r a dcterms:BibliographicResource ; dcterms:title ?t } ORDER BY DESC(?t) LIMIT 3";
    let rows = json(&format!("{base}/sparql?{}", common::form(&[("query", q)]))).await;
    let rows = rows["results"]["bindings"].as_array().unwrap().clone();
    let iris: Vec<&str> = rows
        .iter()
        .map(|r| r["r"]["value"].as_str().unwrap())
        .collect();
    let titles: Vec<&str> = rows
        .iter()
        .map(|r| r["t"]["value"].as_str().unwrap())
        .collect();
    let mut pairs: Vec<(&str, &str)> = iris.iter().map(|i| ("id", *i)).collect();
    pairs.push(("format", "ris"));
    let ris = common::get_form(&base, "/cite", &pairs, None).await;
    assert_eq!(ris.status(), 200);
    assert_eq!(
        ris.headers()["content-type"],
        "application/x-research-info-systems; charset=utf-8"
    );
    let ris = ris.text().await.unwrap();
    let got: Vec<&str> = ris
        .lines()
        .filter_map(|l| l.strip_prefix("TI  - "))
        .collect();
    assert_eq!(got, titles, "in the order asked");
    // POST as a form, ids rather than IRIs, a formatted bibliography.
    let ids: Vec<&str> = iris.iter().map(|i| i.rsplit('/').next().unwrap()).collect();
    let mut pairs: Vec<(&str, &str)> = ids.iter().map(|i| ("id", *i)).collect();
    pairs.extend([("format", "bibliography"), ("style", "apa")]);
    let text = reqwest::Client::new()
        .post(format!("{base}/cite"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(common::form(&pairs))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 3, "{text}");
    // Refusals name what is wrong.
    let none = common::get(&format!("{base}/cite?format=ris"), None).await;
    assert_eq!(none.status(), 400);
    let unknown = common::get(&format!("{base}/cite?id=no-such-record"), None).await;
    assert_eq!(unknown.status(), 404);
    assert!(unknown.text().await.unwrap().contains("no-such-record"));
    let style = common::get_form(
        &base,
        "/cite",
        &[("id", ids[0]), ("style", "no-such-style")],
        None,
    )
    .await;
    assert_eq!(style.status(), 400);
}

#[tokio::test]
async fn assets_come_gzipped_with_validators() {
    let (base, _stop) = common::serve_catalogue().await;
    let client = reqwest::Client::new();
    let plain = client
        .get(format!("{base}/assets/query.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 200);
    assert_eq!(
        plain.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let etag = plain.headers()["etag"].clone();
    let body = plain.bytes().await.unwrap();
    assert!(body.len() > 100_000, "the bundle: {} bytes", body.len());
    let gz = client
        .get(format!("{base}/assets/query.js"))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let packed = gz.bytes().await.unwrap();
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&packed[..]),
        &mut unpacked,
    )
    .unwrap();
    assert_eq!(unpacked, body);
    let again = client
        .get(format!("{base}/assets/query.js"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    let geometry = json(&format!("{base}/assets/countries-110m.json")).await;
    assert_eq!(geometry["type"], "Topology");
    let site = common::get_text(&format!("{base}/assets/site.css"), None).await;
    assert!(site.contains("font-family"));
    assert_eq!(
        common::get(&format!("{base}/assets/nothing.js"), None)
            .await
            .status(),
        404
    );
    // The page links them and inlines no script or style.
    let page = common::get_text(&format!("{base}/query"), None).await;
    assert!(page.contains("<script src=\"/assets/query.js\" defer>"));
    assert!(!page.contains("<style") && !page.contains("<script>"));
}
