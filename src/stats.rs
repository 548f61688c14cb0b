//! Catalogue statistics, computed with SPARQL over the union of all graphs.

use crate::error::Error;
use crate::rdf::Iris;
use crate::store::Answer;
use crate::store::Store;
use serde::Serialize;
use std::fmt;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Stats {
    pub records: u64,
    pub triples: usize,
    pub by_source: Vec<(String, u64)>,
    pub by_type: Vec<(String, u64)>,
    pub by_category: Vec<(String, u64)>,
    pub agents: u64,
    pub countries: u64,
}

const TIMEOUT: Duration = Duration::from_secs(30);

impl Stats {
    pub fn compute(store: &Store, iris: &Iris) -> Result<Self, Error> {
        let pal = iris.vocab("");
        let base = iris.base();
        let count = |q: &str| -> Result<u64, Error> {
            let rows = pairs(store, q)?;
            Ok(rows.first().map(|(_, n)| *n).unwrap_or(0))
        };
        Ok(Stats {
            records: count(
                "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ('' AS ?k) (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource }",
            )?,
            triples: store.len()?,
            // Records only: a chapter's book (`#book`) has a title too.
            by_source: pairs(
                store,
                &format!(
                    "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE {{ GRAPH ?k {{ ?r dcterms:title|dcterms:alternative ?t }} ?r a dcterms:BibliographicResource FILTER(STRSTARTS(STR(?r), \"{base}records/\")) }} GROUP BY ?k ORDER BY ?k"
                ),
            )?,
            by_type: pairs(
                store,
                &format!(
                    "SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE {{ ?r a ?k FILTER(STRSTARTS(STR(?k), \"{}\")) }} GROUP BY ?k ORDER BY DESC(?n) ?k",
                    pal.as_str()
                ),
            )?,
            by_category: pairs(
                store,
                "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?k (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r dcterms:subject ?k } GROUP BY ?k ORDER BY ?k",
            )?,
            agents: count(
                "PREFIX foaf: <http://xmlns.com/foaf/0.1/> SELECT ('' AS ?k) (COUNT(DISTINCT ?a) AS ?n) WHERE { ?a a ?c VALUES ?c { foaf:Person foaf:Organization } }",
            )?,
            countries: count(
                "PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX schema: <http://schema.org/> SELECT ('' AS ?k) (COUNT(DISTINCT ?c) AS ?n) WHERE { ?r dcterms:spatial ?c . ?c a schema:Country }",
            )?,
        })
    }
}

/// Rows of (?k, ?n) from a grouping query.
fn pairs(store: &Store, q: &str) -> Result<Vec<(String, u64)>, Error> {
    store.query(q, TIMEOUT, |results| {
        let mut out = Vec::new();
        if let Answer::Solutions(solutions) = results {
            for s in solutions {
                let s = s?;
                let key = match s.get("k") {
                    Some(oxigraph::model::Term::NamedNode(n)) => n.as_str().to_string(),
                    Some(oxigraph::model::Term::Literal(l)) => l.value().to_string(),
                    Some(t) => t.to_string(),
                    None => String::new(),
                };
                let n = match s.get("n") {
                    Some(oxigraph::model::Term::Literal(l)) => l.value().parse().unwrap_or(0),
                    _ => 0,
                };
                out.push((key, n));
            }
        }
        Ok(out)
    })
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "records: {}", self.records)?;
        writeln!(f, "triples: {}", self.triples)?;
        writeln!(f, "agents: {}", self.agents)?;
        writeln!(f, "countries covered: {}", self.countries)?;
        for (title, rows) in [
            ("by source graph", &self.by_source),
            ("by type", &self.by_type),
            ("by category", &self.by_category),
        ] {
            writeln!(f, "{title}:")?;
            for (k, n) in rows {
                writeln!(f, "  {k}: {n}")?;
            }
        }
        Ok(())
    }
}
