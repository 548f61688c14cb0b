//! The meta graph (`{base}graph/meta`): the one module that reads and writes it.
//!
//! It holds what Palermo says about records and sources, as opposed to what
//! the sources say:
//! - change stamps, `<record> dcterms:modified "…"^^xsd:dateTime`, bumped by
//!   every writer through `touch`: OAI-PMH datestamps, ETags, sitemaps;
//! - tombstones, `<record> pal:deleted true`, while no source graph types the
//!   record any more: OAI-PMH deleted headers, 410 Gone;
//! - source descriptions, `<graph> a prov:Entity, dcat:Dataset`, with one
//!   `<graph#file>` node per file: the targets of `dcterms:source`;
//! - the bulk loader's journal, `<graph> pal:importPending stamp`, while a
//!   bulk import is between its steps (`import::bulk`);
//! - harvest state, `<graph>/harvest/{hash} a prov:Activity` with the
//!   repository's `responseDate`, the next harvest's `from`; and each
//!   harvested record's `prov:wasDerivedFrom` its OAI identifier;
//! - the base IRI the store was written with, `<{base}graph/meta>
//!   void:uriSpace "{base}"`, written with every source description: every
//!   IRI in the store is under it, so a process with another base would see
//!   an empty catalogue (`check_base`).
//!
//! Writers pass a transaction, so a stamp or a tombstone is committed with
//! the change it records, or not at all.

use crate::change::{ChangeSet, Changes};
use crate::error::Error;
use crate::normalize::short_hash;
use crate::rdf::Iris;
use crate::rdf::vocab::{dcat, dcterms, pal, prov, void};
use crate::store::{Store, Transaction};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{
    GraphName, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term,
};
use std::collections::BTreeSet;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

// ---------------------------------------------------------------------------
// Change stamps and tombstones

/// `now` as the `xsd:dateTime` Palermo stamps, in whole seconds (OAI-PMH
/// granularity).
pub fn stamp(now: OffsetDateTime) -> Result<Literal, Error> {
    let text = now
        .replace_nanosecond(0)
        .unwrap_or(now)
        .format(&Rfc3339)
        .map_err(|e| Error::internal("formatting a change stamp", e))?;
    Ok(Literal::new_typed_literal(text, xsd::DATE_TIME))
}

/// A record's change stamp, as a quad to add where no older one exists (a
/// record new to the store, on the bulk path).
pub fn stamp_quad(iris: &Iris, id: &str, stamp: &Literal) -> Quad {
    Quad::new(
        iris.record(id),
        dcterms::MODIFIED,
        stamp.clone(),
        iris.meta_graph(),
    )
}

/// What a write did to records, for the response and the logs.
#[derive(Debug, Default, serde::Serialize)]
pub struct Touched {
    /// Records whose triples the write touched (now re-stamped).
    pub records: Vec<String>,
    /// Of those, the ones no graph describes any more (now marked deleted).
    pub deleted: Vec<String>,
    /// The change of the live record count (records that came or went).
    #[serde(skip)]
    pub live_delta: i64,
}

impl Touched {
    /// The change set of these records, for the change feed.
    pub fn change(&self) -> ChangeSet {
        ChangeSet {
            records: self.records.iter().cloned().collect(),
            everything: false,
            live_delta: self.live_delta,
        }
    }
}

/// Stamp changed records and mark the ones that are gone.
///
/// Shared by every writer (imports, harvests, updates), so the meta graph
/// follows one rule: a touched record gets `now`, and is marked deleted
/// exactly when no graph but the meta graph types it any more.
pub fn touch(
    tx: &mut Transaction<'_>,
    iris: &Iris,
    ids: &BTreeSet<String>,
    now: OffsetDateTime,
) -> Result<Touched, Error> {
    let stamp = stamp(now)?;
    let meta = iris.meta_graph();
    let deleted = iris.vocab(pal::DELETED);
    let mut report = Touched::default();
    for id in ids {
        let s = iris.record(id);
        let mark = Quad::new(
            s.clone(),
            deleted.clone(),
            Literal::from(true),
            meta.clone(),
        );
        // Live before: stamped by an earlier write and not marked deleted.
        let stamped = tx
            .quads_for_pattern(
                Some(s.as_ref().into()),
                Some(dcterms::MODIFIED),
                None,
                Some(GraphNameRef::from(&meta)),
            )
            .next()
            .transpose()?
            .is_some();
        let was_live = stamped && !tx.contains(&mark)?;
        set_value(tx, &s, dcterms::MODIFIED, stamp.clone().into(), &meta)?;
        let typed = tx.quads_for_pattern(Some(s.as_ref().into()), Some(rdf::TYPE), None, None);
        let alive =
            itertools::process_results(typed, |mut quads| quads.any(|q| q.graph_name != meta))?;
        report.live_delta += i64::from(alive) - i64::from(was_live);
        if alive {
            tx.remove(&mark);
        } else {
            tx.insert(&mark);
            report.deleted.push(id.clone());
        }
        report.records.push(id.clone());
    }
    Ok(report)
}

