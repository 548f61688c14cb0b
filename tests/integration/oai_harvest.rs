//! Two Palermo instances on 127.0.0.1, one harvesting the other over
//! OAI-PMH: a full harvest (through resumption tokens and a 503), an
//! incremental one after a change and a deletion upstream, and the harvested
//! records exported again by the harvester's own provider.

use crate::oai_support;

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::IntoResponse;
use oai_support::*;
use palermo::import::{SourceFile, import};
use palermo::oai::harvest::source_id_for;
use palermo::oai::{HarvestOptions, harvest};
use palermo::rdf::Iris;
use palermo::rdf::read::{record, record_ids};
use palermo::record::Record;
use palermo::store::Store;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use time::OffsetDateTime;
use time::macros::datetime;

const T1: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);

/// The shipped files, with UNODC's third publication ("2017 HTMSS Annual
/// Report") removed and the year of the second changed.
fn upstream_edit() -> Vec<SourceFile> {
    palermo::catalogue::shipped()
        .into_iter()
        .map(|mut f| {
            if f.path.ends_with("unodc.toml") {
                let mut parts: Vec<String> = f
                    .text
                    .split("\n[[publication]]\n")
                    .map(str::to_string)
                    .collect();
                assert!(parts[2].contains("2018 HTMSS Annual Report"));
                assert!(parts[3].contains("2017 HTMSS Annual Report"));
                parts[2] = parts[2].replace("year = 2018", "year = 2019");
                parts.remove(3);
                f.text = parts.join("\n[[publication]]\n");
            }
            f
        })
        .collect()
}

