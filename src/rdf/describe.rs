//! The description of a resource: the triples one dereferenced IRI serves,
//! collected from every graph into one deduplicated graph.
//!
//! A record is described by its own triples, the nodes of its document
//! (`#authors-N` list cells, `#repair-…` nodes) and the labels of what it
//! links to, so a client needs no second request to show it. An agent or a
//! concept is described by its own triples and the links records make to it.

use super::Iris;
use super::vocab::{dcterms, ldp, skos};
use crate::error::Error;
use crate::store::Store;
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{
    BlankNode, Graph, GraphNameRef, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode,
    NamedOrBlankNodeRef, Term, Triple,
};
use std::collections::{BTreeMap, BTreeSet};

/// The kinds of resource minted under `{base}id/{kind}/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Agent,
    Country,
    Region,
    Category,
    Language,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Agent,
        Kind::Country,
        Kind::Region,
        Kind::Category,
        Kind::Language,
    ];

    /// The path segment: `id/{segment}/{key}`.
    pub fn segment(self) -> &'static str {
        match self {
            Kind::Agent => "agent",
            Kind::Country => "country",
            Kind::Region => "region",
            Kind::Category => "category",
            Kind::Language => "language",
        }
    }

    pub fn from_segment(segment: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.segment() == segment)
    }

    pub fn iri(self, iris: &Iris, key: &str) -> NamedNode {
        match self {
            Kind::Agent => iris.agent(key),
            Kind::Country => iris.country(key),
            Kind::Region => iris.region(key),
            Kind::Category => iris.category(key),
            Kind::Language => iris.language(key),
        }
    }

    /// The predicates by which a record links to this kind of resource.
    pub fn record_predicates(self) -> &'static [NamedNodeRef<'static>] {
        match self {
            Kind::Agent => &[dcterms::CREATOR, dcterms::PUBLISHER],
            Kind::Country | Kind::Region => &[dcterms::SPATIAL],
            Kind::Category => &[dcterms::SUBJECT],
            Kind::Language => &[dcterms::LANGUAGE],
        }
    }

    /// Whether the store holds a SKOS scheme for this kind (agents have none).
    pub fn has_scheme(self) -> bool {
        self != Kind::Agent
    }
}

/// The SHACL shapes of a valid record, as shipped (see `shapes`).
pub const SHAPES_TTL: &str = include_str!("../../ontology/shapes.ttl");

/// The base IRI the files in `ontology/` are written against.
const FILE_BASE: &str = "http://localhost:8080/";

fn subject_triples(
    store: &Store,
    subject: NamedOrBlankNodeRef<'_>,
    graph: &mut Graph,
) -> Result<usize, Error> {
    let mut n = 0;
    for q in store.quads_for_pattern(Some(subject), None, None, None) {
        graph.insert(&Triple::from(q?));
        n += 1;
    }
    Ok(n)
}

/// Labels of a resource we link to: the one name a client shows for it.
fn labels(store: &Store, iri: &NamedNode, graph: &mut Graph) -> Result<(), Error> {
    for p in [skos::PREF_LABEL, rdfs::LABEL] {
        for q in store.quads_for_pattern(Some(iri.into()), Some(p), None, None) {
            graph.insert(&Triple::from(q?));
        }
    }
    Ok(())
}

/// A record's description, or `None` when the store holds no title for it.
pub fn record(store: &Store, iris: &Iris, id: &str) -> Result<Option<Graph>, Error> {
    let s = iris.record(id);
    if store
        .quads_for_pattern(Some(s.as_ref().into()), Some(dcterms::TITLE), None, None)
        .next()
        .transpose()?
        .is_none()
    {
        return Ok(None);
    }
    let mut graph = Graph::new();
    let document = format!("{}#", s.as_str());
    let id_prefix = format!("{}id/", iris.base());
    let mut todo = vec![s.clone()];
    let mut seen = BTreeSet::new();
    let mut linked = BTreeSet::new();
    while let Some(node) = todo.pop() {
        if !seen.insert(node.clone()) {
            continue;
        }
        for q in store.quads_for_pattern(Some(node.as_ref().into()), None, None, None) {
            let q = q?;
            if let Term::NamedNode(o) = &q.object {
                if o.as_str().starts_with(&document) {
                    todo.push(o.clone());
                } else if o.as_str().starts_with(&id_prefix) {
                    linked.insert(o.clone());
                }
            }
            graph.insert(&Triple::from(q));
        }
    }
    for o in &linked {
        labels(store, o, &mut graph)?;
    }
    Ok(Some(graph))
}