/// Make `object` the one value of `subject predicate` in `graph`.
fn set_value(
    tx: &mut Transaction<'_>,
    subject: &NamedNode,
    predicate: NamedNodeRef<'_>,
    object: Term,
    graph: &GraphName,
) -> Result<(), Error> {
    remove_all(
        tx,
        Some(subject.as_ref().into()),
        Some(predicate),
        GraphNameRef::from(graph),
    )?;
    tx.insert(&Quad::new(
        subject.clone(),
        predicate,
        object,
        graph.clone(),
    ));
    Ok(())
}

/// Remove every quad of a pattern in one graph.
fn remove_all(
    tx: &mut Transaction<'_>,
    subject: Option<oxigraph::model::NamedOrBlankNodeRef<'_>>,
    predicate: Option<NamedNodeRef<'_>>,
    graph: GraphNameRef<'_>,
) -> Result<(), Error> {
    let old: Vec<Quad> = tx
        .quads_for_pattern(subject, predicate, None, Some(graph))
        .collect::<Result<_, _>>()?;
    for q in &old {
        tx.remove(q);
    }
    Ok(())
}

/// A record's `dcterms:modified`, if any writer stamped it.
pub fn modified(store: &Store, iris: &Iris, id: &str) -> Result<Option<String>, Error> {
    let s = iris.record(id);
    literals(
        store,
        iris,
        Some(s.as_ref()),
        dcterms::MODIFIED,
        |mut values| values.next().map(|(_, l)| l.value().to_string()),
    )
}

/// The `dcterms:modified` of several records at once, in the order of
/// `ids` (one batched read: a sitemap's or a page's records).
pub fn modified_each(
    store: &Store,
    iris: &Iris,
    ids: &[String],
) -> Result<Vec<Option<String>>, Error> {
    let subjects: Vec<NamedNode> = ids.iter().map(|id| iris.record(id)).collect();
    let meta = iris.meta_graph();
    let values = store.objects_of(
        &subjects,
        dcterms::MODIFIED,
        Some(GraphNameRef::from(&meta)),
    )?;
    Ok(values
        .into_iter()
        .map(|objects| {
            objects.into_iter().find_map(|o| match o {
                Term::Literal(l) => Some(l.value().to_string()),
                _ => None,
            })
        })
        .collect())
}

/// Every stamped record: (id, lexical `xsd:dateTime`), in store order. A
/// record a careless writer stamped twice comes twice.
pub fn stamps(store: &Store, iris: &Iris) -> Result<Vec<(String, String)>, Error> {
    literals(store, iris, None, dcterms::MODIFIED, |values| {
        values
            .filter_map(|(s, l)| match s {
                NamedOrBlankNode::NamedNode(s) if !s.as_str().contains('#') => iris
                    .record_id(s.as_str())
                    .map(|id| (id.to_string(), l.value().to_string())),
                _ => None,
            })
            .collect()
    })
}

/// When the catalogue last changed (an `xsd:dateTime` lexical form): the
/// stamp of the last committed change, one lookup. A store no write has
/// committed to since it had a change feed falls back to the newest stamp.
pub fn last_modified(store: &Store, iris: &Iris) -> Result<Option<String>, Error> {
    let node = iris.meta_node();
    if let Some(last) = literals(
        store,
        iris,
        Some(node.as_ref()),
        dcterms::MODIFIED,
        |mut v| v.next().map(|(_, l)| l.value().to_string()),
    )? {
        return Ok(Some(last));
    }
    literals(store, iris, None, dcterms::MODIFIED, |values| {
        values
            .map(|(_, l)| l)
            .max_by(|a, b| a.value().cmp(b.value()))
            .map(|l| l.value().to_string())
    })
}

