//! Linked data done properly: every IRI we mint dereferences in every RDF
//! syntax to isomorphic graphs, with validators and conditional requests;
//! landing pages carry what reference managers read; `/void`, the dumps,
//! the sitemap and robots.txt say the truth about the store.

use crate::common;

use common::{get, get_text};

use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfParser};
use oxigraph::model::{Term, Triple};
use palermo::http::Config;
use palermo::rdf::describe::{self, Kind};
use palermo::rdf::read;
use reqwest::{Client, Response, StatusCode};
use sophia::api::MownStr;
use sophia::api::term::{BnodeId, LanguageTag, SimpleTerm};
use sophia::iri::IriRef;
use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

const BROWSER: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn server() -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    palermo::store::Store,
) {
    let (store, _) = common::catalogue();
    let (base, stop) = common::serve(
        store.clone(),
        Config {
            iris: common::iris(),
            ..Config::default()
        },
    )
    .await;
    (base, stop, store)
}

/// The body of a GET of `url` as bytes.
async fn get_bytes(url: &str, accept: Option<&str>) -> Vec<u8> {
    get(url, accept).await.bytes().await.unwrap().to_vec()
}

/// `tests/python/ld_check.py MODE PATH` (rdflib): its JSON summary; fails
/// the test when the script does.
fn ld_check(mode: &str, path: impl AsRef<std::path::Path>) -> serde_json::Value {
    let out = Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/ld_check.py"
        ))
        .arg(mode)
        .arg(path.as_ref())
        .output()
        .expect("python3 with rdflib is needed: run scripts/install-test-deps.sh");
    assert!(
        out.status.success(),
        "rdflib: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

/// The server URL of one of our IRIs (tests mint under a base that is not
/// the test server's address).
fn url(server: &str, iri: &str) -> String {
    format!(
        "{server}/{}",
        iri.strip_prefix(common::BASE).expect("one of our IRIs")
    )
}

fn rdf_format(ext: &str) -> RdfFormat {
    match ext {
        "ttl" => RdfFormat::Turtle,
        "nt" => RdfFormat::NTriples,
        "rdf" => RdfFormat::RdfXml,
        "jsonld" => RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        },
        other => panic!("no RDF format {other}"),
    }
}

fn media(ext: &str) -> &'static str {
    match ext {
        "ttl" => "text/turtle",
        "nt" => "application/n-triples",
        "rdf" => "application/rdf+xml",
        "jsonld" => "application/ld+json",
        other => panic!("no RDF format {other}"),
    }
}

const EXTS: [&str; 4] = ["ttl", "nt", "rdf", "jsonld"];

fn parse(body: &[u8], ext: &str, what: &str) -> Vec<Triple> {
    RdfParser::from_format(rdf_format(ext))
        .for_slice(body)
        .map(|q| {
            Triple::from(q.unwrap_or_else(|e| {
                panic!(
                    "{what} as {ext} does not parse: {e}\n{}",
                    String::from_utf8_lossy(body)
                )
            }))
        })
        .collect()
}

fn sophia_term(t: &Term) -> SimpleTerm<'static> {
    let s = |v: &str| MownStr::from(v.to_string());
    match t {
        Term::NamedNode(n) => SimpleTerm::Iri(IriRef::new_unchecked(s(n.as_str()))),
        Term::BlankNode(b) => SimpleTerm::BlankNode(BnodeId::new_unchecked(s(b.as_str()))),
        Term::Literal(l) => match l.language() {
            Some(lang) => {
                SimpleTerm::LiteralLanguage(s(l.value()), LanguageTag::new_unchecked(s(lang)), None)
            }
            None => SimpleTerm::LiteralDatatype(
                s(l.value()),
                IriRef::new_unchecked(s(l.datatype().as_str())),
            ),
        },
        #[allow(unreachable_patterns)]
        other => panic!("unexpected term {other}"),
    }
}

fn sophia_graph(triples: &[Triple]) -> Vec<[SimpleTerm<'static>; 3]> {
    triples
        .iter()
        .map(|t| {
            [
                sophia_term(&t.subject.clone().into()),
                sophia_term(&t.predicate.clone().into()),
                sophia_term(&t.object),
            ]
        })
        .collect()
}

fn isomorphic(a: &[Triple], b: &[Triple]) -> bool {
    sophia::isomorphism::isomorphic_graphs(&sophia_graph(a), &sophia_graph(b)).unwrap()
}

