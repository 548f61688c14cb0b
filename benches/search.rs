//! Search latency on a synthetic 100k-record catalogue.
//!
//! The records imitate the real ones at scale: titles and abstracts drawn
//! from a domain vocabulary plus a long tail of rarer words, with Zipf-ish
//! (s ≈ 1) frequencies for words, authors, countries, regions, categories
//! and languages, accented names ("Markéta", "São Tomé", "Müller"), several
//! languages per record and years 1995–2024. Each measured call is what
//! `GET /records` does: parse, filter, count the six facets over the whole
//! result, sort, fetch a page of 20 hits with highlighted snippets.
//!
//! `cargo bench --bench search -- --quick` (about a minute after the
//! build); `PALERMO_BENCH_RECORDS=10000` for a smaller catalogue.

use criterion::{Criterion, criterion_group, criterion_main};
use palermo::rdf::Iris;
use palermo::record::Record;
use palermo::search::{FacetKind, SearchIndex, SearchRequest, Sort};
use palermo::synthetic::Generator;
use std::hint::black_box;
use std::time::{Duration, Instant};

fn search(c: &mut Criterion) {
    let n: usize = std::env::var("PALERMO_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let iris = Iris::new("http://localhost:8080/");
    let mut generator = Generator::default();
    let t = Instant::now();
    let records: Vec<Record> = (0..n).map(|i| generator.record(i)).collect();
    let generated = t.elapsed();
    let index = SearchIndex::empty(&iris).expect("index");
    let t = Instant::now();
    for chunk in records.chunks(10_000) {
        index.index_records(chunk).expect("indexes");
    }
    eprintln!(
        "synthetic catalogue: {} records generated in {:.1?}, indexed in {:.1?}, index {:.1} MB",
        index.len(),
        generated,
        t.elapsed(),
        index.size_bytes() as f64 / 1e6
    );
    drop(records);

    let page = |q: &str| SearchRequest {
        q: q.to_string(),
        limit: 20,
        ..SearchRequest::default()
    };
    let cases: Vec<(&str, SearchRequest)> = vec![
        ("browse-all-newest", page("")),
        ("common-word", page("trafficking")),
        ("two-words", page("labour exploitation")),
        ("accented-name", page("MARKETA")),
        ("phrase", page("\"forced labour\"")),
        (
            "words+country+year",
            SearchRequest {
                filters: vec![(FacetKind::Country, "DE".into())],
                year_from: Some(2010),
                year_to: Some(2020),
                ..page("victims protection")
            },
        ),
        (
            "facets-only-category",
            SearchRequest {
                filters: vec![(FacetKind::Category, "law-enforcement".into())],
                ..page("")
            },
        ),
        (
            "common-word-by-title",
            SearchRequest {
                sort: Some(Sort::Title),
                ..page("trafficking")
            },
        ),
        (
            "deep-page-500",
            SearchRequest {
                offset: 10_000,
                ..page("trafficking")
            },
        ),
    ];
    let mut g = c.benchmark_group("search");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(3));
    for (name, req) in &cases {
        let total = index.search(req).expect("searches").total;
        eprintln!("{name}: {total} hits");
        g.bench_function(*name, |b| {
            b.iter(|| black_box(index.search(black_box(req)).expect("searches")))
        });
    }
    // The cursor of an export: every id of a large result, in order.
    let export = SearchRequest {
        filters: vec![(FacetKind::Category, "capacity-building".into())],
        ..SearchRequest::default()
    };
    g.bench_function("export-ids-capacity-building", |b| {
        b.iter(|| {
            let (_, ids) = index.ids(&export).expect("ids");
            black_box(ids.count())
        })
    });
    g.bench_function("sparql-scores-two-words", |b| {
        b.iter(|| black_box(index.scores("labour exploitation").expect("scores").len()))
    });
    g.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