/// Whether the meta graph marks this record as deleted (it left its source).
pub fn deleted(store: &Store, iris: &Iris, id: &str) -> Result<bool, Error> {
    let s = iris.record(id);
    let p = iris.vocab(pal::DELETED);
    literals(store, iris, Some(s.as_ref()), p.as_ref(), |mut marks| {
        marks.any(|(_, l)| l.value() == "true")
    })
}

/// Hand `read` the (subject, literal) pairs of `subject predicate ?literal`
/// in the meta graph (any subject when `None`) as a stream, and keep the
/// store's first error.
fn literals<T>(
    store: &Store,
    iris: &Iris,
    subject: Option<NamedNodeRef<'_>>,
    predicate: NamedNodeRef<'_>,
    read: impl FnOnce(Box<dyn Iterator<Item = (NamedOrBlankNode, Literal)> + '_>) -> T,
) -> Result<T, Error> {
    let meta = iris.meta_graph();
    let quads = store.quads_for_pattern(
        subject.map(Into::into),
        Some(predicate),
        None,
        Some(GraphNameRef::from(&meta)),
    );
    itertools::process_results(quads, |quads| {
        read(Box::new(quads.filter_map(|q| match q.object {
            Term::Literal(l) => Some((q.subject, l)),
            _ => None,
        })))
    })
}

// ---------------------------------------------------------------------------
// The change feed: the generation counter, the change log, running totals

/// Commit a write's change to the feed, in the write's own transaction:
/// bump the generation, log what it touched under the new number, and keep
/// the totals every reader asks for (record count, last change) without a
/// scan. An empty change is not committed. Returns the new generation (the
/// current one for an empty change).
pub fn commit(
    tx: &mut Transaction<'_>,
    iris: &Iris,
    change: &ChangeSet,
    now: OffsetDateTime,
) -> Result<u64, Error> {
    commit_at(tx, iris, change, &stamp(now)?)
}

/// `commit`, stamped with a given change stamp (a bulk import's own).
pub fn commit_at(
    tx: &mut Transaction<'_>,
    iris: &Iris,
    change: &ChangeSet,
    stamp: &Literal,
) -> Result<u64, Error> {
    let node = iris.meta_node();
    let meta = iris.meta_graph();
    let current = integer_in(tx, iris, &iris.vocab(pal::GENERATION))?.unwrap_or(0);
    if change.is_empty() {
        return Ok(current as u64);
    }
    let next = current + 1;
    let generation = iris.vocab(pal::GENERATION);
    set_value(
        tx,
        &node,
        generation.as_ref(),
        Literal::from(next).into(),
        &meta,
    )?;
    let entry = iris.change_entry(next as u64);
    tx.insert(&Quad::new(
        entry.clone(),
        generation,
        Literal::from(next),
        meta.clone(),
    ));
    if change.everything {
        tx.insert(&Quad::new(
            entry,
            iris.vocab(pal::TOUCHED_ALL),
            Literal::from(true),
            meta.clone(),
        ));
    } else {
        let touched = iris.vocab(pal::TOUCHED);
        for id in &change.records {
            tx.insert(&Quad::new(
                entry.clone(),
                touched.clone(),
                iris.record(id),
                meta.clone(),
            ));
        }
    }
    set_value(tx, &node, dcterms::MODIFIED, stamp.clone().into(), &meta)?;
    let count_p = iris.vocab(pal::RECORD_COUNT);
    let count = match integer_in(tx, iris, &count_p)? {
        // A bulk load counts itself; so does a store older than the count.
        Some(n) if !change.everything => n + change.live_delta,
        _ => count_live(tx, iris)?,
    };
    set_value(
        tx,
        &node,
        count_p.as_ref(),
        Literal::from(count.max(0)).into(),
        &meta,
    )?;
    Ok(next as u64)
}

/// Records no source has left, counted in the transaction (after its own
/// writes): only where the running count is missing or a bulk load set it.
fn count_live(tx: &Transaction<'_>, iris: &Iris) -> Result<i64, Error> {
    let meta = iris.meta_graph();
    let typed = tx.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(crate::rdf::vocab::dcterms::BIBLIOGRAPHIC_RESOURCE.into()),
        None,
    );
    let ids: BTreeSet<String> = itertools::process_results(typed, |quads| {
        quads
            .filter(|q| q.graph_name != meta)
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) => iris.record_id(n.as_str()).map(str::to_string),
                _ => None,
            })
            .collect()
    })?;
    Ok(ids.len() as i64)
}

