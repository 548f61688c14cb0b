//! The `Record` model: the one shape between every reader and every writer.
//!
//! Readers (`ingest`) produce records, `rdf::mapping` turns them into quads,
//! and exports read them back from the store. Values here are already
//! normalised: codes, not free-text names.

use serde::{Deserialize, Serialize};
use std::sync::LazyLock;

/// One publication of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Stable, readable key: the slug in `{base}records/{id}`.
    pub id: String,
    pub title: String,
    /// Other titles the same work goes by in other sources.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alternative_titles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abstract_text: Option<String>,
    /// A second description, kept when another source describes the work too.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub kind: RecordKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i32>,
    /// Creators, in the order the source gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<Agent>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub publishers: Vec<Agent>,
    /// Where it was published ("Geneva"), as the source writes the place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// The work it appears in: a chapter's book.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container: Option<Container>,
    /// ISO 639-1 codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// ISO 3166-1 alpha-2 codes (plus a few historic or user-assigned ones).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    /// Keys of concepts in our region scheme.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    /// Keys of concepts in our category scheme.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    /// A bibliographic citation found in the source, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
    /// A note meant for readers of a citation (exported as `note`/`N1`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Curators' remarks about the source ("Line 90 calls it …"): provenance,
    /// `skos:editorialNote` in the RDF, shown on the landing page, and never
    /// in an exported citation, a formatted reference or an OAI record.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editorial_notes: Vec<String>,
    /// Where each part of the record came from.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provenance: Vec<Provenance>,
    /// Every repair made on the way in, with the original value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub repairs: Vec<Repair>,
}

/// A person or an organisation. Kept apart because citation styles treat
/// them differently: an organisation is never split into given and family.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Agent {
    Person {
        given: Option<String>,
        family: String,
    },
    Organization {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        acronym: Option<String>,
    },
}

impl Record {
    /// Every agent the record names: authors, publishers, its book's editors.
    pub fn agents(&self) -> impl Iterator<Item = &Agent> {
        self.authors
            .iter()
            .chain(&self.publishers)
            .chain(self.container.iter().flat_map(|c| &c.editors))
    }
}

impl Agent {
    /// The name as it is usually written: "Given Family" or the organisation name.
    pub fn display_name(&self) -> String {
        match self {
            Agent::Person {
                given: Some(g),
                family,
            } => format!("{g} {family}"),
            Agent::Person {
                given: None,
                family,
            } => family.clone(),
            Agent::Organization { name, .. } => name.clone(),
        }
    }

    /// "Family, Given" for persons, the order catalogues sort and tag by
    /// (Highwire's `citation_author`, COinS `rft.au`, `dc:creator`); an
    /// organisation's name whole.
    pub fn inverted_name(&self) -> String {
        match self {
            Agent::Person {
                given: Some(g),
                family,
            } => format!("{family}, {g}"),
            other => other.display_name(),
        }
    }

    /// The key in `{base}id/agent/{key}`: derived from the name so that the
    /// same agent in two sources gets the same IRI.
    pub fn key(&self) -> String {
        match self {
            Agent::Organization {
                acronym: Some(a), ..
            } => crate::normalize::slug(a),
            other => crate::normalize::slug(&other.display_name()),
        }
    }

    pub fn is_person(&self) -> bool {
        matches!(self, Agent::Person { .. })
    }
}

/// The book a chapter appears in (`RecordKind::Chapter`). Its publisher,
/// place and year are the record's own (`publishers`, `place`, `year`):
/// a chapter is published in, and as part of, its book.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub title: String,
    /// Its editors, in the order the source gives them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editors: Vec<Agent>,
}

/// Publication types we can tell apart. Each maps to a BIBO class and a
/// schema.org type in `rdf::mapping`, and later to BibTeX/RIS/CSL types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    Report,
    PolicyBrief,
    IssuePaper,
    Manual,
    Toolkit,
    Article,
    Book,
    ModelLaw,
    AudioVisual,
    /// A chapter of a book (`Record::container`).
    Chapter,
    Document,
}

impl RecordKind {
    pub const ALL: [RecordKind; 11] = [
        RecordKind::Report,
        RecordKind::PolicyBrief,
        RecordKind::IssuePaper,
        RecordKind::Manual,
        RecordKind::Toolkit,
        RecordKind::Article,
        RecordKind::Book,
        RecordKind::ModelLaw,
        RecordKind::AudioVisual,
        RecordKind::Chapter,
        RecordKind::Document,
    ];

    /// Local name of our ontology class (`pal:PolicyBrief`, ...).
    pub fn class_name(self) -> &'static str {
        match self {
            RecordKind::Report => "Report",
            RecordKind::PolicyBrief => "PolicyBrief",
            RecordKind::IssuePaper => "IssuePaper",
            RecordKind::Manual => "Manual",
            RecordKind::Toolkit => "Toolkit",
            RecordKind::Article => "Article",
            RecordKind::Book => "Book",
            RecordKind::ModelLaw => "ModelLaw",
            RecordKind::AudioVisual => "AudioVisual",
            RecordKind::Chapter => "Chapter",
            RecordKind::Document => "Document",
        }
    }

    pub fn from_class_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.class_name() == name)
    }

    /// The kind's name for people, in sentence case, as record pages show
    /// it; citation formats and search facets show it in title case
    /// (`title_label`), OAI-PMH in lower case.
    pub fn label(self) -> &'static str {
        match self {
            RecordKind::Report => "Report",
            RecordKind::PolicyBrief => "Policy brief",
            RecordKind::IssuePaper => "Issue paper",
            RecordKind::Manual => "Manual",
            RecordKind::Toolkit => "Toolkit",
            RecordKind::Article => "Article",
            RecordKind::Book => "Book",
            RecordKind::ModelLaw => "Model law",
            RecordKind::AudioVisual => "Audiovisual material",
            RecordKind::Chapter => "Book chapter",
            RecordKind::Document => "Document",
        }
    }

    /// `label` in title case ("Policy Brief"), the way Zotero's genres
    /// and our search facets spell it.
    pub fn title_label(self) -> &'static str {
        static TITLES: LazyLock<Vec<String>> = LazyLock::new(|| {
            RecordKind::ALL
                .iter()
                .map(|k| {
                    k.label()
                        .split(' ')
                        .map(|w| {
                            let mut chars = w.chars();
                            chars.next().map_or_else(String::new, |c| {
                                c.to_uppercase().chain(chars).collect()
                            })
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                })
                .collect()
        });
        let i = Self::ALL.iter().position(|k| *k == self).unwrap_or(0);
        &TITLES[i]
    }
}

/// Where (part of) a record came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// Source id: the named graph `{base}graph/{source}`.
    pub source: String,
    /// File the value was read from, relative to the data directory.
    pub file: String,
    /// 1-based line where the entry starts.
    pub line: usize,
}

/// A value the importer changed, with what the source said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Repair {
    pub field: String,
    pub original: String,
    pub repaired: String,
    /// True when the repair is a judgement call a curator should review.
    pub guess: bool,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::RecordKind;

    #[test]
    fn one_label_in_the_casings_each_surface_uses() {
        assert_eq!(RecordKind::PolicyBrief.label(), "Policy brief");
        let titles: Vec<&str> = RecordKind::ALL.iter().map(|k| k.title_label()).collect();
        assert_eq!(
            titles,
            [
                "Report",
                "Policy Brief",
                "Issue Paper",
                "Manual",
                "Toolkit",
                "Article",
                "Book",
                "Model Law",
                "Audiovisual Material",
                "Book Chapter",
                "Document"
            ]
        );
    }
}
