//! Triples -> Record: read a record back from what the store holds (the union
//! of all graphs), so that anything added by import, update or harvest
//! exports alike.

use super::{Iris, container, ns, term};
use crate::record::{Agent, Container, Provenance, Record, RecordKind, Repair};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNodeRef, Quad, Term};
use oxigraph::store::{StorageError, Store};
use std::collections::{BTreeSet, HashMap};
use std::sync::LazyLock;

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
fn about(store: &Store, subject: NamedOrBlankNodeRef<'_>) -> Result<Vec<Quad>, StorageError> {
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

fn first_literal(quads: &[Quad], predicate: &NamedNode) -> Option<String> {
    quads
        .iter()
        .filter(|q| &q.predicate == predicate)
        .find_map(|q| match &q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
}

fn objects<'q>(quads: &'q [Quad], predicate: &NamedNode) -> impl Iterator<Item = &'q NamedNode> {
    quads
        .iter()
        .filter(move |q| &q.predicate == predicate)
        .filter_map(|q| match &q.object {
            Term::NamedNode(n) => Some(n),
            _ => None,
        })
}

/// The predicates a record is read with, built once.
struct Terms {
    title: NamedNode,
    alternative: NamedNode,
    abstract_: NamedNode,
    description: NamedNode,
    issued: NamedNode,
    author_list: NamedNode,
    creator: NamedNode,
    publisher: NamedNode,
    language: NamedNode,
    spatial: NamedNode,
    subject: NamedNode,
    citation: NamedNode,
    note: NamedNode,
    editorial_note: NamedNode,
    type_: NamedNode,
    foaf_name: NamedNode,
    schema_name: NamedNode,
    label: NamedNode,
    foaf_given: NamedNode,
    schema_given: NamedNode,
    foaf_family: NamedNode,
    schema_family: NamedNode,
    alternate_name: NamedNode,
    foaf_person: NamedNode,
    schema_person: NamedNode,
    comment: NamedNode,
    is_part_of: NamedNode,
    editor_list: NamedNode,
    editor: NamedNode,
    place: NamedNode,
}

