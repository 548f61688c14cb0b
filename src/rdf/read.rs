//! Triples -> Record: read a record back from what the store holds (the union
//! of all graphs), so that anything added by import, update or harvest
//! exports alike.

use super::vocab::{bibo, dcterms, foaf, schema, skos};
use super::{Iris, container};
use crate::error::Error;
use crate::rdf::vocab::pal;
use crate::record::{Agent, Container, Provenance, Record, RecordKind, Repair};
use crate::store::Store;
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNodeRef, Quad, Term};
use std::collections::{BTreeSet, HashMap};

/// The order of `about`: by predicate, then object, then graph, compared
/// as text without building any (one read sorts a few dozen quads; bulk
/// exports do that a million times).
fn term_key(t: &Term) -> (u8, &str, &str) {
    match t {
        Term::Literal(l) => (0, l.value(), l.language().unwrap_or(l.datatype().as_str())),
        Term::NamedNode(n) => (1, n.as_str(), ""),
        Term::BlankNode(b) => (2, b.as_str(), ""),
    }
}

/// All quads about `subject`, in any graph, without duplicates.
fn about(store: &Store, subject: NamedOrBlankNodeRef<'_>) -> Result<Vec<Quad>, Error> {
    let mut quads: Vec<Quad> = store
        .quads_for_pattern(Some(subject), None, None, None)
        .collect::<Result<_, _>>()?;
    quads.sort_by(|a, b| {
        a.predicate
            .as_str()
            .cmp(b.predicate.as_str())
            .then_with(|| term_key(&a.object).cmp(&term_key(&b.object)))
            .then_with(|| a.graph_name.to_string().cmp(&b.graph_name.to_string()))
    });
    quads.dedup_by(|a, b| a.predicate == b.predicate && a.object == b.object);
    Ok(quads)
}

fn literals(quads: &[Quad], predicate: NamedNodeRef<'_>) -> Vec<String> {
    let mut out: Vec<String> = quads
        .iter()
        .filter(|q| q.predicate == predicate)
        .filter_map(|q| match &q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
        .collect();
    out.dedup();
    out
}

fn first_literal(quads: &[Quad], predicate: NamedNodeRef<'_>) -> Option<String> {
    quads
        .iter()
        .filter(|q| q.predicate == predicate)
        .find_map(|q| match &q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
}

fn objects<'q>(
    quads: &'q [Quad],
    predicate: NamedNodeRef<'q>,
) -> impl Iterator<Item = &'q NamedNode> {
    quads
        .iter()
        .filter(move |q| q.predicate == predicate)
        .filter_map(|q| match &q.object {
            Term::NamedNode(n) => Some(n),
            _ => None,
        })
}

/// The predicates a [`Reader`] follows from a record to the other nodes it
/// reads (author and editor lists and their cells, agents, the book of a
/// chapter, repairs): a record's neighbourhood is every node reachable
/// from it by these, which a remote engine answers for a page of records
/// in one query (`Store::records`).
pub fn followed(iris: &Iris) -> Vec<NamedNode> {
    let mut out: Vec<NamedNode> = [
        bibo::AUTHOR_LIST,
        dcterms::CREATOR,
        dcterms::PUBLISHER,
        container::EDITOR_LIST,
        rdf::FIRST,
        rdf::REST,
    ]
    .into_iter()
    .chain(container::IS_PART_OF)
    .chain(container::EDITOR)
    .map(NamedNodeRef::into_owned)
    .collect();
    out.push(iris.vocab(pal::REPAIR));
    out
}

/// Agents read so far, at most this many (a bulk export meets the same
/// authors and publishers again and again; this bounds its memory).
const AGENT_CACHE: usize = 100_000;

/// Reads records, keeping the agents it has read: one `Reader` per export
/// or index build, so shared authors cost one store read, not one per
/// record. Not for long-lived use: a write would leave its agents stale.
pub struct Reader<'a> {
    store: &'a Store,
    iris: &'a Iris,
    vocab_prefix: String,
    source_location: NamedNode,
    repair: NamedNode,
    agents: HashMap<NamedNode, Agent>,
}

