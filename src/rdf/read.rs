//! Triples -> Record: read a record back from what the store holds (the union
//! of all graphs), so that anything added by import, update or harvest
//! exports alike.

use super::{Iris, ns, term};
use crate::record::{Agent, Provenance, Record, RecordKind, Repair};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNodeRef, Quad, Term};
use oxigraph::store::{StorageError, Store};
use std::collections::BTreeSet;

/// All quads about `subject`, in any graph, without duplicates.
fn about(store: &Store, subject: &NamedNode) -> Result<Vec<Quad>, StorageError> {
    let mut quads: Vec<Quad> = store
        .quads_for_pattern(
            Some(NamedOrBlankNodeRef::from(subject.as_ref())),
            None,
            None,
            None,
        )
        .collect::<Result<_, _>>()?;
    quads.sort_by_key(|q| {
        (
            q.predicate.to_string(),
            q.object.to_string(),
            q.graph_name.to_string(),
        )
    });
    quads.dedup_by(|a, b| a.predicate == b.predicate && a.object == b.object);
    Ok(quads)
}

fn literals(quads: &[Quad], predicate: &NamedNode) -> Vec<String> {
    let mut out: Vec<String> = quads
        .iter()
        .filter(|q| &q.predicate == predicate)
        .filter_map(|q| match &q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
        .collect();
    out.dedup();
    out
}

fn objects(quads: &[Quad], predicate: &NamedNode) -> Vec<NamedNode> {
    quads
        .iter()
        .filter(|q| &q.predicate == predicate)
        .filter_map(|q| match &q.object {
            Term::NamedNode(n) => Some(n.clone()),
            _ => None,
        })
        .collect()
}

/// The record with this id, or `None` when the store has no title for it.
pub fn record(store: &Store, iris: &Iris, id: &str) -> Result<Option<Record>, StorageError> {
    let s = iris.record(id);
    let quads = about(store, &s)?;
    let dc = |l: &str| term(ns::DCTERMS, l);
    let Some(title) = literals(&quads, &dc("title")).into_iter().next() else {
        return Ok(None);
    };
    let vocab_prefix = iris.vocab("").as_str().to_string();
    let kind = objects(&quads, &rdf::TYPE.into_owned())
        .iter()
        .filter_map(|t| t.as_str().strip_prefix(&vocab_prefix))
        .find_map(RecordKind::from_class_name)
        .unwrap_or(RecordKind::Document);
    let year = literals(&quads, &dc("issued"))
        .iter()
        .filter_map(|y| y.get(..4).and_then(|y| y.parse().ok()))
        .min();

    let authors = match objects(&quads, &term(ns::BIBO, "authorList")).first() {
        Some(head) => list_members(store, head)?,
        None => objects(&quads, &dc("creator")),
    };
    let authors = authors
        .iter()
        .map(|a| agent(store, a))
        .collect::<Result<Vec<_>, _>>()?;
    let mut publishers = Vec::new();
    for p in objects(&quads, &dc("publisher")) {
        let a = agent(store, &p)?;
        if !publishers.contains(&a) {
            publishers.push(a);
        }
    }

    let keys_under = |predicate: &str, segment: &str| -> BTreeSet<String> {
        let prefix = format!("{}id/{segment}/", iris.base());
        objects(&quads, &dc(predicate))
            .iter()
            .filter_map(|o| o.as_str().strip_prefix(&prefix).map(str::to_string))
            .collect()
    };

    let mut provenance: Vec<Provenance> = quads
        .iter()
        .filter(|q| q.predicate == iris.vocab("sourceLocation"))
        .filter_map(|q| {
            let Term::Literal(l) = &q.object else {
                return None;
            };
            let (file, line) = l.value().rsplit_once(':')?;
            let graph = q.graph_name.to_string();
            let source = graph
                .trim_matches(|c| c == '<' || c == '>')
                .rsplit('/')
                .next()?
                .to_string();
            Some(Provenance {
                source,
                file: file.to_string(),
                line: line.parse().ok()?,
            })
        })
        .collect();
    provenance.sort_by(|a, b| (&a.source, &a.file, a.line).cmp(&(&b.source, &b.file, b.line)));

    let mut repairs = Vec::new();
    for node in objects(&quads, &iris.vocab("repair")) {
        let rq = about(store, &node)?;
        let one = |p: &str| {
            literals(&rq, &iris.vocab(p))
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        repairs.push(Repair {
            field: one("field"),
            original: one("originalValue"),
            repaired: one("repairedValue"),
            guess: one("isGuess") == "true",
            reason: literals(&rq, &oxigraph::model::vocab::rdfs::COMMENT.into_owned())
                .into_iter()
                .next()
                .unwrap_or_default(),
        });
    }

    Ok(Some(Record {
        id: id.to_string(),
        title,
        alternative_titles: literals(&quads, &dc("alternative")),
        abstract_text: literals(&quads, &dc("abstract")).into_iter().next(),
        description: literals(&quads, &dc("description")).into_iter().next(),
        kind,
        year,
        authors,
        publishers,
        languages: keys_under("language", "language").into_iter().collect(),
        countries: keys_under("spatial", "country").into_iter().collect(),
        regions: keys_under("spatial", "region").into_iter().collect(),
        categories: keys_under("subject", "category").into_iter().collect(),
        citation: literals(&quads, &dc("bibliographicCitation"))
            .into_iter()
            .next(),
        note: literals(&quads, &term(ns::SKOS, "note")).into_iter().next(),
        provenance,
        repairs,
    }))
}

/// Members of an RDF list, in order. Stops at cycles.
fn list_members(store: &Store, head: &NamedNode) -> Result<Vec<NamedNode>, StorageError> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut cell: Term = head.clone().into();
    while let Term::NamedNode(node) = &cell {
        if node.as_ref() == rdf::NIL || !seen.insert(node.clone()) {
            break;
        }
        let quads = about(store, node)?;
        if let Some(first) = objects(&quads, &rdf::FIRST.into_owned()).into_iter().next() {
            out.push(first);
        }
        match quads.iter().find(|q| q.predicate == rdf::REST) {
            Some(q) => cell = q.object.clone(),
            None => break,
        }
    }
    Ok(out)
}

/// Read an agent: a person when typed foaf:Person, else an organisation.
fn agent(store: &Store, iri: &NamedNode) -> Result<Agent, StorageError> {
    let quads = about(store, iri)?;
    let first = |ns_: &str, l: &str| literals(&quads, &term(ns_, l)).into_iter().next();
    let is_person = objects(&quads, &rdf::TYPE.into_owned()).iter().any(|t| {
        t.as_str() == format!("{}Person", ns::FOAF) || t.as_str() == format!("{}Person", ns::SCHEMA)
    });
    let name = first(ns::FOAF, "name")
        .or_else(|| first(ns::SCHEMA, "name"))
        .or_else(|| first(ns::RDFS, "label"))
        .unwrap_or_else(|| {
            iri.as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
    Ok(if is_person {
        Agent::Person {
            given: first(ns::FOAF, "givenName").or_else(|| first(ns::SCHEMA, "givenName")),
            family: first(ns::FOAF, "familyName")
                .or_else(|| first(ns::SCHEMA, "familyName"))
                .unwrap_or(name),
        }
    } else {
        Agent::Organization {
            name,
            acronym: first(ns::SCHEMA, "alternateName"),
        }
    })
}

/// Ids of every record the store holds, sorted.
pub fn record_ids(store: &Store, iris: &Iris) -> Result<Vec<String>, StorageError> {
    let class = term(ns::DCTERMS, "BibliographicResource");
    let mut ids: Vec<String> = store
        .quads_for_pattern(None, Some(rdf::TYPE), Some(class.as_ref().into()), None)
        .filter_map(|q| match q {
            Ok(q) => match q.subject {
                oxigraph::model::NamedOrBlankNode::NamedNode(n) => {
                    iris.record_id(n.as_str()).map(str::to_string).map(Ok)
                }
                _ => None,
            },
            Err(e) => Some(Err(e)),
        })
        .collect::<Result<_, _>>()?;
    ids.sort();
    ids.dedup();
    Ok(ids)
}

/// `dcterms:modified` of a record, from the meta graph.
pub fn modified(store: &Store, iris: &Iris, id: &str) -> Result<Option<String>, StorageError> {
    let s = iris.record(id);
    let meta = iris.meta_graph();
    let p = term(ns::DCTERMS, "modified");
    Ok(store
        .quads_for_pattern(
            Some(s.as_ref().into()),
            Some(p.as_ref()),
            None,
            Some(GraphNameRef::from(&meta)),
        )
        .filter_map(Result::ok)
        .find_map(|q| match q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        }))
}
