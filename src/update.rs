//! Writes from outside the importer (SPARQL Update, Graph Store Protocol),
//! each in one transaction that also keeps `dcterms:modified` and deletion
//! marks right, so harvesters see every change.

use crate::error::Error;
use crate::rdf::Iris;
use crate::rdf::meta::{Touched, touch};
use crate::store::{Answer, Dataset, Store, Transaction};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use spargebra::algebra::GraphPattern;
use spargebra::term::{GroundTermPattern, TermPattern};
use spargebra::{GraphUpdateOperation, SparqlParser};
use std::collections::BTreeSet;
use std::time::Duration;
use time::OffsetDateTime;

/// Run a SPARQL 1.1 Update, cut off at `timeout` (then rolled back, and
/// `Error::UpdateTimeout`). Syntax errors are 400s that say where the problem is.
pub fn sparql_update(
    store: &Store,
    iris: &Iris,
    text: &str,
    now: OffsetDateTime,
    timeout: Duration,
) -> Result<Touched, Error> {
    crate::store::guard::check_depth(text)?;
    let mut update = SparqlParser::new()
        .with_base_iri(iris.base())
        .map_err(|e| Error::BadRequest(e.to_string()))?
        .parse_update(text)
        .map_err(|e| Error::BadQuery(e.to_string()))?;
    // LOAD would fetch from the network on our behalf, which we never do.
    // A failed LOAD SILENT succeeds and changes nothing (SPARQL 1.1 Update
    // §3.1.4), so a refused one is dropped; a plain LOAD is refused.
    let mut refused = false;
    update.operations.retain(|op| match op {
        GraphUpdateOperation::Load { silent, .. } => {
            refused |= !silent;
            false
        }
        _ => true,
    });
    if refused {
        return Err(Error::BadRequest(
            "LOAD is not allowed; send the data with the Graph Store Protocol (PUT/POST /store)"
                .into(),
        ));
    }
    let update = crate::store::guard::guard_update(update);
    store
        .transaction_within(timeout, |tx| {
            let mut affected = Affected::default();
            for op in &update.operations {
                affected_by(tx, iris, op, &mut affected)?;
            }
            tx.update(update.clone())?;
            // Inserted data may name records the pattern evaluation could not see before.
            for op in &update.operations {
                affected_after(iris, op, &mut affected);
            }
            affected.commit(tx, iris, now)
        })
        .map_err(|e| match e {
            Error::Timeout(t) => Error::UpdateTimeout(t),
            e => e,
        })
}

/// What a write may have changed: records, and whether anything else.
#[derive(Debug, Default)]
struct Affected {
    records: BTreeSet<String>,
    /// Something that is not a record's own triples (an agent, a concept,
    /// a blank node, a whole graph): everything derived is redone.
    other: bool,
}

impl Affected {
    /// A subject a write touches.
    fn subject(&mut self, iris: &Iris, subject: &Term) {
        match subject {
            Term::NamedNode(n) => match iris.record_id(n.as_str()) {
                Some(id) => {
                    self.records.insert(id.to_string());
                }
                None => self.other = true,
            },
            _ => self.other = true,
        }
    }

    /// Everything a graph holds, before it is cleared: its records (their
    /// blank nodes go with them) and any other named subject.
    fn graph(
        &mut self,
        tx: &Transaction<'_>,
        iris: &Iris,
        graph: GraphNameRef<'_>,
    ) -> Result<(), Error> {
        itertools::process_results(
            tx.quads_for_pattern(None, None, None, Some(graph)),
            |quads| {
                for q in quads {
                    if let NamedOrBlankNode::NamedNode(n) = q.subject {
                        self.subject(iris, &Term::NamedNode(n));
                    }
                }
            },
        )?;
        Ok(())
    }

    /// Stamp the records and commit the change to the feed.
    fn commit(
        self,
        tx: &mut Transaction<'_>,
        iris: &Iris,
        now: OffsetDateTime,
    ) -> Result<Touched, Error> {
        let touched = touch(tx, iris, &self.records, now)?;
        let mut change = touched.change();
        change.everything = self.other;
        crate::rdf::meta::commit(tx, iris, &change, now)?;
        Ok(touched)
    }
}

/// Graph Store Protocol write: replace (`PUT`) or add to (`POST`) a graph
/// with an RDF document, or `DELETE` it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphWrite {
    Replace,
    Add,
    Delete,
}

