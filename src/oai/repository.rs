//! What the provider sees of the store: items (live or deleted) with their
//! datestamps, the set hierarchy, and concept labels.
//!
//! An item is any record IRI that has a `dcterms:modified` in the meta graph
//! or is typed `dcterms:BibliographicResource` in a source graph. It is
//! deleted when no source graph types it any more: that covers a re-import
//! without it and a SPARQL delete alike, whether or not the writer also set
//! `pal:deleted`, so a record never silently vanishes from the provider.

use super::args::{canonical_datestamp, is_metadata_prefix};
use crate::error::Error;
use crate::rdf::vocab::{dcterms, skos};
use crate::rdf::{Iris, meta};
use crate::store::Store;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// The header facts of one item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub id: String,
    pub datestamp: String,
    pub deleted: bool,
}

/// Every item, ordered by (datestamp, id): the order lists are paged in.
pub fn items(store: &Store, iris: &Iris) -> Result<Vec<Item>, Error> {
    let meta = iris.meta_graph();
    let mut stamps: BTreeMap<String, String> = BTreeMap::new();
    for (id, stamp) in meta::stamps(store, iris)? {
        if let Some(d) = canonical_datestamp(&stamp) {
            // Two stamps (a writer that forgot to remove the old one): the
            // later one is the record's last change.
            let e = stamps.entry(id).or_default();
            if *e < d {
                *e = d;
            }
        }
    }
    let live = live_ids(store, iris, &meta)?;
    // A live record nobody stamped (written straight into a graph) is still
    // listed; it gets the earliest datestamp, so full harvests include it.
    let earliest = stamps
        .values()
        .min()
        .cloned()
        .unwrap_or_else(|| EPOCH.into());
    let mut ids: BTreeSet<&String> = stamps.keys().collect();
    ids.extend(live.iter());
    let mut out: Vec<Item> = ids
        .into_iter()
        .map(|id| Item {
            id: id.clone(),
            datestamp: stamps.get(id).cloned().unwrap_or_else(|| earliest.clone()),
            deleted: !live.contains(id),
        })
        .collect();
    out.sort_by(|a, b| (&a.datestamp, &a.id).cmp(&(&b.datestamp, &b.id)));
    Ok(out)
}

/// One item, for GetRecord and ListMetadataFormats.
pub fn item(store: &Store, iris: &Iris, id: &str) -> Result<Option<Item>, Error> {
    let s = iris.record(id);
    if iris.record_id(s.as_str()) != Some(id) {
        return Ok(None);
    }
    let meta = iris.meta_graph();
    let typed = store.quads_for_pattern(
        Some(s.as_ref().into()),
        Some(rdf::TYPE),
        Some(dcterms::BIBLIOGRAPHIC_RESOURCE.into()),
        None,
    );
    let live = itertools::process_results(typed, |mut quads| quads.any(|q| q.graph_name != meta))?;
    let stamp = meta::modified(store, iris, id)?.and_then(|v| canonical_datestamp(&v));
    match (live, stamp) {
        (false, None) => Ok(None),
        (live, Some(d)) => Ok(Some(Item {
            id: id.to_string(),
            datestamp: d,
            deleted: !live,
        })),
        (true, None) => {
            let earliest = earliest_datestamp(store, iris)?;
            Ok(Some(Item {
                id: id.to_string(),
                datestamp: earliest,
                deleted: false,
            }))
        }
    }
}

/// The earliest datestamp of the repository (Identify).
pub fn earliest_datestamp(store: &Store, iris: &Iris) -> Result<String, Error> {
    Ok(items(store, iris)?
        .into_iter()
        .map(|i| i.datestamp)
        .min()
        .unwrap_or_else(|| EPOCH.into()))
}

const EPOCH: &str = "1970-01-01T00:00:00Z";

fn live_ids(store: &Store, iris: &Iris, meta: &GraphName) -> Result<BTreeSet<String>, Error> {
    let mut live = BTreeSet::new();
    for q in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        Some(dcterms::BIBLIOGRAPHIC_RESOURCE.into()),
        None,
    ) {
        let q = q?;
        if &q.graph_name == meta {
            continue;
        }
        if let NamedOrBlankNode::NamedNode(s) = &q.subject
            && let Some(id) = iris.record_id(s.as_str())
            && !s.as_str().contains('#')
        {
            live.insert(id.to_string());
        }
    }
    Ok(live)
}

/// One OAI set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Set {
    pub spec: String,
    pub name: String,
    /// The SKOS concept (or scheme) the set stands for.
    pub iri: String,
}

/// The set hierarchy: `category` and `region` at the top, one set per
/// concept below, regions nested along `skos:broader`.
#[derive(Debug, Clone, Default)]
pub struct Sets {
    pub sets: Vec<Set>,
    by_concept: HashMap<String, String>,
}

/// The kinds of concept offered as sets: (setSpec root, IRI segment, name).
const SET_ROOTS: [(&str, &str, &str); 2] = [
    ("category", "category", "Categories"),
    ("region", "region", "Regions"),
];

/// "Worldwide" is the top concept of the region scheme, but as a set it
/// means "covers the whole world", not "contains every region": other
/// regions are not nested under it.
const REGION_TOP: &str = "worldwide";

