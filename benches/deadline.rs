//! What the query deadline costs: `Store::query` (deadline, guard, depth
//! check) against the same query on the bare engine
//! (`Store::query_unguarded`), on the shipped catalogue in memory.
//!
//! - `small/*` are cheap queries: the difference is the per-request cost.
//! - `product/*` counts a three-way cartesian product (103³ ≈ 1.09M joined
//!   solutions, all inside the engine): the difference divided by the
//!   number of solutions is the per-solution cost of the guard.
//!
//! `cargo bench --bench deadline`; figures in BENCHMARKS.md.

use criterion::{Criterion, criterion_group, criterion_main};
use palermo::rdf::Iris;
use palermo::store::{Answer, QueryOptions, Store};
use std::hint::black_box;
use std::time::Duration;
use time::macros::datetime;

const SMALL: &str = "PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?s WHERE { ?s a dcterms:BibliographicResource } LIMIT 10";
const GROUP: &str = "PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT ?y (COUNT(?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?y } GROUP BY ?y";
const PRODUCT: &str = "PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT (COUNT(*) AS ?n) WHERE {
  ?a a dcterms:BibliographicResource . ?b a dcterms:BibliographicResource . ?c a dcterms:BibliographicResource }";

/// Consume every solution (or the boolean, or every triple).
fn drain(answer: Answer<'_>) -> usize {
    match answer {
        Answer::Solutions(s) => s.inspect(|s| assert!(s.is_ok())).count(),
        Answer::Boolean(_) => 1,
        Answer::Graph(g) => g.inspect(|t| assert!(t.is_ok())).count(),
    }
}

fn bare(store: &Store, query: &str) -> usize {
    drain(
        store
            .query_unguarded(&QueryOptions::default(), query)
            .expect("runs"),
    )
}

fn palermo(store: &Store, query: &str) -> usize {
    store
        .query(query, Duration::from_secs(60), |r| Ok(drain(r)))
        .expect("runs")
}

fn deadline(c: &mut Criterion) {
    let iris = Iris::new("http://localhost:8080/");
    let store = Store::memory().expect("memory store");
    palermo::import::import(
        &store,
        &iris,
        &palermo::catalogue::shipped(),
        datetime!(2026-01-01 00:00:00 UTC),
    )
    .expect("catalogue imports");
    for (name, query) in [("small", SMALL), ("group", GROUP), ("product", PRODUCT)] {
        assert_eq!(bare(&store, query), palermo(&store, query), "{name}");
        let mut g = c.benchmark_group(name);
        if name == "product" {
            g.sample_size(10).measurement_time(Duration::from_secs(20));
        }
        g.bench_function("oxigraph", |b| b.iter(|| black_box(bare(&store, query))));
        g.bench_function("palermo", |b| b.iter(|| black_box(palermo(&store, query))));
        g.finish();
    }
}

criterion_group!(benches, deadline);
criterion_main!(benches);
