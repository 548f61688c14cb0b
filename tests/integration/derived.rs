//! Derived data that survives restarts: the change feed every write commits
//! to (generation, change log, running record count), and the search index
//! on disk that opens at the store's generation, catches up by the change,
//! and is rebuilt, never read, when it is damaged.

use crate::common;
use palermo::rdf::meta;
use palermo::search::{Origin, SearchIndex, SearchRequest};
use palermo::store::Store;
use std::path::Path;

const ZEBRA: &str = "understanding-human-trafficking-in-conflict";

fn retitle(store: &Store, id: &str, title: &str) -> palermo::rdf::meta::Touched {
    palermo::update::sparql_update(
        store,
        &common::iris(),
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/> DELETE {{ GRAPH ?g {{ ?r dcterms:title ?t }} }} INSERT {{ GRAPH ?g {{ ?r dcterms:title \"{title}\" }} }} WHERE {{ GRAPH ?g {{ ?r dcterms:title ?t }} FILTER(?r = <http://localhost:8080/records/{id}>) }}"
        ),
        common::T2, common::UPDATE_TIMEOUT,
    )
    .unwrap()
}

fn hits(index: &SearchIndex, q: &str) -> Vec<String> {
    index
        .search(&SearchRequest {
            q: q.to_string(),
            limit: 20,
            ..SearchRequest::default()
        })
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.id)
        .collect()
}

fn live_records(store: &Store) -> u64 {
    palermo::rdf::read::record_ids(store, &common::iris())
        .unwrap()
        .len() as u64
}

#[test]
fn every_write_numbers_itself_and_names_what_it_touched() {
    let (store, _) = common::catalogue();
    let iris = common::iris();
    let g0 = meta::generation(&store, &iris).unwrap();
    assert_eq!(g0, 1, "the first import is the first change");
    assert_eq!(meta::record_count(&store, &iris).unwrap(), Some(103));

    // Re-importing the same sources changes nothing, the generation included.
    let before = common::snapshot(&store);
    palermo::import::import(&store, &iris, &palermo::catalogue::shipped(), common::T2).unwrap();
    assert_eq!(common::snapshot(&store), before);
    assert_eq!(meta::generation(&store, &iris).unwrap(), g0);

    retitle(&store, ZEBRA, "the zebrafinch atlas");
    let changes = meta::changes_since(&store, &iris, g0).unwrap();
    assert_eq!((changes.from, changes.to), (1, 2));
    assert!(!changes.set.everything);
    assert_eq!(
        changes.set.records.iter().collect::<Vec<_>>(),
        vec![ZEBRA],
        "a record's own triples: that record"
    );

    // A write to an agent (not a record's own triples) changes what many
    // records derive: everything.
    palermo::update::sparql_update(
        &store,
        &iris,
        "INSERT DATA { GRAPH <http://localhost:8080/graph/vocab> { <http://localhost:8080/id/agent/unodc> <http://xmlns.com/foaf/0.1/nick> \"U\" } }",
        common::T2, common::UPDATE_TIMEOUT,
    )
    .unwrap();
    let since = meta::changes_since(&store, &iris, g0).unwrap();
    assert_eq!(since.to, 3);
    assert!(since.set.everything && since.set.records.is_empty());
    // From the last one only.
    let last = meta::changes_since(&store, &iris, 3).unwrap();
    assert!(last.is_empty());

    // A follower whose generation the log does not hold (another store)
    // derives everything again: late, never wrong.
    let ahead = meta::changes_since(&store, &iris, 99).unwrap();
    assert!(ahead.set.everything);
}

#[test]
fn the_record_count_is_kept_by_every_write() {
    let (store, _) = common::catalogue();
    let iris = common::iris();
    let count = || meta::record_count(&store, &iris).unwrap();
    assert_eq!(count(), Some(live_records(&store)));

    // A new record through SPARQL Update, then its deletion.
    palermo::update::sparql_update(
        &store,
        &iris,
        "PREFIX dcterms: <http://purl.org/dc/terms/> INSERT DATA { GRAPH <http://localhost:8080/graph/extra> { <http://localhost:8080/records/zz-new> a dcterms:BibliographicResource ; dcterms:title \"Zz\" } }",
        common::T2, common::UPDATE_TIMEOUT,
    )
    .unwrap();
    assert_eq!(count(), Some(104));
    assert_eq!(live_records(&store), 104);
    palermo::update::sparql_update(
        &store,
        &iris,
        "DROP GRAPH <http://localhost:8080/graph/extra>",
        common::T2,
        common::UPDATE_TIMEOUT,
    )
    .unwrap();
    assert_eq!(count(), Some(103));

    // A source that loses records through a re-import.
    let fewer = common::shipped_with("unodc.toml", |text| {
        let cut = text.rfind("\n[[publication]]").unwrap();
        text[..cut].to_string()
    });
    palermo::import::import(&store, &iris, &fewer, common::T2).unwrap();
    assert_eq!(count(), Some(live_records(&store)));
    assert_eq!(count(), Some(102));
}

/// Build an index in `dir` from `store`, as a first start does.
fn first_start(dir: &Path, store: &Store) -> SearchIndex {
    let index = SearchIndex::open(dir, store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Built));
    assert_eq!(index.len(), 103);
    index
}

#[test]
fn the_index_on_disk_opens_at_the_stores_generation_and_catches_up_by_the_change() {
    let (store, _) = common::catalogue();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    drop(first_start(&path, &store));

    // A restart with nothing changed: opened, nothing to apply.
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Opened { caught_up: 0 }));
    assert_eq!(index.len(), 103);
    assert_eq!(index.generation(), 1);
    assert!(hits(&index, "zebrafinch").is_empty());
    // Facet labels of authors come back from the index itself.
    let fresh = SearchIndex::build(&store, &common::iris()).unwrap();
    let req = SearchRequest {
        limit: 0,
        ..SearchRequest::default()
    };
    let labels = |i: &SearchIndex| {
        let r = i.search(&req).unwrap();
        r.facets
            .iter()
            .find(|f| f.facet == palermo::search::FacetKind::Author)
            .map(|f| {
                f.values
                    .iter()
                    .map(|v| (v.value.clone(), i.label(f.facet, &v.value)))
                    .collect::<Vec<_>>()
            })
            .unwrap()
    };
    assert_eq!(labels(&index), labels(&fresh));
    drop(index);

    // Changed while stopped: two records, applied at the next start.
    retitle(&store, ZEBRA, "the zebrafinch atlas");
    retitle(&store, "vita", "the okapi compendium");
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Opened { caught_up: 2 }));
    assert_eq!(index.generation(), 3);
    assert_eq!(hits(&index, "zebrafinch"), vec![ZEBRA]);
    assert_eq!(hits(&index, "okapi"), vec!["vita"]);
    assert_eq!(index.len(), 103);

    // While running: a write is followed by the change, not a rebuild.
    retitle(&store, ZEBRA, "the narwhal atlas");
    assert_eq!(index.catch_up(&store).unwrap(), 4);
    assert_eq!(hits(&index, "narwhal"), vec![ZEBRA]);
    assert!(hits(&index, "zebrafinch").is_empty());
}