/// An agent's or a concept's description: its own triples and the links
/// records (and narrower concepts) make to it. `None` when nothing is
/// said about it.
pub fn resource(store: &Store, iris: &Iris, iri: &NamedNode) -> Result<Option<Graph>, Error> {
    let mut graph = Graph::new();
    if subject_triples(store, iri.into(), &mut graph)? == 0 {
        return Ok(None);
    }
    for q in store.quads_for_pattern(None, None, Some(iri.into()), None) {
        let q = q?;
        // List cells and repairs belong to their record's document.
        let part = matches!(&q.subject, NamedOrBlankNode::NamedNode(n)
            if iris.record_id(n.as_str()).is_some() && n.as_str().contains('#'));
        if !part {
            graph.insert(&Triple::from(q));
        }
    }
    Ok(Some(graph))
}

/// The index of a kind, at `{base}id/{kind}/`: the SKOS scheme with each
/// concept's label and notation; for agents, which have no scheme, an LDP
/// container of the agents with their names.
pub fn index(store: &Store, iris: &Iris, kind: Kind) -> Result<Graph, Error> {
    let scheme = iris.scheme(kind.segment());
    let mut graph = Graph::new();
    if kind.has_scheme() {
        subject_triples(store, scheme.as_ref().into(), &mut graph)?;
        for q in store.quads_for_pattern(
            None,
            Some(skos::IN_SCHEME),
            Some(scheme.as_ref().into()),
            None,
        ) {
            let q = q?;
            if let NamedOrBlankNode::NamedNode(c) = &q.subject {
                labels(store, c, &mut graph)?;
                for n in store.quads_for_pattern(Some(c.into()), Some(skos::NOTATION), None, None) {
                    graph.insert(&Triple::from(n?));
                }
            }
            graph.insert(&Triple::from(q));
        }
    } else {
        graph.insert(&Triple::new(
            scheme.clone(),
            rdf::TYPE,
            ldp::BASIC_CONTAINER,
        ));
        graph.insert(&Triple::new(
            scheme.clone(),
            rdfs::LABEL,
            Literal::new_language_tagged_literal_unchecked("Authors and publishers", "en"),
        ));
        let prefix = format!("{}id/agent/", iris.base());
        for iri in subjects_under(store, iris, &prefix)? {
            graph.insert(&Triple::new(scheme.clone(), ldp::CONTAINS, iri.clone()));
            labels(store, &iri, &mut graph)?;
        }
    }
    Ok(graph)
}

/// Named subjects of the vocabulary graph whose IRI starts with `prefix`.
fn subjects_under(store: &Store, iris: &Iris, prefix: &str) -> Result<Vec<NamedNode>, Error> {
    let vocab = iris.vocab_graph();
    let mut out = BTreeSet::new();
    for q in store.quads_for_pattern(
        None,
        Some(rdf::TYPE),
        None,
        Some(GraphNameRef::from(&vocab)),
    ) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject
            && n.as_str().starts_with(prefix)
        {
            out.insert(n);
        }
    }
    Ok(out.into_iter().collect())
}

