//! Full-text search inside SPARQL, which Oxigraph lacks: two extension
//! functions in our vocabulary (`pal:` = `{base}ontology#`).
//!
//! - `pal:score(?record, "labour exploitation")`: the record's relevance
//!   (`xsd:double`, higher is better), unbound when it does not match;
//! - `pal:matches(?record, "labour exploitation")`: `true` or `false`.
//!
//! ```sparql
//! PREFIX pal: <http://localhost:8080/ontology#>
//! PREFIX dcterms: <http://purl.org/dc/terms/>
//! SELECT ?record ?title ?score WHERE {
//!   ?record a dcterms:BibliographicResource ; dcterms:title ?title .
//!   BIND(pal:score(?record, "labour exploitation") AS ?score)
//!   FILTER(BOUND(?score))
//! } ORDER BY DESC(?score)
//! ```
//!
//! The query string uses the same language as `/records?q=`. Functions are
//! called once per solution, so each distinct query string is run once per
//! evaluation and its scores are looked up afterwards.

use super::SearchIndex;
use crate::rdf::Iris;
use crate::rdf::vocab::pal;
use crate::store::QueryOptions;
use oxigraph::model::{Literal, Term};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Distinct query strings remembered per evaluation; a query that computes
/// its search strings per row gets no cache past this, only slower.
const CACHE_LIMIT: usize = 64;

type Scores = Arc<HashMap<String, f32>>;

/// Offer `pal:score` and `pal:matches` to the queries evaluated with `options`.
pub fn register(options: QueryOptions, index: &SearchIndex, iris: &Iris) -> QueryOptions {
    let lookup = Lookup {
        index: index.clone(),
        iris: iris.clone(),
        cache: Arc::new(Mutex::new(HashMap::new())),
    };
    let for_matches = lookup.clone();
    options
        .with_function(iris.vocab(pal::SCORE), move |args| {
            lookup
                .score(args)
                .map(|s| Literal::from(f64::from(s)).into())
        })
        .with_function(iris.vocab(pal::MATCHES), move |args| {
            // Only arguments of the wrong kind are errors; no match is `false`.
            for_matches.check(args)?;
            Some(Literal::from(for_matches.score(args).is_some()).into())
        })
}

#[derive(Clone)]
struct Lookup {
    index: SearchIndex,
    iris: Iris,
    cache: Arc<Mutex<HashMap<String, Scores>>>,
}

impl Lookup {
    /// `(record IRI, query string)`, or `None` for an evaluation error.
    fn check<'a>(&self, args: &'a [Term]) -> Option<(&'a str, &'a str)> {
        let [Term::NamedNode(record), Term::Literal(q)] = args else {
            return None;
        };
        Some((record.as_str(), q.value()))
    }

    fn score(&self, args: &[Term]) -> Option<f32> {
        let (record, q) = self.check(args)?;
        let id = self.iris.record_id(record)?;
        self.scores(q)?.get(id).copied()
    }

    fn scores(&self, q: &str) -> Option<Scores> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = cache.get(q) {
            return Some(s.clone());
        }
        let scores = match self.index.scores(q) {
            Ok(s) => Arc::new(s),
            Err(e) => {
                tracing::warn!(error = %e, "pal:score could not search");
                return None;
            }
        };
        if cache.len() < CACHE_LIMIT {
            cache.insert(q.to_string(), scores.clone());
        }
        Some(scores)
    }
}
