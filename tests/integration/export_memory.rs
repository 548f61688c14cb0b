//! Bulk exports stream in bounded memory: 100,000 records, produced lazily,
//! exported in each file format while the peak resident memory of this
//! test process (alone in its binary) is watched. Collecting the records
//! would take hundreds of MB; streaming takes the cite-key hashes of BibTeX
//! and some buffers.

use crate::export_support;

use export_support::*;
use palermo::error::Error;
use palermo::export::{ExportOptions, Exporter, Format};
use palermo::record::Record;

const RECORDS: usize = 100_000;
/// Allowed growth of the peak over the resident memory before the export.
const BUDGET_KB: u64 = 48 * 1024;

fn status_kb(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("Linux /proc");
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or_else(|| panic!("no {field} in /proc/self/status"))
}

struct Sink(usize);

impl std::io::Write for Sink {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0 += b.len();
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn bulk_exports_stream_in_bounded_memory() {
    if !crate::common::in_own_process("export_memory::bulk_exports_stream_in_bounded_memory") {
        return;
    }
    let base = record(SPECIAL_ID);
    let make = |i: usize| -> Result<Record, Error> {
        let mut r = base.clone();
        r.id = format!("generated-{i}");
        // Distinct titles, so that every record is its own and cite keys differ.
        r.title = format!("{} {i}", r.title);
        Ok(r)
    };
    let e = Exporter::new(iris());
    let opts = ExportOptions::default();
    for format in [Format::BibTeX, Format::Ris, Format::CslJson] {
        // Warm up allocators and lazy statics, then measure from here.
        e.write_records(format, (0..1_000).map(make), &opts, Sink(0))
            .expect("exports");
        // "5" resets the peak (VmHWM) to the current resident size.
        let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
        let before = if reset {
            status_kb("VmRSS:")
        } else {
            status_kb("VmHWM:")
        };
        let mut sink = Sink(0);
        let n = e
            .write_records(format, (0..RECORDS).map(make), &opts, &mut sink)
            .expect("exports");
        assert_eq!(n, RECORDS);
        let peak = status_kb("VmHWM:");
        let grew = peak.saturating_sub(before);
        println!(
            "{format}: {} MB written, peak grew by {grew} kB",
            sink.0 / 1_000_000
        );
        assert!(
            sink.0 > RECORDS * 500,
            "{format}: {} bytes for {RECORDS} records",
            sink.0
        );
        assert!(
            grew < BUDGET_KB,
            "{format}: peak memory grew by {grew} kB exporting {RECORDS} records ({} MB of output)",
            sink.0 / 1_000_000
        );
    }
}
