//! The write: map each source's records to quads, tell which records
//! changed, and replace the graphs in one transaction with the change
//! stamps, tombstones and source descriptions (`rdf::meta`).

use super::{Mode, SourceBatch};
use crate::error::Error;
use crate::rdf::mapping::{Mapper, Role};
use crate::rdf::vocab::pal;
use crate::rdf::{Iris, meta, schemes};
use crate::report::{ImportReport, Merge, SourceReport};
use crate::store::Store;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode, Quad};
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;

/// A digest of each record's quads (as sorted N-Triples lines), to tell
/// which records an import really changed. Source line numbers do not
/// count: an edit above an entry moves it without changing the record, and
/// harvesters should not re-fetch it for that. Digests, not the lines, so
/// that comparing a large source costs 32 bytes a record.
fn by_record(iris: &Iris, quads: &[Quad]) -> BTreeMap<String, [u8; 32]> {
    use sha2::Digest;
    let location = iris.vocab(pal::SOURCE_LOCATION);
    let mut members: BTreeMap<&str, Vec<&Quad>> = BTreeMap::new();
    for q in quads {
        if q.predicate == location {
            continue;
        }
        if let NamedOrBlankNode::NamedNode(s) = &q.subject
            && let Some(id) = iris.record_id(s.as_str())
        {
            members.entry(id).or_default().push(q);
        }
    }
    members
        .into_iter()
        .map(|(id, qs)| {
            let mut lines: Vec<String> = qs
                .iter()
                .map(|q| format!("{} {} {}", q.subject, q.predicate, q.object))
                .collect();
            lines.sort_unstable();
            lines.dedup();
            let mut hasher = sha2::Sha256::new();
            for l in &lines {
                hasher.update(l.as_bytes());
                hasher.update(b"\n");
            }
            (id.to_string(), hasher.finalize().into())
        })
        .collect()
}

/// Write the batches in one transaction: each source's graph replaced
/// (or merged), changed records stamped, the sources described.
pub(super) fn write(
    store: &Store,
    iris: &Iris,
    batches: &[SourceBatch],
    now: OffsetDateTime,
    report: &mut ImportReport,
) -> Result<(), Error> {
    let stamp = meta::stamp(now)?;
    let vocab = iris.vocab_graph();

    let mut vocab_quads = schemes::vocabulary_quads(iris);
    let ontology = schemes::ontology_quads(iris);
    let mut agents = Mapper::new(iris, vocab.clone());
    let mut plans = Vec::new();
    for batch in batches {
        let graph = iris.graph(&batch.id);
        let mut mapper = Mapper::new(iris, graph.clone().into());
        for (r, role) in &batch.records {
            mapper.record(r, *role);
            for a in r.agents() {
                agents.agent(a);
            }
        }
        let old = store.graph_quads(graph.as_ref())?;
        let mut old_by = by_record(iris, &old);
        let new_by = by_record(iris, &mapper.quads);
        // Quads to take out of the graph: all of it, or the given records'.
        let outgoing: Vec<Quad> = match &batch.mode {
            Mode::Replace => old,
            Mode::Merge { delete } => {
                old_by.retain(|id, _| new_by.contains_key(id) || delete.contains(id));
                old.into_iter()
                    .filter(|q| match &q.subject {
                        NamedOrBlankNode::NamedNode(n) => iris
                            .record_id(n.as_str())
                            .is_some_and(|id| old_by.contains_key(id)),
                        _ => false,
                    })
                    .collect()
            }
        };
        let mut sr = SourceReport {
            id: batch.id.clone(),
            records: batch.records.len(),
            ..SourceReport::default()
        };
        let mut changed = BTreeSet::new();
        for (id, triples) in &new_by {
            match old_by.get(id) {
                None => {
                    sr.added += 1;
                    changed.insert(id.clone());
                }
                Some(o) if o != triples => {
                    sr.changed += 1;
                    changed.insert(id.clone());
                }
                Some(_) => sr.unchanged += 1,
            }
        }
        let removed: Vec<String> = old_by
            .keys()
            .filter(|id| !new_by.contains_key(*id))
            .cloned()
            .collect();
        sr.removed = removed.len();
        changed.extend(removed.iter().cloned());
        report.sources.push(sr);
        plans.push((batch, graph, mapper.quads, changed, outgoing));
    }
    vocab_quads.extend(agents.quads);

    store.transaction(|tx| {
        let mut change = crate::change::ChangeSet::default();
        tx.clear_graph(GraphNameRef::from(&iris.ontology_graph()))?;
        tx.extend(&ontology);
        tx.extend(&vocab_quads);
        for (batch, graph, quads, changed, outgoing) in &plans {
            if batch.mode == Mode::Replace {
                tx.clear_graph(graph.as_ref())?;
            } else {
                for q in outgoing {
                    tx.remove(q);
                }
            }
            tx.extend(quads);
            let source_changed = !changed.is_empty();
            // Removed records are among `changed`: `touch` marks them
            // deleted only when no other source still holds them.
            change.merge(meta::touch(tx, iris, changed, now)?.change());
            batch
                .meta()
                .describe(tx, iris, source_changed.then_some(&stamp))?;
        }
        remove_orphan_agents(tx, iris)?;
        meta::commit(tx, iris, &change, now)?;
        Ok(())
    })?;
    summarise(batches, report);
    Ok(())
}

/// The parts of the report that follow from the records alone.
pub(super) fn summarise(batches: &[SourceBatch], report: &mut ImportReport) {
    report.records = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Primary)
        .count();
    report.contributions = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Contribution)
        .map(|(r, _)| Merge::from(r))
        .collect();
    for batch in batches {
        for (r, _) in &batch.records {
            if r.provenance.len() > 1 {
                report.merged.push(Merge::from(r));
            }
            for repair in &r.repairs {
                report.repairs.push((r.id.clone(), repair.clone()));
            }
        }
    }
}

/// Agents that no record names any more leave the vocabulary graph.
fn remove_orphan_agents(tx: &mut crate::store::Transaction<'_>, iris: &Iris) -> Result<(), Error> {
    let vocab = iris.vocab_graph();
    let prefix = iris.agent("").as_str().to_string();
    let in_vocab = tx.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&vocab)));
    let agents: BTreeSet<NamedNode> = itertools::process_results(in_vocab, |quads| {
        quads
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) if n.as_str().starts_with(&prefix) => Some(n),
                _ => None,
            })
            .collect()
    })?;
    for agent in agents {
        let mentions = tx.quads_for_pattern(None, None, Some(agent.as_ref().into()), None);
        let used =
            itertools::process_results(mentions, |mut quads| quads.any(|q| q.graph_name != vocab))?;
        if !used {
            let quads: Vec<Quad> = tx
                .quads_for_pattern(
                    Some(agent.as_ref().into()),
                    None,
                    None,
                    Some(GraphNameRef::from(&vocab)),
                )
                .collect::<Result<_, _>>()?;
            for q in &quads {
                tx.remove(q);
            }
        }
    }
    Ok(())
}