impl<'a> Reader<'a> {
    pub fn new(store: &'a Store, iris: &'a Iris) -> Self {
        Reader {
            store,
            iris,
            vocab_prefix: iris.vocab("").as_str().to_string(),
            source_location: iris.vocab(pal::SOURCE_LOCATION),
            repair: iris.vocab(pal::REPAIR),
            agents: HashMap::new(),
        }
    }

    /// The record with this id, or `None` when the store has no title for it.
    pub fn record(&mut self, id: &str) -> Result<Option<Record>, Error> {
        let (store, iris) = (self.store, self.iris);
        let s = iris.record(id);
        let quads = about(store, s.as_ref().into())?;
        let Some(title) = first_literal(&quads, dcterms::TITLE) else {
            return Ok(None);
        };
        let kind = objects(&quads, rdf::TYPE)
            .filter_map(|c| c.as_str().strip_prefix(&self.vocab_prefix))
            .find_map(RecordKind::from_class_name)
            .unwrap_or(RecordKind::Document);
        let year = literals(&quads, dcterms::ISSUED)
            .iter()
            .filter_map(|y| y.get(..4).and_then(|y| y.parse().ok()))
            .min();

        let author_iris = match objects(&quads, bibo::AUTHOR_LIST).next() {
            Some(head) => list_members(store, head)?,
            None => objects(&quads, dcterms::CREATOR).cloned().collect(),
        };
        let authors = author_iris
            .iter()
            .map(|a| self.agent(a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut publishers = Vec::new();
        for p in objects(&quads, dcterms::PUBLISHER) {
            let a = self.agent(p)?;
            if !publishers.contains(&a) {
                publishers.push(a);
            }
        }

        let base = iris.base();
        let keys_under = |predicate: NamedNodeRef<'_>, segment: &str| -> Vec<String> {
            let keys: BTreeSet<String> = objects(&quads, predicate)
                .filter_map(|o| {
                    o.as_str()
                        .strip_prefix(base)
                        .and_then(|rest| rest.strip_prefix("id/"))
                        .and_then(|rest| rest.strip_prefix(segment))
                        .and_then(|rest| rest.strip_prefix('/'))
                        .map(str::to_string)
                })
                .collect();
            keys.into_iter().collect()
        };

        let mut provenance: Vec<Provenance> = quads
            .iter()
            .filter(|q| q.predicate == self.source_location)
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

        let container = match objects(&quads, container::IS_PART_OF[0]).next() {
            Some(book) => self.container(book)?,
            None => None,
        };

        let mut repairs = Vec::new();
        for node in objects(&quads, self.repair.as_ref()) {
            let rq = about(store, node.as_ref().into())?;
            let one = |p: &str| first_literal(&rq, iris.vocab(p).as_ref()).unwrap_or_default();
            repairs.push(Repair {
                field: one("field"),
                original: one("originalValue"),
                repaired: one("repairedValue"),
                guess: one("isGuess") == "true",
                reason: first_literal(&rq, rdfs::COMMENT).unwrap_or_default(),
            });
        }

        Ok(Some(Record {
            id: id.to_string(),
            title,
            alternative_titles: literals(&quads, dcterms::ALTERNATIVE),
            abstract_text: first_literal(&quads, dcterms::ABSTRACT),
            description: first_literal(&quads, dcterms::DESCRIPTION),
            kind,
            year,
            authors,
            publishers,
            place: first_literal(&quads, container::PLACE),
            container,
            languages: keys_under(dcterms::LANGUAGE, "language"),
            countries: keys_under(dcterms::SPATIAL, "country"),
            regions: keys_under(dcterms::SPATIAL, "region"),
            categories: keys_under(dcterms::SUBJECT, "category"),
            citation: first_literal(&quads, dcterms::BIBLIOGRAPHIC_CITATION),
            note: first_literal(&quads, skos::NOTE),
            editorial_notes: {
                // Quads come in store order: sorted, so a record reads the same every time.
                let mut n = literals(&quads, skos::EDITORIAL_NOTE);
                n.sort();
                n.dedup();
                n
            },
            provenance,
            repairs,
        }))
    }

    /// A chapter's book, when the node has a title.
    fn container(&mut self, book: &NamedNode) -> Result<Option<Container>, Error> {
        let quads = about(self.store, book.as_ref().into())?;
        let Some(title) = first_literal(&quads, dcterms::TITLE) else {
            return Ok(None);
        };
        let editor_iris = match objects(&quads, container::EDITOR_LIST).next() {
            Some(head) => list_members(self.store, head)?,
            None => objects(&quads, container::EDITOR[0]).cloned().collect(),
        };
        let editors = editor_iris
            .iter()
            .map(|a| self.agent(a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Container { title, editors }))
    }

    fn agent(&mut self, iri: &NamedNode) -> Result<Agent, Error> {
        if let Some(a) = self.agents.get(iri) {
            return Ok(a.clone());
        }
        let a = agent(self.store, iri)?;
        if self.agents.len() >= AGENT_CACHE {
            self.agents.clear();
        }
        self.agents.insert(iri.clone(), a.clone());
        Ok(a)
    }
}

/// The record with this id, or `None` when the store has no title for it.
/// On a remote engine, one request (`Store::records`) instead of one per
/// node read.
pub fn record(store: &Store, iris: &Iris, id: &str) -> Result<Option<Record>, Error> {
    if store.is_remote() {
        return Ok(store
            .records(iris, &[id.to_string()])?
            .into_iter()
            .next()
            .flatten());
    }
    Reader::new(store, iris).record(id)
}

/// Members of an RDF list, in order. Stops at cycles.
fn list_members(store: &Store, head: &NamedNode) -> Result<Vec<NamedNode>, Error> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut cell: Term = head.clone().into();
    while let Term::NamedNode(node) = &cell {
        if node.as_ref() == rdf::NIL || !seen.insert(node.clone()) {
            break;
        }
        let mut next = None;
        let mut first = None;
        for q in store.quads_for_pattern(Some(node.as_ref().into()), None, None, None) {
            let q = q?;
            if q.predicate == rdf::FIRST && first.is_none() {
                if let Term::NamedNode(n) = q.object {
                    first = Some(n);
                }
            } else if q.predicate == rdf::REST && next.is_none() {
                next = Some(q.object);
            }
        }
        out.extend(first);
        match next {
            Some(n) => cell = n,
            None => break,
        }
    }
    Ok(out)
}