/// Every IRI we mint that the store describes: records, agents, the
/// concepts records use plus whole schemes of regions, categories and
/// languages, the index of each kind and the ontology.
fn minted(store: &palermo::store::Store) -> Vec<(String, bool)> {
    let iris = common::iris();
    let mut out: Vec<(String, bool)> = Vec::new();
    for id in read::record_ids(store, &iris).unwrap() {
        out.push((iris.record(&id).into_string(), true));
    }
    for key in describe::agent_keys(store, &iris).unwrap() {
        out.push((iris.agent(&key).into_string(), true));
    }
    for key in describe::counts(store, &iris, Kind::Country)
        .unwrap()
        .into_keys()
    {
        out.push((iris.country(&key).into_string(), true));
    }
    for kind in [Kind::Region, Kind::Category, Kind::Language] {
        let graph = describe::index(store, &iris, kind).unwrap();
        let scheme = iris.scheme(kind.segment());
        let in_scheme = palermo::rdf::vocab::skos::IN_SCHEME;
        for s in graph.subjects_for_predicate_object(in_scheme, &scheme) {
            out.push((s.to_string().trim_matches(['<', '>']).to_string(), true));
        }
    }
    for kind in Kind::ALL {
        out.push((iris.scheme(kind.segment()).into_string(), false));
    }
    out.push((format!("{}ontology", common::BASE), true));
    out.sort();
    out.dedup();
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_minted_iri_dereferences_to_isomorphic_graphs_in_every_syntax() {
    let (server, _stop, store) = server().await;
    let iris = minted(&store);
    let records = iris.iter().filter(|(i, _)| i.contains("/records/")).count();
    assert_eq!(records, 103);
    assert!(iris.iter().any(|(i, _)| i.contains("/id/agent/")));
    assert!(
        iris.iter()
            .any(|(i, _)| i.ends_with("/id/country/AL") || i.contains("/id/country/"))
    );
    let dir = tempfile::tempdir().unwrap();
    let mut checked = 0;
    for (n, (iri, suffixes)) in iris.iter().enumerate() {
        let mut graphs: Vec<(String, Vec<Triple>)> = Vec::new();
        for ext in EXTS {
            let r = get(&url(&server, iri), Some(media(ext))).await;
            assert_eq!(r.status(), StatusCode::OK, "{iri} as {ext}");
            assert!(
                header(&r, "content-type").starts_with(media(ext)),
                "{iri}: {}",
                header(&r, "content-type")
            );
            assert_eq!(header(&r, "vary"), "Accept", "{iri} {ext}");
            assert!(header(&r, "etag").starts_with('"'), "{iri} {ext}: no ETag");
            assert!(
                header(&r, "last-modified").ends_with(" GMT"),
                "{iri} {ext}: no Last-Modified"
            );
            let body = r.bytes().await.unwrap();
            let triples = parse(&body, ext, iri);
            assert!(!triples.is_empty(), "{iri} as {ext} is empty");
            // The document is about the IRI asked for.
            assert!(
                triples
                    .iter()
                    .any(|t| t.subject.to_string() == format!("<{iri}>")),
                "{iri} as {ext} says nothing about {iri}"
            );
            if *suffixes {
                let s = get(&format!("{}.{ext}", url(&server, iri)), None).await;
                assert_eq!(s.status(), StatusCode::OK, "{iri}.{ext}");
                assert!(header(&s, "content-type").starts_with(media(ext)));
                assert!(
                    header(&s, "link").contains("rel=\"describes\""),
                    "{iri}.{ext}"
                );
                let same = s.bytes().await.unwrap();
                assert!(
                    same == body,
                    "{iri}.{ext} differs from {iri} with Accept: {}",
                    media(ext)
                );
            }
            // rdflib reads the same documents (records, indexes, ontology).
            if !iri.contains("/id/agent/") && !iri.contains("/id/country/") || !suffixes {
                std::fs::write(dir.path().join(format!("{n:04}.{ext}")), &body).unwrap();
            }
            graphs.push((ext.to_string(), triples));
        }
        let (_, turtle) = &graphs[0];
        for (ext, g) in &graphs[1..] {
            assert!(
                isomorphic(turtle, g),
                "{iri}: {ext} is not isomorphic to Turtle ({} vs {} triples)",
                turtle.len(),
                g.len()
            );
        }
        checked += 1;
    }
    assert_eq!(checked, iris.len());
    let summary = ld_check("isomorphic", dir.path());
    assert!(summary["groups"].as_u64().unwrap() >= 103 + 5, "{summary}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_representations_are_negotiated_like_crossref() {
    let (server, _stop, store) = server().await;
    let iris = common::iris();
    let id = read::record_ids(&store, &iris).unwrap()[0].clone();
    let record = read::record(&store, &iris, &id).unwrap().unwrap();
    let page = format!("{server}/records/{id}");

    for (accept, expect) in [
        (Some(BROWSER), "text/html"),
        (Some("*/*"), "text/html"),
        (None, "text/html"),
        (Some("text/turtle"), "text/turtle"),
        (Some("application/ld+json"), "application/ld+json"),
        (Some("application/x-bibtex"), "application/x-bibtex"),
        (Some("text/x-bibtex"), "application/x-bibtex"),
        (
            Some("application/x-research-info-systems"),
            "application/x-research-info-systems",
        ),
        (
            Some("application/vnd.citationstyles.csl+json"),
            "application/vnd.citationstyles.csl+json",
        ),
        (
            Some("application/citeproc+json"),
            "application/vnd.citationstyles.csl+json",
        ),
        (Some("text/x-bibliography"), "text/x-bibliography"),
        (
            Some("application/x-bibtex;q=0.5, text/turtle;q=0.9"),
            "text/turtle",
        ),
    ] {
        let r = get(&page, accept).await;
        assert_eq!(r.status(), StatusCode::OK, "{accept:?}");
        assert!(
            header(&r, "content-type").starts_with(expect),
            "{accept:?}: {}",
            header(&r, "content-type")
        );
        assert_eq!(header(&r, "vary"), "Accept");
        let body = r.text().await.unwrap();
        assert!(!body.trim().is_empty(), "{accept:?}: empty body");
    }
    let bib = get_text(&page, Some("application/x-bibtex")).await;
    assert!(
        bib.trim_start().starts_with('@') && bib.contains(&format!("/records/{id}")),
        "{bib}"
    );
    let ris = get(&format!("{page}.ris"), None).await;
    assert!(
        header(&ris, "content-disposition").contains(".ris"),
        "a download name"
    );
    assert!(ris.text().await.unwrap().starts_with("TY  - "));
    let csl: serde_json::Value =
        serde_json::from_str(&get_text(&format!("{page}.json"), None).await).unwrap();
    assert_eq!(csl[0]["title"], record.title.as_str());
    // JSON-LD compacted with our context: its terms, not full IRIs.
    let ld: serde_json::Value =
        serde_json::from_str(&get_text(&format!("{page}.jsonld"), None).await).unwrap();
    let context: serde_json::Value = serde_json::from_str(palermo::rdf::jsonld::CONTEXT).unwrap();
    assert_eq!(ld["@context"], context["@context"], "our context, inline");
    let iri = iris.record(&id).into_string();
    let node = ld["@graph"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == iri.as_str())
        .expect("the record's node");
    assert_eq!(node["title"], record.title.as_str());
    assert!(
        node.get("identifier").is_some() && node.get("http://purl.org/dc/terms/title").is_none()
    );
    if !record.categories.is_empty() {
        assert!(node.get("subject").is_some(), "{node}");
    }

    // Styles from Accept parameters, as Crossref does; query parameters win.
    let ieee = get_text(&page, Some("text/x-bibliography; style=ieee")).await;
    let apa = get_text(&page, Some("text/x-bibliography; style=apa")).await;
    assert_ne!(ieee, apa);
    assert!(ieee.trim_start().starts_with("[1]"), "{ieee}");
    let forced = get_text(
        &format!("{page}?style=apa"),
        Some("text/x-bibliography; style=ieee"),
    )
    .await;
    assert_eq!(forced, apa);
    assert_eq!(
        get_text(&format!("{page}.txt?style=ieee"), None).await,
        ieee
    );
    assert_eq!(
        get_text(
            &format!("{page}.txt"),
            Some("text/x-bibliography; style=ieee")
        )
        .await,
        ieee
    );
    let by_name = get_text(&format!("{page}?format=ris"), Some("text/turtle")).await;
    assert!(
        by_name.starts_with("TY  - "),
        "format= wins over Accept: {by_name}"
    );
    // A format's names are the same on every route (`/records` takes `csl`).
    for name in ["csl", "csljson", "csl-json"] {
        let r = get(&format!("{page}?format={name}"), None).await;
        assert_eq!(r.status(), 200, "format={name}");
        assert_eq!(
            r.headers()["content-type"],
            "application/vnd.citationstyles.csl+json"
        );
    }

    // Unknown style: 400 naming the known ones. Unsupported Accept: 406 listing offers.
    let r = get(
        &format!("{page}?style=no-such-style"),
        Some("text/x-bibliography"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let text = r.text().await.unwrap();
    assert!(
        text.contains("no-such-style") && text.contains("apa") && text.contains("ieee"),
        "{text}"
    );
    let r = get(&format!("{page}?style=no-such-style"), Some(BROWSER)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let r = get(&page, Some("image/png")).await;
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    let text = r.text().await.unwrap();
    for offered in [
        "text/html",
        "text/turtle",
        "application/ld+json",
        "application/x-bibtex",
        "text/x-bibliography",
    ] {
        assert!(text.contains(offered), "406 should list {offered}: {text}");
    }
    let r = get(&format!("{page}.xyz"), None).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(r.text().await.unwrap().contains("ttl, nt, rdf, jsonld"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn validators_and_conditional_requests() {
    let (server, _stop, store) = server().await;
    let iris = common::iris();
    let id = read::record_ids(&store, &iris).unwrap()[0].clone();
    // Imported at T1 = 2026-01-01T00:00:00Z.
    let t1 = "Thu, 01 Jan 2026 00:00:00 GMT";
    let urls = [
        (format!("{server}/records/{id}"), Some(BROWSER)),
        (format!("{server}/records/{id}"), Some("text/turtle")),
        (format!("{server}/records/{id}.jsonld"), None),
        (format!("{server}/records/{id}.bib"), None),
        (format!("{server}/records/{id}.txt"), None),
        (format!("{server}/id/category/trafficking"), Some(BROWSER)),
        (format!("{server}/id/country/"), Some("text/turtle")),
        (format!("{server}/ontology"), Some("application/n-triples")),
        (format!("{server}/void"), None),
    ];
    let mut etags = BTreeSet::new();
    for (u, accept) in &urls {
        let r = get(u, *accept).await;
        assert_eq!(r.status(), StatusCode::OK, "{u}");
        let etag = header(&r, "etag");
        assert_eq!(header(&r, "last-modified"), t1, "{u}");
        assert_eq!(header(&r, "vary"), "Accept", "{u}");
        assert!(
            etags.insert(etag.clone()),
            "{u}: ETag {etag} reused by another representation"
        );
        let again = get(u, *accept).await;
        assert_eq!(header(&again, "etag"), etag, "{u}: ETag is not stable");

        let cond = |name: &'static str, value: String| {
            let mut rb = Client::new().get(u.as_str()).header(name, value);
            if let Some(a) = accept {
                rb = rb.header("accept", *a);
            }
            rb
        };
        let r = cond("if-none-match", etag.clone()).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{u}");
        assert_eq!(header(&r, "etag"), etag);
        assert_eq!(header(&r, "vary"), "Accept");
        assert!(r.bytes().await.unwrap().is_empty());
        let r = cond("if-none-match", format!("\"other\", W/{etag}"))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{u}: weak comparison");
        let r = cond("if-modified-since", t1.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_MODIFIED, "{u}");
        let r = cond(
            "if-modified-since",
            "Wed, 31 Dec 2025 23:59:59 GMT".to_string(),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{u}");
        // If-None-Match decides when both are sent.
        let r = Client::new()
            .get(u.as_str())
            .header("accept", accept.unwrap_or("*/*"))
            .header("if-none-match", "\"stale\"")
            .header("if-modified-since", t1)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{u}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_things_get_helpful_answers() {
    let (server, _stop, _store) = server().await;
    let r = get(
        &format!("{server}/records/human-trafficking-manual-that-does-not-exist"),
        Some(BROWSER),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let page = r.text().await.unwrap();
    assert!(page.contains("<h1>Not found</h1>"), "{page}");
    assert!(page.contains("Did you mean"), "suggestions: {page}");
    assert!(
        page.contains("href=\"/records/"),
        "links to records: {page}"
    );
    assert!(page.contains("href=\"/query\""));

    let r = get(
        &format!("{server}/records/no-such-record"),
        Some("text/turtle"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(header(&r, "content-type").starts_with("text/plain"));
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("no record with id \"no-such-record\"")
    );

    for path in [
        "/id/agent/nobody-at-all",
        "/id/country/QQ",
        "/id/region/atlantis",
        "/id/category/astrology",
        "/id/language/xx",
        "/id/planet/",
        "/id/country/AL.xyz",
        "/records/bad%20id",
    ] {
        let r = get(&format!("{server}{path}"), None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(!r.text().await.unwrap().is_empty(), "{path}");
        let r = get(&format!("{server}{path}"), Some(BROWSER)).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert!(
            r.text().await.unwrap().contains("<h1>Not found</h1>"),
            "{path}"
        );
    }
    let r = get(&format!("{server}/id/country/AL"), Some("image/png")).await;
    assert_eq!(r.status(), StatusCode::NOT_ACCEPTABLE);
    // `/id/country` is the scheme `/id/country/`.
    let r = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{server}/id/country"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT);
    assert_eq!(header(&r, "location"), "/id/country/");
}

/// `<meta name=… content=…>` pairs of a page's head, unescaped.
fn metas(html: &str) -> Vec<(String, String)> {
    let head = html.split("</head>").next().unwrap();
    head.split("<meta ")
        .skip(1)
        .filter_map(|m| {
            let tag = m.split('>').next()?;
            let name = attr(tag, "name")?;
            let content = attr(tag, "content")?;
            Some((name, content))
        })
        .collect()
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let start = tag.find(&format!("{name}=\""))? + name.len() + 2;
    let end = tag[start..].find('"')? + start;
    Some(unescape(&tag[start..end]))
}

fn unescape(s: &str) -> String {
    s.replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

fn meta_values<'a>(metas: &'a [(String, String)], name: &str) -> Vec<&'a str> {
    metas
        .iter()
        .filter(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .collect()
}

fn schema_json(html: &str) -> serde_json::Value {
    let start = html
        .find("<script type=\"application/ld+json\">")
        .expect("schema.org JSON-LD")
        + 35;
    let end = html[start..].find("</script>").unwrap() + start;
    serde_json::from_str(&html[start..end]).expect("the JSON-LD parses")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn landing_pages_carry_what_reference_managers_read() {
    let (server, _stop, store) = server().await;
    let iris = common::iris();
    let records: Vec<_> = read::record_ids(&store, &iris)
        .unwrap()
        .into_iter()
        .map(|id| read::record(&store, &iris, &id).unwrap().unwrap())
        .collect();
    // A report with several authors, a non-report, and everything else.
    let report = records
        .iter()
        .filter(|r| palermo::http::pages::record::is_report(r.kind))
        .max_by_key(|r| (r.authors.len(), r.categories.len()))
        .expect("a report");
    let other = records
        .iter()
        .find(|r| !palermo::http::pages::record::is_report(r.kind) && !r.languages.is_empty())
        .expect("a record that is not a report");
    let mut checked_reports = 0;
    for r in &records {
        let resp = get(&format!("{server}/records/{}", r.id), Some(BROWSER)).await;
        assert_eq!(resp.status(), StatusCode::OK);
        let links = header(&resp, "link");
        let html = resp.text().await.unwrap();
        // Curators' remarks are provenance: shown in the Sources section.
        if r.id == "global-report-2012" {
            assert!(
                html.contains("<p class=\"editorial-note\">") && html.contains("Line 90 calls it"),
                "the curator's remark is on the landing page"
            );
        }
        let m = metas(&html);
        let iri = iris.record(&r.id).into_string();

        // Highwire, as Zotero's Embedded Metadata translator reads it.
        assert_eq!(
            meta_values(&m, "citation_title"),
            vec![r.title.as_str()],
            "{}",
            r.id
        );
        // Group authors included (README, "Corporate authorship").
        let authors: Vec<String> = palermo::export::cited_authors(r)
            .iter()
            .map(palermo::record::Agent::inverted_name)
            .collect();
        assert_eq!(
            meta_values(&m, "citation_author"),
            authors.iter().map(String::as_str).collect::<Vec<_>>(),
            "{}",
            r.id
        );
        match r.year {
            Some(y) => assert_eq!(
                meta_values(&m, "citation_publication_date"),
                vec![y.to_string().as_str()]
            ),
            None => assert!(meta_values(&m, "citation_publication_date").is_empty()),
        }
        match &r.abstract_text {
            Some(a) => assert_eq!(meta_values(&m, "citation_abstract"), vec![a.as_str()]),
            None => assert!(meta_values(&m, "citation_abstract").is_empty()),
        }
        assert_eq!(
            meta_values(&m, "citation_language"),
            r.languages.iter().map(String::as_str).collect::<Vec<_>>()
        );
        let keywords = meta_values(&m, "citation_keywords");
        assert!(keywords.len() >= r.categories.len());
        for c in &r.categories {
            let label = describe::label(&store, &iris.category(c)).unwrap().unwrap();
            assert!(
                keywords.contains(&label.as_str()),
                "{}: keyword {label}",
                r.id
            );
        }
        if !r.publishers.is_empty() {
            assert_eq!(meta_values(&m, "citation_publisher").len(), 1, "{}", r.id);
        }
        let institution = meta_values(&m, "citation_technical_report_institution");
        if palermo::http::pages::record::is_report(r.kind)
            && (!r.publishers.is_empty() || r.authors.iter().any(|a| !a.is_person()))
        {
            assert_eq!(
                institution.len(),
                1,
                "{}: reports name their institution",
                r.id
            );
            checked_reports += 1;
        } else if !palermo::http::pages::record::is_report(r.kind) {
            assert!(institution.is_empty(), "{}: only reports", r.id);
        }
        // Dublin Core, never DC.coverage.
        assert_eq!(meta_values(&m, "DC.title"), vec![r.title.as_str()]);
        assert_eq!(
            meta_values(&m, "DC.creator").len(),
            palermo::export::cited_authors(r).len()
        );
        assert!(
            m.iter()
                .all(|(n, _)| !n.to_ascii_lowercase().contains("coverage")),
            "{}: no coverage",
            r.id
        );
        assert!(
            html.contains("<link rel=\"schema.DC\" href=\"http://purl.org/dc/elements/1.1/\">")
        );
        // schema.org JSON-LD.
        let ld = schema_json(&html);
        assert_eq!(ld["@context"], "https://schema.org");
        assert_eq!(ld["@id"], iri.as_str());
        assert_eq!(ld["name"], r.title.as_str());
        assert_eq!(
            ld["@type"],
            palermo::http::pages::record::schema_type(r.kind).as_str()
        );
        assert_eq!(ld["author"].as_array().map_or(0, Vec::len), r.authors.len());
        if let Some(y) = r.year {
            assert_eq!(ld["datePublished"], y.to_string().as_str());
        }
        // COinS and unAPI.
        let coins_at = html.find("<span class=\"Z3988\" title=\"").expect("COinS") + 27;
        let coins = unescape(&html[coins_at..coins_at + html[coins_at..].find('"').unwrap()]);
        let kev: BTreeMap<String, String> = form_urlencoded::parse(coins.as_bytes())
            .into_owned()
            .collect();
        assert_eq!(kev["ctx_ver"], "Z39.88-2004");
        // A chapter is the article title of a book item, its book the
        // book title; anything else is the book title itself.
        match &r.container {
            Some(c) => {
                assert_eq!(kev["rft.genre"], "bookitem");
                assert_eq!(kev["rft.atitle"], r.title);
                assert_eq!(kev["rft.btitle"], c.title);
            }
            None => assert_eq!(
                kev.get("rft.btitle").or(kev.get("rft.atitle")).unwrap(),
                &r.title
            ),
        }
        assert_eq!(kev["rft_id"], iri);
        assert!(html.contains(
            "<link rel=\"unapi-server\" type=\"application/xml\" title=\"unAPI\" href=\"/unapi\">"
        ));
        assert!(html.contains(&format!(
            "<abbr class=\"unapi-id\" title=\"{}\"></abbr>",
            r.id
        )));
        // FAIR Signposting.
        assert!(
            links.contains(&format!("<{iri}>; rel=\"cite-as\"")),
            "{links}"
        );
        for ext in ["ttl", "nt", "rdf", "jsonld", "bib", "ris", "json", "txt"] {
            assert!(
                links.contains(&format!("<{iri}.{ext}>; rel=\"describedby\"; type=\"")),
                "{ext}: {links}"
            );
        }
        assert!(links.contains("rel=\"type\""), "{links}");
        assert_eq!(
            links.matches("rel=\"author\"").count(),
            r.authors.len(),
            "{links}"
        );
        // The body: linked authors, categories, countries, regions; exports; citations.
        assert!(html.contains(&format!(
            "<h1>{}</h1>",
            maud::html! { (r.title) }.into_string()
        )));
        for a in &r.authors {
            assert!(
                html.contains(&format!("href=\"/id/agent/{}\"", a.key())),
                "{}: author link",
                r.id
            );
        }
        for (kind, keys) in [
            ("category", &r.categories),
            ("country", &r.countries),
            ("region", &r.regions),
            ("language", &r.languages),
        ] {
            for k in keys {
                assert!(
                    html.contains(&format!("href=\"/id/{kind}/{k}\"")),
                    "{}: {kind} {k}",
                    r.id
                );
            }
        }
        for ext in ["ttl", "nt", "rdf", "jsonld", "bib", "ris", "json", "txt"] {
            assert!(
                html.contains(&format!("href=\"/records/{}.{ext}\"", r.id)),
                "{}: .{ext} link",
                r.id
            );
        }
        assert!(
            html.matches("<div class=\"citation\">").count() >= 5,
            "{}: citations",
            r.id
        );
        assert!(
            html.contains("<label for=\"style\">")
                && html.contains("<select id=\"style\" name=\"style\">")
        );
        assert!(html.contains("<form class=\"picker\" method=\"get\""));
        // Accessible and self-contained.
        assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"));
        assert!(
            html.contains(
                "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            )
        );
        assert!(html.contains("<main id=\"main\">") && html.contains("href=\"#main\""));
        for external in [
            "src=\"http",
            "src=\"//",
            "rel=\"stylesheet\"",
            "@import",
            "url(",
            "<script src",
            "<iframe",
            "<img",
        ] {
            assert!(!html.contains(external), "{}: loads {external}", r.id);
        }
    }
    assert!(
        checked_reports > 10,
        "{checked_reports} reports with an institution"
    );

    // A report is captured as a report; a manual or book is not.
    let html = get_text(&format!("{server}/records/{}", report.id), Some(BROWSER)).await;
    assert!(meta_values(&metas(&html), "DC.type") == vec!["report"]);
    let html = get_text(&format!("{server}/records/{}", other.id), Some(BROWSER)).await;
    assert_ne!(meta_values(&metas(&html), "DC.type"), vec!["report"]);

    // The style picker is a GET form: its result is the page in that style.
    let html = get_text(
        &format!("{server}/records/{}?style=vancouver", report.id),
        Some(BROWSER),
    )
    .await;
    assert!(
        html.contains("<option value=\"vancouver\" selected>Vancouver</option>"),
        "picked style selected"
    );
    let first = html
        .split("<div class=\"citation\"><span class=\"style\">")
        .nth(1)
        .unwrap();
    assert!(first.starts_with("Vancouver</span>"), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unapi_offers_ris_bibtex_and_csl_json() {
    let (server, _stop, store) = server().await;
    let id = read::record_ids(&store, &common::iris()).unwrap()[3].clone();
    let r = get(&format!("{server}/unapi"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("application/xml"));
    let xml = r.text().await.unwrap();
    for (name, ty) in [
        ("ris", "application/x-research-info-systems"),
        ("bibtex", "application/x-bibtex"),
        ("csljson", "application/vnd.citationstyles.csl+json"),
    ] {
        assert!(
            xml.contains(&format!("<format name=\"{name}\" type=\"{ty}\"")),
            "{xml}"
        );
    }
    let r = get(&format!("{server}/unapi?id={id}"), None).await;
    assert_eq!(r.status(), StatusCode::MULTIPLE_CHOICES);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(&format!("<formats id=\"{id}\">"))
    );
    let r = get(&format!("{server}/unapi?id={id}&format=ris"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().starts_with("TY  - "));
    let r = get(&format!("{server}/unapi?id={id}&format=bibtex"), None).await;
    assert!(r.text().await.unwrap().trim_start().starts_with('@'));
    let r = get(&format!("{server}/unapi?id={id}&format=csljson"), None).await;
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert!(v[0]["title"].is_string());
    assert_eq!(
        get(&format!("{server}/unapi?id={id}&format=marc"), None)
            .await
            .status(),
        StatusCode::NOT_ACCEPTABLE
    );
    assert_eq!(
        get(&format!("{server}/unapi?id=nope-nothing"), None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_list_records_with_counts() {
    let (server, _stop, store) = server().await;
    let iris = common::iris();
    for kind in Kind::ALL {
        let counts = describe::counts(&store, &iris, kind).unwrap();
        assert!(!counts.is_empty(), "{kind:?}: some records link to some");
        let r = get(&format!("{server}/id/{}/", kind.segment()), Some(BROWSER)).await;
        assert_eq!(r.status(), StatusCode::OK, "{kind:?}");
        let html = r.text().await.unwrap();
        for (key, n) in &counts {
            let row = format!("<a href=\"/id/{}/{key}\">", kind.segment());
            let at = html
                .find(&row)
                .unwrap_or_else(|| panic!("{kind:?} index lists {key}"));
            let cell = &html[at..];
            let count = cell
                .split("<td class=\"n\">")
                .nth(1)
                .unwrap()
                .split('<')
                .next()
                .unwrap();
            assert_eq!(count, n.to_string(), "{kind:?} {key}");
        }
        // The resource with most records: its page lists each of them.
        let (key, n) = counts.iter().max_by_key(|(_, n)| **n).unwrap();
        let html = get(
            &format!("{server}/id/{}/{key}", kind.segment()),
            Some(BROWSER),
        )
        .await
        .text()
        .await
        .unwrap();
        let listed = html.matches("<li><a href=\"/records/").count();
        assert_eq!(listed, *n, "{kind:?} {key}: listed records");
        assert!(
            html.contains(&format!("<dt>Records</dt><dd>{n}</dd>")),
            "{kind:?} {key}"
        );
    }
    // The counts agree with SPARQL.
    let q = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r dcterms:subject <http://localhost:8080/id/category/trafficking> }";
    let n = store
        .query(q, std::time::Duration::from_secs(5), |r| match r {
            palermo::store::Answer::Solutions(mut s) => {
                Ok(s.next().unwrap().unwrap().get("n").unwrap().to_string())
            }
            _ => unreachable!(),
        })
        .unwrap();
    let expected = describe::counts(&store, &iris, Kind::Category).unwrap()["trafficking"];
    assert!(
        n.starts_with(&format!("\"{expected}\"")),
        "{n} vs {expected}"
    );
    // Agents: as author, as publisher; regions: narrower regions linked.
    let html = get_text(&format!("{server}/id/region/africa"), Some(BROWSER)).await;
    assert!(
        html.contains("href=\"/id/region/west-africa\""),
        "narrower regions"
    );
    let html = get_text(&format!("{server}/id/country/AL"), Some(BROWSER)).await;
    assert!(
        html.contains("http://www.wikidata.org/entity/"),
        "sameAs Wikidata"
    );
}

/// Numbers of a one-`?n` SPARQL query through the protocol endpoint.
async fn sparql_count(server: &str, query: &str) -> u64 {
    let q: String = form_urlencoded::Serializer::new(String::new())
        .append_pair("query", query)
        .finish();
    let r = get(
        &format!("{server}/sparql?{q}"),
        Some("application/sparql-results+json"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK, "{query}");
    let v: serde_json::Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    v["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn void_counts_match_sparql() {
    use palermo::http::dataset::counts;
    let (server, _stop, _store) = server().await;
    let r = get(&format!("{server}/void"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(header(&r, "content-type").starts_with("text/turtle"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("void.ttl");
    std::fs::write(&path, r.bytes().await.unwrap()).unwrap();
    let v = ld_check("void", &path);
    for (name, query) in [
        ("triples", counts::TRIPLES),
        ("entities", counts::ENTITIES),
        ("classes", counts::CLASSES),
        ("properties", counts::PROPERTIES),
        ("distinctSubjects", counts::SUBJECTS),
        ("distinctObjects", counts::OBJECTS),
    ] {
        let n = sparql_count(&server, query).await;
        assert!(n > 0, "{name}");
        assert_eq!(v[name].as_u64(), Some(n), "void:{name}");
    }
    assert_eq!(v["classPartitions"], v["classes"]);
    assert_eq!(v["propertyPartitions"], v["properties"]);
    assert_eq!(
        v["classEntities"]["http://purl.org/dc/terms/BibliographicResource"],
        103
    );
    assert_eq!(sparql_count(&server, counts::RECORDS).await, 103);
    assert_eq!(
        v["license"][0],
        "http://creativecommons.org/publicdomain/zero/1.0/"
    );
    assert_eq!(v["sparqlEndpoint"][0], format!("{}sparql", common::BASE));
    assert_eq!(
        v["dataDump"],
        serde_json::json!([
            format!("{}dump.nq.gz", common::BASE),
            format!("{}dump.ttl.gz", common::BASE)
        ])
    );
    assert_eq!(v["distributions"], 2);
    for vocab in [
        "http://purl.org/dc/terms/",
        "http://schema.org/",
        "http://purl.org/ontology/bibo/",
    ] {
        assert!(
            v["vocabulary"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x == vocab),
            "{vocab}"
        );
    }
    // Example resources dereference.
    for ex in v["exampleResource"].as_array().unwrap() {
        let r = get(&url(&server, ex.as_str().unwrap()), Some("text/turtle")).await;
        assert_eq!(r.status(), StatusCode::OK, "{ex}");
    }
    // Every syntax of /void says the same.
    let turtle = parse(
        &get_bytes(&format!("{server}/void"), Some("text/turtle")).await,
        "ttl",
        "/void",
    );
    for ext in ["nt", "rdf", "jsonld"] {
        let g = parse(
            &get(&format!("{server}/void"), Some(media(ext)))
                .await
                .bytes()
                .await
                .unwrap(),
            ext,
            "/void",
        );
        assert!(isomorphic(&turtle, &g), "/void as {ext}");
    }
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut out)
        .expect("a gzip stream");
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dumps_reload_to_the_same_store() {
    let (server, _stop, store) = server().await;
    let r = get(&format!("{server}/dump.nq.gz"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(header(&r, "content-type"), "application/gzip");
    assert!(header(&r, "content-disposition").contains("palermo.nq.gz"));
    assert!(
        r.headers().get("content-length").is_none(),
        "streamed, not buffered"
    );
    let nq = gunzip(&r.bytes().await.unwrap());
    let fresh = palermo::store::Store::memory().unwrap();
    let quads: Vec<oxigraph::model::Quad> = oxigraph::io::RdfParser::from_format(RdfFormat::NQuads)
        .for_slice(&nq)
        .collect::<Result<_, _>>()
        .unwrap();
    fresh
        .transaction(|tx| {
            tx.extend(&quads);
            Ok(())
        })
        .unwrap();
    assert_eq!(
        common::snapshot(&fresh),
        common::snapshot(&store),
        "the N-Quads dump reloads to the same quads"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("dump.nq");
    std::fs::write(&path, &nq).unwrap();
    let v = ld_check("nquads", &path);
    assert_eq!(v["quads"].as_u64().unwrap() as usize, store.len().unwrap());

    let r = get(&format!("{server}/dump.ttl.gz"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ttl = gunzip(&r.bytes().await.unwrap());
    let triples: BTreeSet<String> = parse(&ttl, "ttl", "dump.ttl.gz")
        .iter()
        .map(|t| t.to_string())
        .collect();
    let union: BTreeSet<String> = store
        .iter()
        .map(|q| Triple::from(q.unwrap()).to_string())
        .collect();
    assert_eq!(
        triples, union,
        "the Turtle dump holds the union of the graphs"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sitemap_and_robots() {
    let (server, _stop, store) = server().await;
    let r = get(&format!("{server}/sitemap.xml"), None).await;
    assert_eq!(r.status(), StatusCode::OK);
    let xml = r.text().await.unwrap();
    let mut reader = quick_xml::Reader::from_str(&xml);
    let mut locs = Vec::new();
    let mut in_loc = false;
    loop {
        match reader.read_event().expect("the sitemap is well-formed XML") {
            quick_xml::events::Event::Start(e) if e.name().as_ref() == b"loc" => in_loc = true,
            quick_xml::events::Event::Text(t) if in_loc => {
                locs.push(t.decode().unwrap().into_owned())
            }
            quick_xml::events::Event::End(_) => in_loc = false,
            quick_xml::events::Event::Eof => break,
            _ => {}
        }
    }
    for id in read::record_ids(&store, &common::iris()).unwrap() {
        assert!(
            locs.contains(&format!("{}records/{id}", common::BASE)),
            "{id}"
        );
    }
    assert!(locs.contains(&format!("{}id/country/", common::BASE)));
    assert!(xml.contains("<lastmod>2026-01-01T00:00:00Z</lastmod>"));
    let robots = get_text(&format!("{server}/robots.txt"), None).await;
    assert!(robots.contains("User-agent: *"));
    assert!(robots.contains("Disallow: /sparql"));
    assert!(robots.contains(&format!("Sitemap: {}sitemap.xml", common::BASE)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ontology_terms_resolve_to_the_ontology() {
    let (server, _stop, store) = server().await;
    let html = get_text(&format!("{server}/ontology"), Some(BROWSER)).await;
    let ours = format!("{}ontology#", common::BASE);
    let graph = describe::ontology(&store, &common::iris()).unwrap();
    let mut terms = BTreeSet::new();
    for t in graph.iter() {
        if let Some(local) = t
            .subject
            .to_string()
            .trim_matches(['<', '>'])
            .strip_prefix(&ours)
        {
            terms.insert(local.to_string());
        }
    }
    assert!(
        terms.contains("Report") && terms.contains("Repair"),
        "{terms:?}"
    );
    for local in &terms {
        assert!(
            html.contains(&format!("id=\"{local}\"")),
            "pal:{local} has an anchor on /ontology"
        );
    }
    let ttl = get_text(&format!("{server}/ontology.ttl"), None).await;
    for needle in [
        "owl:Ontology",
        "skos:ConceptScheme",
        "sh:NodeShape",
        "/ontology/shapes#RecordShape",
    ] {
        assert!(ttl.contains(needle), "{needle}");
    }
    // Shapes resolve to the ontology document.
    let r = get(&format!("{server}/ontology/shapes"), Some("text/turtle")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.url().path().ends_with("/ontology"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn html_escapes_everything_it_echoes() {
    use palermo::import::{Mode, RecordSource, import_records};
    use palermo::record::{Agent, Record, RecordKind};
    let (store, _) = common::catalogue();
    let evil = Record {
        id: "evil-record".into(),
        title: "<script>alert(1)</script> & \"quoted\" 'title'".into(),
        alternative_titles: vec![],
        abstract_text: Some("</script><script>alert(2)</script><!--".into()),
        description: None,
        kind: RecordKind::Report,
        year: Some(2020),
        authors: vec![Agent::Organization {
            name: "<b>Bold</b> Org".into(),
            acronym: None,
        }],
        publishers: vec![],
        place: None,
        container: None,
        languages: vec!["en".into()],
        countries: vec!["AL".into()],
        regions: vec![],
        categories: vec!["trafficking".into()],
        citation: None,
        note: Some("<img src=x onerror=alert(3)>".into()),
        editorial_notes: Vec::new(),
        provenance: vec![],
        repairs: vec![],
    };
    import_records(
        &store,
        &common::iris(),
        vec![RecordSource {
            id: "evil".into(),
            title: "A hostile source".into(),
            files: vec![("evil.json".into(), "<i>file</i>".into())],
            records: vec![evil],
            mode: Mode::Replace,
        }],
        common::T2,
    )
    .unwrap();
    let (server, _stop) = common::serve(
        store,
        Config {
            iris: common::iris(),
            ..Config::default()
        },
    )
    .await;
    let org = Agent::Organization {
        name: "<b>Bold</b> Org".into(),
        acronym: None,
    }
    .key();
    for path in [
        "/records/evil-record",
        "/id/country/AL",
        "/id/category/trafficking",
        &format!("/id/agent/{org}"),
        "/id/agent/",
    ] {
        let r = get(&format!("{server}{path}"), Some(BROWSER)).await;
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        for raw in [
            "<script>alert",
            "</script><script>",
            "<b>Bold",
            "<img src=x",
            "<!--",
        ] {
            assert!(!html.contains(raw), "{path} echoes {raw} unescaped");
        }
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt;")
                || html.contains("&lt;b&gt;Bold"),
            "{path}"
        );
    }
    let html = get_text(&format!("{server}/records/evil-record"), Some(BROWSER)).await;
    // The JSON-LD still parses and holds the title exactly.
    assert_eq!(
        schema_json(&html)["name"],
        "<script>alert(1)</script> & \"quoted\" 'title'"
    );
    assert_eq!(
        meta_values(&metas(&html), "citation_title"),
        vec!["<script>alert(1)</script> & \"quoted\" 'title'"]
    );
    assert_eq!(
        html.matches("<script").count(),
        1,
        "only the JSON-LD script element"
    );
    // Echoed ids on error pages are escaped too.
    let html = get(
        &format!("{server}/records/%3Cscript%3Ealert(1)%3C%2Fscript%3E"),
        Some(BROWSER),
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withdrawn_records_are_gone_not_missing() {
    use palermo::import::{Mode, RecordSource, import_records};
    let (store, _) = common::catalogue();
    let record = |id: &str| common::bare_record(id, &format!("A partner report called {id}"), 2021);
    let source = |records| RecordSource {
        id: "partner".into(),
        title: "A partner".into(),
        files: vec![("partner.json".into(), "Partner records".into())],
        records,
        mode: Mode::Replace,
    };
    let iris = common::iris();
    import_records(
        &store,
        &iris,
        vec![source(vec![
            record("kept-report"),
            record("dropped-report"),
        ])],
        common::T1,
    )
    .unwrap();
    import_records(
        &store,
        &iris,
        vec![source(vec![record("kept-report")])],
        common::T2,
    )
    .unwrap();
    let (server, _stop) = common::serve(
        store,
        Config {
            iris,
            ..Config::default()
        },
    )
    .await;
    assert_eq!(
        get(
            &format!("{server}/records/kept-report"),
            Some("text/turtle")
        )
        .await
        .status(),
        StatusCode::OK
    );
    let r = get(
        &format!("{server}/records/dropped-report"),
        Some("text/turtle"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(r.text().await.unwrap().contains("withdrawn"));
    let r = get(&format!("{server}/records/dropped-report"), Some(BROWSER)).await;
    assert_eq!(r.status(), StatusCode::GONE);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("<h1>Record withdrawn</h1>")
    );
    // HEAD answers like GET, without a body.
    let r = Client::new()
        .head(format!("{server}/records/kept-report"))
        .header("accept", "text/turtle")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(!header(&r, "etag").is_empty());
}