impl Sets {
    pub fn load(store: &Store, iris: &Iris, labels: &Labels) -> Result<Sets, Error> {
        let vocab = iris.vocab_graph();
        let mut sets = Vec::new();
        let mut by_concept = HashMap::new();
        for (root, segment, name) in SET_ROOTS {
            let scheme = iris.scheme(segment);
            let prefix = scheme.as_str().to_string();
            let mut keys: BTreeSet<String> = BTreeSet::new();
            for q in store.quads_for_pattern(
                None,
                Some(skos::IN_SCHEME),
                Some(scheme.as_ref().into()),
                Some(GraphNameRef::from(&vocab)),
            ) {
                if let NamedOrBlankNode::NamedNode(n) = q?.subject
                    && let Some(key) = n.as_str().strip_prefix(&prefix)
                    && is_metadata_prefix(key)
                {
                    keys.insert(key.to_string());
                }
            }
            if keys.is_empty() {
                continue;
            }
            let mut broader: HashMap<String, String> = HashMap::new();
            for key in &keys {
                let concept = iris.scheme(segment).as_str().to_string() + key;
                let node = oxigraph::model::NamedNode::new_unchecked(concept);
                // Several broader concepts: the first key wins, so the
                // hierarchy is a tree and stable.
                let broader_quads = store.quads_for_pattern(
                    Some(node.as_ref().into()),
                    Some(skos::BROADER),
                    None,
                    Some(GraphNameRef::from(&vocab)),
                );
                let parent = itertools::process_results(broader_quads, |quads| {
                    quads
                        .filter_map(|q| match q.object {
                            Term::NamedNode(p) => {
                                p.as_str().strip_prefix(&prefix).map(str::to_string)
                            }
                            _ => None,
                        })
                        .filter(|p| keys.contains(p))
                        .min()
                })?;
                if let Some(p) = parent {
                    broader.insert(key.clone(), p);
                }
            }
            sets.push(Set {
                spec: root.to_string(),
                name: name.to_string(),
                iri: prefix.clone(),
            });
            let mut specs: Vec<(String, String)> = keys
                .iter()
                .map(|key| {
                    let mut path = vec![key.clone()];
                    let mut cur = key.clone();
                    // Bounded: a cycle in the data must not hang a request.
                    while path.len() < 16 {
                        match broader.get(&cur) {
                            Some(p) if p != REGION_TOP && !path.contains(p) => {
                                path.push(p.clone());
                                cur = p.clone();
                            }
                            _ => break,
                        }
                    }
                    path.push(root.to_string());
                    path.reverse();
                    (path.join(":"), key.clone())
                })
                .collect();
            specs.sort();
            for (spec, key) in specs {
                let iri = format!("{prefix}{key}");
                let name = labels.get(&iri).unwrap_or(&key).to_string();
                by_concept.insert(iri.clone(), spec.clone());
                sets.push(Set { spec, name, iri });
            }
        }
        Ok(Sets { sets, by_concept })
    }

    pub fn exists(&self, spec: &str) -> bool {
        self.sets.iter().any(|s| s.spec == spec)
    }

    /// The setSpecs of a live record: one per category and region it has.
    pub fn of_record(&self, store: &Store, iris: &Iris, id: &str) -> Result<Vec<String>, Error> {
        let mut specs = self.of_records(store, iris, std::slice::from_ref(&id.to_string()))?;
        Ok(specs.pop().unwrap_or_default())
    }

    /// [`Sets::of_record`] for several records at once, in the order of
    /// `ids`: one batched read per page, not one per record.
    pub fn of_records(
        &self,
        store: &Store,
        iris: &Iris,
        ids: &[String],
    ) -> Result<Vec<Vec<String>>, Error> {
        let subjects: Vec<NamedNode> = ids.iter().map(|id| iris.record(id)).collect();
        let mut out = vec![BTreeSet::new(); ids.len()];
        for p in [dcterms::SUBJECT, dcterms::SPATIAL] {
            for (specs, objects) in out.iter_mut().zip(store.objects_of(&subjects, p, None)?) {
                for o in objects {
                    if let Term::NamedNode(o) = o
                        && let Some(spec) = self.by_concept.get(o.as_str())
                    {
                        specs.insert(spec.clone());
                    }
                }
            }
        }
        Ok(out
            .into_iter()
            .map(|specs| specs.into_iter().collect())
            .collect())
    }
}

/// Whether a record with these setSpecs belongs to `set` (or a set below it).
pub fn in_set(specs: &[String], set: &str) -> bool {
    specs
        .iter()
        .any(|s| s == set || (s.starts_with(set) && s.as_bytes().get(set.len()) == Some(&b':')))
}

/// `skos:prefLabel` of every concept in the vocabulary graph, English first.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    by_iri: HashMap<String, (bool, String)>,
}

impl Labels {
    pub fn load(store: &Store, iris: &Iris) -> Result<Labels, Error> {
        let vocab = iris.vocab_graph();
        let mut by_iri: HashMap<String, (bool, String)> = HashMap::new();
        for q in store.quads_for_pattern(
            None,
            Some(skos::PREF_LABEL),
            None,
            Some(GraphNameRef::from(&vocab)),
        ) {
            let q = q?;
            if let (NamedOrBlankNode::NamedNode(s), Term::Literal(l)) = (&q.subject, &q.object) {
                let english = l.language().is_none_or(|lang| lang == "en");
                let e = by_iri
                    .entry(s.as_str().to_string())
                    .or_insert((english, l.value().to_string()));
                if english && !e.0 {
                    *e = (true, l.value().to_string());
                }
            }
        }
        Ok(Labels { by_iri })
    }

    pub fn get(&self, iri: &str) -> Option<&str> {
        self.by_iri.get(iri).map(|(_, l)| l.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::in_set;

    #[test]
    fn set_membership_follows_the_hierarchy() {
        let specs = vec!["region:europe:south-eastern-europe".to_string()];
        assert!(in_set(&specs, "region"));
        assert!(in_set(&specs, "region:europe"));
        assert!(in_set(&specs, "region:europe:south-eastern-europe"));
        assert!(!in_set(&specs, "region:euro"));
        assert!(!in_set(&specs, "category"));
    }
}