#[test]
fn an_index_behind_a_change_of_everything_serves_while_it_is_rebuilt() {
    let (store, _) = common::catalogue();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    drop(first_start(&path, &store));
    retitle(&store, ZEBRA, "the zebrafinch atlas");
    palermo::update::sparql_update(
        &store,
        &common::iris(),
        "INSERT DATA { <http://example.org/s> <http://example.org/p> 1 }",
        common::T2,
        common::UPDATE_TIMEOUT,
    )
    .unwrap();
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::OpenedRebuilding));
    // The old index answers at once (it may or may not have the title yet).
    assert_eq!(index.len(), 103);
    let started = std::time::Instant::now();
    while index.generation() < 3 {
        assert!(started.elapsed().as_secs() < 30, "the rebuild never ended");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(hits(&index, "zebrafinch"), vec![ZEBRA]);
}

/// The largest file of the index: a segment's postings or store.
fn largest_file(dir: &Path) -> std::path::PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .max_by_key(|p| std::fs::metadata(p).unwrap().len())
        .unwrap()
}

#[test]
fn a_damaged_index_is_rebuilt_never_read() {
    let (store, _) = common::catalogue();
    let fresh = SearchIndex::build(&store, &common::iris()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");

    // Bytes flipped inside a segment file.
    drop(first_start(&path, &store));
    let victim = largest_file(&path);
    let mut bytes = std::fs::read(&victim).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b = !*b;
    }
    std::fs::write(&victim, &bytes).unwrap();
    let check = SearchIndex::check(&path, &store, &common::iris()).unwrap();
    assert!(
        matches!(check.state, palermo::search::IndexState::Damaged(_)),
        "{check}"
    );
    assert!(!check.usable());
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Built));
    for q in ["labour exploitation", "smuggling", "child"] {
        assert_eq!(hits(&index, q), hits(&fresh, q), "{q}");
    }
    drop(index);

    // A commit cut short: meta.json half-written.
    let meta = path.join("meta.json");
    let text = std::fs::read(&meta).unwrap();
    std::fs::write(&meta, &text[..text.len() / 2]).unwrap();
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Built));
    assert_eq!(hits(&index, "smuggling"), hits(&fresh, "smuggling"));
    drop(index);

    // A segment file gone.
    std::fs::remove_file(largest_file(&path)).unwrap();
    let index = SearchIndex::open(&path, &store, &common::iris()).unwrap();
    assert_eq!(index.origin(), Some(Origin::Built));
    assert_eq!(hits(&index, "smuggling"), hits(&fresh, "smuggling"));
}

