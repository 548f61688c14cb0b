//! Countries (ISO 3166-1, from `ontology/countries.ttl`) and regions (our own
//! SKOS scheme, `ontology/regions.ttl`), including re-joining names the
//! source split on " and " ("Bosnia" / "Herzegovina").

use super::clean_space;
use crate::rdf::vocab::{owl, skos};
use crate::record::Repair;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::Term;
use std::collections::HashMap;
use std::sync::LazyLock;

pub const COUNTRIES_TTL: &str = include_str!("../../ontology/countries.ttl");
pub const REGIONS_TTL: &str = include_str!("../../ontology/regions.ttl");

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

/// The result of reading a `Country` or `Region` field.
#[derive(Debug, Default, PartialEq)]
pub struct Places {
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
}

/// Which scheme a field is meant to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceField {
    Country,
    Region,
}

impl PlaceField {
    fn name(self) -> &'static str {
        match self {
            PlaceField::Country => "countries",
            PlaceField::Region => "regions",
        }
    }
}

/// Normalise the lines of one `Country` or `Region` field.
pub fn parse_places(lines: &[String], field: PlaceField) -> Places {
    let mut out = Places::default();
    let values: Vec<String> = lines
        .iter()
        .map(|l| clean_space(l))
        .filter(|l| !l.is_empty())
        .collect();
    let mut i = 0;
    while i < values.len() {
        // The CMS split names on " and ": a pair that is a known name when
        // rejoined is one place, whatever its halves mean alone.
        if let Some(next) = values.get(i + 1) {
            let joined = [
                format!("{} and {}", values[i], next),
                format!("{} and the {}", values[i], next),
            ];
            if let Some((text, key, is_country)) = joined
                .iter()
                .find_map(|j| resolve(j, field).map(|(k, c)| (j.clone(), k, c)))
            {
                out.repairs.push(Repair {
                    field: field.name().into(),
                    original: format!("{} | {}", values[i], next),
                    repaired: text,
                    guess: false,
                    reason: "name split on \" and \" by the source; rejoined".into(),
                });
                push_place(&mut out, key, is_country);
                i += 2;
                continue;
            }
        }
        let value = &values[i];
        match resolve(value, field) {
            Some((key, is_country)) => {
                if is_country != (field == PlaceField::Country) {
                    out.repairs.push(Repair {
                        field: field.name().into(),
                        original: value.clone(),
                        repaired: format!(
                            "{} {key}",
                            if is_country { "country" } else { "region" }
                        ),
                        guess: false,
                        reason: format!(
                            "\"{value}\" is not a {}",
                            if is_country { "region" } else { "country" }
                        ),
                    });
                }
                push_place(&mut out, key, is_country);
            }
            None => {
                out.warnings.push(format!(
                    "unknown {} name \"{value}\": kept unmapped",
                    field.name()
                ));
                out.repairs.push(Repair {
                    field: field.name().into(),
                    original: value.clone(),
                    repaired: String::new(),
                    guess: true,
                    reason: "no matching concept; the value is kept here and not mapped".into(),
                });
            }
        }
        i += 1;
    }
    out
}

fn push_place(out: &mut Places, key: String, is_country: bool) {
    let list = if is_country {
        &mut out.countries
    } else {
        &mut out.regions
    };
    if !list.contains(&key) {
        list.push(key);
    }
}

/// Find a value in the field's own scheme first, then in the other one
/// ("Worldwide" in a Country field is a region). Returns (key, is_country).
fn resolve(value: &str, field: PlaceField) -> Option<(String, bool)> {
    let country = || COUNTRIES.lookup(value).map(|c| (c.key.clone(), true));
    let region = || REGIONS.lookup(value).map(|c| (c.key.clone(), false));
    match field {
        PlaceField::Country => country().or_else(region),
        PlaceField::Region => region().or_else(country),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rejoins_split_countries() {
        let p = parse_places(
            &lines(&[
                "Albania",
                "Macedonia",
                "UNSC Resolution 1244 Administered Kosovo",
                "Bosnia",
                "Herzegovina",
                "St. Lucia",
                "Trinidad",
                "Tobago",
                "Netherlands Antilles",
            ]),
            PlaceField::Country,
        );
        assert_eq!(p.countries, vec!["AL", "MK", "XK", "BA", "LC", "TT", "AN"]);
        assert_eq!(p.repairs.len(), 2);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn worldwide_is_a_region() {
        let p = parse_places(&lines(&["Worldwide"]), PlaceField::Country);
        assert!(p.countries.is_empty());
        assert_eq!(p.regions, vec!["worldwide"]);
    }

    #[test]
    fn rejoins_split_regions() {
        let p = parse_places(&lines(&["Middle East", "North Africa"]), PlaceField::Region);
        assert_eq!(p.regions, vec!["middle-east-and-north-africa"]);
        let p = parse_places(
            &lines(&["Central", "North America", "Caribbean"]),
            PlaceField::Region,
        );
        assert_eq!(p.regions, vec!["central-and-north-america", "caribbean"]);
        let p = parse_places(&lines(&["Horn Of Africa"]), PlaceField::Region);
        assert_eq!(p.regions, vec!["horn-of-africa"]);
    }

    #[test]
    fn unknown_names_are_reported_not_lost() {
        let p = parse_places(&lines(&["Atlantis"]), PlaceField::Country);
        assert!(p.countries.is_empty());
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.repairs[0].original, "Atlantis");
    }
}
