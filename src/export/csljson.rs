//! CSL-JSON (`application/vnd.citationstyles.csl+json`): a record as a
//! CSL item (the item's shape is `wire::csl`, shared with the reader).
//!
//! citationberg's `json::Item` serialises invalid CSL-JSON (`"issued":
//! [[2024]]`, `null` name parts); `wire::csl`'s structs can only express
//! what the CSL 1.0.2 input schema allows.
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
pub use crate::wire::csl::{CslDate, CslId, CslItem, CslName, CslType, Custom, DatePart};
use std::io::{self, Write};

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
        self.write_all(std::slice::from_ref(record), iris, w)
    }

    /// Write `records` in order, each item mapped and serialised on every
    /// core; the separators, which depend on what came before, are
    /// written here in order, so the bytes are those of one at a time.
    pub fn write_all(
        &mut self,
        records: &[Record],
        iris: &Iris,
        w: &mut impl Write,
    ) -> io::Result<()> {
        use rayon::prelude::*;
        let items: Vec<serde_json::Result<String>> = records
            .par_iter()
            .map(|r| serde_json::to_string_pretty(&item(r, iris)))
            .collect();
        for json in items {
            self.write_json(&json.map_err(io::Error::other)?, w)?;
        }
        Ok(())
    }

    fn write_json(&mut self, json: &str, w: &mut impl Write) -> io::Result<()> {
        w.write_all(if self.count == 0 { b"[\n" } else { b",\n" })?;
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
    fn names_have_no_nulls() {
        let json = serde_json::to_string(&CslName::from(&Agent::Person {
            given: None,
            family: "Liu".into(),
        }))
        .unwrap_or_default();
        assert_eq!(json, r#"{"family":"Liu"}"#);
    }
}