#[test]
fn an_index_of_another_base_is_not_read() {
    let (store, _) = common::catalogue();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("search");
    drop(first_start(&path, &store));
    let other = palermo::rdf::Iris::new("http://example.org/");
    let check = SearchIndex::check(&path, &store, &other).unwrap();
    assert_eq!(check.state, palermo::search::IndexState::Other);
}

/// The whole path through the service: a server on RocksDB with its index
/// on disk, stopped, the store changed by the CLI, started again.
#[test]
fn a_restarted_server_searches_at_once_with_the_changes_made_while_it_was_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let palermo = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_palermo"))
            .arg("--data-dir")
            .arg(&data)
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "palermo {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    palermo(&["import", concat!(env!("CARGO_MANIFEST_DIR"), "/data")]);
    let rebuilt = palermo(&["index", "--rebuild"]);
    assert!(rebuilt.contains("103 records"), "{rebuilt}");
    let check = palermo(&["index", "--check"]);
    assert!(check.contains("status: current"), "{check}");

    // A change while no server runs.
    let store = Store::open(&data).unwrap();
    retitle(&store, ZEBRA, "the zebrafinch atlas");
    drop(store);
    let check = palermo(&["index", "--check"]);
    assert!(check.contains("1 changes behind"), "{check}");

    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let store = Store::open(&data).unwrap();
        let config = palermo::http::Config {
            iris: common::iris(),
            derived_dir: Some(data.join(palermo::http::DERIVED)),
            ..palermo::http::Config::default()
        };
        let (base, _stop) = common::serve(store, config).await;
        let body = common::get_text(
            &format!("{base}/records?q=zebrafinch"),
            Some("application/json"),
        )
        .await;
        assert!(body.contains(ZEBRA), "{body}");
    });
}

#[test]
fn index_check_fails_on_a_missing_index() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_palermo"))
        .arg("--data-dir")
        .arg(&data)
        .args(["index", "--check"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("index: missing"), "{stdout}");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("palermo index --rebuild"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
