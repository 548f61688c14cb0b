//! Multiple-item capture, as Zotero's unAPI translator does it: a page that
//! names an unAPI server (`<link rel="unapi-server">`) and gives each listed
//! record an unAPI id (`<abbr class="unapi-id" title="…">`) is offered as a
//! list of items to select, each fetched from the server in the format it
//! offers. Every kind of listing page is fetched from a real server on
//! 127.0.0.1: a search result, and the pages of a category, a country, a
//! region and an author. Each record a page lists must carry its id; the
//! records a concept page lists are the ones the catalogue says have it;
//! the server lists its formats and answers every id in RIS.

use crate::common;

use palermo::http::Config;
use palermo::rdf::read;
use palermo::record::Record;
use reqwest::{Client, StatusCode};
use std::collections::{BTreeMap, BTreeSet};

const UNAPI_SERVER: &str =
    "<link rel=\"unapi-server\" type=\"application/xml\" title=\"unAPI\" href=\"/unapi\">";

async fn text(url: &str) -> (StatusCode, String) {
    let r = Client::new().get(url).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// The items of a listing: each element from `open` to its `</li>`, within
/// `from`..`to` of the page (the list itself, not navigation or facets).
fn items<'a>(html: &'a str, from: &str, to: &str, open: &str) -> Vec<&'a str> {
    let start = html.find(from).unwrap_or_else(|| panic!("no {from:?}"));
    let list = &html[start..];
    let list = &list[..list.find(to).unwrap_or(list.len())];
    list.match_indices(open)
        .map(|(i, _)| {
            let item = &list[i..];
            &item[..item.find("</li>").expect("closed item")]
        })
        .collect()
}

/// The record an item links to, and whether the item carries its unAPI id.
fn listed(item: &str) -> (String, bool) {
    let at = item.find("href=\"/records/").expect("a record link") + 15;
    let id = &item[at..at + item[at..].find('"').unwrap()];
    let abbr = format!("<abbr class=\"unapi-id\" title=\"{id}\"></abbr>");
    (id.to_string(), item.contains(&abbr))
}

/// The records `items` link to; fails the test, naming `url`, when an item
/// does not carry its record's unAPI id.
fn listed_ids(url: &str, items: Vec<&str>) -> BTreeSet<String> {
    let listed: Vec<(String, bool)> = items.into_iter().map(listed).collect();
    let without: Vec<&String> = listed
        .iter()
        .filter(|(_, ok)| !ok)
        .map(|(id, _)| id)
        .collect();
    assert!(without.is_empty(), "{url}: no unAPI id for {without:?}");
    listed.into_iter().map(|(id, _)| id).collect()
}

/// The key most records have for one facet, with those records' ids: a
/// page with many items, chosen from the data.
fn busiest(
    records: &[Record],
    keys: impl Fn(&Record) -> Vec<String>,
) -> (String, BTreeSet<String>) {
    let mut by_key: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for r in records {
        for k in keys(r) {
            by_key.entry(k).or_default().insert(r.id.clone());
        }
    }
    by_key
        .into_iter()
        .max_by_key(|(_, ids)| ids.len())
        .expect("some record has the facet")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_listing_page_offers_its_records_for_selection() {
    let (store, _) = common::catalogue();
    let iris = common::iris();
    let records: Vec<Record> = read::record_ids(&store, &iris)
        .unwrap()
        .iter()
        .map(|id| read::record(&store, &iris, id).unwrap().unwrap())
        .collect();
    let (server, _stop) = common::serve(
        store,
        Config {
            iris: iris.clone(),
            ..Config::default()
        },
    )
    .await;

    let mut pages: Vec<(String, BTreeSet<String>)> = Vec::new();
    let concept_pages = [
        ("category", busiest(&records, |r| r.categories.clone())),
        ("country", busiest(&records, |r| r.countries.clone())),
        ("region", busiest(&records, |r| r.regions.clone())),
        (
            "agent",
            busiest(&records, |r| r.authors.iter().map(|a| a.key()).collect()),
        ),
    ];
    for (kind, (key, expected)) in concept_pages {
        let url = format!("{server}/id/{kind}/{key}");
        let (status, html) = text(&url).await;
        assert_eq!(status, StatusCode::OK, "{url}");
        assert!(html.contains(UNAPI_SERVER), "{url}: no unAPI server link");
        let ids = listed_ids(
            &url,
            items(&html, "<ol class=\"records\">", "</ol>", "<li>"),
        );
        // An author's page may list what the agent published too.
        if kind == "agent" {
            assert!(
                ids.is_superset(&expected),
                "{url}: {ids:?} lacks some of {expected:?}"
            );
        } else {
            assert_eq!(ids, expected, "{url}");
        }
        assert!(!ids.is_empty(), "{url}: lists nothing");
        pages.push((url, ids));
    }

    // A search result: every hit of the query, each with its id.
    let q = "trafficking";
    let (_, json) = text(&format!("{server}/records?q={q}&per_page=100&format=json")).await;
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON results");
    let hits: BTreeSet<String> = v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        hits.len() as u64,
        v["total"].as_u64().unwrap(),
        "one page holds them all"
    );
    let url = format!("{server}/records?q={q}&per_page=100");
    let (status, html) = text(&url).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains(UNAPI_SERVER), "{url}: no unAPI server link");
    let ids = listed_ids(
        &url,
        items(
            &html,
            "<li class=\"result\"",
            "</ol>",
            "<li class=\"result\"",
        ),
    );
    assert_eq!(ids, hits, "{url}");
    pages.push((url, ids));

    // The unAPI server: its formats, and every listed id in RIS.
    let (status, formats) = text(&format!("{server}/unapi")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        formats.contains("<format name=\"ris\" type=\"application/x-research-info-systems\""),
        "{formats}"
    );
    let all: BTreeSet<&String> = pages.iter().flat_map(|(_, ids)| ids).collect();
    for id in all {
        let (status, ris) = text(&format!("{server}/unapi?id={id}&format=ris")).await;
        assert_eq!(status, StatusCode::OK, "{id}");
        assert!(ris.starts_with("TY  - "), "{id}: {ris}");
        assert!(ris.contains(&format!("\r\nID  - {id}\r\n")), "{id}: {ris}");
    }
}
