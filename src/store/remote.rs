//! The remote engine behind `--backend URL`: `Store`'s reads as SPARQL
//! queries sent with [`crate::remote::Client`]. Writes are refused for now
//! (a reader never writes; see `Store::writable`).
//!
//! What a query may not do here, unlike on the embedded store:
//! - call our own functions (`pal:score`, `pal:matches`): they are answered
//!   from this process's search index, which the engine cannot reach. A
//!   query that names one is refused (400) until they are rewritten into
//!   `VALUES` (#24);
//! - call a `SERVICE` outside the allow-list: its IRI is checked here
//!   before the query is forwarded, and `SERVICE ?var` is refused;
//! - the join guard's rewrite is never sent: the engine's own timeout and
//!   our read timeout bound the query instead.

use super::{Answer, Dataset, Engine as OxEngine, QueryOptions, Solutions, Triples};
use crate::error::Error;
use crate::remote::{self, Client, Engine};
use oxigraph::model::{
    GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad,
    QuadRef, Term, TermRef,
};
use sparesults::QuerySolution;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Deadline of one of our own reads (not a user's query, which brings its own).
const READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Most subjects one batched read names in its `VALUES`.
const BATCH: usize = 200;

pub struct Remote {
    pub(super) client: Client,
    requests: AtomicU64,
}

impl Remote {
    pub fn new(client: Client) -> Self {
        Remote {
            client,
            requests: AtomicU64::new(0),
        }
    }

    pub fn requests(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    fn send(
        &self,
        text: &str,
        dataset: &Dataset,
        timeout: Duration,
    ) -> Result<remote::Answer, Error> {
        self.requests.fetch_add(1, Ordering::Relaxed);
        tracing::trace!(query = text, "remote query");
        self.client.query(text, dataset, timeout)
    }

    /// Our own read: over the engine's own dataset (its default graph and
    /// every named graph), never the union of them.
    fn read(&self, text: &str) -> Result<remote::Answer, Error> {
        let own = Dataset::Explicit {
            default: Vec::new(),
            named: Vec::new(),
        };
        self.send(text, &own, READ_TIMEOUT)
    }

    /// Whether the engine's default graph is one of its graphs (Oxigraph)
    /// rather than the union of them all, system triples included
    /// (Virtuoso), where only named graphs are ours.
    fn has_own_default_graph(&self) -> bool {
        self.client.backend().engine != Engine::Virtuoso
    }

    /// A user's query (or one of ours) as text, answered whole.
    pub fn query_text(
        &self,
        text: &str,
        dataset: &Dataset,
        timeout: Duration,
    ) -> Result<Answer<'static>, Error> {
        Ok(answer(self.send(text, dataset, timeout)?))
    }

    /// [`super::Store::evaluate`] on the engine: the query is checked
    /// (our functions, `SERVICE`) and sent as text, unguarded.
    pub fn evaluate(
        &self,
        options: &QueryOptions,
        query: &spargebra::Query,
        dataset: &Dataset,
        timeout: Duration,
    ) -> Result<Answer<'static>, Error> {
        let text = query.to_string();
        for (name, _) in &options.functions {
            if text.contains(&format!("<{}>", name.as_str())) {
                return Err(Error::BadRequest(format!(
                    "the function <{}> is not yet supported on a remote SPARQL engine ({}): it is answered from this server's search index; use /records?q= instead",
                    name.as_str(),
                    self.client.backend()
                )));
            }
        }
        check_services(&text, options)?;
        self.query_text(&text, dataset, timeout)
    }

    pub fn is_empty(&self) -> Result<bool, Error> {
        let text = if self.has_own_default_graph() {
            "ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        } else {
            "ASK { GRAPH ?g { ?s ?p ?o } }"
        };
        Ok(!self.read(text)?.into_boolean()?)
    }

    pub fn len(&self) -> Result<usize, Error> {
        let text = if self.has_own_default_graph() {
            "SELECT (COUNT(*) AS ?n) WHERE { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }"
        } else {
            "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
        };
        let rows = self.read(text)?.into_rows()?;
        match rows.first().and_then(|r| r.get("n")) {
            Some(Term::Literal(l)) => l
                .value()
                .parse()
                .map_err(|_| Error::Backend(format!("COUNT answered {l}"))),
            other => Err(Error::Backend(format!("COUNT answered {other:?}"))),
        }
    }

    /// The quads of a pattern, as one SELECT.
    pub fn quads_for_pattern(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Quad>, Error> {
        let s = match subject {
            None => "?s".to_string(),
            Some(s) => subject_text(s)?,
        };
        let p = predicate.map_or_else(|| "?p".to_string(), |p| p.to_string());
        let o = match object {
            None => "?o".to_string(),
            Some(o) => term_text(o)?,
        };
        let triple = format!("{s} {p} {o}");
        let body = match graph {
            None if self.has_own_default_graph() => {
                format!("{{ {triple} }} UNION {{ GRAPH ?g {{ {triple} }} }}")
            }
            None => format!("GRAPH ?g {{ {triple} }}"),
            Some(GraphNameRef::DefaultGraph) if self.has_own_default_graph() => triple.clone(),
            // Virtuoso's default graph is everything: none of it is ours.
            Some(GraphNameRef::DefaultGraph) => return Ok(Vec::new()),
            Some(GraphNameRef::NamedNode(g)) => format!("GRAPH {g} {{ {triple} }}"),
            Some(GraphNameRef::BlankNode(_)) => return Err(blank_lookup()),
        };
        let rows = self
            .read(&format!("SELECT * WHERE {{ {body} }}"))?
            .into_rows()?;
        rows.iter()
            .map(|row| {
                let subject = match subject {
                    Some(s) => s.into_owned(),
                    None => match row.get("s") {
                        Some(Term::NamedNode(n)) => n.clone().into(),
                        Some(Term::BlankNode(b)) => b.clone().into(),
                        other => return Err(unexpected("?s", other)),
                    },
                };
                let predicate = match predicate {
                    Some(p) => p.into_owned(),
                    None => match row.get("p") {
                        Some(Term::NamedNode(n)) => n.clone(),
                        other => return Err(unexpected("?p", other)),
                    },
                };
                let object = match object {
                    Some(o) => o.into_owned(),
                    None => row
                        .get("o")
                        .cloned()
                        .ok_or_else(|| unexpected("?o", None))?,
                };
                let graph_name = match graph {
                    Some(g) => g.into_owned(),
                    None => graph_of(row)?,
                };
                Ok(Quad::new(subject, predicate, object, graph_name))
            })
            .collect()
    }

    pub fn contains(&self, quad: QuadRef<'_>) -> Result<bool, Error> {
        Ok(!self
            .quads_for_pattern(
                Some(quad.subject),
                Some(quad.predicate),
                Some(quad.object),
                Some(quad.graph_name),
            )?
            .is_empty())
    }

    pub fn named_graphs(&self) -> Result<Vec<NamedOrBlankNode>, Error> {
        let rows = self
            .read("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")?
            .into_rows()?;
        rows.iter()
            .map(|row| match row.get("g") {
                Some(Term::NamedNode(n)) => Ok(n.clone().into()),
                Some(Term::BlankNode(b)) => Ok(b.clone().into()),
                other => Err(unexpected("?g", other)),
            })
            .collect()
    }

    pub fn contains_named_graph(&self, graph: NamedOrBlankNodeRef<'_>) -> Result<bool, Error> {
        let NamedOrBlankNodeRef::NamedNode(g) = graph else {
            return Err(blank_lookup());
        };
        self.read(&format!("ASK {{ GRAPH {g} {{ ?s ?p ?o }} }}"))?
            .into_boolean()
    }

    /// [`super::Store::objects_of_any`]: one SELECT per `BATCH` subjects.
    pub fn objects_of(
        &self,
        subjects: &[NamedNode],
        predicates: &[NamedNodeRef<'_>],
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Vec<Term>>, Error> {
        let mut out = Vec::with_capacity(subjects.len());
        let mut properties = String::new();
        for p in predicates {
            let _ = write!(properties, "{p} ");
        }
        for chunk in subjects.chunks(BATCH) {
            let mut values = String::new();
            for s in chunk {
                let _ = write!(values, "{s} ");
            }
            let triple = format!("VALUES ?p {{ {properties}}} ?s ?p ?o");
            let body = match graph {
                None if self.has_own_default_graph() => {
                    format!("{{ {triple} }} UNION {{ GRAPH ?g {{ {triple} }} }}")
                }
                None => format!("GRAPH ?g {{ {triple} }}"),
                Some(GraphNameRef::DefaultGraph) if self.has_own_default_graph() => triple,
                Some(GraphNameRef::DefaultGraph) => {
                    out.extend(chunk.iter().map(|_| Vec::new()));
                    continue;
                }
                Some(GraphNameRef::NamedNode(g)) => format!("GRAPH {g} {{ {triple} }}"),
                Some(GraphNameRef::BlankNode(_)) => return Err(blank_lookup()),
            };
            let rows = self
                .read(&format!(
                    "SELECT ?s ?p ?o WHERE {{ VALUES ?s {{ {values}}} {body} }}"
                ))?
                .into_rows()?;
            // In the predicates' order, as the embedded store gives them.
            let rank = |p: Option<&Term>| {
                predicates
                    .iter()
                    .position(|q| matches!(p, Some(Term::NamedNode(n)) if n.as_ref() == *q))
            };
            let mut found: std::collections::HashMap<&str, Vec<(usize, Term)>> = Default::default();
            for row in &rows {
                if let (Some(Term::NamedNode(s)), Some(o), Some(i)) =
                    (row.get("s"), row.get("o"), rank(row.get("p")))
                {
                    found.entry(s.as_str()).or_default().push((i, o.clone()));
                }
            }
            let mut found: std::collections::HashMap<&str, Vec<Term>> = found
                .into_iter()
                .map(|(s, mut objects)| {
                    objects.sort_by_key(|(i, _)| *i);
                    (s, objects.into_iter().map(|(_, o)| o).collect())
                })
                .collect();
            out.extend(
                chunk
                    .iter()
                    .map(|s| found.remove(s.as_str()).unwrap_or_default()),
            );
        }
        Ok(out)
    }
}

impl Remote {
    /// [`super::Store::records`]: each `BATCH` of records' neighbourhoods
    /// (`rdf::read::followed`) in one query, read into a store in memory,
    /// where [`crate::rdf::read::Reader`] reads them as it would here.
    pub fn records(
        &self,
        iris: &crate::rdf::Iris,
        ids: &[String],
    ) -> Result<Vec<Option<crate::record::Record>>, Error> {
        let mut path = String::new();
        for (i, p) in crate::rdf::read::followed(iris).iter().enumerate() {
            if i > 0 {
                path.push('|');
            }
            path.push_str(&p.to_string());
        }
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(BATCH) {
            let mut values = String::new();
            for id in chunk {
                let _ = write!(values, "{} ", iris.record(id));
            }
            // The path over the union of the graphs (records link to
            // agents held in other graphs); each quad then in its graph,
            // or in the engine's default graph when in no named one.
            let text = format!(
                "SELECT DISTINCT ?s ?p ?o ?g WHERE {{ VALUES ?r {{ {values}}} ?r ({path})* ?s . \
                 {{ GRAPH ?g {{ ?s ?p ?o }} }} UNION {{ ?s ?p ?o FILTER NOT EXISTS {{ GRAPH ?h {{ ?s ?p ?o }} }} }} }}"
            );
            let rows = self
                .send(&text, &Dataset::Service, READ_TIMEOUT)?
                .into_rows()?;
            let near = super::Store::memory()?;
            let OxEngine::Embedded(inner) = &near.engine else {
                unreachable!("a memory store is embedded")
            };
            for row in &rows {
                let subject: NamedOrBlankNode = match row.get("s") {
                    Some(Term::NamedNode(n)) => n.clone().into(),
                    Some(Term::BlankNode(b)) => b.clone().into(),
                    other => return Err(unexpected("?s", other)),
                };
                let predicate = match row.get("p") {
                    Some(Term::NamedNode(n)) => n.clone(),
                    other => return Err(unexpected("?p", other)),
                };
                let object = row
                    .get("o")
                    .cloned()
                    .ok_or_else(|| unexpected("?o", None))?;
                inner.insert(&Quad::new(subject, predicate, object, graph_of(row)?))?;
            }
            let mut reader = crate::rdf::read::Reader::new(&near, iris);
            for id in chunk {
                out.push(reader.record(id)?);
            }
        }
        Ok(out)
    }
}

/// A remote answer in `Store`'s terms.
fn answer(answer: remote::Answer) -> Answer<'static> {
    match answer {
        remote::Answer::Boolean(b) => Answer::Boolean(b),
        remote::Answer::Solutions { variables, rows } => {
            Answer::Solutions(Solutions::new(variables.into(), rows.into_iter().map(Ok)))
        }
        remote::Answer::Triples(triples) => {
            Answer::Graph(Triples::new(triples.into_iter().map(Ok)))
        }
    }
}

/// Refuse a `SERVICE` the allow-list does not allow, and `SERVICE ?var`,
/// before the query goes to the engine. `text` is the parsed query written
/// back (spargebra writes every call as `SERVICE [SILENT] <iri>|?var {`),
/// so every call is found; a literal that reads like one can only refuse
/// more, never less.
fn check_services(text: &str, options: &QueryOptions) -> Result<(), Error> {
    let mut rest = text;
    while let Some(at) = rest.find("SERVICE ") {
        rest = &rest[at + "SERVICE ".len()..];
        let call = rest.strip_prefix("SILENT ").unwrap_or(rest);
        if let Some(iri) = call.strip_prefix('<') {
            let iri = &iri[..iri.find('>').unwrap_or(iri.len())];
            if !options.services.as_ref().is_some_and(|l| l.allows(iri)) {
                return Err(Error::BadRequest(format!(
                    "SERVICE <{iri}> is not allowed on this server (see --service-allow)"
                )));
            }
        } else if call.starts_with('?') || call.starts_with('$') {
            return Err(Error::BadRequest(
                "SERVICE with a variable is not supported on a remote SPARQL engine: name the endpoint".into(),
            ));
        }
    }
    Ok(())
}

fn subject_text(s: NamedOrBlankNodeRef<'_>) -> Result<String, Error> {
    match s {
        NamedOrBlankNodeRef::NamedNode(n) => Ok(n.to_string()),
        NamedOrBlankNodeRef::BlankNode(_) => Err(blank_lookup()),
    }
}

fn term_text(t: TermRef<'_>) -> Result<String, Error> {
    match t {
        TermRef::NamedNode(n) => Ok(n.to_string()),
        TermRef::Literal(l) => Ok(l.to_string()),
        _ => Err(blank_lookup()),
    }
}

fn graph_of(row: &QuerySolution) -> Result<GraphName, Error> {
    match row.get("g") {
        None => Ok(GraphName::DefaultGraph),
        Some(Term::NamedNode(n)) => Ok(n.clone().into()),
        Some(Term::BlankNode(b)) => Ok(b.clone().into()),
        other => Err(unexpected("?g", other)),
    }
}

fn blank_lookup() -> Error {
    Error::Store(
        "a remote engine cannot look up a blank node: its labels are the engine's own, not stable across requests".into(),
    )
}

fn unexpected(variable: &str, value: Option<&Term>) -> Error {
    Error::Backend(format!(
        "a quad lookup answered {variable} = {}",
        value.map_or_else(|| "nothing".to_string(), Term::to_string)
    ))
}
