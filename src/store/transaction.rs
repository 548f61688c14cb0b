//! Writes: one transaction that reads its own writes, and the bulk loader.

use super::{Answer, Dataset, Quads};
use crate::error::Error;
use oxigraph::model::{GraphNameRef, NamedNodeRef, NamedOrBlankNodeRef, Quad, QuadRef, TermRef};
use oxigraph::sparql::SparqlEvaluator;

/// One write in progress: what it reads includes what it has written so
/// far, and all of it is committed at once or not at all (see
/// [`super::Store::transaction`]).
pub struct Transaction<'a> {
    inner: oxigraph::store::Transaction<'a>,
    /// The evaluator of queries and updates in this transaction: under
    /// the deadline of [`super::Store::transaction_within`], if any.
    evaluator: Option<SparqlEvaluator>,
}

impl<'a> Transaction<'a> {
    pub(super) fn new(
        inner: oxigraph::store::Transaction<'a>,
        evaluator: Option<SparqlEvaluator>,
    ) -> Self {
        Transaction { inner, evaluator }
    }

    pub(super) fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit()?)
    }

    fn evaluator(&self) -> SparqlEvaluator {
        self.evaluator.clone().unwrap_or_default()
    }

    /// The quads matching a pattern (`None` matches anything), as the
    /// transaction sees them.
    pub fn quads_for_pattern(
        &self,
        subject: Option<NamedOrBlankNodeRef<'_>>,
        predicate: Option<NamedNodeRef<'_>>,
        object: Option<TermRef<'_>>,
        graph_name: Option<GraphNameRef<'_>>,
    ) -> Quads<'_> {
        Quads::embedded(
            self.inner
                .quads_for_pattern(subject, predicate, object, graph_name),
        )
    }

    pub fn contains<'b>(&self, quad: impl Into<QuadRef<'b>>) -> Result<bool, Error> {
        Ok(self.inner.contains(quad)?)
    }

    pub fn contains_named_graph<'b>(
        &self,
        graph: impl Into<NamedOrBlankNodeRef<'b>>,
    ) -> Result<bool, Error> {
        Ok(self.inner.contains_named_graph(graph)?)
    }

    pub fn insert<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        self.inner.insert(quad);
    }

    pub fn extend<'b>(&mut self, quads: impl IntoIterator<Item = impl Into<QuadRef<'b>>>) {
        self.inner.extend(quads);
    }

    pub fn remove<'b>(&mut self, quad: impl Into<QuadRef<'b>>) {
        self.inner.remove(quad);
    }

    /// Name an (empty) graph, as the Graph Store Protocol creates one.
    pub fn insert_named_graph<'b>(&mut self, graph: impl Into<NamedOrBlankNodeRef<'b>>) {
        self.inner.insert_named_graph(graph);
    }

    /// Remove every quad of a graph (the graph stays named).
    pub fn clear_graph<'b>(&mut self, graph: impl Into<GraphNameRef<'b>>) -> Result<(), Error> {
        Ok(self.inner.clear_graph(graph)?)
    }

    /// Remove a graph: its quads and its name.
    pub fn remove_named_graph<'b>(
        &mut self,
        graph: impl Into<NamedOrBlankNodeRef<'b>>,
    ) -> Result<(), Error> {
        Ok(self.inner.remove_named_graph(graph)?)
    }

    /// Evaluate a (parsed, already guarded) query over what the
    /// transaction sees, under its deadline.
    pub fn query(&self, query: spargebra::Query, dataset: &Dataset) -> Result<Answer<'_>, Error> {
        let has_own_dataset = query.dataset().is_some();
        let mut prepared = self.evaluator().for_query(query);
        dataset.apply(has_own_dataset, prepared.dataset_mut());
        Ok(Answer::from(
            prepared.on_transaction(&self.inner).execute()?,
        ))
    }

    /// Apply a (parsed, already guarded) SPARQL Update in the transaction,
    /// under its deadline. A failed update is the request's error.
    pub fn update(&mut self, update: spargebra::Update) -> Result<(), Error> {
        self.evaluator()
            .for_update(update)
            .on_transaction(&mut self.inner)
            .execute()
            .map_err(|e| Error::BadRequest(format!("update failed: {e}")))
    }
}

/// The bulk loader of [`super::Store::bulk_load`].
pub struct BulkLoad<'a> {
    inner: oxigraph::store::BulkLoader<'a>,
}

impl<'a> BulkLoad<'a> {
    pub(super) fn new(inner: oxigraph::store::BulkLoader<'a>) -> Self {
        BulkLoad { inner }
    }

    pub(super) fn commit(self) -> Result<(), Error> {
        Ok(self.inner.commit()?)
    }

    /// Add quads.
    pub fn load_quads(&mut self, quads: impl IntoIterator<Item = Quad>) -> Result<(), Error> {
        Ok(self.inner.load_quads(quads)?)
    }

    /// Add quads, stopping at the first error of the stream (which is the
    /// answer then).
    pub fn load_ok_quads(
        &mut self,
        quads: impl IntoIterator<Item = Result<Quad, Error>>,
    ) -> Result<(), Error> {
        self.inner.load_ok_quads::<Error, Error>(quads)
    }
}