/// An integer the meta graph says of the whole store, read in a transaction.
fn integer_in(
    tx: &Transaction<'_>,
    iris: &Iris,
    predicate: &NamedNode,
) -> Result<Option<i64>, Error> {
    let (node, meta) = (iris.meta_node(), iris.meta_graph());
    let found = tx
        .quads_for_pattern(
            Some(node.as_ref().into()),
            Some(predicate.as_ref()),
            None,
            Some(GraphNameRef::from(&meta)),
        )
        .next()
        .transpose()?;
    Ok(found.and_then(|q| match q.object {
        Term::Literal(l) => l.value().parse().ok(),
        _ => None,
    }))
}

/// The store's generation: how many changes have been committed to the
/// feed (0 before the first).
pub fn generation(store: &Store, iris: &Iris) -> Result<u64, Error> {
    integer(store, iris, &iris.vocab(pal::GENERATION)).map(|g| g.unwrap_or(0).max(0) as u64)
}

/// Live records, as the last write counted them; `None` on a store no
/// write has committed to since it had a change feed.
pub fn record_count(store: &Store, iris: &Iris) -> Result<Option<u64>, Error> {
    integer(store, iris, &iris.vocab(pal::RECORD_COUNT)).map(|n| n.map(|n| n.max(0) as u64))
}

/// An integer the meta graph says of the whole store.
fn integer(store: &Store, iris: &Iris, predicate: &NamedNode) -> Result<Option<i64>, Error> {
    let node = iris.meta_node();
    literals(
        store,
        iris,
        Some(node.as_ref()),
        predicate.as_ref(),
        |mut v| v.next().and_then(|(_, l)| l.value().parse().ok()),
    )
}

/// The union of the changes after generation `from`, up to the store's
/// current one. A change the log does not hold (a store written before it
/// had a feed, or a follower from another store) makes it `everything`, so
/// a follower can be late but never wrong.
pub fn changes_since(store: &Store, iris: &Iris, from: u64) -> Result<Changes, Error> {
    let to = generation(store, iris)?;
    let mut set = ChangeSet::default();
    if from > to {
        // The follower is ahead of this store: it reflects another one.
        set.everything = true;
    }
    let meta = iris.meta_graph();
    let (touched, all) = (iris.vocab(pal::TOUCHED), iris.vocab(pal::TOUCHED_ALL));
    for g in from.saturating_add(1)..=to {
        if set.everything {
            break;
        }
        let entry = iris.change_entry(g);
        let mut logged = false;
        for q in store.quads_for_pattern(
            Some(entry.as_ref().into()),
            None,
            None,
            Some(GraphNameRef::from(&meta)),
        ) {
            let q = q?;
            logged = true;
            if q.predicate == all {
                set.everything = true;
            } else if q.predicate == touched
                && let Term::NamedNode(n) = &q.object
                && let Some(id) = iris.record_id(n.as_str())
            {
                set.records.insert(id.to_string());
            }
        }
        if !logged {
            set.everything = true;
        }
    }
    if set.everything {
        set.records.clear();
    }
    Ok(Changes { from, to, set })
}

// ---------------------------------------------------------------------------
// The base IRI the store was written with

/// `<{base}graph/meta> void:uriSpace "{base}"`, in the meta graph: the base
/// every IRI of the store was minted under. Written with each source
/// description (every import, bulk or not, and every harvest).
fn base_quad(iris: &Iris) -> Quad {
    Quad::new(
        iris.graph("meta"),
        void::URI_SPACE,
        Literal::new_simple_literal(iris.base()),
        iris.meta_graph(),
    )
}

