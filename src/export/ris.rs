//! RIS (`application/x-research-info-systems`): our own writer.
//!
//! One tag per line, `TY  - ` (two spaces, hyphen, space), CRLF line ends as
//! the format expects, `TY` first and `ER` last, a blank line between
//! records. Choices, for what Zotero, EndNote, Mendeley and pandoc read:
//! - `TY`: `RPRT`, `BOOK`, `JOUR`, `SOUND`, `CHAP` (the record's citation type,
//!   table in `export`), with `M3` (type of work) naming the exact kind
//!   ("Policy Brief", "Toolkit"...) only on reports: Zotero keeps `M3` as a
//!   report's type and turns it into a child note on other types;
//! - `AU` per author, in order (the group author when the record names
//!   none, see `export::cited_authors`); `A2` on `SOUND`, where Zotero
//!   reads `AU` as the composer and `A2` as the performer, an audio
//!   recording's primary creator (`RisType::creator_tag`): persons `Family, Given`;
//!   organisations whole, with a trailing comma (EndNote's mark of a
//!   corporate author, which pandoc and Zotero read as one family name
//!   instead of splitting it);
//! - `TI` only (not `T1` too: importers that read both make two titles);
//! - a chapter (`CHAP`): `T2` its book's title and `A2` per editor (Zotero
//!   reads them as a book section's book title and editors);
//! - `PY` the year; `CY` the place; `PB` the publishers, `; `-separated since RIS has one
//!   (a report's institution, a book's publisher, a recording's label; not
//!   on a journal article, which has no publisher in Zotero);
//! - `AB`, `KW` per keyword, `LA` the languages (English names, `; `
//!   separated: most readers keep one `LA`), `UR` the landing page, `ID`
//!   the record id, `N1` only a note written for readers (curators'
//!   remarks and the source's citation are provenance, never exported).

use super::types::{CitationType, RisType, genre};
use super::{cited_authors, keywords, landing_page, language_names, one_line};
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};
use std::io::{self, Write};

pub use crate::wire::ris::RisRecord;

/// The `TY` of a kind (see the table in `export`).
pub fn ris_type(kind: RecordKind) -> &'static str {
    RisType::from(CitationType::from(kind)).as_str()
}

/// An author as an `AU` value.
pub fn author_value(agent: &Agent) -> String {
    match agent {
        Agent::Person {
            given: Some(g),
            family,
        } if !g.trim().is_empty() => format!("{}, {}", one_line(family), one_line(g)),
        Agent::Person { family, .. } => one_line(family),
        Agent::Organization { name, .. } => format!("{},", one_line(name)),
    }
}

/// Writing a tag: one line, and nothing for an empty value.
impl RisRecord {
    fn push(&mut self, tag: &str, value: &str) {
        let value = one_line(value);
        if !value.is_empty() {
            self.tags.push((tag.to_string(), value));
        }
    }
}

/// The record's tags, without the landing page (see `ris_record`).
impl From<&Record> for RisRecord {
    fn from(r: &Record) -> Self {
        let mut out = RisRecord::default();
        out.push("TY", ris_type(r.kind));
        if !r.id.is_empty() {
            out.push("ID", &r.id);
        }
        out.push("TI", &r.title);
        let creator = RisType::from(CitationType::from(r.kind)).creator_tag();
        for a in cited_authors(r) {
            out.push(creator, &author_value(a));
        }
        if let Some(y) = r.year {
            out.push("PY", &y.to_string());
        }
        if let Some(c) = &r.container {
            out.push("T2", &c.title);
            for e in &c.editors {
                out.push("A2", &author_value(e));
            }
        }
        if CitationType::from(r.kind) != CitationType::JournalArticle {
            let publishers: Vec<String> = r.publishers.iter().map(Agent::display_name).collect();
            out.push("PB", &publishers.join("; "));
        }
        if let Some(p) = &r.place {
            out.push("CY", p);
        }
        if let Some(a) = r.abstract_text.as_deref().or(r.description.as_deref()) {
            out.push("AB", a);
        }
        for k in keywords(r) {
            out.push("KW", &k);
        }
        out.push("LA", &language_names(r).join("; "));
        if let Some(g) = genre(r.kind) {
            out.push("M3", g);
        }
        if let Some(n) = &r.note {
            out.push("N1", n);
        }
        out
    }
}

/// The complete RIS record of a record.
pub fn ris_record(record: &Record, iris: &Iris) -> RisRecord {
    let mut r = RisRecord::from(record);
    if !record.id.is_empty() {
        // After the notes, before ER: where Zotero's own exports put it.
        r.push("UR", &landing_page(iris, record));
    }
    r
}

/// Write one record, ending with `ER` and a blank line.
/// Write `records` in order, each made on every core (RIS keeps no state
/// between records).
pub fn write_records(records: &[Record], iris: &Iris, w: &mut impl Write) -> io::Result<()> {
    use rayon::prelude::*;
    let texts: Vec<io::Result<Vec<u8>>> = records
        .par_iter()
        .map(|r| {
            let mut out = Vec::with_capacity(1024);
            write_record(r, iris, &mut out).map(|()| out)
        })
        .collect();
    for text in texts {
        w.write_all(&text?)?;
    }
    Ok(())
}

pub fn write_record(record: &Record, iris: &Iris, w: &mut impl Write) -> io::Result<()> {
    let r = ris_record(record, iris);
    for (tag, value) in &r.tags {
        write!(w, "{tag}  - {value}\r\n")?;
    }
    w.write_all(b"ER  - \r\n\r\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisations_stay_whole() {
        assert_eq!(
            author_value(&Agent::Organization {
                name: "Institute of Social Sciences, New Delhi".into(),
                acronym: None
            }),
            "Institute of Social Sciences, New Delhi,"
        );
        assert_eq!(
            author_value(&Agent::Person {
                given: Some("Markéta".into()),
                family: "von Hagen".into()
            }),
            "von Hagen, Markéta"
        );
    }
}