pub fn graph_store_write(
    store: &Store,
    iris: &Iris,
    graph: GraphName,
    mode: GraphWrite,
    body: Option<(&[u8], RdfFormat)>,
    now: OffsetDateTime,
) -> Result<Touched, Error> {
    if let GraphName::NamedNode(g) = &graph
        && iris.is_system_graph(g.as_str())
    {
        return Err(Error::Forbidden(format!(
            "{g} is managed by Palermo itself and cannot be written directly"
        )));
    }
    let quads: Vec<Quad> = match body {
        Some((bytes, format)) => RdfParser::from_format(format)
            .with_base_iri(iris.base())
            .map_err(|e| Error::BadRequest(e.to_string()))?
            .without_named_graphs()
            .with_default_graph(graph.clone())
            // Blank-node labels are scoped to their document: `_:b0` in two
            // uploads is two nodes (RDF 1.1 Concepts §3.4).
            .rename_blank_nodes()
            .for_slice(bytes)
            .collect::<Result<_, _>>()
            .map_err(|e| Error::BadRequest(format!("invalid {} document: {e}", format.name())))?,
        None => Vec::new(),
    };
    store.transaction(|tx| {
        let graph_ref = GraphNameRef::from(&graph);
        let existing = match &graph {
            GraphName::NamedNode(n) => tx.contains_named_graph(n.as_ref())?,
            _ => true,
        };
        if mode == GraphWrite::Delete && !existing {
            return Err(Error::NotFound(format!("graph {graph}")));
        }
        let mut affected = Affected::default();
        if mode != GraphWrite::Add {
            affected.graph(tx, iris, graph_ref)?;
            tx.clear_graph(graph_ref)?;
            if let (GraphWrite::Delete, GraphName::NamedNode(n)) = (mode, &graph) {
                tx.remove_named_graph(n.as_ref())?;
            }
        }
        for q in &quads {
            // Uploaded blank nodes are new nodes: a record that links one
            // changes itself, and one no record links changes nothing.
            if let NamedOrBlankNode::NamedNode(n) = &q.subject {
                affected.subject(iris, &Term::NamedNode(n.clone()));
            }
        }
        if let (GraphName::NamedNode(n), false) = (&graph, mode == GraphWrite::Delete) {
            tx.insert_named_graph(n.as_ref());
        }
        tx.extend(&quads);
        affected.commit(tx, iris, now)
    })
}

/// What an operation may change, found before it runs.
fn affected_by(
    tx: &Transaction<'_>,
    iris: &Iris,
    op: &GraphUpdateOperation,
    out: &mut Affected,
) -> Result<(), Error> {
    match op {
        GraphUpdateOperation::InsertData { data } => {
            for q in data {
                out.subject(iris, &Term::from(q.subject.clone()));
            }
        }
        GraphUpdateOperation::DeleteData { data } => {
            for q in data {
                out.subject(iris, &Term::NamedNode(q.subject.clone()));
            }
        }
        GraphUpdateOperation::DeleteInsert {
            delete,
            insert,
            pattern,
            ..
        } => {
            // The subjects the templates will write: constants, plus the
            // bindings of subject variables in the WHERE pattern.
            let mut vars = BTreeSet::new();
            for s in delete
                .iter()
                .map(|q| ground_subject(&q.subject))
                .chain(insert.iter().map(|q| subject(&q.subject)))
            {
                match s {
                    Subject::Iri(n) => out.subject(iris, &Term::NamedNode(n)),
                    Subject::Var(v) => {
                        vars.insert(v);
                    }
                    Subject::Other => out.other = true,
                }
            }
            if !vars.is_empty() {
                let variables: Vec<spargebra::term::Variable> = vars.into_iter().collect();
                // The pattern is the guarded one (`guard_update`): the
                // deadline holds inside its joins here too.
                let query = spargebra::Query::Select {
                    dataset: None,
                    pattern: GraphPattern::Distinct {
                        inner: Box::new(GraphPattern::Project {
                            inner: pattern.clone(),
                            variables: variables.clone(),
                        }),
                    },
                    base_iri: None,
                };
                if let Answer::Solutions(solutions) = tx.query(query, &Dataset::Service)? {
                    for s in solutions {
                        for (_, term) in s?.iter() {
                            out.subject(iris, term);
                        }
                    }
                }
            }
        }
        GraphUpdateOperation::Clear { graph, .. } | GraphUpdateOperation::Drop { graph, .. } => {
            use spargebra::algebra::GraphTarget;
            match graph {
                GraphTarget::NamedNode(n) => {
                    let n = NamedNode::new_unchecked(n.as_str());
                    out.graph(tx, iris, GraphNameRef::NamedNode(n.as_ref()))?;
                }
                GraphTarget::DefaultGraph => out.graph(tx, iris, GraphNameRef::DefaultGraph)?,
                GraphTarget::NamedGraphs | GraphTarget::AllGraphs => {
                    out.other = true;
                    itertools::process_results(
                        tx.quads_for_pattern(None, None, None, None),
                        |quads| {
                            for q in quads {
                                if let NamedOrBlankNode::NamedNode(n) = q.subject
                                    && let Some(id) = iris.record_id(n.as_str())
                                {
                                    out.records.insert(id.to_string());
                                }
                            }
                        },
                    )?;
                }
            }
        }
        GraphUpdateOperation::Load { .. } | GraphUpdateOperation::Create { .. } => {}
    }
    Ok(())
}

