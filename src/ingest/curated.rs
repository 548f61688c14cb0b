//! Reader for curated TOML transcriptions (`data/unodc.toml`): one
//! `[[publication]]` table per work, reviewed by hand.

use super::{Normalised, ParseError};
use crate::normalize::agents::organization;
use crate::normalize::languages::{LanguageValue, parse_language};
use crate::normalize::{clean_space, kind};
use crate::record::{Agent, Provenance, Record};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuratedFile {
    pub source: CuratedSource,
    #[serde(default, rename = "publication")]
    pub publications: Vec<CuratedEntry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuratedSource {
    /// Source id: names the graph `{base}graph/{id}`.
    pub id: String,
    pub title: String,
    /// The page capture the transcription was made from.
    pub capture: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CuratedEntry {
    /// Line of the capture where the item starts.
    pub line: usize,
    pub title: String,
    /// How the title was found: "title-line", "named-in-text" or "from-description".
    pub title_basis: Option<String>,
    pub year: Option<i32>,
    #[serde(default)]
    pub languages: Vec<String>,
    #[serde(default)]
    pub publishers: Vec<String>,
    pub note: Option<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: Option<String>,
    /// Id of the record this work already has in another source.
    pub same_as: Option<String>,
    /// Pin the record id (otherwise derived from the title).
    pub id: Option<String>,
    /// Line of this entry's `[[publication]]` header in the TOML file.
    #[serde(skip)]
    pub toml_line: usize,
}

const TITLE_BASES: [&str; 3] = ["title-line", "named-in-text", "from-description"];

/// Parse and check a curated file. Errors carry the line of the problem.
pub fn parse(file: &str, text: &str) -> Result<CuratedFile, ParseError> {
    let mut parsed: CuratedFile = toml::from_str(text).map_err(|e| {
        let line = e
            .span()
            .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
            .unwrap_or(0);
        ParseError {
            file: file.to_string(),
            line,
            message: format!("invalid TOML: {}", e.message()),
        }
    })?;
    let headers = text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim() == "[[publication]]")
        .map(|(i, _)| i + 1);
    for (entry, line) in parsed.publications.iter_mut().zip(headers) {
        entry.toml_line = line;
    }
    let line_of = |needle: &str| {
        text.find(needle)
            .map(|p| text[..p].matches('\n').count() + 1)
            .unwrap_or(0)
    };
    if parsed.source.id.is_empty() || crate::normalize::slug(&parsed.source.id) != parsed.source.id
    {
        return Err(ParseError {
            file: file.to_string(),
            line: line_of("[source]"),
            message: format!(
                "source id \"{}\" must be a lowercase slug",
                parsed.source.id
            ),
        });
    }
    for entry in &parsed.publications {
        let problem = if entry.title.trim().is_empty() {
            Some("empty title".to_string())
        } else if let Some(b) = entry
            .title_basis
            .as_deref()
            .filter(|b| !TITLE_BASES.contains(b))
        {
            Some(format!(
                "unknown title_basis \"{b}\" (expected one of {})",
                TITLE_BASES.join(", ")
            ))
        } else {
            entry
                .year
                .filter(|y| !(1800..=2100).contains(y))
                .map(|y| format!("year {y} is out of range"))
        };
        if let Some(message) = problem {
            return Err(ParseError {
                file: file.to_string(),
                line: line_of(&format!("title = {}", toml_quote(&entry.title)))
                    .max(entry.toml_line),
                message: format!("publication \"{}\": {message}", entry.title),
            });
        }
    }
    Ok(parsed)
}

fn toml_quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// One publication of a curated file (its source and path) as a record. A
/// publication with `same_as` contributes to another source's record, so
/// only one without it states the record's subjects.
impl From<(&CuratedSource, &str, &CuratedEntry)> for Normalised {
    fn from((source, path, e): (&CuratedSource, &str, &CuratedEntry)) -> Self {
        let mut warnings = Vec::new();
        let mut languages = Vec::new();
        for l in &e.languages {
            match parse_language(l) {
                LanguageValue::Code(c) => {
                    if !languages.contains(&c.to_string()) {
                        languages.push(c.to_string());
                    }
                }
                LanguageValue::NotYetAvailable(c) => warnings.push(format!(
                    "language \"{l}\" is announced, not available: not recorded as a language of the work ({c})"
                )),
                LanguageValue::Unknown(v) => warnings.push(format!("unknown language \"{v}\": skipped")),
            }
        }
        let publishers: Vec<Agent> = e.publishers.iter().map(|p| organization(p)).collect();
        let abstract_text = e
            .abstract_text
            .as_deref()
            .map(clean_space)
            .filter(|a| !a.is_empty());
        let title = clean_space(&e.title);
        let mut record = Record {
            id: e
                .same_as
                .clone()
                .or_else(|| e.id.clone())
                .unwrap_or_default(),
            kind: kind::infer(&title, abstract_text.as_deref()),
            title,
            alternative_titles: Vec::new(),
            abstract_text,
            description: None,
            year: e.year,
            authors: Vec::new(),
            publishers,
            place: None,
            container: None,
            languages,
            countries: Vec::new(),
            regions: Vec::new(),
            categories: Vec::new(),
            citation: None,
            // The TOML's `note` is the transcriber's remark about the
            // capture, not something a reader of the citation needs.
            note: None,
            editorial_notes: e.note.iter().cloned().collect(),
            provenance: vec![Provenance {
                source: source.id.clone(),
                file: path.to_string(),
                line: e.toml_line,
            }],
            repairs: Vec::new(),
        };
        if e.same_as.is_none() {
            crate::normalize::subjects::infer(&mut record);
        }
        Normalised { record, warnings }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_toml_names_line() {
        let e = parse(
            "u.toml",
            "[source]\nid = \"u\"\ntitle = \"U\"\n\n[[publication]]\nline = 3\ntitle = \"x\n",
        )
        .unwrap_err();
        assert_eq!(e.line, 7, "{e}");
        assert!(e.message.contains("invalid TOML"));
    }

    #[test]
    fn unknown_field_is_an_error() {
        let e = parse("u.toml", "[source]\nid = \"u\"\ntitle = \"U\"\n\n[[publication]]\nline = 3\ntitle = \"x\"\nyeer = 2001\n").unwrap_err();
        assert!(e.message.contains("yeer"), "{e}");
    }
}