/// Keys of every agent described in the vocabulary graph, sorted.
pub fn agent_keys(store: &Store, iris: &Iris) -> Result<Vec<String>, Error> {
    let prefix = format!("{}id/agent/", iris.base());
    Ok(subjects_under(store, iris, &prefix)?
        .into_iter()
        .filter_map(|n| n.as_str().strip_prefix(&prefix).map(str::to_string))
        .filter(|k| !k.is_empty())
        .collect())
}

/// What `/ontology` serves: our vocabulary, every SKOS scheme with its
/// concepts, and the SHACL shapes of a valid record.
pub fn ontology(store: &Store, iris: &Iris) -> Result<Graph, Error> {
    let mut graph = Graph::new();
    let ontology = iris.ontology_graph();
    for q in store.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&ontology))) {
        graph.insert(&Triple::from(q?));
    }
    let vocab = iris.vocab_graph();
    let concepts = format!("{}id/", iris.base());
    let agents = format!("{}id/agent/", iris.base());
    for q in store.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&vocab))) {
        let q = q?;
        if let NamedOrBlankNode::NamedNode(s) = &q.subject
            && s.as_str().starts_with(&concepts)
            && !s.as_str().starts_with(&agents)
        {
            graph.insert(&Triple::from(q));
        }
    }
    graph.extend(shapes(iris).iter());
    Ok(graph)
}

/// The SHACL shapes, on our base IRI. The file names its shapes under the
/// default base, which the configured base replaces.
/// Blank nodes are renamed in order of appearance (`shape1`, `shape2`…),
/// so the document, and its ETag, is the same at every request and restart.
pub fn shapes(iris: &Iris) -> Graph {
    let text = SHAPES_TTL.replace(FILE_BASE, iris.base());
    let mut names: std::collections::HashMap<BlankNode, BlankNode> =
        std::collections::HashMap::new();
    let mut stable = |b: BlankNode| -> BlankNode {
        let n = names.len() + 1;
        names
            .entry(b)
            .or_insert_with(|| BlankNode::new_unchecked(format!("shape{n}")))
            .clone()
    };
    let mut graph = Graph::new();
    for q in oxigraph::io::RdfParser::from_format(oxigraph::io::RdfFormat::Turtle)
        .for_slice(text.as_bytes())
    {
        // The file is embedded in the binary and parsed by the tests.
        let q = q.expect("ontology/shapes.ttl is valid Turtle");
        let subject: NamedOrBlankNode = match q.subject {
            NamedOrBlankNode::BlankNode(b) => stable(b).into(),
            s => s,
        };
        let object: Term = match q.object {
            Term::BlankNode(b) => stable(b).into(),
            o => o,
        };
        graph.insert(&Triple::new(subject, q.predicate, object));
    }
    graph
}

/// Ids of the records that link to `iri` by one of `predicates`, sorted
/// and without duplicates.
pub fn records_linking(
    store: &Store,
    iris: &Iris,
    iri: NamedNodeRef<'_>,
    predicates: &[NamedNodeRef<'_>],
) -> Result<Vec<String>, Error> {
    let mut ids = BTreeSet::new();
    for p in predicates {
        for q in store.quads_for_pattern(None, Some(*p), Some(iri.into()), None) {
            if let NamedOrBlankNode::NamedNode(s) = q?.subject
                && let Some(id) = iris.record_id(s.as_str())
                && !s.as_str().contains('#')
            {
                ids.insert(id.to_string());
            }
        }
    }
    Ok(ids.into_iter().collect())
}

/// For each resource of `kind`, the number of records linking to it
/// (by key). Resources no record links to are absent.
pub fn counts(store: &Store, iris: &Iris, kind: Kind) -> Result<BTreeMap<String, usize>, Error> {
    let prefix = format!("{}id/{}/", iris.base(), kind.segment());
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    for p in kind.record_predicates() {
        for q in store.quads_for_pattern(None, Some(*p), None, None) {
            let q = q?;
            let (NamedOrBlankNode::NamedNode(s), Term::NamedNode(o)) = (&q.subject, &q.object)
            else {
                continue;
            };
            if let (Some(id), Some(key)) =
                (iris.record_id(s.as_str()), o.as_str().strip_prefix(&prefix))
                && !s.as_str().contains('#')
            {
                pairs.insert((key.to_string(), id.to_string()));
            }
        }
    }
    let mut out = BTreeMap::new();
    for (key, _) in pairs {
        *out.entry(key).or_insert(0) += 1;
    }
    Ok(out)
}

/// What a listing shows of a record: its title and year.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub id: String,
    pub title: String,
    pub year: Option<i32>,
}

