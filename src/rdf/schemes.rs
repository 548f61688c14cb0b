//! The embedded ontology and SKOS schemes (`ontology/*.ttl`): the one
//! module that holds the files and parses them, into `Scheme`s for the
//! normaliser, exports, search and harvest, and into quads for the store.

use super::Iris;
use super::vocab::{owl, skos};
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{GraphName, Quad, Term};
use std::collections::HashMap;
use std::sync::LazyLock;

pub const COUNTRIES_TTL: &str = include_str!("../../ontology/countries.ttl");
pub const REGIONS_TTL: &str = include_str!("../../ontology/regions.ttl");
pub const CATEGORIES_TTL: &str = include_str!("../../ontology/categories.ttl");
pub const LANGUAGES_TTL: &str = include_str!("../../ontology/languages.ttl");
/// Our classes and properties, loaded into the ontology graph.
pub const ONTOLOGY_TTL: &str = include_str!("../../ontology/palermo.ttl");

/// The schemes loaded into the vocabulary graph.
pub const SCHEMES: [&str; 4] = [COUNTRIES_TTL, REGIONS_TTL, CATEGORIES_TTL, LANGUAGES_TTL];

/// One concept of a SKOS scheme, as the normaliser needs it.
#[derive(Debug, Clone, Default)]
pub struct Concept {
    /// Last segment of the IRI: "BA", "middle-east-and-north-africa".
    pub key: String,
    pub pref_label: String,
    pub same_as: Option<String>,
    pub historic: bool,
}

/// A concept scheme with a label index.
pub struct Scheme {
    pub concepts: Vec<Concept>,
    by_label: HashMap<String, usize>,
}

impl Scheme {
    /// Read a scheme from Turtle; `segment` is the IRI path before the key ("id/country/").
    pub fn from_turtle(ttl: &str, segment: &str) -> Self {
        let mut concepts: HashMap<String, Concept> = HashMap::new();
        let mut labels: Vec<(String, String)> = Vec::new();
        let parser = RdfParser::from_format(RdfFormat::Turtle)
            .with_base_iri("http://localhost:8080/")
            .expect("static base IRI");
        for quad in parser.for_slice(ttl.as_bytes()) {
            // The file is embedded in the binary and checked by tests.
            let quad = quad.expect("embedded scheme is valid Turtle");
            let subject = quad.subject.to_string();
            let subject = subject.trim_matches(|c| c == '<' || c == '>');
            let Some((_, key)) = subject.split_once(segment) else {
                continue;
            };
            if key.is_empty() {
                continue;
            }
            let entry = concepts.entry(key.to_string()).or_insert_with(|| Concept {
                key: key.to_string(),
                ..Concept::default()
            });
            let predicate = quad.predicate.as_str();
            match (&quad.object, predicate.strip_prefix(skos::NS)) {
                (Term::Literal(l), Some("prefLabel")) => {
                    entry.pref_label = l.value().to_string();
                    labels.push((l.value().to_string(), key.to_string()));
                }
                (Term::Literal(l), Some("altLabel" | "hiddenLabel" | "notation")) => {
                    labels.push((l.value().to_string(), key.to_string()));
                }
                (Term::NamedNode(n), _) if quad.predicate == owl::SAME_AS => {
                    entry.same_as = Some(n.as_str().to_string());
                }
                (Term::Literal(l), _) if predicate.ends_with("ontology#historic") => {
                    entry.historic = l.value() == "true";
                }
                _ => {}
            }
        }
        let mut concepts: Vec<Concept> = concepts.into_values().collect();
        concepts.sort_by(|a, b| a.key.cmp(&b.key));
        let index: HashMap<&str, usize> = concepts
            .iter()
            .enumerate()
            .map(|(i, c)| (c.key.as_str(), i))
            .collect();
        let by_label = labels
            .into_iter()
            .filter_map(|(label, key)| index.get(key.as_str()).map(|&i| (label_key(&label), i)))
            .collect();
        Scheme { concepts, by_label }
    }