static TERMS: LazyLock<Terms> = LazyLock::new(|| {
    let dc = |l: &str| term(ns::DCTERMS, l);
    Terms {
        title: dc("title"),
        alternative: dc("alternative"),
        abstract_: dc("abstract"),
        description: dc("description"),
        issued: dc("issued"),
        author_list: term(ns::BIBO, "authorList"),
        creator: dc("creator"),
        publisher: dc("publisher"),
        language: dc("language"),
        spatial: dc("spatial"),
        subject: dc("subject"),
        citation: dc("bibliographicCitation"),
        note: term(ns::SKOS, "note"),
        editorial_note: term(ns::SKOS, "editorialNote"),
        type_: rdf::TYPE.into_owned(),
        foaf_name: term(ns::FOAF, "name"),
        schema_name: term(ns::SCHEMA, "name"),
        label: term(ns::RDFS, "label"),
        foaf_given: term(ns::FOAF, "givenName"),
        schema_given: term(ns::SCHEMA, "givenName"),
        foaf_family: term(ns::FOAF, "familyName"),
        schema_family: term(ns::SCHEMA, "familyName"),
        alternate_name: term(ns::SCHEMA, "alternateName"),
        foaf_person: term(ns::FOAF, "Person"),
        schema_person: term(ns::SCHEMA, "Person"),
        comment: oxigraph::model::vocab::rdfs::COMMENT.into_owned(),
        is_part_of: term(container::IS_PART_OF[0].0, container::IS_PART_OF[0].1),
        editor_list: term(container::EDITOR_LIST.0, container::EDITOR_LIST.1),
        editor: term(container::EDITOR[0].0, container::EDITOR[0].1),
        place: term(container::PLACE.0, container::PLACE.1),
    }
});

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
            source_location: iris.vocab("sourceLocation"),
            repair: iris.vocab("repair"),
            agents: HashMap::new(),
        }
    }

    /// The record with this id, or `None` when the store has no title for it.
    pub fn record(&mut self, id: &str) -> Result<Option<Record>, StorageError> {
        let t = &*TERMS;
        let (store, iris) = (self.store, self.iris);
        let s = iris.record(id);
        let quads = about(store, s.as_ref().into())?;
        let Some(title) = first_literal(&quads, &t.title) else {
            return Ok(None);
        };
        let kind = objects(&quads, &t.type_)
            .filter_map(|c| c.as_str().strip_prefix(&self.vocab_prefix))
            .find_map(RecordKind::from_class_name)
            .unwrap_or(RecordKind::Document);
        let year = literals(&quads, &t.issued)
            .iter()
            .filter_map(|y| y.get(..4).and_then(|y| y.parse().ok()))
            .min();

        let author_iris = match objects(&quads, &t.author_list).next() {
            Some(head) => list_members(store, head)?,
            None => objects(&quads, &t.creator).cloned().collect(),
        };
        let authors = author_iris
            .iter()
            .map(|a| self.agent(a))
            .collect::<Result<Vec<_>, _>>()?;
        let mut publishers = Vec::new();
        for p in objects(&quads, &t.publisher) {
            let a = self.agent(p)?;
            if !publishers.contains(&a) {
                publishers.push(a);
            }
        }

        let base = iris.base();
        let keys_under = |predicate: &NamedNode, segment: &str| -> Vec<String> {
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

        let container = match objects(&quads, &t.is_part_of).next() {
            Some(book) => self.container(book)?,
            None => None,
        };

        let mut repairs = Vec::new();
        for node in objects(&quads, &self.repair) {
            let rq = about(store, node.as_ref().into())?;
            let one = |p: &str| first_literal(&rq, &iris.vocab(p)).unwrap_or_default();
            repairs.push(Repair {
                field: one("field"),
                original: one("originalValue"),
                repaired: one("repairedValue"),
                guess: one("isGuess") == "true",
                reason: first_literal(&rq, &t.comment).unwrap_or_default(),
            });
        }

        Ok(Some(Record {
            id: id.to_string(),
            title,
            alternative_titles: literals(&quads, &t.alternative),
            abstract_text: first_literal(&quads, &t.abstract_),
            description: first_literal(&quads, &t.description),
            kind,
            year,
            authors,
            publishers,
            place: first_literal(&quads, &t.place),
            container,
            languages: keys_under(&t.language, "language"),
            countries: keys_under(&t.spatial, "country"),
            regions: keys_under(&t.spatial, "region"),
            categories: keys_under(&t.subject, "category"),
            citation: first_literal(&quads, &t.citation),
            note: first_literal(&quads, &t.note),
            editorial_notes: {
                // Quads come in store order: sorted, so a record reads the same every time.
                let mut n = literals(&quads, &t.editorial_note);
                n.sort();
                n.dedup();
                n
            },
            provenance,
            repairs,
        }))
    }

    /// A chapter's book, when the node has a title.
    fn container(&mut self, book: &NamedNode) -> Result<Option<Container>, StorageError> {
        let t = &*TERMS;
        let quads = about(self.store, book.as_ref().into())?;
        let Some(title) = first_literal(&quads, &t.title) else {
            return Ok(None);
        };
        let editor_iris = match objects(&quads, &t.editor_list).next() {
            Some(head) => list_members(self.store, head)?,
            None => objects(&quads, &t.editor).cloned().collect(),
        };
        let editors = editor_iris
            .iter()
            .map(|a| self.agent(a))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some(Container { title, editors }))
    }

    fn agent(&mut self, iri: &NamedNode) -> Result<Agent, StorageError> {
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
pub fn record(store: &Store, iris: &Iris, id: &str) -> Result<Option<Record>, StorageError> {
    Reader::new(store, iris).record(id)
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
fn agent(store: &Store, iri: &NamedNode) -> Result<Agent, StorageError> {
    let t = &*TERMS;
    let quads = about(store, iri.as_ref().into())?;
    let first = |p: &NamedNode| first_literal(&quads, p);
    let is_person = objects(&quads, &t.type_).any(|c| *c == t.foaf_person || *c == t.schema_person);
    let name = first(&t.foaf_name)
        .or_else(|| first(&t.schema_name))
        .or_else(|| first(&t.label))
        .unwrap_or_else(|| {
            iri.as_str()
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_string()
        });
    Ok(if is_person {
        Agent::Person {
            given: first(&t.foaf_given).or_else(|| first(&t.schema_given)),
            family: first(&t.foaf_family)
                .or_else(|| first(&t.schema_family))
                .unwrap_or(name),
        }
    } else {
        Agent::Organization {
            name,
            acronym: first(&t.alternate_name),
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
    let stamps = store.quads_for_pattern(
        Some(s.as_ref().into()),
        Some(p.as_ref()),
        None,
        Some(GraphNameRef::from(&meta)),
    );
    itertools::process_results(stamps, |mut quads| {
        quads.find_map(|q| match q.object {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
    })
}
