//! Reads: quads by pattern and named graphs, as a backend-neutral stream.

use super::{Engine, Store};
use crate::error::Error;
use crate::rdf::Iris;
use crate::record::Record;
use oxigraph::model::{
    GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, QuadRef,
    Term, TermRef,
};

/// The quads of a lookup, read as they are consumed.
#[must_use]
pub struct Quads<'a> {
    inner: QuadSource<'a>,
}

// The embedded iterator is the common case, and as large as it was before
// there were two: boxing it would cost an allocation per lookup.
#[allow(clippy::large_enum_variant)]
enum QuadSource<'a> {
    Embedded(oxigraph::store::QuadIter<'a>),
    /// A remote engine's answer, read whole (or its error, once).
    Remote(std::vec::IntoIter<Result<Quad, Error>>),
}

impl<'a> Quads<'a> {
    pub(super) fn embedded(inner: oxigraph::store::QuadIter<'a>) -> Self {
        Quads {
            inner: QuadSource::Embedded(inner),
        }
    }

    pub(super) fn remote(quads: Result<Vec<Quad>, Error>) -> Self {
        let items = match quads {
            Ok(quads) => quads.into_iter().map(Ok).collect::<Vec<_>>(),
            Err(e) => vec![Err(e)],
        };
        Quads {
            inner: QuadSource::Remote(items.into_iter()),
        }
    }
}

impl Iterator for Quads<'_> {
    type Item = Result<Quad, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.inner {
            QuadSource::Embedded(i) => Some(i.next()?.map_err(Error::from)),
            QuadSource::Remote(i) => i.next(),
        }
    }
}

impl Store {
    /// The quads matching a pattern (`None` matches anything), in any
    /// graph unless `graph_name` says which.
    pub fn quads_for_pattern(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph_name: Option<GraphNameRef<'_>>,
    ) -> Quads<'static> {
        match &self.engine {
            Engine::Embedded(s) => {
                Quads::embedded(s.quads_for_pattern(subject, predicate, object, graph_name))
            }
            Engine::Remote(r) => {
                Quads::remote(r.quads_for_pattern(subject, predicate, object, graph_name))
            }
        }
    }

    /// Every quad of the store (dumps, checks).
    pub fn iter(&self) -> Quads<'static> {
        match &self.engine {
            Engine::Embedded(s) => Quads::embedded(s.iter()),
            Engine::Remote(r) => Quads::remote(r.quads_for_pattern(None, None, None, None)),
        }
    }

    pub fn contains<'b>(&self, quad: impl Into<QuadRef<'b>>) -> Result<bool, Error> {
        match &self.engine {
            Engine::Embedded(s) => Ok(s.contains(quad)?),
            Engine::Remote(r) => r.contains(quad.into()),
        }
    }

    /// The named graphs.
    pub fn named_graphs(&self) -> impl Iterator<Item = Result<NamedOrBlankNode, Error>> + use<> {
        let graphs: Box<dyn Iterator<Item = Result<NamedOrBlankNode, Error>>> = match &self.engine {
            Engine::Embedded(s) => Box::new(s.named_graphs().map(|g| g.map_err(Error::from))),
            Engine::Remote(r) => match r.named_graphs() {
                Ok(graphs) => Box::new(graphs.into_iter().map(Ok)),
                Err(e) => Box::new(std::iter::once(Err(e))),
            },
        };
        graphs
    }

    pub fn contains_named_graph<'b>(
        &self,
        graph: impl Into<NamedOrBlankNodeRef<'b>>,
    ) -> Result<bool, Error> {
        match &self.engine {
            Engine::Embedded(s) => Ok(s.contains_named_graph(graph)?),
            Engine::Remote(r) => r.contains_named_graph(graph.into()),
        }
    }

    /// All quads of one named graph.
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>, Error> {
        self.quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph)))
            .collect()
    }

    /// The objects of `subject predicate ?object` for several subjects at
    /// once (in `graph`, or in any graph), one list per subject in the
    /// subjects' order: set memberships or change stamps of a page of
    /// records. A remote engine answers it in one request, whatever the
    /// page's size; the embedded store looks each subject up.
    pub fn objects_of(
        &self,
        subjects: &[NamedNode],
        predicate: NamedNodeRef<'_>,
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Vec<Term>>, Error> {
        self.objects_of_any(subjects, &[predicate], graph)
    }

    /// [`Store::objects_of`] for any of several predicates (labels by
    /// `skos:prefLabel` or `rdfs:label`): the objects of each, one list per
    /// subject, in the predicates' order. One request on a remote engine.
    pub fn objects_of_any(
        &self,
        subjects: &[NamedNode],
        predicates: &[NamedNodeRef<'_>],
        graph: Option<GraphNameRef<'_>>,
    ) -> Result<Vec<Vec<Term>>, Error> {
        if let Engine::Remote(r) = &self.engine {
            return r.objects_of(subjects, predicates, graph);
        }
        subjects
            .iter()
            .map(|s| {
                predicates
                    .iter()
                    .flat_map(|p| {
                        self.quads_for_pattern(Some(s.as_ref().into()), Some(*p), None, graph)
                            .map(|q| q.map(|q| q.object))
                    })
                    .collect()
            })
            .collect()
    }

    /// Several records at once, in the order of `ids`; `None` for an id
    /// with no record. One batch for a page or a chunk of an export: a
    /// remote engine answers it in a bounded number of requests, whatever
    /// its size. The embedded store reads the records on every core, each
    /// worker keeping the agents it has read ([`crate::rdf::read::Reader`]).
    pub fn records(&self, iris: &Iris, ids: &[String]) -> Result<Vec<Option<Record>>, Error> {
        use rayon::prelude::*;
        if let Engine::Remote(r) = &self.engine {
            return r.records(iris, ids);
        }
        ids.par_iter()
            .map_init(
                || crate::rdf::read::Reader::new(self, iris),
                |reader, id| reader.record(id),
            )
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::model::{GraphName, Literal};

    #[test]
    fn batched_reads_answer_in_the_order_asked_with_a_place_for_each() {
        let store = Store::memory().unwrap();
        let iris = Iris::new("http://localhost:8080/");
        let ex = |s: &str| NamedNode::new_unchecked(format!("http://example.org/{s}"));
        let p = ex("p");
        store
            .transaction(|tx| {
                tx.insert(&Quad::new(
                    ex("a"),
                    p.clone(),
                    Literal::from(1),
                    GraphName::DefaultGraph,
                ));
                tx.insert(&Quad::new(ex("c"), p.clone(), Literal::from(3), ex("g")));
                Ok(())
            })
            .unwrap();
        let subjects = [ex("c"), ex("b"), ex("a")];
        let all = store.objects_of(&subjects, p.as_ref(), None).unwrap();
        assert_eq!(
            all,
            [
                vec![Term::from(Literal::from(3))],
                vec![],
                vec![Term::from(Literal::from(1))]
            ]
        );
        let in_g = store
            .objects_of(
                &subjects,
                p.as_ref(),
                Some(GraphNameRef::NamedNode(ex("g").as_ref())),
            )
            .unwrap();
        assert_eq!(in_g, [vec![Term::from(Literal::from(3))], vec![], vec![]]);
        // No records here: a place for each id all the same.
        let ids = ["x".to_string(), "y".to_string()];
        assert_eq!(store.records(&iris, &ids).unwrap(), [None, None]);
        assert!(store.records(&iris, &[]).unwrap().is_empty());
    }
}
