//! Search on the seed catalogue: relevance, folding and stemming, facets
//! checked against SPARQL, sorting and pages, the index following writes,
//! and the SPARQL full-text functions.

use crate::common;

use palermo::search::{FacetKind, SearchIndex, SearchRequest, SearchResults, Sort};
use palermo::store::Store;
use std::collections::BTreeMap;
use std::time::Duration;

fn index() -> (Store, SearchIndex) {
    let (store, _) = common::catalogue();
    let index = SearchIndex::build(&store, &common::iris()).unwrap();
    (store, index)
}

fn search(index: &SearchIndex, q: &str) -> SearchResults {
    index
        .search(&SearchRequest {
            q: q.to_string(),
            limit: 10,
            ..SearchRequest::default()
        })
        .unwrap()
}

fn ids(r: &SearchResults) -> Vec<&str> {
    r.hits.iter().map(|h| h.id.as_str()).collect()
}

#[test]
fn the_index_holds_every_record() {
    let (_, index) = index();
    assert_eq!(index.len(), 103);
    let bytes = index.size_bytes();
    assert!(bytes > 10_000, "{bytes}");
    eprintln!("seed catalogue index: {bytes} bytes");
    let all = index
        .search(&SearchRequest {
            limit: 200,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(all.total, 103);
    assert_eq!(all.hits.len(), 103);
}

#[test]
fn a_topic_query_returns_the_records_about_it_first() {
    let (_, index) = index();
    // The two publications whose titles are about trafficking for labour
    // exploitation come before those that mention it in passing.
    let r = search(&index, "labour exploitation");
    let top: Vec<&str> = ids(&r)[..2].to_vec();
    assert!(
        top.contains(&"capacity-building-for-combating-trafficking-for-labour"),
        "{top:?}"
    );
    assert!(
        top.contains(&"the-role-of-labour-inspections-in-addressing-trafficking"),
        "{top:?}"
    );
    for h in &r.hits[..2] {
        assert!(
            h.title.text.to_lowercase().contains("labour exploitation"),
            "{}",
            h.title.text
        );
    }
    // Scores go down.
    let scores: Vec<f32> = r.hits.iter().map(|h| h.score.unwrap()).collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]), "{scores:?}");
    // Every word must match: more words, fewer records.
    assert!(r.total < search(&index, "labour").total);

    let r = search(&index, "Western Balkans");
    assert_eq!(
        ids(&r)[0],
        "needs-assessment-human-trafficking-in-the-western-balkans"
    );
    assert!(r.total >= 3, "abstracts that mention the region match too");

    let r = search(&index, "smuggling of migrants");
    assert!(
        r.hits[..3]
            .iter()
            .all(|h| h.title.text.to_lowercase().contains("smuggling")),
        "{:?}",
        r.hits.iter().map(|h| &h.title.text).collect::<Vec<_>>()
    );
    // An organisation by its acronym.
    let r = search(&index, "UNODC");
    assert!(r.hits[0].title.text.contains("UNODC"));
}

#[test]
fn case_accents_and_word_endings_do_not_matter() {
    let (_, index) = index();
    // Markéta von Hagen, an author of the Lebanon training curriculum.
    let expected = search(&index, "Markéta");
    assert_eq!(expected.total, 1);
    assert_eq!(
        ids(&expected),
        ["training-of-trainers-curriculum-on-standard-operating"]
    );
    for q in ["MARKETA", "marketa", "MARKÉTA", "markéta von hagen"] {
        assert_eq!(ids(&search(&index, q)), ids(&expected), "{q}");
    }
    // English stemming: "exploited" finds "exploitation" and back.
    let stemmed = search(&index, "exploited");
    assert!(
        stemmed
            .hits
            .iter()
            .any(|h| h.id == "capacity-building-for-combating-trafficking-for-labour")
    );
    assert_eq!(
        search(&index, "exploited").total,
        search(&index, "exploitation").total
    );
    // Plural and singular meet too.
    assert_eq!(
        search(&index, "migrants").total,
        search(&index, "migrant").total
    );
}

