//! CSL-JSON (`application/vnd.citationstyles.csl+json`) with serde structs
//! of our own.
//!
//! citationberg's `json::Item` serialises invalid CSL-JSON (`"issued":
//! [[2024]]`, `null` name parts); these structs can only express what the
//! CSL 1.0.2 input schema allows: a closed set of types, names as either
//! `{"literal"}` (organisations, never split) or `{"family", "given"}`
//! without nulls, dates as `{"date-parts": [[2019]]}`. The same structs
//! read files back (`ingest::csljson`), leniently: any valid CSL type, a
//! numeric id, dates as strings.
//!
//! A chapter names its book in `container-title` and `editor`, as Zotero's
//! CSL import reads a book section.
//!
//! Fields CSL has no place for (all the languages, countries, regions,
//! categories, the exact kind, the source's citation) go into `custom`,
//! the schema's slot for key-value data, so our files re-import losslessly.

use super::types::{CitationType, genre};
use super::{cited_authors, keywords, landing_page, one_line, primary_language};
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};
use serde::{Deserialize, Serialize};
use std::io::{self, Write};

/// The CSL 1.0.2 item types: the only values `type` can take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CslType {
    Article,
    ArticleJournal,
    ArticleMagazine,
    ArticleNewspaper,
    Bill,
    Book,
    Broadcast,
    Chapter,
    Classic,
    Collection,
    Dataset,
    Document,
    Entry,
    EntryDictionary,
    EntryEncyclopedia,
    Event,
    Figure,
    Graphic,
    Hearing,
    Interview,
    #[serde(rename = "legal_case")]
    LegalCase,
    Legislation,
    Manuscript,
    Map,
    #[serde(rename = "motion_picture")]
    MotionPicture,
    #[serde(rename = "musical_score")]
    MusicalScore,
    Pamphlet,
    PaperConference,
    Patent,
    Performance,
    Periodical,
    #[serde(rename = "personal_communication")]
    PersonalCommunication,
    Post,
    PostWeblog,
    Regulation,
    Report,
    Review,
    ReviewBook,
    Software,
    Song,
    Speech,
    Standard,
    Thesis,
    Treaty,
    Webpage,
}

impl From<CitationType> for CslType {
    /// Zotero imports each of these as the same item type (`song` is its
    /// CSL name for an audio recording).
    fn from(t: CitationType) -> Self {
        match t {
            CitationType::Report => CslType::Report,
            CitationType::Book => CslType::Book,
            CitationType::JournalArticle => CslType::ArticleJournal,
            CitationType::AudioRecording => CslType::Song,
            CitationType::BookSection => CslType::Chapter,
        }
    }
}

impl From<RecordKind> for CslType {
    fn from(kind: RecordKind) -> Self {
        CslType::from(CitationType::from(kind))
    }
}

impl From<CslType> for RecordKind {
    /// The closest kind of a CSL type, for files of other tools.
    fn from(t: CslType) -> Self {
        match t {
            CslType::Report => RecordKind::Report,
            CslType::Book | CslType::Classic | CslType::Collection => RecordKind::Book,
            CslType::Article
            | CslType::ArticleJournal
            | CslType::ArticleMagazine
            | CslType::ArticleNewspaper
            | CslType::PaperConference
            | CslType::Review
            | CslType::ReviewBook => RecordKind::Article,
            CslType::Bill | CslType::Legislation | CslType::Regulation | CslType::Treaty => {
                RecordKind::ModelLaw
            }
            CslType::Broadcast | CslType::MotionPicture | CslType::Song => RecordKind::AudioVisual,
            CslType::Chapter => RecordKind::Chapter,
            _ => RecordKind::Document,
        }
    }
}

