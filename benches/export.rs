//! Export throughput per format, on the shipped catalogue read back from an
//! in-memory store: records per second for BibTeX, RIS, CSL-JSON and
//! formatted references (APA, with a warm cache and with none), plus the
//! whole path from the store (read each record, then write BibTeX).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palermo::export::formatted::Styles;
use palermo::export::{ExportOptions, Exporter, Format, records_from_store};
use palermo::rdf::{Iris, read};
use palermo::record::Record;
use palermo::store::Store;
use std::hint::black_box;
use time::macros::datetime;

fn catalogue(iris: &Iris) -> (Store, Vec<Record>) {
    let store = Store::memory().expect("memory store");
    palermo::import::import(
        &store,
        iris,
        &palermo::catalogue::shipped(),
        datetime!(2026-01-01 00:00:00 UTC),
    )
    .expect("catalogue imports");
    let records = read::record_ids(&store, iris)
        .expect("ids")
        .iter()
        .filter_map(|id| read::record(&store, iris, id).ok().flatten())
        .collect();
    (store, records)
}

fn export(c: &mut Criterion) {
    let iris = Iris::new("http://localhost:8080/");
    let (store, records) = catalogue(&iris);
    let opts = ExportOptions::default();
    let warm = Exporter::new(iris.clone());
    let cold = Exporter::with_styles(iris.clone(), Styles::new(None, 0).expect("styles"));

    let mut g = c.benchmark_group("export");
    g.throughput(Throughput::Elements(records.len() as u64));
    for format in [Format::BibTeX, Format::Ris, Format::CslJson] {
        g.bench_function(format.name(), |b| {
            b.iter(|| {
                warm.write_records(
                    format,
                    records.iter().cloned().map(Ok),
                    &opts,
                    std::io::sink(),
                )
                .expect("exports")
            })
        });
    }
    for (name, exporter) in [("apa-cached", &warm), ("apa-uncached", &cold)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                exporter
                    .write_records(
                        Format::Bibliography,
                        records.iter().cloned().map(Ok),
                        &opts,
                        std::io::sink(),
                    )
                    .expect("renders")
            })
        });
    }
    let ids = read::record_ids(&store, &iris).expect("ids");
    g.bench_function("bibtex-from-store", |b| {
        b.iter(|| {
            warm.write_records(
                Format::BibTeX,
                records_from_store(&store, &iris, black_box(ids.clone())),
                &opts,
                std::io::sink(),
            )
            .expect("exports")
        })
    });
    g.finish();

    // The case: 10,000 APA references, on every core, from the cache
    // of rendered references (warm) and with no cache (cold).
    let synthetic: Vec<Record> =
        palermo::synthetic::records(palermo::synthetic::DEFAULT_SEED, 10_000).collect();
    let warm10k = Exporter::with_styles(iris.clone(), Styles::new(None, 50_000).expect("styles"));
    warm10k
        .write_records(
            Format::Bibliography,
            synthetic.iter().cloned().map(Ok),
            &opts,
            std::io::sink(),
        )
        .expect("renders");
    let mut g = c.benchmark_group("apa-10k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(synthetic.len() as u64));
    for (name, exporter) in [("warm", &warm10k), ("cold", &cold)] {
        g.bench_function(name, |b| {
            b.iter(|| {
                exporter
                    .write_records(
                        Format::Bibliography,
                        synthetic.iter().cloned().map(Ok),
                        &opts,
                        std::io::sink(),
                    )
                    .expect("renders")
            })
        });
    }
    g.finish();
}

criterion_group!(benches, export);
criterion_main!(benches);
