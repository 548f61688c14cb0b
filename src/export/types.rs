//! What kind of item a record is cited as: decided once per record
//! (`CitationType`), then mapped to each format's own type.
//!
//! The reference is what reference managers import. Zotero's translators
//! (`RIS.js`, `BibTeX.js` in `zotero/translators`) are the published
//! tables; EndNote and Mendeley read RIS the same way. Two facts from them
//! decide most of the table:
//! - RIS `GEN` imports as a *journal article* and `ADVS` as a *film*, and
//!   a journal article has no publisher: so no record is written as either
//!   unless it is one.
//! - Only a report keeps a genre (RIS `M3`, BibTeX `type`, CSL `genre`) and
//!   an institution; a book keeps a publisher and place but no genre, and a
//!   tag a type has no field for becomes a child note in the user's library.
//!
//! So the grey literature of this catalogue (reports, policy briefs, issue
//! papers, toolkits, model laws, and documents that say nothing more of
//! themselves) is cited as a report, the genre naming the exact kind;
//! manuals and books as books; articles as journal articles; the audio
//! tool as an audio recording; a chapter as a book section, with its book
//! (title, editors), publisher and place. BibTeX also depends on what is known: an
//! entry type whose mandatory fields we cannot fill is not used (see
//! `bibtex::entry_type`).

use crate::record::RecordKind;

/// The kind of item a record is cited as: one per record, the same in
/// every format. Named after Zotero's item types, the client the mapping
/// is checked against (`tests/export_types.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CitationType {
    /// Zotero `report`: institution, place, report type (genre).
    Report,
    /// Zotero `book`: publisher, place; no genre.
    Book,
    /// Zotero `journalArticle`: needs a journal, has no publisher.
    JournalArticle,
    /// Zotero `audioRecording`: label (publisher), place.
    AudioRecording,
    /// Zotero `bookSection`: book title, editors, publisher, place.
    BookSection,
}

impl CitationType {
    pub const ALL: [CitationType; 5] = [
        CitationType::Report,
        CitationType::Book,
        CitationType::JournalArticle,
        CitationType::AudioRecording,
        CitationType::BookSection,
    ];

    /// The Zotero item type this is.
    pub fn zotero_type(self) -> &'static str {
        match self {
            CitationType::Report => "report",
            CitationType::Book => "book",
            CitationType::JournalArticle => "journalArticle",
            CitationType::AudioRecording => "audioRecording",
            CitationType::BookSection => "bookSection",
        }
    }

    /// Whether the type has a genre field (Zotero's `reportType`): only
    /// then is a genre written, anywhere.
    pub fn has_genre(self) -> bool {
        self == CitationType::Report
    }

    /// The kind a file's type reads back as, with the genre it gave (our
    /// own exports name the exact kind there): the genre's kind when it is
    /// a kind of this type, else the type's plain kind.
    pub fn kind_with(self, genre: Option<RecordKind>) -> RecordKind {
        match genre {
            Some(k) if CitationType::from(k) == self => k,
            _ => match self {
                CitationType::Report => RecordKind::Report,
                CitationType::Book => RecordKind::Book,
                CitationType::JournalArticle => RecordKind::Article,
                CitationType::AudioRecording => RecordKind::AudioVisual,
                CitationType::BookSection => RecordKind::Chapter,
            },
        }
    }
}

impl From<RecordKind> for CitationType {
    fn from(kind: RecordKind) -> Self {
        match kind {
            RecordKind::Report
            | RecordKind::PolicyBrief
            | RecordKind::IssuePaper
            | RecordKind::Toolkit
            | RecordKind::ModelLaw
            | RecordKind::Document => CitationType::Report,
            RecordKind::Manual | RecordKind::Book => CitationType::Book,
            RecordKind::Article => CitationType::JournalArticle,
            RecordKind::AudioVisual => CitationType::AudioRecording,
            RecordKind::Chapter => CitationType::BookSection,
        }
    }
}

/// The genre a record's citation carries: the exact kind, where the type
/// has a genre field and the kind is more than the type says.
pub fn genre(kind: RecordKind) -> Option<&'static str> {
    if !CitationType::from(kind).has_genre() {
        return None;
    }
    super::kind_label(kind)
}

/// The RIS types we write (`TY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RisType {
    Rprt,
    Book,
    Jour,
    Sound,
    Chap,
}

impl RisType {
    pub fn as_str(self) -> &'static str {
        match self {
            RisType::Rprt => "RPRT",
            RisType::Book => "BOOK",
            RisType::Jour => "JOUR",
            RisType::Sound => "SOUND",
            RisType::Chap => "CHAP",
        }
    }
}

impl RisType {
    /// The tag of the cited authors: the one Zotero's `RIS.js` files as the
    /// item type's primary creator. `AU` everywhere but on `SOUND`, where
    /// `AU` is the *composer* and `A2` the *performer*, an audio
    /// recording's primary creator (which Zotero's CSL export then writes
    /// as the author).
    pub fn creator_tag(self) -> &'static str {
        match self {
            RisType::Sound => "A2",
            RisType::Rprt | RisType::Book | RisType::Jour | RisType::Chap => "AU",
        }
    }
}

impl From<CitationType> for RisType {
    fn from(t: CitationType) -> Self {
        match t {
            CitationType::Report => RisType::Rprt,
            CitationType::Book => RisType::Book,
            CitationType::JournalArticle => RisType::Jour,
            CitationType::AudioRecording => RisType::Sound,
            CitationType::BookSection => RisType::Chap,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_reads_back_through_its_type_and_genre() {
        for kind in RecordKind::ALL {
            let t = CitationType::from(kind);
            let label = genre(kind).and_then(super::super::kind_from_label);
            // A kind without a genre reads back as its type's plain kind,
            // except the generic document, which is a plain report.
            let back = t.kind_with(label);
            if kind == RecordKind::Document || kind == RecordKind::Manual {
                assert_eq!(CitationType::from(back), t);
            } else {
                assert_eq!(back, kind, "{kind:?}");
            }
        }
    }
}
