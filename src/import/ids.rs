//! Record ids: a readable id from the title, unique across the import and
//! the store's other sources; a pinned id kept if it is free.

use super::SourceBatch;
use crate::error::Error;
use crate::normalize::{short_slug, slug};
use crate::rdf::Iris;
use crate::rdf::mapping::Role;
use crate::rdf::vocab::dcterms;
use crate::record::Record;
use crate::report::ImportReport;
use crate::store::Store;
use oxigraph::model::{GraphName, NamedOrBlankNode, Term};
use std::collections::{BTreeSet, HashMap, HashSet};

/// Give every primary record a readable id from its title, unique across
/// the batch and the store's other sources.
pub(super) fn assign_ids(
    store: &Store,
    iris: &Iris,
    batches: &mut [SourceBatch],
    report: &mut ImportReport,
) -> Result<(), Error> {
    let batch_sources: BTreeSet<String> = batches.iter().map(|b| b.id.clone()).collect();
    let mut ids = Ids::new(store, iris, &batch_sources)?;
    for batch in batches.iter_mut() {
        for (record, role) in batch.records.iter_mut() {
            if *role == Role::Contribution {
                continue;
            }
            if let Some(warning) = ids.assign(record, &batch.id)? {
                report.warnings.push(warning);
            }
        }
    }
    Ok(())
}

/// Record ids: those held by sources outside this import (with the title
/// they hold, for warnings) and those this import has given out.
pub(super) struct Ids {
    taken: HashMap<String, String>,
    used: HashSet<String>,
}

impl Ids {
    pub(super) fn new(
        store: &Store,
        iris: &Iris,
        batch_sources: &BTreeSet<String>,
    ) -> Result<Self, Error> {
        let mut taken: HashMap<String, String> = HashMap::new();
        for q in store.quads_for_pattern(None, Some(dcterms::TITLE), None, None) {
            let q = q?;
            let GraphName::NamedNode(g) = &q.graph_name else {
                continue;
            };
            let source = g.as_str().rsplit('/').next().unwrap_or_default();
            if batch_sources.contains(source) || iris.is_system_graph(g.as_str()) {
                continue;
            }
            if let (NamedOrBlankNode::NamedNode(s), Term::Literal(t)) = (&q.subject, &q.object)
                && let Some(id) = iris.record_id(s.as_str())
            {
                taken.insert(id.to_string(), t.value().to_string());
            }
        }
        let used = taken.keys().cloned().collect();
        Ok(Ids { taken, used })
    }

    /// Keep a pinned id if it is free, or give the record one from its
    /// title; say so when the title's id was taken.
    pub(super) fn assign(
        &mut self,
        record: &mut Record,
        source: &str,
    ) -> Result<Option<String>, Error> {
        if !record.id.is_empty() {
            if !self.used.insert(record.id.clone()) {
                return Err(Error::Import(format!(
                    "record id \"{}\" (pinned in {source}) is already used",
                    record.id
                )));
            }
            return Ok(None);
        }
        let base = short_slug(&record.title, 8, 60);
        let base = if base.is_empty() {
            "untitled".to_string()
        } else {
            base
        };
        let mut id = base.clone();
        if self.used.contains(&id)
            && let Some(y) = record.year
        {
            id = format!("{base}-{y}");
        }
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let warning = (id != base).then(|| {
            format!(
                "\"{}\": id \"{base}\" is taken{}, using \"{id}\"",
                record.title,
                self.taken
                    .get(&base)
                    .map(|t| format!(" by \"{t}\""))
                    .unwrap_or_default()
            )
        });
        self.used.insert(id.clone());
        record.id = id;
        Ok(warning)
    }
}

/// A source id names a graph of its own: a lowercase slug, not one of ours.
pub(super) fn check_source_id(iris: &Iris, id: &str) -> Result<(), Error> {
    if id.is_empty() || slug(id) != id {
        return Err(Error::Import(format!(
            "source id \"{id}\" must be a lowercase slug"
        )));
    }
    if iris.is_system_graph(iris.graph(id).as_str()) {
        return Err(Error::Import(format!(
            "source id \"{id}\" is reserved or repeated"
        )));
    }
    Ok(())
}