/// A CSL name: an organisation as one literal, or a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CslName {
    Literal {
        literal: String,
    },
    Person {
        family: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        given: Option<String>,
        #[serde(
            default,
            rename = "dropping-particle",
            skip_serializing_if = "Option::is_none"
        )]
        dropping_particle: Option<String>,
        #[serde(
            default,
            rename = "non-dropping-particle",
            skip_serializing_if = "Option::is_none"
        )]
        non_dropping_particle: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        suffix: Option<String>,
    },
    /// A name with a given name only (mononyms in other tools' files).
    Given {
        given: String,
    },
}

impl From<&Agent> for CslName {
    fn from(a: &Agent) -> Self {
        match a {
            Agent::Organization { name, .. } => CslName::Literal {
                literal: name.clone(),
            },
            Agent::Person { given, family } => CslName::Person {
                family: family.clone(),
                given: given.clone().filter(|g| !g.is_empty()),
                dropping_particle: None,
                non_dropping_particle: None,
                suffix: None,
            },
        }
    }
}

/// A date part: CSL allows numbers and numeric strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum DatePart {
    Number(i64),
    Text(String),
}

/// A CSL date: structured, or (in files of other tools) raw or EDTF text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CslDate {
    Parts {
        #[serde(rename = "date-parts")]
        date_parts: Vec<Vec<DatePart>>,
    },
    Raw {
        raw: String,
    },
    Literal {
        literal: String,
    },
    Edtf(String),
}

impl CslDate {
    pub fn year(year: i32) -> Self {
        CslDate::Parts {
            date_parts: vec![vec![DatePart::Number(year.into())]],
        }
    }

    /// The (first) year the date names.
    pub fn first_year(&self) -> Option<i32> {
        let text = match self {
            CslDate::Parts { date_parts } => match date_parts.first()?.first()? {
                DatePart::Number(n) => return i32::try_from(*n).ok(),
                DatePart::Text(t) => t.clone(),
            },
            CslDate::Raw { raw } => raw.clone(),
            CslDate::Literal { literal } => literal.clone(),
            CslDate::Edtf(s) => s.clone(),
        };
        year_in(&text)
    }
}

/// The first run of four digits in a text.
pub fn year_in(text: &str) -> Option<i32> {
    text.as_bytes()
        .windows(4)
        .enumerate()
        .find(|(i, w)| {
            w.iter().all(u8::is_ascii_digit)
                && !text.as_bytes().get(i + 4).is_some_and(u8::is_ascii_digit)
                && (*i == 0 || !text.as_bytes()[i - 1].is_ascii_digit())
        })
        .and_then(|(_, w)| std::str::from_utf8(w).ok()?.parse().ok())
}

/// A CSL item id: string in our files, a number in some others.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CslId {
    Text(String),
    Number(i64),
}

impl std::fmt::Display for CslId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CslId::Text(s) => f.write_str(s),
            CslId::Number(n) => write!(f, "{n}"),
        }
    }
}

/// Our data CSL has no variable for, in the schema's `custom` object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Custom {
    /// The record kind (`policy-brief`...), finer than the CSL type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<RecordKind>,
    /// Every language (ISO 639-1); `language` holds one.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub languages: Vec<String>,
    /// ISO 3166-1 codes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub countries: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub regions: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub categories: Vec<String>,
    #[serde(
        default,
        rename = "alternative-titles",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub alternative_titles: Vec<String>,
    /// A bibliographic citation the source gave, verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub citation: Option<String>,
}

/// One CSL-JSON item. Only schema-valid variables; unknown ones in files
/// of other tools are ignored on reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CslItem {
    pub id: CslId,
    #[serde(rename = "type")]
    pub kind: CslType,
    pub title: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub author: Vec<CslName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub issued: Option<CslDate>,
    /// A chapter's book.
    #[serde(
        default,
        rename = "container-title",
        skip_serializing_if = "Option::is_none"
    )]
    pub container_title: Option<String>,
    /// The book's editors.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub editor: Vec<CslName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub publisher: Option<String>,
    #[serde(
        default,
        rename = "publisher-place",
        skip_serializing_if = "Option::is_none"
    )]
    pub publisher_place: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genre: Option<String>,
    #[serde(default, rename = "abstract", skip_serializing_if = "Option::is_none")]
    pub abstract_text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Comma-separated, as CSL processors expect.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keyword: Option<String>,
    #[serde(default, rename = "URL", skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Custom>,
}

