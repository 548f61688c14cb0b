//! A query's answer, in the results data model (`sparesults`) that a
//! remote engine's parsed results produce too, and the options a query is
//! evaluated with.

use super::federation::AllowList;
use crate::error::Error;
use oxigraph::model::{NamedNode, Term, Triple, Variable};
use oxigraph::sparql::{QueryResults, SparqlEvaluator};
use sparesults::QuerySolution;
use std::sync::Arc;

/// The answer to a query: a boolean (ASK), solutions (SELECT) or triples
/// (CONSTRUCT, DESCRIBE). Solutions and triples stream: they are read as
/// they are evaluated, under the query's deadline.
pub enum Answer<'a> {
    Boolean(bool),
    Solutions(Solutions<'a>),
    Graph(Triples<'a>),
}

/// The solutions of a SELECT query, one at a time.
pub struct Solutions<'a> {
    variables: Arc<[Variable]>,
    rows: Box<dyn Iterator<Item = Result<QuerySolution, Error>> + 'a>,
}

impl<'a> Solutions<'a> {
    pub fn new(
        variables: Arc<[Variable]>,
        rows: impl Iterator<Item = Result<QuerySolution, Error>> + 'a,
    ) -> Self {
        Solutions {
            variables,
            rows: Box::new(rows),
        }
    }

    /// The projected variables, in order.
    pub fn variables(&self) -> &[Variable] {
        &self.variables
    }
}

impl Iterator for Solutions<'_> {
    type Item = Result<QuerySolution, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.rows.next()
    }
}

/// The triples of a CONSTRUCT or DESCRIBE query, one at a time (with
/// repeats, as the engine gives them).
pub struct Triples<'a>(Box<dyn Iterator<Item = Result<Triple, Error>> + 'a>);

impl<'a> Triples<'a> {
    pub fn new(triples: impl Iterator<Item = Result<Triple, Error>> + 'a) -> Self {
        Triples(Box::new(triples))
    }
}

impl Iterator for Triples<'_> {
    type Item = Result<Triple, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.next()
    }
}

impl<'a> From<QueryResults<'a>> for Answer<'a> {
    fn from(results: QueryResults<'a>) -> Self {
        match results {
            QueryResults::Boolean(b) => Answer::Boolean(b),
            QueryResults::Solutions(solutions) => Answer::Solutions(Solutions::new(
                solutions.variables().into(),
                solutions.map(|s| s.map_err(Error::from)),
            )),
            QueryResults::Graph(triples) => {
                Answer::Graph(Triples::new(triples.map(|t| t.map_err(Error::from))))
            }
        }
    }
}

/// A function a query may call by its IRI (`pal:score`): its arguments'
/// values to its value, or `None` for an evaluation error.
pub type CustomFunction = Arc<dyn Fn(&[Term]) -> Option<Term> + Send + Sync>;

/// What a query is evaluated with beyond SPARQL 1.1: our own functions,
/// and `SERVICE` calls to allowed prefixes (none without a list).
#[derive(Clone, Default)]
pub struct QueryOptions {
    pub(super) functions: Vec<(NamedNode, CustomFunction)>,
    pub(super) services: Option<AllowList>,
}

impl QueryOptions {
    /// Offer a function under `name`.
    pub fn with_function(
        mut self,
        name: NamedNode,
        function: impl Fn(&[Term]) -> Option<Term> + Send + Sync + 'static,
    ) -> Self {
        self.functions.push((name, Arc::new(function)));
        self
    }

    /// Let `SERVICE` call the endpoints this list allows.
    pub fn with_services(mut self, allowed: AllowList) -> Self {
        self.services = Some(allowed);
        self
    }

    /// The embedded engine's evaluator with these options.
    pub(super) fn evaluator(&self) -> SparqlEvaluator {
        let mut evaluator = SparqlEvaluator::new();
        for (name, function) in &self.functions {
            let function = function.clone();
            evaluator = evaluator.with_custom_function(name.clone(), move |args| function(args));
        }
        if let Some(services) = &self.services {
            evaluator = evaluator.with_default_service_handler(services.clone());
        }
        evaluator
    }
}