/// The base IRIs the store was written with: what the meta graph says, read
/// whatever base this process has (the meta graph's name depends on it);
/// for a store from a build that did not say, the base its meta graph is
/// named under. Empty for a new store.
pub fn written_bases(store: &Store, iris: &Iris) -> Result<BTreeSet<String>, Error> {
    // The meta graph's name past the base, whatever the base.
    let meta = iris.graph("meta");
    let suffix = meta.as_str().strip_prefix(iris.base()).unwrap_or_default();
    let mut bases = BTreeSet::new();
    for q in store.quads_for_pattern(None, Some(void::URI_SPACE), None, None) {
        let q = q?;
        if let (Term::Literal(base), GraphName::NamedNode(g)) = (&q.object, &q.graph_name)
            && g.as_str().strip_suffix(suffix) == Some(base.value())
        {
            bases.insert(base.value().to_string());
        }
    }
    if bases.is_empty() {
        for g in store.named_graphs() {
            if let NamedOrBlankNode::NamedNode(g) = g?
                && let Some(base) = g.as_str().strip_suffix(suffix)
            {
                bases.insert(base.to_string());
            }
        }
    }
    Ok(bases)
}

/// Refuse a base IRI the store was not written with: every record is under
/// the other one, and the catalogue would look empty (silently) or, after
/// an import, be two catalogues in one store.
pub fn check_base(store: &Store, iris: &Iris) -> Result<(), Error> {
    let bases = written_bases(store, iris)?;
    if bases.is_empty() || bases.contains(iris.base()) {
        return Ok(());
    }
    Err(Error::BaseIri {
        written: bases.into_iter().collect::<Vec<_>>().join(", "),
        given: iris.base().to_string(),
    })
}

// ---------------------------------------------------------------------------
// Source descriptions

/// A source as the meta graph describes it: its graph, title and files.
#[derive(Debug, Clone, Copy)]
pub struct Source<'a> {
    pub id: &'a str,
    pub title: &'a str,
    /// (path or URL, title) of each file or endpoint.
    pub files: &'a [(String, String)],
}

impl Source<'_> {
    /// The description's quads, `stamp` being the source's last change.
    pub fn quads(&self, iris: &Iris, stamp: Option<&Literal>) -> Vec<Quad> {
        let meta = iris.meta_graph();
        let graph = iris.graph(self.id);
        let text = Literal::new_simple_literal;
        let mut quads = vec![
            base_quad(iris),
            Quad::new(graph.clone(), rdf::TYPE, prov::ENTITY, meta.clone()),
            Quad::new(graph.clone(), rdf::TYPE, dcat::DATASET, meta.clone()),
            Quad::new(
                graph.clone(),
                dcterms::TITLE,
                text(self.title),
                meta.clone(),
            ),
        ];
        if let Some(stamp) = stamp {
            quads.push(Quad::new(
                graph.clone(),
                dcterms::MODIFIED,
                stamp.clone(),
                meta.clone(),
            ));
        }
        for (path, file_title) in self.files {
            let f = iris.source_file(self.id, crate::rdf::mapping::file_stem(path));
            quads.extend([
                Quad::new(f.clone(), rdf::TYPE, prov::ENTITY, meta.clone()),
                Quad::new(f.clone(), dcterms::TITLE, text(file_title), meta.clone()),
                Quad::new(f.clone(), iris.vocab(pal::FILE), text(path), meta.clone()),
                Quad::new(f, dcterms::IS_PART_OF, graph.clone(), meta.clone()),
            ]);
        }
        quads
    }

    /// Replace the description: its files' nodes and title always, its
    /// modified date only when the source changed (`stamp`).
    pub fn describe(
        &self,
        tx: &mut Transaction<'_>,
        iris: &Iris,
        stamp: Option<&Literal>,
    ) -> Result<(), Error> {
        let meta = iris.meta_graph();
        let graph = iris.graph(self.id);
        // The files' nodes, found by what they are part of: a lookup per
        // file, never a scan of the meta graph.
        let parts = tx.quads_for_pattern(
            None,
            Some(dcterms::IS_PART_OF),
            Some(graph.as_ref().into()),
            Some(GraphNameRef::from(&meta)),
        );
        let files: Vec<NamedOrBlankNode> =
            itertools::process_results(parts, |quads| quads.map(|q| q.subject).collect())?;
        for file in &files {
            remove_all(tx, Some(file.as_ref()), None, GraphNameRef::from(&meta))?;
        }
        let mut replaced = vec![dcterms::TITLE];
        if stamp.is_some() {
            replaced.push(dcterms::MODIFIED);
        }
        for p in replaced {
            remove_all(
                tx,
                Some(graph.as_ref().into()),
                Some(p),
                GraphNameRef::from(&meta),
            )?;
        }
        tx.extend(&self.quads(iris, stamp));
        Ok(())
    }
}

