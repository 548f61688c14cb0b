//! Import throughput per stage, on 2,000 synthetic records: reading
//! CSL-JSON and RIS as streams, mapping records to quads, and the whole
//! bulk import of a new source into an in-memory store (`import::bulk`).
//! `scripts/bench-import.sh` measures the same path end to end on RocksDB
//! against `oxigraph load`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use palermo::export::{ExportOptions, Exporter, Format};
use palermo::import::bulk::import_stream;
use palermo::ingest::citations::citation_header;
use palermo::rdf::Iris;
use palermo::rdf::mapping::{Mapper, Role};
use palermo::record::Record;
use palermo::store::Store;
use std::hint::black_box;
use time::macros::datetime;

const N: usize = 2_000;

fn text(format: Format, iris: &Iris) -> Vec<u8> {
    let mut out = Vec::new();
    Exporter::new(iris.clone())
        .write_records(
            format,
            palermo::synthetic::records(7, N).map(Ok),
            &ExportOptions::default(),
            &mut out,
        )
        .expect("generated records export");
    out
}

fn import(c: &mut Criterion) {
    let iris = Iris::new("http://localhost:8080/");
    let json = text(Format::CslJson, &iris);
    let ris = text(Format::Ris, &iris);
    let records: Vec<Record> = palermo::synthetic::records(7, N).collect();

    let mut g = c.benchmark_group("import");
    g.throughput(Throughput::Elements(N as u64));
    g.bench_function("read-csljson-stream", |b| {
        b.iter(|| {
            palermo::ingest::csljson::Stream::new("x.json", json.as_slice(), &iris)
                .collect::<Result<Vec<_>, _>>()
                .expect("valid")
                .len()
        })
    });
    g.bench_function("read-ris-stream", |b| {
        b.iter(|| {
            palermo::ingest::ris::stream("x.ris", ris.as_slice(), &iris)
                .collect::<Result<Vec<_>, _>>()
                .expect("valid")
                .len()
        })
    });
    g.bench_function("map-to-quads", |b| {
        b.iter(|| {
            let mut mapper = Mapper::new(&iris, iris.graph("bench").into());
            for r in &records {
                mapper.record(r, Role::Primary);
            }
            black_box(mapper.quads.len())
        })
    });
    g.sample_size(10);
    g.bench_function("bulk-import-csljson-memory-store", |b| {
        b.iter(|| {
            let store = Store::memory().expect("memory store");
            let (_, source) = citation_header("bench.json").expect("a citation file");
            let records =
                palermo::ingest::csljson::Stream::new("bench.json", json.as_slice(), &iris)
                    .map(|r| r.map_err(palermo::error::Error::Parse));
            import_stream(
                &store,
                &iris,
                &source,
                records,
                datetime!(2026-01-01 00:00:00 UTC),
            )
            .expect("imports")
            .records
        })
    });
    g.finish();
}

criterion_group!(benches, import);
criterion_main!(benches);
