//! CSL-JSON items as the CSL 1.0.2 input schema allows them: a closed set
//! of types, names as either `{"literal"}` (organisations, never split) or
//! `{"family", "given"}` without nulls, dates as `{"date-parts": [[2019]]}`.
//! Read leniently (any valid CSL type, a numeric id, dates as strings), so
//! the same structs read other tools' files back.

use crate::record::RecordKind;
use serde::{Deserialize, Serialize};

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
}