/// Whether the meta graph says anything of this source graph.
pub fn describes(store: &Store, iris: &Iris, graph: &NamedNode) -> Result<bool, Error> {
    let meta = iris.meta_graph();
    Ok(store
        .quads_for_pattern(
            Some(graph.as_ref().into()),
            None,
            None,
            Some(GraphNameRef::from(&meta)),
        )
        .next()
        .transpose()?
        .is_some())
}

// ---------------------------------------------------------------------------
// The bulk loader's journal

/// Write a journal entry per graph a bulk import is about to ingest.
pub fn journal(tx: &mut Transaction<'_>, iris: &Iris, graphs: &[NamedNode], stamp: &Literal) {
    let meta = iris.meta_graph();
    let pending = iris.vocab(pal::IMPORT_PENDING);
    for graph in graphs {
        tx.insert(&Quad::new(
            graph.clone(),
            pending.clone(),
            stamp.clone(),
            meta.clone(),
        ));
    }
}

/// Journal entries of bulk imports not finished: (entry, graph, stamp).
pub fn pending(store: &Store, iris: &Iris) -> Result<Vec<Quad>, Error> {
    let meta = iris.meta_graph();
    let pending = iris.vocab(pal::IMPORT_PENDING);
    store
        .quads_for_pattern(
            None,
            Some(pending.as_ref()),
            None,
            Some(GraphNameRef::from(&meta)),
        )
        .collect()
}

/// Meta-graph quads that records of freshly ingested sources replace: the
/// deletion mark of an id that is back, and its older change stamps.
/// `ingested` pairs each graph with the stamp its records got. Only a
/// deleted id can have them: ids alive in another source are refused before
/// an import starts, so the deletion marks are the only place to look.
pub fn stale_after_ingest(
    store: &Store,
    iris: &Iris,
    ingested: &[(NamedNode, Term)],
) -> Result<Vec<Quad>, Error> {
    if ingested.is_empty() {
        return Ok(Vec::new());
    }
    let meta = iris.meta_graph();
    let meta = GraphNameRef::from(&meta);
    let deleted = iris.vocab(pal::DELETED);
    let marks: Vec<Quad> = store
        .quads_for_pattern(None, Some(deleted.as_ref()), None, Some(meta))
        .collect::<Result<_, _>>()?;
    let mut stale = Vec::new();
    for mark in marks {
        let NamedOrBlankNode::NamedNode(record) = &mark.subject else {
            continue;
        };
        for (graph, current) in ingested {
            let mut typed = store.quads_for_pattern(
                Some(record.as_ref().into()),
                Some(rdf::TYPE),
                None,
                Some(GraphNameRef::NamedNode(graph.as_ref())),
            );
            if typed.next().transpose()?.is_none() {
                continue;
            }
            for q in store.quads_for_pattern(
                Some(record.as_ref().into()),
                Some(dcterms::MODIFIED),
                None,
                Some(meta),
            ) {
                let q = q?;
                if &q.object != current {
                    stale.push(q);
                }
            }
            stale.push(mark.clone());
            break;
        }
    }
    Ok(stale)
}

// ---------------------------------------------------------------------------
// Harvest state

/// What one harvest state is remembered by: a harvest of the same
/// endpoint, set and format goes on from where the last one ended.
#[derive(Debug, Clone)]
pub struct HarvestKey {
    pub endpoint: String,
    pub set: Option<String>,
    pub prefix: String,
}

/// How a harvest ended, to remember.
#[derive(Debug, Clone)]
pub struct HarvestRun<'a> {
    /// The repository's `responseDate` of the harvest's first response.
    pub response_date: &'a str,
    /// When the harvest ended (an `xsd:dateTime` lexical form).
    pub ended: &'a str,
    /// (record id, OAI identifier) of each record received.
    pub derived: &'a [(String, String)],
}

impl HarvestKey {
    /// `{graph}/harvest/{hash}`: under the source's graph IRI, but not a
    /// `#` part of it (an import rewrites those).
    fn node(&self, iris: &Iris, source: &str) -> NamedNode {
        let key = format!(
            "{}\n{}\n{}",
            self.endpoint,
            self.set.as_deref().unwrap_or(""),
            self.prefix
        );
        NamedNode::new_unchecked(format!(
            "{}/harvest/{}",
            iris.graph(source).as_str(),
            short_hash(&key)
        ))
    }