#[test]
fn snippets_highlight_the_matches() {
    let (_, index) = index();
    let r = search(&index, "labour exploitation");
    let hit = &r.hits[0];
    let marked: Vec<String> = hit
        .snippet
        .parts()
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(t, _)| t.to_lowercase())
        .collect();
    assert!(marked.contains(&"labour".to_string()), "{marked:?}");
    assert!(marked.contains(&"exploitation".to_string()), "{marked:?}");
    let title_marks: Vec<&str> = hit
        .title
        .parts()
        .into_iter()
        .filter(|(_, m)| *m)
        .map(|(t, _)| t)
        .collect();
    assert!(title_marks.contains(&"Labour"), "{title_marks:?}");
    // The parts put back together are the text.
    let joined: String = hit.snippet.parts().into_iter().map(|(t, _)| t).collect();
    assert_eq!(joined, hit.snippet.text);
    // Without a query, the opening of the abstract.
    let r = index
        .search(&SearchRequest {
            limit: 1,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(r.hits[0].snippet.ranges.is_empty());
}

#[test]
fn malformed_queries_are_read_leniently() {
    let (_, index) = index();
    for q in ["\"", "title:(", "AND", "((((", "-", "*", "\u{0}", "labour:"] {
        index
            .search(&SearchRequest {
                q: q.to_string(),
                limit: 5,
                ..SearchRequest::default()
            })
            .unwrap_or_else(|e| panic!("{q:?}: {e}"));
    }
    let long = "trafficking ".repeat(100);
    assert!(
        index
            .search(&SearchRequest {
                q: long,
                ..SearchRequest::default()
            })
            .is_err()
    );
}

/// `?k -> count` from a SPARQL query selecting `?k` and `?n`.
fn sparql_counts(store: &Store, query: &str) -> BTreeMap<String, u64> {
    store
        .query(query, Duration::from_secs(10), |results| {
            let mut out = BTreeMap::new();
            if let palermo::store::Answer::Solutions(solutions) = results {
                for s in solutions {
                    let s = s.unwrap();
                    let k = match s.get("k") {
                        Some(oxigraph::model::Term::Literal(l)) => l.value().to_string(),
                        other => panic!("{other:?}"),
                    };
                    let n = match s.get("n") {
                        Some(oxigraph::model::Term::Literal(l)) => l.value().parse().unwrap(),
                        other => panic!("{other:?}"),
                    };
                    out.insert(k, n);
                }
            }
            Ok(out)
        })
        .unwrap()
}

/// The same counts by SPARQL: `restrict` is a graph pattern on `?r`.
fn expected_facets(store: &Store, restrict: &str) -> BTreeMap<&'static str, BTreeMap<String, u64>> {
    let base = common::BASE;
    let by = |predicate: &str, segment: &str| {
        format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE {{
               ?r a dcterms:BibliographicResource ; dcterms:{predicate} ?v .
               {restrict}
               FILTER(STRSTARTS(STR(?v), \"{base}id/{segment}/\"))
               BIND(STRAFTER(STR(?v), \"{base}id/{segment}/\") AS ?k)
             }} GROUP BY ?k"
        )
    };
    let mut out = BTreeMap::new();
    out.insert("category", sparql_counts(store, &by("subject", "category")));
    out.insert("country", sparql_counts(store, &by("spatial", "country")));
    out.insert("region", sparql_counts(store, &by("spatial", "region")));
    out.insert(
        "language",
        sparql_counts(store, &by("language", "language")),
    );
    out.insert("author", sparql_counts(store, &by("creator", "agent")));
    out.insert(
        "year",
        sparql_counts(
            store,
            &format!(
                "PREFIX dcterms: <http://purl.org/dc/terms/>
                 SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE {{
                   ?r a dcterms:BibliographicResource ; dcterms:issued ?y .
                   {restrict}
                   BIND(SUBSTR(STR(?y), 1, 4) AS ?k)
                 }} GROUP BY ?k"
            ),
        ),
    );
    out.insert(
        "total",
        sparql_counts(
            store,
            &format!(
                "PREFIX dcterms: <http://purl.org/dc/terms/>
                 SELECT (\"all\" AS ?k) (COUNT(DISTINCT ?r) AS ?n) WHERE {{
                   ?r a dcterms:BibliographicResource . {restrict}
                 }}"
            ),
        ),
    );
    out
}

fn actual_facets(r: &SearchResults) -> BTreeMap<&'static str, BTreeMap<String, u64>> {
    let mut out: BTreeMap<&'static str, BTreeMap<String, u64>> = r
        .facets
        .iter()
        .map(|f| {
            assert_eq!(f.more, 0, "the seed catalogue fits in the facet lists");
            (
                f.facet.name(),
                f.values
                    .iter()
                    .map(|v| (v.value.clone(), v.count))
                    .collect(),
            )
        })
        .collect();
    out.insert(
        "total",
        BTreeMap::from([("all".to_string(), r.total as u64)]),
    );
    out
}

#[test]
fn facet_counts_agree_with_sparql() {
    let (store, index) = index();
    let base = common::BASE;
    let cases: Vec<(SearchRequest, String)> = vec![
        (SearchRequest::default(), String::new()),
        (
            SearchRequest {
                filters: vec![(FacetKind::Region, "worldwide".into())],
                ..SearchRequest::default()
            },
            format!("?r dcterms:spatial <{base}id/region/worldwide> ."),
        ),
        (
            // Labels work as well as keys, and two filters must both hold.
            SearchRequest {
                filters: vec![
                    (FacetKind::Category, "Trafficking".into()),
                    (FacetKind::Region, "Worldwide".into()),
                ],
                ..SearchRequest::default()
            },
            format!(
                "?r dcterms:subject <{base}id/category/trafficking> ; dcterms:spatial <{base}id/region/worldwide> ."
            ),
        ),
        (
            SearchRequest {
                filters: vec![(FacetKind::Language, "fr".into())],
                ..SearchRequest::default()
            },
            format!("?r dcterms:language <{base}id/language/fr> ."),
        ),
        (
            SearchRequest {
                year_from: Some(2015),
                year_to: Some(2018),
                ..SearchRequest::default()
            },
            "?r dcterms:issued ?issued . FILTER(xsd:integer(SUBSTR(STR(?issued), 1, 4)) >= 2015 && xsd:integer(SUBSTR(STR(?issued), 1, 4)) <= 2018)"
                .replace("xsd:integer", "<http://www.w3.org/2001/XMLSchema#integer>"),
        ),
        (
            SearchRequest {
                filters: vec![(FacetKind::Author, "Claire Healy".into())],
                ..SearchRequest::default()
            },
            format!("?r dcterms:creator <{base}id/agent/claire-healy> ."),
        ),
    ];
    for (req, restrict) in cases {
        let r = index.search(&req).unwrap();
        let expected = expected_facets(&store, &restrict);
        assert!(expected["total"]["all"] > 0, "{req:?} selects nothing");
        assert_eq!(actual_facets(&r), expected, "{req:?}");
    }
}

#[test]
fn facet_counts_are_those_of_the_current_result() {
    let (_, index) = index();
    let r = index
        .search(&SearchRequest {
            q: "trafficking".into(),
            ..SearchRequest::default()
        })
        .unwrap();
    let regions = r
        .facets
        .iter()
        .find(|f| f.facet == FacetKind::Region)
        .unwrap();
    // Clicking a value gives exactly its count.
    for v in &regions.values {
        let narrowed = index
            .search(&SearchRequest {
                q: "trafficking".into(),
                filters: vec![(FacetKind::Region, v.value.clone())],
                ..SearchRequest::default()
            })
            .unwrap();
        assert_eq!(narrowed.total as u64, v.count, "{}", v.value);
        let again = narrowed
            .facets
            .iter()
            .find(|f| f.facet == FacetKind::Region)
            .unwrap();
        assert!(
            again
                .values
                .iter()
                .any(|x| x.value == v.value && x.selected)
        );
    }
    // Labels are people's names for the keys.
    let years = r
        .facets
        .iter()
        .find(|f| f.facet == FacetKind::Year)
        .unwrap();
    assert!(
        years.values.windows(2).all(|w| w[0].value > w[1].value),
        "years newest first"
    );
    let countries = index.search(&SearchRequest::default()).unwrap();
    let countries = countries
        .facets
        .iter()
        .find(|f| f.facet == FacetKind::Country)
        .unwrap();
    let ba = countries.values.iter().find(|v| v.value == "BA").unwrap();
    assert_eq!(ba.label, "Bosnia and Herzegovina");
}

#[test]
fn sorting_and_pages() {
    let (_, index) = index();
    let page = |sort: Sort, offset: usize, limit: usize| {
        index
            .search(&SearchRequest {
                sort: Some(sort),
                offset,
                limit,
                ..SearchRequest::default()
            })
            .unwrap()
    };
    // Pages of 10 cover the catalogue once, in order.
    for sort in Sort::ALL {
        let mut seen = Vec::new();
        for p in 0..11 {
            seen.extend(
                page(sort, p * 10, 10)
                    .hits
                    .into_iter()
                    .map(|h| (h.id, h.year, h.title.text)),
            );
        }
        assert_eq!(seen.len(), 103, "{sort:?}");
        let mut unique: Vec<&String> = seen.iter().map(|(id, _, _)| id).collect();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 103, "{sort:?}: pages overlap");
        let years: Vec<Option<i32>> = seen.iter().map(|(_, y, _)| *y).collect();
        let dated: Vec<i32> = years.iter().flatten().copied().collect();
        match sort {
            Sort::Year | Sort::YearAsc => {
                let newest_first = matches!(sort, Sort::Year);
                assert!(
                    dated.windows(2).all(|w| if newest_first {
                        w[0] >= w[1]
                    } else {
                        w[0] <= w[1]
                    }),
                    "{dated:?}"
                );
                assert!(
                    years
                        .iter()
                        .skip_while(|y| y.is_some())
                        .all(|y| y.is_none()),
                    "undated last"
                );
            }
            Sort::Title => {
                let keys: Vec<String> = seen
                    .iter()
                    .map(|(_, _, t)| {
                        deunicode::deunicode(t)
                            .to_lowercase()
                            .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
                            .to_string()
                    })
                    .collect();
                assert!(keys.windows(2).all(|w| w[0] <= w[1]), "{keys:?}");
            }
            Sort::Relevance => {}
        }
    }
    // Past the end: the total and facets, no hits.
    let past = page(Sort::Year, 500, 10);
    assert_eq!((past.total, past.hits.len()), (103, 0));
    assert!(!past.facets[0].values.is_empty());
    // A huge offset allocates nothing silly.
    let far = page(Sort::Title, usize::MAX / 2, 100);
    assert_eq!(far.hits.len(), 0);
}