/// Title and year of a record, or `None` when it has no title.
pub fn summary(store: &Store, iris: &Iris, id: &str) -> Result<Option<Summary>, Error> {
    Ok(summaries_of(store, iris, &[id.to_string()])?
        .pop()
        .flatten())
}

/// [`summary`] of several records at once, in the order of `ids`: one
/// batched read for a list of records, not one per record.
pub fn summaries_of(
    store: &Store,
    iris: &Iris,
    ids: &[String],
) -> Result<Vec<Option<Summary>>, Error> {
    let subjects: Vec<NamedNode> = ids.iter().map(|id| iris.record(id)).collect();
    // The first of the sorted literal values, for each record.
    let first = |p: NamedNodeRef<'_>| -> Result<Vec<Option<String>>, Error> {
        Ok(store
            .objects_of(&subjects, p, None)?
            .into_iter()
            .map(|objects| {
                objects
                    .into_iter()
                    .filter_map(|o| match o {
                        Term::Literal(l) => Some(l.value().to_string()),
                        _ => None,
                    })
                    .min()
            })
            .collect())
    };
    let (titles, issued) = (first(dcterms::TITLE)?, first(dcterms::ISSUED)?);
    Ok(ids
        .iter()
        .zip(titles.into_iter().zip(issued))
        .map(|(id, (title, issued))| {
            Some(Summary {
                id: id.clone(),
                title: title?,
                year: issued.and_then(|y| y.get(..4).and_then(|y| y.parse().ok())),
            })
        })
        .collect())
}

/// The English (else any) preferred label or name of a resource.
pub fn label(store: &Store, iri: &NamedNode) -> Result<Option<String>, Error> {
    Ok(labels_of(store, std::slice::from_ref(iri))?.pop().flatten())
}

/// [`label`] of several resources at once, in their order: one batched
/// read for a page of concepts or agents, not one per resource.
pub fn labels_of(store: &Store, iris: &[NamedNode]) -> Result<Vec<Option<String>>, Error> {
    let mut best: Vec<Option<(u8, String)>> = vec![None; iris.len()];
    // Both label properties in one read (one request on a remote engine);
    // the best label does not depend on which property gave it.
    {
        let labels = store.objects_of_any(iris, &[skos::PREF_LABEL, rdfs::LABEL], None)?;
        for (best, objects) in best.iter_mut().zip(labels) {
            for o in objects {
                if let Term::Literal(l) = o {
                    let rank = match l.language() {
                        Some("en") => 0,
                        None => 1,
                        Some(_) => 2,
                    };
                    if best
                        .as_ref()
                        .is_none_or(|(r, v)| (rank, l.value()) < (*r, v.as_str()))
                    {
                        *best = Some((rank, l.value().to_string()));
                    }
                }
            }
        }
    }
    Ok(best.into_iter().map(|b| b.map(|(_, v)| v)).collect())
}

/// Literal values of `predicate` on `iri`, sorted (all graphs).
pub fn values(
    store: &Store,
    iri: &NamedNode,
    predicate: NamedNodeRef<'_>,
) -> Result<Vec<Term>, Error> {
    let mut out: Vec<Term> = store
        .quads_for_pattern(Some(iri.into()), Some(predicate), None, None)
        .map(|q| q.map(|q| q.object))
        .collect::<Result<_, _>>()?;
    out.sort_by_key(|t| t.to_string());
    out.dedup();
    Ok(out)
}