    /// The `responseDate`s the last harvest of this key remembered (one,
    /// unless the graph was edited by hand).
    pub fn response_dates(
        &self,
        store: &Store,
        iris: &Iris,
        source: &str,
    ) -> Result<Vec<String>, Error> {
        let node = self.node(iris, source);
        let p = iris.vocab(pal::OAI_RESPONSE_DATE);
        literals(store, iris, Some(node.as_ref()), p.as_ref(), |dates| {
            dates.map(|(_, l)| l.value().to_string()).collect()
        })
    }

    /// Remember where this harvest ended, and where its records came from.
    pub fn remember(
        &self,
        tx: &mut Transaction<'_>,
        iris: &Iris,
        source: &str,
        run: &HarvestRun<'_>,
    ) -> Result<(), Error> {
        let meta = iris.meta_graph();
        let node = self.node(iris, source);
        let graph = iris.graph(source);
        let endpoint = NamedNode::new(&self.endpoint).ok();
        remove_all(
            tx,
            Some(node.as_ref().into()),
            None,
            GraphNameRef::from(&meta),
        )?;
        let date = |v: &str| Term::from(Literal::new_typed_literal(v, xsd::DATE_TIME));
        let text = |v: &str| Term::from(Literal::new_simple_literal(v));
        let mut facts: Vec<(NamedNode, NamedNode, Term)> = vec![
            (node.clone(), rdf::TYPE.into(), prov::ACTIVITY.into()),
            (node.clone(), prov::GENERATED.into(), graph.clone().into()),
            (node.clone(), prov::ENDED_AT_TIME.into(), date(run.ended)),
            (
                node.clone(),
                iris.vocab(pal::OAI_RESPONSE_DATE),
                date(run.response_date),
            ),
            (
                node.clone(),
                iris.vocab(pal::OAI_METADATA_PREFIX),
                text(&self.prefix),
            ),
        ];
        if let Some(set) = &self.set {
            facts.push((node.clone(), iris.vocab(pal::OAI_SET), text(set)));
        }
        if let Some(e) = &endpoint {
            facts.push((node.clone(), prov::USED.into(), e.clone().into()));
            facts.push((graph.clone(), dcterms::SOURCE.into(), e.clone().into()));
            facts.push((
                graph.clone(),
                prov::WAS_DERIVED_FROM.into(),
                e.clone().into(),
            ));
        }
        for (id, identifier) in run.derived {
            if let Ok(remote) = NamedNode::new(identifier) {
                facts.push((
                    iris.record(id),
                    prov::WAS_DERIVED_FROM.into(),
                    remote.into(),
                ));
            }
        }
        for (s, p, o) in facts {
            tx.insert(&Quad::new(s, p, o, meta.clone()));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_written_base_is_found_whatever_the_base() {
        let store = Store::memory().unwrap();
        let written = Iris::new("http://a.example/");
        let other = Iris::new("http://b.example/");
        assert!(written_bases(&store, &other).unwrap().is_empty());
        check_base(&store, &other).unwrap();
        // A store from a build that did not say: its meta graph's name.
        let stamp = stamp(OffsetDateTime::UNIX_EPOCH).unwrap();
        store
            .transaction(|tx| {
                tx.insert(&stamp_quad(&written, "r", &stamp));
                Ok(())
            })
            .unwrap();
        let found = written_bases(&store, &other).unwrap();
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["http://a.example/"]);
        // Said in the meta graph, with every source description.
        let source = Source {
            id: "s",
            title: "S",
            files: &[],
        };
        store
            .transaction(|tx| {
                tx.extend(&source.quads(&written, None));
                Ok(())
            })
            .unwrap();
        let found = written_bases(&store, &other).unwrap();
        assert_eq!(found.into_iter().collect::<Vec<_>>(), ["http://a.example/"]);
        check_base(&store, &written).unwrap();
        let err = check_base(&store, &other).unwrap_err().to_string();
        assert!(
            err.contains("written with base IRI http://a.example/, not http://b.example/")
                && err.contains("--base-iri http://a.example/"),
            "{err}"
        );
    }
}
