//! Reads: quads by pattern and named graphs, as a backend-neutral stream.

use super::Store;
use crate::error::Error;
use oxigraph::model::{
    GraphNameRef, NamedNodeRef, NamedOrBlankNode, NamedOrBlankNodeRef, Quad, QuadRef, TermRef,
};

/// The quads of a lookup, read as they are consumed.
#[must_use]
pub struct Quads<'a> {
    inner: oxigraph::store::QuadIter<'a>,
}

impl<'a> Quads<'a> {
    pub(super) fn embedded(inner: oxigraph::store::QuadIter<'a>) -> Self {
        Quads { inner }
    }
}

impl Iterator for Quads<'_> {
    type Item = Result<Quad, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        Some(self.inner.next()?.map_err(Error::from))
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
        Quads::embedded(
            self.inner
                .quads_for_pattern(subject, predicate, object, graph_name),
        )
    }

    /// Every quad of the store (dumps, checks).
    pub fn iter(&self) -> Quads<'static> {
        Quads::embedded(self.inner.iter())
    }

    pub fn contains<'b>(&self, quad: impl Into<QuadRef<'b>>) -> Result<bool, Error> {
        Ok(self.inner.contains(quad)?)
    }

    /// The named graphs.
    pub fn named_graphs(&self) -> impl Iterator<Item = Result<NamedOrBlankNode, Error>> + use<> {
        self.inner.named_graphs().map(|g| g.map_err(Error::from))
    }

    pub fn contains_named_graph<'b>(
        &self,
        graph: impl Into<NamedOrBlankNodeRef<'b>>,
    ) -> Result<bool, Error> {
        Ok(self.inner.contains_named_graph(graph)?)
    }

    /// All quads of one named graph.
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>, Error> {
        self.quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph)))
            .collect()
    }
}