#[test]
fn year_range_and_unknown_values() {
    let (_, index) = index();
    let r = index
        .search(&SearchRequest {
            year_from: Some(2017),
            year_to: Some(2017),
            limit: 50,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(r.total, 9);
    assert!(r.hits.iter().all(|h| h.year == Some(2017)));
    let years = r
        .facets
        .iter()
        .find(|f| f.facet == FacetKind::Year)
        .unwrap();
    assert_eq!(years.values.len(), 1);
    assert!(years.values[0].selected && years.values[0].value == "2017");
    // Open ranges.
    let since = index
        .search(&SearchRequest {
            year_from: Some(2019),
            limit: 50,
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(since.total, 9);
    assert!(since.hits.iter().all(|h| h.year >= Some(2019)));
    let until = index
        .search(&SearchRequest {
            year_to: Some(2008),
            limit: 50,
            ..SearchRequest::default()
        })
        .unwrap();
    assert!(until.total > 0 && until.hits.iter().all(|h| h.year.is_some_and(|y| y <= 2008)));
    // A filter value that names nothing matches nothing (no error).
    let r = index
        .search(&SearchRequest {
            filters: vec![(FacetKind::Country, "Atlantis".into())],
            ..SearchRequest::default()
        })
        .unwrap();
    assert_eq!(r.total, 0);
    assert!(
        index
            .search(&SearchRequest {
                year_from: Some(2020),
                year_to: Some(2010),
                ..SearchRequest::default()
            })
            .is_err()
    );
}

#[test]
fn reindex_follows_the_store() {
    let (store, index) = index();
    let iris = common::iris();
    let update = |text: &str| {
        palermo::update::sparql_update(&store, &iris, text, common::T2, common::UPDATE_TIMEOUT)
            .unwrap()
    };
    let report = update(&format!(
        "PREFIX dcterms: <http://purl.org/dc/terms/>
         INSERT DATA {{ GRAPH <{b}graph/test> {{
           <{b}records/quokka> a dcterms:BibliographicResource ;
             dcterms:title \"Quokka smuggling on the island routes\" ;
             dcterms:spatial <{b}id/country/AU> .
         }} }}",
        b = common::BASE
    ));
    assert_eq!(report.records, ["quokka"]);
    assert_eq!(search(&index, "quokka").total, 0, "not yet re-indexed");
    index.reindex(&store, &report.records).unwrap();
    let r = search(&index, "quokka");
    assert_eq!(ids(&r), ["quokka"]);
    assert_eq!(r.hits[0].countries, ["AU"]);
    let report = update(&format!(
        "DELETE WHERE {{ GRAPH <{b}graph/test> {{ <{b}records/quokka> ?p ?o }} }}",
        b = common::BASE
    ));
    index.reindex(&store, &report.records).unwrap();
    assert_eq!(search(&index, "quokka").total, 0);
    assert_eq!(index.len(), 103);
    // A full rebuild gives the same answers.
    let before: Vec<String> = ids(&search(&index, "labour exploitation"))
        .iter()
        .map(|s| s.to_string())
        .collect();
    assert_eq!(index.rebuild(&store).unwrap(), 103);
    assert_eq!(ids(&search(&index, "labour exploitation")), before);
}

/// A large store's index is built after the service starts listening: until
/// then searches are a 503 that says why, writes meanwhile do not wait for
/// the build, and afterwards the index has them.
#[tokio::test]
async fn an_index_being_built_answers_busy_and_catches_up() {
    let (store, _) = common::catalogue();
    let index = SearchIndex::building(&common::iris()).unwrap();
    let err = index.search(&SearchRequest::default()).unwrap_err();
    assert_eq!(err.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
    assert!(err.to_string().contains("being built"), "{err}");
    assert!(index.ids(&SearchRequest::default()).is_err());
    assert!(index.scores("trafficking").is_err());

    let id = "understanding-human-trafficking-in-conflict";
    let report = palermo::update::sparql_update(
        &store,
        &common::iris(),
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/> DELETE {{ GRAPH ?g {{ ?r dcterms:title ?t }} }} INSERT {{ GRAPH ?g {{ ?r dcterms:title \"the zebrafinch atlas\" }} }} WHERE {{ GRAPH ?g {{ ?r dcterms:title ?t }} FILTER(?r = <http://localhost:8080/records/{id}>) }}"
        ),
        common::T2, common::UPDATE_TIMEOUT,
    )
    .unwrap();
    // Queued, not waited for: the build holds the index's writer.
    tokio::time::timeout(
        Duration::from_secs(1),
        index.follow(&store, &report.records),
    )
    .await
    .expect("following a write does not wait for the build");

    assert_eq!(index.finish_build(&store).unwrap(), 103);
    assert_eq!(ids(&search(&index, "zebrafinch")), vec![id]);
    assert_eq!(index.len(), 103);
}