/// Records an INSERT template produced that did not match before it ran.
fn affected_after(iris: &Iris, op: &GraphUpdateOperation, out: &mut Affected) {
    if let GraphUpdateOperation::DeleteInsert { insert, .. } = op {
        for q in insert {
            if let Subject::Iri(n) = subject(&q.subject) {
                out.subject(iris, &Term::NamedNode(n));
            }
        }
    }
}

enum Subject {
    Iri(NamedNode),
    Var(spargebra::term::Variable),
    Other,
}

fn subject(t: &TermPattern) -> Subject {
    match t {
        TermPattern::NamedNode(n) => Subject::Iri(NamedNode::new_unchecked(n.as_str())),
        TermPattern::Variable(v) => Subject::Var(v.clone()),
        _ => Subject::Other,
    }
}

fn ground_subject(t: &GroundTermPattern) -> Subject {
    match t {
        GroundTermPattern::NamedNode(n) => Subject::Iri(NamedNode::new_unchecked(n.as_str())),
        GroundTermPattern::Variable(v) => Subject::Var(v.clone()),
        _ => Subject::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphNameRef, NamedNodeRef, QuadRef};

    const S: NamedNodeRef<'_> = NamedNodeRef::new_unchecked("http://example.org/s");
    const P: NamedNodeRef<'_> = NamedNodeRef::new_unchecked("http://example.org/p");
    const O: NamedNodeRef<'_> = NamedNodeRef::new_unchecked("http://example.org/o");
    const SPO: QuadRef<'_> = QuadRef {
        subject: oxigraph::model::NamedOrBlankNodeRef::NamedNode(S),
        predicate: P,
        object: oxigraph::model::TermRef::NamedNode(O),
        graph_name: GraphNameRef::DefaultGraph,
    };

    fn run(store: &Store, text: &str, timeout: Duration) -> Result<Touched, Error> {
        let iris = Iris::new("http://localhost:8080/");
        sparql_update(store, &iris, text, OffsetDateTime::UNIX_EPOCH, timeout)
    }

    #[test]
    fn load_silent_is_a_no_op_and_load_is_refused() {
        let store = Store::memory().unwrap();
        let insert =
            "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> }";
        // A LOAD that we refuse fails, and SILENT makes a failed LOAD succeed
        // without changing anything; the rest of the request still runs.
        run(
            &store,
            &format!("LOAD SILENT <http://example.org/remote.ttl> INTO GRAPH <http://example.org/g> ; {insert}"),
            Duration::from_secs(10),
        )
        .unwrap();
        assert!(store.contains(SPO).unwrap());
        assert!(
            !store
                .contains_named_graph(NamedNodeRef::new_unchecked("http://example.org/g"))
                .unwrap()
        );
        // A plain LOAD is refused, and so is the whole request.
        store
            .transaction(|tx| {
                tx.remove(SPO);
                Ok(())
            })
            .unwrap();
        for text in [
            "LOAD <http://example.org/remote.ttl>".to_string(),
            format!(
                "{insert} ; LOAD SILENT <http://example.org/a.ttl> ; LOAD <http://example.org/b.ttl>"
            ),
        ] {
            let e = run(&store, &text, Duration::from_secs(10)).unwrap_err();
            assert_eq!(e.status(), axum::http::StatusCode::BAD_REQUEST, "{e}");
            assert!(e.to_string().contains("LOAD is not allowed"), "{e}");
            assert!(!store.contains(SPO).unwrap());
        }
    }

    #[test]
    fn an_update_past_its_deadline_is_rolled_back() {
        let store = Store::memory().unwrap();
        let ex = |i: usize| NamedNode::new_unchecked(format!("http://example.org/n{i}"));
        store
            .transaction(|tx| {
                for i in 0..300 {
                    tx.insert(&Quad::new(
                        ex(i),
                        ex(i + 1),
                        ex(i + 2),
                        GraphName::DefaultGraph,
                    ));
                }
                Ok(())
            })
            .unwrap();
        let before = store.len().unwrap();
        // The first operation is applied to the transaction, the second
        // (300³ joined solutions, minutes of work) runs past the deadline.
        let text =
            "INSERT DATA { <http://example.org/s> <http://example.org/p> <http://example.org/o> } ;
            INSERT { <http://example.org/s> <http://example.org/count> ?n }
            WHERE { SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } }";
        let started = std::time::Instant::now();
        let e = run(&store, text, Duration::from_millis(300)).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(e, Error::UpdateTimeout(_)), "{e}");
        assert_eq!(e.status(), axum::http::StatusCode::SERVICE_UNAVAILABLE);
        assert!(
            e.to_string()
                .contains("after 0.3s (the deadline) and rolled back"),
            "{e}"
        );
        assert_eq!(store.len().unwrap(), before, "nothing was written");
        assert!(!store.contains(SPO).unwrap());
    }
}
