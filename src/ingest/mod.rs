//! Source readers: one module per source layout. Each turns a file into
//! entries, and each entry into a record through a `From` or `TryFrom`
//! beside its reader; `import` gathers the records into sources.

pub mod bibtex;
pub mod citations;
pub mod csljson;
pub mod curated;
pub mod listing;
pub mod ris;

use crate::record::Record;
use std::fmt;

/// A record as a reader makes it from one source entry, with what
/// normalising it could not settle. The import reports the warnings against
/// the entry's file and line.
#[derive(Debug, Clone)]
pub struct Normalised {
    pub record: Record,
    pub warnings: Vec<String>,
}

/// Byte offset -> 1-based line, by binary search over the newline offsets:
/// files with 10^6 entries need one pass, not one per entry.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub(crate) fn new(text: &str) -> Self {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    pub(crate) fn line_of(&self, offset: usize) -> usize {
        self.0.partition_point(|nl| *nl < offset) + 1
    }
}

/// A source file that cannot be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

/// The layouts we can read, chosen from the extension and the content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceLayout {
    /// Knowledge-portal listing page (`.txt`).
    Listing,
    /// Curated TOML transcription.
    Curated,
}

impl SourceLayout {
    pub fn detect(file: &str, text: &str) -> Result<Self, ParseError> {
        let lower = file.to_lowercase();
        if lower.ends_with(".toml") {
            Ok(SourceLayout::Curated)
        } else if listing::looks_like_listing(text) {
            Ok(SourceLayout::Listing)
        } else {
            Err(ParseError {
                file: file.to_string(),
                line: 1,
                message: "unrecognised source: expected a knowledge-portal listing page (.txt) \
                          or a curated TOML file (.toml)"
                    .into(),
            })
        }
    }
}
