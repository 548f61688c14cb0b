//! Bulk import: sources new to the store go in through Oxigraph's bulk
//! loader (sorted SST files, ingested in one atomic step) instead of one
//! RocksDB transaction, whose write batch holds every key in memory with an
//! index until commit (1.6 GB and 416 s for 10,000 records).
//!
//! A new source only adds quads, with two exceptions: a record id that comes
//! back after a deletion still carries its `pal:deleted` mark and its old
//! `dcterms:modified` in the meta graph. So the import runs in three steps:
//!
//! 1. a small transaction writes a journal entry, `<graph> pal:importPending
//!    stamp`, into the meta graph;
//! 2. the bulk loader maps the records as a stream and ingests every quad
//!    (records, agents, change stamps, the source's description) at once;
//! 3. a small transaction removes what the new records replace, refreshes
//!    the ontology and removes the journal entry.
//!
//! The ingest in step 2 is the commit point. `recover` runs on every open
//! for writing and finishes what a killed import left: with the graph still
//! empty, the ingest never happened and the entry is dropped; otherwise
//! step 3 runs again (it is idempotent). Nothing else writes while the
//! import holds the store's lock, so no reader sees the steps in between.

use super::{RecordSource, SourceBatch};
use crate::error::Error;
use crate::rdf::mapping::{Mapper, Role};
use crate::rdf::{Iris, meta, schemes};
use crate::record::Record;
use crate::report::{ImportReport, SourceReport};
use crate::store::{BulkLoad, Store};
use oxigraph::model::{GraphNameRef, Literal, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::HashSet;
use time::OffsetDateTime;

/// Memory the bulk loader may use for its sorted batches, across threads.
/// RocksDB's own caches come on top; 512 MB keeps a million-record import
/// well under the 2 GB the performance issue (#8) allows.
const LOADER_MEMORY_MB: usize = 512;

/// Whether the store holds nothing of this source yet: no quad in its graph
/// and no description in the meta graph. Only then does an import only add.
pub fn is_new(store: &Store, iris: &Iris, graph: &NamedNode) -> Result<bool, Error> {
    let in_graph = any(store.quads_for_pattern(
        None,
        None,
        None,
        Some(GraphNameRef::NamedNode(graph.as_ref())),
    ))?;
    Ok(!in_graph && !meta::describes(store, iris, graph)?)
}

/// Whether a pattern matches at all (reads one quad at most).
fn any(mut quads: impl Iterator<Item = Result<Quad, Error>>) -> Result<bool, Error> {
    Ok(quads.next().transpose()?.is_some())
}

/// Whether every batch can take the bulk path: each source is new and holds
/// its own records only (contributions change records of other sources).
pub(super) fn applies(store: &Store, iris: &Iris, batches: &[SourceBatch]) -> Result<bool, Error> {
    for batch in batches {
        if batch.records.iter().any(|(_, role)| *role != Role::Primary)
            || !is_new(store, iris, &iris.graph(&batch.id))?
        {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Write new sources: journal, one atomic ingest, fix-ups.
pub(super) fn write(
    store: &Store,
    iris: &Iris,
    batches: &[SourceBatch],
    stamp: &Literal,
) -> Result<(), Error> {
    let graphs: Vec<NamedNode> = batches.iter().map(|b| iris.graph(&b.id)).collect();
    run(store, iris, &graphs, stamp, |loader| {
        load(loader, iris, batches, stamp)
    })
}

/// Import one new source from a stream of records (a citation file too
/// large to hold in memory): ids are given and quads mapped as the records
/// arrive, and the ingest happens only after the last one, so a record that
/// fails to parse or clashes leaves the store as it was.
pub fn import_stream(
    store: &Store,
    iris: &Iris,
    source: &RecordSource,
    records: impl Iterator<Item = Result<Record, Error>>,
    now: OffsetDateTime,
) -> Result<ImportReport, Error> {
    super::check_source_id(iris, &source.id)?;
    let graph = iris.graph(&source.id);
    if !is_new(store, iris, &graph)? {
        return Err(Error::Import(format!(
            "source \"{}\" is already in the store; a stream can only add a new source",
            source.id
        )));
    }
    let stamp = meta::stamp(now)?;
    let mut ids = super::Ids::new(store, iris, &[source.id.clone()].into())?;
    let mut report = ImportReport {
        bulk: true,
        ..ImportReport::default()
    };
    let mut count = 0usize;
    let mut quads_of = NewQuads::new(iris, &stamp);
    run(
        store,
        iris,
        std::slice::from_ref(&graph),
        &stamp,
        |loader| {
            let mut map = |record: Result<Record, Error>| -> Result<Vec<Quad>, Error> {
                let mut r = record?;
                for p in &mut r.provenance {
                    p.source.clone_from(&source.id);
                }
                if let Some(warning) = ids.assign(&mut r, &source.id)? {
                    report.warnings.push(warning);
                }
                count += 1;
                let quads = quads_of.record(&graph, &r);
                for repair in &r.repairs {
                    report.repairs.push((r.id.clone(), repair.clone()));
                }
                Ok(quads)
            };
            let quads = records.flat_map(|r| {
                let (quads, err) = match map(r) {
                    Ok(quads) => (quads, None),
                    Err(e) => (Vec::new(), Some(e)),
                };
                quads.into_iter().map(Ok).chain(err.map(Err))
            });
            loader.load_ok_quads(quads)?;
            if count == 0 {
                return Err(Error::Import(format!(
                    "{}: no entries in this file",
                    source.files.first().map_or("", |f| f.0.as_str())
                )));
            }
            loader.load_quads(source.meta().quads(iris, Some(&stamp)))?;
            Ok(())
        },
    )?;
    report.entries_read = count;
    report.records = count;
    for (path, _) in &source.files {
        report.file(path, &source.id, count);
    }
    report.sources.push(SourceReport {
        id: source.id.clone(),
        records: count,
        added: count,
        ..SourceReport::default()
    });
    Ok(report)
}

/// Journal, ingest (whatever `ingest` hands the loader, committed at once),
/// then the fix-ups. A failed ingest leaves only journal entries, which
/// `recover` drops.
fn run(
    store: &Store,
    iris: &Iris,
    graphs: &[NamedNode],
    stamp: &Literal,
    ingest: impl FnOnce(&mut BulkLoad<'_>) -> Result<(), Error>,
) -> Result<(), Error> {
    store.transaction(|tx| {
        meta::journal(tx, iris, graphs, stamp);
        Ok(())
    })?;
    failpoint("bulk-after-journal");
    if let Err(e) = store.bulk_load(LOADER_MEMORY_MB, ingest) {
        recover(store, iris)?;
        return Err(e);
    }
    failpoint("bulk-after-ingest");
    recover(store, iris)
}

/// Map every record as a stream and hand the quads to the loader.
fn load(
    loader: &mut BulkLoad<'_>,
    iris: &Iris,
    batches: &[SourceBatch],
    stamp: &Literal,
) -> Result<(), Error> {
    let mut quads_of = NewQuads::new(iris, stamp);
    let records = batches
        .iter()
        .flat_map(|batch| {
            let graph = iris.graph(&batch.id);
            batch.records.iter().map(move |(r, _)| (graph.clone(), r))
        })
        .flat_map(|(graph, r)| quads_of.record(&graph, r));
    let descriptions = batches
        .iter()
        .flat_map(|batch| batch.meta().quads(iris, Some(stamp)));
    loader.load_quads(records.chain(descriptions))?;
    Ok(())
}

/// The quads a new record brings, as records arrive: its triples in its
/// source's graph, this import's change stamp in the meta graph, and each
/// agent in the vocabulary graph the first time a record names it. (Only
/// primary records: `applies` keeps contributions off the bulk path.)
struct NewQuads<'a> {
    iris: &'a Iris,
    stamp: &'a Literal,
    agents: HashSet<String>,
}

impl<'a> NewQuads<'a> {
    fn new(iris: &'a Iris, stamp: &'a Literal) -> Self {
        NewQuads {
            iris,
            stamp,
            agents: HashSet::new(),
        }
    }

    fn record(&mut self, graph: &NamedNode, r: &Record) -> Vec<Quad> {
        let mut mapper = Mapper::new(self.iris, graph.clone().into());
        mapper.record(r, Role::Primary);
        mapper
            .quads
            .push(meta::stamp_quad(self.iris, &r.id, self.stamp));
        let mut quads = mapper.quads;
        let mut mapper = Mapper::new(self.iris, self.iris.vocab_graph());
        for a in r.agents() {
            if self.agents.insert(a.key()) {
                mapper.agent(a);
            }
        }
        quads.append(&mut mapper.quads);
        quads
    }
}

/// Crash tests (`tests/bulk_import.rs`) stop the process here, as a kill
/// would, by naming the point in `PALERMO_FAILPOINT`.
fn failpoint(name: &str) {
    if std::env::var("PALERMO_FAILPOINT").is_ok_and(|v| v == name) {
        eprintln!("failpoint {name}: aborting");
        std::process::abort();
    }
}

/// Finish or drop every bulk import a crash interrupted. Cheap when there is
/// none: one lookup of the journal predicate.
pub fn recover(store: &Store, iris: &Iris) -> Result<(), Error> {
    let entries = meta::pending(store, iris)?;
    if entries.is_empty() {
        return Ok(());
    }
    let mut ingested = Vec::new();
    for entry in &entries {
        if let NamedOrBlankNode::NamedNode(graph) = &entry.subject
            && any(store.quads_for_pattern(
                None,
                None,
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            ))?
        {
            ingested.push((graph.clone(), entry.object.clone()));
        }
    }
    let stale = meta::stale_after_ingest(store, iris, &ingested)?;
    store.transaction(|tx| {
        for q in stale.iter().chain(&entries) {
            tx.remove(q);
        }
        if !ingested.is_empty() {
            // As every import does: the ontology and vocabularies of this build.
            tx.clear_graph(GraphNameRef::from(&iris.ontology_graph()))?;
            tx.extend(&schemes::ontology_quads(iris));
            tx.extend(&schemes::vocabulary_quads(iris));
            // A whole source at once: followers derive everything again,
            // and the record count is counted afresh. Stamped as its
            // records are, so that a recovered import equals a whole one.
            let stamped = ingested.iter().find_map(|(_, stamp)| match stamp {
                Term::Literal(l) => Some(l.clone()),
                _ => None,
            });
            let stamp = match stamped {
                Some(l) => l,
                None => meta::stamp(OffsetDateTime::now_utc())?,
            };
            meta::commit_at(tx, iris, &crate::change::ChangeSet::everything(), &stamp)?;
        }
        Ok(())
    })
}