/// The fields a harvest through oai_dc must carry over.
fn essentials(r: &Record) -> String {
    let names = |v: &[palermo::record::Agent]| {
        v.iter()
            .map(|a| {
                format!(
                    "{}{}",
                    a.display_name(),
                    if a.is_person() { "/p" } else { "/o" }
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    format!(
        "title={}\nalt={:?}\nyear={:?}\nkind={:?}\nauthors={}\npublishers={}\nlanguages={:?}\ncountries={:?}\nregions={:?}\ncategories={:?}\nabstract={:?}",
        r.title,
        r.alternative_titles,
        r.year,
        r.kind,
        names(&r.authors),
        names(&r.publishers),
        r.languages,
        r.countries,
        r.regions,
        r.categories,
        r.abstract_text,
    )
}

/// Solutions of a SELECT as rows of strings.
fn select(store: &Store, q: &str) -> Vec<Vec<String>> {
    store
        .query(q, Duration::from_secs(10), |results| {
            let palermo::store::Answer::Solutions(solutions) = results else {
                panic!("not a SELECT");
            };
            Ok(solutions
                .map(|s| {
                    s.unwrap()
                        .values()
                        .iter()
                        .map(|v| match v {
                            Some(oxigraph::model::Term::NamedNode(n)) => n.as_str().to_string(),
                            Some(oxigraph::model::Term::Literal(l)) => l.value().to_string(),
                            Some(t) => t.to_string(),
                            None => String::new(),
                        })
                        .collect()
                })
                .collect())
        })
        .unwrap()
}

/// pyshacl over the whole store (tests/python/shacl_check.py).
fn shacl(store: &Store) -> (bool, String) {
    use oxigraph::io::{RdfFormat, RdfSerializer};
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("store.nq");
    let mut ser = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
    for q in store.iter() {
        ser.serialize_quad(&q.unwrap()).unwrap();
    }
    std::fs::write(&dump, ser.finish().unwrap()).unwrap();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = std::process::Command::new("python3")
        .arg(root.join("tests/python/shacl_check.py"))
        .arg(&dump)
        .arg(root.join("ontology/shapes.ttl"))
        .output()
        .expect("python3 is needed");
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_palermo_harvests_another() {
    // A: the catalogue, 10 records a page, and busy once: the first request
    // with a resumption token gets 503 with Retry-After.
    let (listener, iris_a) = bind().await;
    let store_a = Store::memory().unwrap();
    import(&store_a, &iris_a, &palermo::catalogue::shipped(), T1).unwrap();
    let busy = Arc::new(AtomicUsize::new(0));
    let hits = busy.clone();
    let a = serve(
        listener,
        iris_a.clone(),
        store_a.clone(),
        10,
        move |router| {
            router.layer(axum::middleware::from_fn(
                move |req: Request, next: Next| {
                    let hits = hits.clone();
                    async move {
                        let paging = req
                            .uri()
                            .query()
                            .is_some_and(|q| q.contains("resumptionToken"));
                        if paging && hits.fetch_add(1, Ordering::SeqCst) == 0 {
                            return (
                                StatusCode::SERVICE_UNAVAILABLE,
                                [("retry-after", "1")],
                                "busy",
                            )
                                .into_response();
                        }
                        next.run(req).await
                    }
                },
            ))
        },
    )
    .await;
    // B: empty, serving too, so what it harvested can be harvested again.
    let (listener, iris_b) = bind().await;
    let store_b = Store::memory().unwrap();
    let b = serve(listener, iris_b.clone(), store_b.clone(), 10, |r| r).await;
    let source = source_id_for(&reqwest::Url::parse(&a.oai()).unwrap());
    let here = |id: &str| format!("{source}-{id}");

    // The initial harvest: everything, through 11 pages and one 503.
    let first = harvest(&store_b, &iris_b, HarvestOptions::new(a.oai()))
        .await
        .unwrap();
    assert!(!first.incremental);
    assert_eq!(first.from, None);
    assert_eq!((first.records, first.deletions), (103, 0));
    assert_eq!((first.added, first.changed, first.removed), (103, 0, 0));
    assert_eq!(first.retries, 1);
    assert_eq!(first.requests, 1 + 11 + 1, "Identify, 11 pages, 1 retry");
    assert_eq!(
        busy.load(Ordering::SeqCst),
        11,
        "10 pages by token, one of them twice"
    );
    assert!(first.warnings.is_empty(), "{:?}", first.warnings);

    // Every record arrived whole: titles, authors (persons apart from
    // organisations), years, places, categories, languages, types.
    let ids_a = record_ids(&store_a, &iris_a).unwrap();
    let ids_b = record_ids(&store_b, &iris_b).unwrap();
    assert_eq!(ids_b.len(), 103);
    for id in &ids_a {
        let ra = record(&store_a, &iris_a, id).unwrap().unwrap();
        let rb = record(&store_b, &iris_b, &here(id))
            .unwrap()
            .unwrap_or_else(|| panic!("{id} was not harvested"));
        assert_eq!(essentials(&rb), essentials(&ra), "{id}");
        assert_eq!(rb.provenance[0].source, source);
        assert_eq!(rb.provenance[0].file, a.oai());
    }

    // Provenance in SPARQL: each harvested record's graph comes from A's
    // endpoint, and each record from its OAI identifier there.
    let rows = select(
        &store_b,
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             PREFIX prov: <http://www.w3.org/ns/prov#>
             SELECT ?r ?endpoint ?upstream WHERE {{
               GRAPH ?g {{ ?r a dcterms:BibliographicResource }}
               GRAPH <{}graph/meta> {{ ?g dcterms:source ?endpoint . ?r prov:wasDerivedFrom ?upstream }}
             }}",
            iris_b.base()
        ),
    );
    assert_eq!(rows.len(), 103);
    assert!(rows.iter().all(|r| r[1] == a.oai()));
    assert!(
        rows.iter()
            .any(|r| r[0].ends_with(&here("2017-htmss-annual-report"))
                && r[2] == "oai:palermo.localhost:2017-htmss-annual-report")
    );

    // Harvested records are records like any other: they conform to the
    // shapes every imported record conforms to.
    let (conforms, out) = shacl(&store_b);
    assert!(conforms, "{out}");
    assert!(out.contains("records: 103"), "{out}");

    // And they export like any other: every citation format of a harvested
    // record carries the same title, year and authors as upstream's export.
    for id in &ids_a {
        let ra = record(&store_a, &iris_a, id).unwrap().unwrap();
        let rb = record(&store_b, &iris_b, &here(id)).unwrap().unwrap();
        // Curators' notes (RIS N1) are not part of oai_dc, so they stay
        // home, and so does a place of publication (RIS CY): oai_dc has no
        // element for it.
        {
            let format = palermo::export::Format::Ris;
            let opts = palermo::export::ExportOptions::default();
            let a_out = palermo::export::render(format, &ra, &iris_a, &opts).unwrap();
            let b_out = palermo::export::render(format, &rb, &iris_b, &opts).unwrap();
            // Only the landing-page URL and the id differ between the two instances.
            let strip = |s: &str, base: &str, id: &str| {
                s.replace(base, "BASE/")
                    .replace(id, "ID")
                    .split("\r\n")
                    .filter(|l| !l.starts_with("N1  - ") && !l.starts_with("CY  - "))
                    .collect::<Vec<_>>()
                    .join("\r\n")
            };
            assert_eq!(
                strip(&b_out, iris_b.base(), &here(id)),
                strip(&a_out, iris_a.base(), id),
                "{id} {format:?}"
            );
        }
    }

    // Upstream, one record changes and one is deleted.
    let report = import(
        &store_a,
        &iris_a,
        &upstream_edit(),
        OffsetDateTime::now_utc(),
    )
    .unwrap();
    let unodc = report.sources.iter().find(|s| s.id == "unodc").unwrap();
    assert_eq!((unodc.changed, unodc.removed), (1, 1));

    // The incremental harvest brings exactly that. (A second later, so that
    // its responseDate is past the change: `from` is inclusive, and a
    // harvest in the same second would bring the change again next time,
    // harmlessly but less clearly for this test.)
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = harvest(&store_b, &iris_b, HarvestOptions::new(a.oai()))
        .await
        .unwrap();
    assert!(second.incremental);
    assert_eq!(second.from.as_deref(), Some(first.response_date.as_str()));
    assert_eq!((second.records, second.deletions), (1, 1));
    assert_eq!((second.added, second.changed, second.removed), (0, 1, 1));
    assert_eq!(second.requests, 2, "Identify and one page");
    let changed = record(&store_b, &iris_b, &here("2018-htmss-annual-report"))
        .unwrap()
        .unwrap();
    assert_eq!(changed.year, Some(2019));
    assert_eq!(
        record(&store_b, &iris_b, &here("2017-htmss-annual-report")).unwrap(),
        None,
        "deleted upstream, deleted here"
    );
    assert_eq!(record_ids(&store_b, &iris_b).unwrap().len(), 102);

    // Nothing new: nothing fetched but the empty answer.
    let third = harvest(&store_b, &iris_b, HarvestOptions::new(a.oai()))
        .await
        .unwrap();
    assert_eq!((third.records, third.deletions), (0, 0));
    assert_eq!((third.added, third.changed, third.removed), (0, 0, 0));
    assert_eq!(third.requests, 2);

    // B exports what it harvested: its own provider lists 102 records and
    // the deletion, valid against the schemas, with A's titles and names.
    let list = pages(&b.oai(), "verb=ListRecords&metadataPrefix=oai_dc").await;
    let headers: Vec<Header> = list.iter().flat_map(|r| r.headers()).collect();
    assert_eq!(headers.len(), 103);
    let tombstone = format!("oai:palermo.localhost:{}", here("2017-htmss-annual-report"));
    assert!(
        headers
            .iter()
            .any(|h| h.deleted && h.identifier == tombstone)
    );
    assert_eq!(headers.iter().filter(|h| h.deleted).count(), 1);
    let mut saved = Saved::new();
    for r in &list {
        saved.add("b-records", r);
    }
    let some = ids_a
        .iter()
        .find(|id| {
            record(&store_a, &iris_a, id)
                .unwrap()
                .is_some_and(|r| r.authors.len() > 1 && !r.countries.is_empty())
        })
        .unwrap();
    let from_a = get(
        &a.oai(),
        &format!("verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:palermo.localhost:{some}"),
    )
    .await;
    let from_b = get(
        &b.oai(),
        &format!(
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai:palermo.localhost:{}",
            here(some)
        ),
    )
    .await;
    let dc = |r: &Response, n: &str| -> Vec<String> {
        r.verb("GetRecord")
            .child(OAI, "record")
            .unwrap()
            .child(OAI, "metadata")
            .unwrap()
            .child(OAI_DC, "dc")
            .unwrap()
            .children(DC, n)
            .map(|e| e.value())
            .collect()
    };
    for n in [
        "title",
        "creator",
        "date",
        "subject",
        "coverage",
        "language",
        "type",
        "publisher",
    ] {
        assert_eq!(dc(&from_b, n), dc(&from_a, n), "dc:{n}");
    }
    assert_eq!(
        dc(&from_b, "identifier"),
        [format!("{}records/{}", iris_b.base(), here(some))]
    );
    saved.add("b-getrecord", &from_b);
    let (ok, out) = validate(&saved.files);
    assert!(ok, "{out}");

    // A harvest by set takes that set's records, into a store of its own.
    let store_c = Store::memory().unwrap();
    let iris_c = Iris::new("http://127.0.0.1:9/");
    let by_set = harvest(
        &store_c,
        &iris_c,
        HarvestOptions {
            set: Some("category:law-enforcement".into()),
            ..HarvestOptions::new(a.oai())
        },
    )
    .await
    .unwrap();
    let law = record_ids(&store_a, &iris_a)
        .unwrap()
        .into_iter()
        .filter(|id| {
            record(&store_a, &iris_a, id)
                .unwrap()
                .unwrap()
                .categories
                .contains(&"law-enforcement".to_string())
        })
        .count();
    assert_eq!(by_set.records, law);
    assert_eq!(
        by_set.deletions, 1,
        "the set's list carries the tombstone too"
    );
    assert_eq!(record_ids(&store_c, &iris_c).unwrap().len(), law);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_harvest_writes_nothing() {
    // Not OAI-PMH at all.
    let (listener, iris) = bind().await;
    let upstream = serve(listener, iris, Store::memory().unwrap(), 10, |r| r).await;
    let store = Store::memory().unwrap();
    let iris_here = Iris::new("http://127.0.0.1:9/");
    let err = harvest(
        &store,
        &iris_here,
        HarvestOptions::new(format!("{}/healthz", upstream.addr)),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("nothing written"), "{err}");
    assert!(store.is_empty().unwrap());

    // Always busy: retried a bounded number of times, then given up.
    let (listener, iris) = bind().await;
    let busy = serve(listener, iris, Store::memory().unwrap(), 10, |router| {
        router.layer(axum::middleware::from_fn(
            |_req: Request, _next: Next| async {
                (
                    StatusCode::SERVICE_UNAVAILABLE,
                    [("retry-after", "0")],
                    "busy",
                )
                    .into_response()
            },
        ))
    })
    .await;
    let err = harvest(&store, &iris_here, HarvestOptions::new(busy.oai()))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("still unavailable after 5 retries"),
        "{err}"
    );
    assert!(store.is_empty().unwrap());

    // Nobody listening: tried twice more, then given up.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let down = harvest(
        &store,
        &iris_here,
        HarvestOptions::new(format!("http://127.0.0.1:{port}/oai")),
    )
    .await
    .unwrap_err();
    assert!(down.to_string().contains("nothing written"), "{down}");
    assert!(
        down.to_string().to_lowercase().contains("refused"),
        "{down}"
    );
    // This build has no TLS: an https endpoint says so.
    let tls = harvest(
        &store,
        &iris_here,
        HarvestOptions::new(format!("https://127.0.0.1:{port}/oai")),
    )
    .await
    .unwrap_err();
    assert!(tls.to_string().contains("http:// endpoints only"), "{tls}");

    // Arguments are checked before anything is fetched.
    for opts in [
        HarvestOptions::new("not a url"),
        HarvestOptions::new(format!("{}?verb=Identify", busy.oai())),
        HarvestOptions {
            prefix: "marc21".into(),
            ..HarvestOptions::new(busy.oai())
        },
        HarvestOptions {
            from: Some("last tuesday".into()),
            ..HarvestOptions::new(busy.oai())
        },
        HarvestOptions {
            set: Some("not a set".into()),
            ..HarvestOptions::new(busy.oai())
        },
    ] {
        assert!(
            harvest(&store, &iris_here, opts.clone()).await.is_err(),
            "{opts:?}"
        );
    }
    assert!(store.is_empty().unwrap());
}

/// A repository that fails or answers what is not OAI-PMH is upstream's
/// fault: the harvest stops with a 502-class error and writes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_repository_is_a_bad_gateway() {
    let failing = crate::common::broken_remote(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\nconnection: close\r\n\r\noops",
    );
    let garbage = crate::common::broken_remote(
        "HTTP/1.1 200 OK\r\ncontent-type: text/xml\r\ncontent-length: 11\r\nconnection: close\r\n\r\n<not-closed",
    );
    let store = Store::memory().unwrap();
    let iris = Iris::new("http://127.0.0.1:9/");
    for (remote, says) in [(&failing, "HTTP 500"), (&garbage, "/oai?")] {
        let err = harvest(&store, &iris, HarvestOptions::new(format!("{remote}/oai")))
            .await
            .unwrap_err();
        assert!(
            matches!(err, palermo::error::Error::Upstream { .. }),
            "{err:?}"
        );
        assert_eq!(err.status(), StatusCode::BAD_GATEWAY);
        let message = err.to_string();
        assert!(
            message.starts_with(&format!(
                "harvest of {remote}/oai stopped, nothing written: "
            )) && message.contains(says),
            "{message}"
        );
        assert!(std::error::Error::source(&err).is_some());
    }
    assert!(store.is_empty().unwrap());
}