/// Read an agent: a person when typed foaf:Person, else an organisation.
fn agent(store: &Store, iri: &NamedNode) -> Result<Agent, Error> {
    let quads = about(store, iri.as_ref().into())?;
    let first = |p: NamedNodeRef<'_>| first_literal(&quads, p);
    let is_person = objects(&quads, rdf::TYPE).any(|c| *c == foaf::PERSON || *c == schema::PERSON);
    let name = first(foaf::NAME)
        .or_else(|| first(schema::NAME))
        .or_else(|| first(rdfs::LABEL))
        .unwrap_or_else(|| {
            iri.as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
    Ok(if is_person {
        Agent::Person {
            given: first(foaf::GIVEN_NAME).or_else(|| first(schema::GIVEN_NAME)),
            family: first(foaf::FAMILY_NAME)
                .or_else(|| first(schema::FAMILY_NAME))
                .unwrap_or(name),
        }
    } else {
        Agent::Organization {
            name,
            acronym: first(schema::ALTERNATE_NAME),
        }
    })
}

/// Ids of every record the store holds, sorted.
pub fn record_ids(store: &Store, iris: &Iris) -> Result<Vec<String>, Error> {
    let mut ids: Vec<String> = store
        .quads_for_pattern(
            None,
            Some(rdf::TYPE),
            Some(dcterms::BIBLIOGRAPHIC_RESOURCE.into()),
            None,
        )
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
