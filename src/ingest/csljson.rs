//! CSL-JSON files -> records, with the serde structs of `export::csljson`:
//! an array of items (or one item), any valid CSL type, names as literals
//! (organisations) or family/given (persons), dates structured or as text.
//! Our own `custom` data, when present, restores what CSL cannot carry.

use super::ParseError;
use crate::export::csljson::{CslItem, CslName};
use crate::export::{apply_keywords, id_from_url, kind_from_label, language_codes};
use crate::normalize::agents::organization;
use crate::normalize::clean_space;
use crate::rdf::Iris;
use crate::record::{Agent, Provenance, Record, RecordKind};
use serde::Deserialize;

/// A file holds an array of items, or (Crossref's answer for one DOI) one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Items {
    Many(Vec<CslItem>),
    One(Box<CslItem>),
}

impl From<&CslName> for Option<Agent> {
    fn from(n: &CslName) -> Self {
        match n {
            CslName::Literal { literal } => {
                let name = clean_space(literal);
                (!name.is_empty()).then(|| organization(&name))
            }
            CslName::Person {
                family,
                given,
                dropping_particle,
                non_dropping_particle,
                suffix,
            } => {
                let mut parts: Vec<&str> = [dropping_particle, non_dropping_particle]
                    .iter()
                    .filter_map(|p| p.as_deref())
                    .collect();
                parts.push(family);
                let mut family = clean_space(&parts.join(" "));
                if let Some(s) = suffix.as_deref().map(clean_space).filter(|s| !s.is_empty()) {
                    family = format!("{family}, {s}");
                }
                let given = given.as_deref().map(clean_space).filter(|g| !g.is_empty());
                (!family.is_empty()).then_some(Agent::Person { given, family })
            }
            CslName::Given { given } => {
                let family = clean_space(given);
                (!family.is_empty()).then_some(Agent::Person {
                    given: None,
                    family,
                })
            }
        }
    }
}

/// One item as a record.
impl TryFrom<(CslItem, &Iris)> for Record {
    type Error = String;

    fn try_from((item, iris): (CslItem, &Iris)) -> Result<Self, String> {
        let title = clean_space(&item.title);
        if title.is_empty() {
            return Err(format!("item {} has an empty title", item.id));
        }
        let custom = item.custom.unwrap_or_default();
        let kind = custom.kind.unwrap_or_else(|| {
            let base = RecordKind::from(item.kind);
            match item.genre.as_deref().and_then(kind_from_label) {
                // A genre refines the type, never contradicts it.
                Some(k) if crate::export::csljson::CslType::from(k) == item.kind => k,
                _ => base,
            }
        });
        let languages = if custom.languages.is_empty() {
            language_codes(item.language.as_deref())
        } else {
            language_codes(custom.languages.iter().map(String::as_str))
        };
        let publishers: Vec<Agent> = item
            .publisher
            .as_deref()
            .map(|p| {
                p.split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(organization)
                    .collect()
            })
            .unwrap_or_default();
        let mut r = Record {
            id: item
                .url
                .as_deref()
                .and_then(|u| id_from_url(iris, u))
                .unwrap_or_default(),
            title,
            alternative_titles: custom.alternative_titles,
            abstract_text: item.abstract_text.as_deref().map(clean_space),
            description: None,
            kind,
            year: item.issued.as_ref().and_then(|d| d.first_year()),
            authors: item
                .author
                .iter()
                .filter_map(Option::<Agent>::from)
                .collect(),
            publishers,
            languages,
            countries: custom.countries,
            regions: custom.regions,
            categories: custom.categories,
            citation: custom.citation,
            note: item
                .note
                .as_deref()
                .map(clean_space)
                .filter(|n| !n.is_empty()),
            provenance: Vec::new(),
            repairs: Vec::new(),
        };
        if let Some(k) = item.keyword.as_deref() {
            apply_keywords(&mut r, k.split([',', ';']));
        }
        Ok(r)
    }
}

/// The line of each top-level object of a JSON array, in one pass: a hint
/// for errors that serde reports without a position.
fn item_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1;
    for c in text.chars() {
        match c {
            '\n' => line += 1,
            _ if in_string => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            }
            '"' => in_string = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    out.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

/// Parse a CSL-JSON file (see `ingest::bibtex::parse` for ids and provenance).
pub fn parse(file: &str, text: &str, iris: &Iris) -> Result<Vec<Record>, ParseError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let items = match serde_json::from_str::<Items>(text) {
        Ok(Items::Many(items)) => items,
        Ok(Items::One(item)) => vec![*item],
        Err(_) => {
            // Untagged errors say only "did not match": parse again as an
            // array of items for serde's message with a line.
            let e = serde_json::from_str::<Vec<CslItem>>(text)
                .err()
                .map(|e| (e.line().max(1), e.to_string()))
                .unwrap_or((1, "not a CSL-JSON item or array of items".into()));
            return Err(ParseError {
                file: file.to_string(),
                line: e.0,
                message: format!("not valid CSL-JSON: {}", e.1),
            });
        }
    };
    let lines = item_lines(text);
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let line = lines.get(i).copied().unwrap_or(1);
            let mut r = Record::try_from((item, iris)).map_err(|message| ParseError {
                file: file.to_string(),
                line,
                message,
            })?;
            r.provenance.push(Provenance {
                source: String::new(),
                file: file.to_string(),
                line,
            });
            Ok(r)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_types_are_errors_with_lines() {
        let iris = Iris::new("http://localhost:8080/");
        let text = "[\n  {\"id\": \"a\", \"type\": \"report\", \"title\": \"A\"},\n  {\"id\": 2,\n   \"type\": \"nonsense\", \"title\": \"B\"}\n]";
        let e = parse("x.json", text, &iris).err();
        let (line, message) = e.map(|e| (e.line, e.message)).unwrap_or_default();
        assert_eq!(line, 4, "{message}");
        assert!(message.contains("nonsense"), "{message}");
    }

    #[test]
    fn reads_third_party_items() {
        let iris = Iris::new("http://localhost:8080/");
        let text = r#"{"id": 7, "type": "article-journal", "title": "T",
            "author": [{"family": "Hagen", "non-dropping-particle": "von", "given": "M."}, {"literal": "UNODC"}],
            "issued": {"date-parts": [["2019", 5]]}, "language": "en-GB"}"#;
        let r = parse("x.json", text, &iris).unwrap_or_default();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, RecordKind::Article);
        assert_eq!(r[0].year, Some(2019));
        assert_eq!(r[0].languages, vec!["en"]);
        assert_eq!(
            r[0].authors[0],
            Agent::Person {
                given: Some("M.".into()),
                family: "von Hagen".into()
            }
        );
        assert_eq!(r[0].authors[1].key(), "unodc");
        assert_eq!(item_lines("[\n{},\n\n{}]"), vec![2, 4]);
    }
}