/// The item of a record, without the landing page (see `item`).
impl From<&Record> for CslItem {
    fn from(r: &Record) -> Self {
        let kw = keywords(r);
        let publishers: Vec<String> = r.publishers.iter().map(Agent::display_name).collect();
        let custom = Custom {
            kind: Some(r.kind),
            languages: r.languages.clone(),
            countries: r.countries.clone(),
            regions: r.regions.clone(),
            categories: r.categories.clone(),
            alternative_titles: r.alternative_titles.clone(),
            citation: r.citation.clone(),
        };
        CslItem {
            id: CslId::Text(r.id.clone()),
            kind: CslType::from(r.kind),
            title: r.title.clone(),
            author: cited_authors(r).iter().map(CslName::from).collect(),
            issued: r.year.map(CslDate::year),
            container_title: r.container.as_ref().map(|c| c.title.clone()),
            editor: r
                .container
                .iter()
                .flat_map(|c| c.editors.iter().map(CslName::from))
                .collect(),
            // Names may hold commas ("Institute of Social Sciences, New Delhi").
            publisher: (!publishers.is_empty()).then(|| publishers.join("; ")),
            publisher_place: r.place.clone(),
            genre: genre(r.kind).map(str::to_string),
            abstract_text: r.abstract_text.clone().or_else(|| r.description.clone()),
            language: primary_language(r).map(str::to_string),
            // A comma inside a label would split it in two keywords.
            keyword: (!kw.is_empty()).then(|| {
                kw.iter()
                    .map(|k| one_line(&k.replace(',', "")))
                    .collect::<Vec<_>>()
                    .join(", ")
            }),
            url: None,
            // Only a note for readers; curators' remarks are provenance.
            note: r.note.clone(),
            custom: Some(custom),
        }
    }
}

/// The complete item of a record.
pub fn item(record: &Record, iris: &Iris) -> CslItem {
    let mut item = CslItem::from(record);
    if !record.id.is_empty() {
        item.url = Some(landing_page(iris, record));
    }
    item
}

/// Streams a JSON array item by item.
#[derive(Default)]
pub struct Writer {
    count: usize,
}

impl Writer {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn write(&mut self, record: &Record, iris: &Iris, w: &mut impl Write) -> io::Result<()> {
        w.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
        let json = serde_json::to_string_pretty(&item(record, iris)).map_err(io::Error::other)?;
        // Indent the item inside the array; JSON strings hold no raw newline.
        for (i, line) in json.lines().enumerate() {
            if i > 0 {
                w.write_all(b"\n")?;
            }
            w.write_all(b"  ")?;
            w.write_all(line.as_bytes())?;
        }
        self.count += 1;
        Ok(())
    }

    /// Close the array (an empty one for no records); the item count.
    pub fn finish(self, w: &mut impl Write) -> io::Result<usize> {
        w.write_all(if self.count == 0 { b"[]\n" } else { b"\n]\n" })?;
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_are_found_in_text() {
        assert_eq!(year_in("2019-05-01"), Some(2019));
        assert_eq!(year_in("ca. 1999"), Some(1999));
        assert_eq!(year_in("12019"), None);
        assert_eq!(CslDate::Edtf("2020".into()).first_year(), Some(2020));
    }

    #[test]
    fn names_have_no_nulls() {
        let json = serde_json::to_string(&CslName::from(&Agent::Person {
            given: None,
            family: "Liu".into(),
        }))
        .unwrap_or_default();
        assert_eq!(json, r#"{"family":"Liu"}"#);
    }
}
