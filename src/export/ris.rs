//! RIS (`application/x-research-info-systems`): our own writer.
//!
//! One tag per line, `TY  - ` (two spaces, hyphen, space), CRLF line ends as
//! the format expects, `TY` first and `ER` last, a blank line between
//! records. Choices, for what Zotero, EndNote, Mendeley and pandoc read:
//! - `TY`: `RPRT`, `BOOK`, `JOUR`, `ADVS`, `GEN` (table in `export`), with
//!   `M3` (type of work) naming the exact kind: "Policy Brief", "Toolkit"...
//! - `AU` per author, in order: persons `Family, Given`; organisations whole,
//!   with a trailing comma (EndNote's mark of a corporate author, which
//!   pandoc and Zotero read as one family name instead of splitting it);
//! - `TI` only (not `T1` too: importers that read both make two titles);
//! - `PY` the year; `PB` the publishers, `; `-separated since RIS has one;
//! - `AB`, `KW` per keyword, `LA` the languages (English names, `; `
//!   separated: most readers keep one `LA`), `UR` the landing page, `ID`
//!   the record id, `N1` the note and the source's citation.

use super::{keywords, kind_label, landing_page, language_names, notes, one_line};
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};
use std::io::{self, Write};

/// The `TY` of a kind (see the table in `export`).
pub fn ris_type(kind: RecordKind) -> &'static str {
    match kind {
        RecordKind::Report | RecordKind::PolicyBrief | RecordKind::IssuePaper => "RPRT",
        RecordKind::Manual | RecordKind::Toolkit | RecordKind::Book => "BOOK",
        RecordKind::Article => "JOUR",
        RecordKind::AudioVisual => "ADVS",
        RecordKind::ModelLaw | RecordKind::Document => "GEN",
    }
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

/// One RIS record: its tags and values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RisRecord {
    pub tags: Vec<(String, String)>,
}

impl RisRecord {
    fn push(&mut self, tag: &str, value: &str) {
        let value = one_line(value);
        if !value.is_empty() {
            self.tags.push((tag.to_string(), value));
        }
    }

    /// Values of a tag, in order.
    pub fn values<'a>(&'a self, tag: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let tag = tag.to_string();
        self.tags
            .iter()
            .filter(move |(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the first of `tags` that has one.
    pub fn first(&self, tags: &[&str]) -> Option<&str> {
        tags.iter().find_map(|t| self.values(t).next())
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
        for a in &r.authors {
            out.push("AU", &author_value(a));
        }
        if let Some(y) = r.year {
            out.push("PY", &y.to_string());
        }
        let publishers: Vec<String> = r.publishers.iter().map(Agent::display_name).collect();
        out.push("PB", &publishers.join("; "));
        if let Some(a) = r.abstract_text.as_deref().or(r.description.as_deref()) {
            out.push("AB", a);
        }
        for k in keywords(r) {
            out.push("KW", &k);
        }
        out.push("LA", &language_names(r).join("; "));
        // BOOK alone reads back as a book: a manual says so.
        let label = match r.kind {
            RecordKind::Manual => Some("Manual"),
            k => kind_label(k),
        };
        if let Some(l) = label {
            out.push("M3", l);
        }
        for n in notes(r) {
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