    pub fn lookup(&self, label: &str) -> Option<&Concept> {
        self.by_label
            .get(&label_key(label))
            .map(|&i| &self.concepts[i])
    }

    pub fn get(&self, key: &str) -> Option<&Concept> {
        self.concepts.iter().find(|c| c.key == key)
    }
}

/// Labels match regardless of case, accents, "&" vs "and" and punctuation.
fn label_key(label: &str) -> String {
    let ascii = deunicode::deunicode(label)
        .to_lowercase()
        .replace('&', " and ");
    ascii
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

pub static COUNTRIES: LazyLock<Scheme> =
    LazyLock::new(|| Scheme::from_turtle(COUNTRIES_TTL, "/id/country/"));
pub static REGIONS: LazyLock<Scheme> =
    LazyLock::new(|| Scheme::from_turtle(REGIONS_TTL, "/id/region/"));
pub static CATEGORIES: LazyLock<Scheme> =
    LazyLock::new(|| Scheme::from_turtle(CATEGORIES_TTL, "/id/category/"));

/// Parse one of our Turtle files, rebased onto the configured base IRI.
fn quads(iris: &Iris, ttl: &str, graph: GraphName) -> Vec<Quad> {
    // The files carry `@base <http://localhost:8080/>` so they read on
    // their own; drop it so relative IRIs resolve against our base.
    let text: String = ttl
        .lines()
        .filter(|l| !l.trim_start().starts_with("@base"))
        .map(|l| format!("{l}\n"))
        .collect();
    RdfParser::from_format(RdfFormat::Turtle)
        .with_base_iri(iris.base())
        .expect("base IRI was validated at startup")
        .with_default_graph(graph)
        // Labels are scoped to one file: the same `_:x` in two files (or
        // in one file loaded twice) must not become one node.
        .rename_blank_nodes()
        .for_slice(text.as_bytes())
        .map(|q| q.expect("embedded ontology files are valid Turtle (tested)"))
        .collect()
}

/// Every scheme, as the vocabulary graph holds it under our base.
pub fn vocabulary_quads(iris: &Iris) -> Vec<Quad> {
    SCHEMES
        .iter()
        .flat_map(|t| quads(iris, t, iris.vocab_graph()))
        .collect()
}

/// The ontology, as the ontology graph holds it under our base.
pub fn ontology_quads(iris: &Iris) -> Vec<Quad> {
    quads(iris, ONTOLOGY_TTL, iris.ontology_graph())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scheme_is_read_under_its_own_segment() {
        assert_eq!(CATEGORIES.concepts.len(), 4);
        let law = CATEGORIES.get("law-enforcement").unwrap();
        assert_eq!(CATEGORIES.lookup(&law.pref_label).unwrap().key, law.key);
        assert_eq!(COUNTRIES.get("BA").unwrap().key, "BA");
        assert!(REGIONS.get("worldwide").is_some());
        assert!(CATEGORIES.get("BA").is_none());
    }

    #[test]
    fn the_store_holds_the_schemes_and_the_ontology_under_our_base() {
        let iris = Iris::new("https://example.org/cat/");
        let vocab = vocabulary_quads(&iris);
        let in_scheme = |scheme: &str| {
            vocab
                .iter()
                .filter(|q| {
                    q.predicate == skos::IN_SCHEME
                        && q.object == Term::from(iris.scheme(scheme))
                        && q.graph_name == iris.vocab_graph()
                })
                .count()
        };
        assert_eq!(in_scheme("category"), CATEGORIES.concepts.len());
        assert_eq!(in_scheme("country"), COUNTRIES.concepts.len());
        assert!(in_scheme("language") > 0);
        let ontology = ontology_quads(&iris);
        assert!(!ontology.is_empty());
        assert!(
            ontology
                .iter()
                .all(|q| q.graph_name == iris.ontology_graph()
                    && !q.subject.to_string().contains("localhost:8080"))
        );
    }
}
