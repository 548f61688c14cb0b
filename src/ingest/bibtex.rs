//! BibTeX files -> records, parsed with the biblatex crate: our own exports
//! (lossless for what BibTeX carries) and reasonable files of other tools.
//!
//! What tells our conventions apart (`export::bibtex`):
//! - a name that is one brace group (`{{United Nations ...}}`) is an
//!   organisation; any other name is a person (`Family, Given`, particles
//!   kept in the family name: "von Hagen");
//! - `institution` / `organization` / `publisher` hold brace groups joined
//!   by " and ": one publisher each; an unbraced value is one publisher;
//!   when the issuers are exactly the organisation authors, they were
//!   copied there because @techreport needs an institution, and are not
//!   publishers of the record;
//! - `type` refines the entry type into the record kind;
//! - `url` of one of our landing pages gives the record id.

use super::{Lines, ParseError};
use crate::export::types::CitationType;
use crate::export::{apply_keywords, id_from_url, kind_from_label, language_codes};
use crate::normalize::agents::organization;
use crate::normalize::clean_space;
use crate::rdf::Iris;
use crate::record::{Agent, Container, Provenance, Record, RecordKind};
use biblatex::{Bibliography, Chunk, Chunks, ChunksExt, Entry, EntryType, Person};

/// Where an entry starts: the earliest span of its fields, then back to
/// its `@`.
fn entry_line(text: &str, lines: &Lines, entry: &Entry) -> usize {
    let start = entry
        .fields
        .values()
        .flat_map(|chunks| chunks.iter())
        .map(|c| c.span.start)
        .filter(|s| *s < text.len())
        .min()
        .unwrap_or(0);
    let at = text[..start.min(text.len())].rfind('@').unwrap_or(start);
    lines.line_of(at)
}

/// Parse a BibTeX file. Record ids come from our landing-page URLs, else
/// stay empty (the import mints one). Provenance names the file and line;
/// its `source` is left for the caller to fill.
pub fn parse(file: &str, text: &str, iris: &Iris) -> Result<Vec<Record>, ParseError> {
    let bib = Bibliography::parse(text).map_err(|e| ParseError {
        file: file.to_string(),
        line: Lines::new(text).line_of(e.span.start),
        message: format!("not valid BibTeX: {}", e.kind),
    })?;
    let lines = Lines::new(text);
    bib.iter()
        .map(|entry| {
            let line = entry_line(text, &lines, entry);
            record(entry, iris)
                .map_err(|message| ParseError {
                    file: file.to_string(),
                    line,
                    message: format!("entry {}: {message}", entry.key),
                })
                .map(|mut r| {
                    r.provenance.push(Provenance {
                        source: String::new(),
                        file: file.to_string(),
                        line,
                    });
                    r
                })
        })
        .collect()
}

fn text(chunks: &[biblatex::Spanned<Chunk>]) -> String {
    // Control characters become spaces, as `export::bibtex` writes them
    // (found by fuzzing, FUZZING.md: a title with NULs did not survive
    // its own export and re-import).
    let verbatim = chunks.format_verbatim();
    clean_space(&crate::normalize::controls_to_spaces(&verbatim))
}

fn field(entry: &Entry, name: &str) -> Option<String> {
    entry.get(name).map(text).filter(|t| !t.is_empty())
}

/// A name of a name list that is nothing but one brace group.
fn braced(chunks: &Chunks) -> Option<String> {
    let mut parts = chunks
        .iter()
        .filter(|c| !matches!(&c.v, Chunk::Normal(s) if s.trim().is_empty()));
    match (parts.next(), parts.next()) {
        (Some(c), None) => match &c.v {
            Chunk::Verbatim(s) => Some(clean_space(s)),
            _ => None,
        },
        _ => None,
    }
}

fn names(entry: &Entry, field: &str) -> Vec<Agent> {
    let Ok(list) = entry.get_as::<Vec<Chunks>>(field) else {
        return Vec::new();
    };
    list.iter()
        .filter(|chunks| !chunks.format_verbatim().trim().is_empty())
        .map(|chunks| match braced(chunks) {
            Some(name) => organization(&name),
            None => {
                let p = Person::parse(chunks);
                let family = clean_space(&format!("{} {}", p.prefix, p.name));
                let given = clean_space(&p.given_name);
                Agent::Person {
                    given: (!given.is_empty()).then_some(given),
                    family,
                }
            }
        })
        .collect()
}

/// Publishers: one per brace group, or the whole value when unbraced.
fn issuers(entry: &Entry, field: &str) -> Vec<Agent> {
    let Some(chunks) = entry.get(field) else {
        return Vec::new();
    };
    if let Ok(list) = entry.get_as::<Vec<Chunks>>(field) {
        let groups: Option<Vec<String>> = list.iter().map(braced).collect();
        if let Some(groups) = groups.filter(|g| !g.is_empty()) {
            return groups.iter().map(|g| organization(g)).collect();
        }
    }
    let whole = text(chunks);
    if whole.is_empty() {
        Vec::new()
    } else {
        vec![organization(&whole)]
    }
}

/// The kind of an entry: its type's citation type, refined by the genre
/// our exports write (`type`, or `howpublished` on `@misc`).
fn kind(entry: &Entry) -> RecordKind {
    let label = field(entry, "type")
        .or_else(|| field(entry, "howpublished"))
        .and_then(|t| kind_from_label(&t));
    let ty = match &entry.entry_type {
        EntryType::TechReport | EntryType::Report => CitationType::Report,
        // Our manuals are @manual: a label-less one is a manual.
        EntryType::Manual => {
            return CitationType::Book.kind_with(label.or(Some(RecordKind::Manual)));
        }
        EntryType::Book | EntryType::MvBook | EntryType::Booklet | EntryType::Collection => {
            CitationType::Book
        }
        EntryType::InBook | EntryType::InCollection => CitationType::BookSection,
        EntryType::Article | EntryType::InProceedings => CitationType::JournalArticle,
        // @misc and the rest: what the label says, else a document.
        _ => return label.unwrap_or(RecordKind::Document),
    };
    ty.kind_with(label)
}

/// One entry as a record.
fn record(entry: &Entry, iris: &Iris) -> Result<Record, String> {
    let title = field(entry, "title").ok_or("has no title")?;
    let year = field(entry, "year")
        .or_else(|| field(entry, "date"))
        .and_then(|y| crate::wire::csl::year_in(&y));
    let authors = names(entry, "author");
    let org_authors: Vec<Agent> = authors.iter().filter(|a| !a.is_person()).cloned().collect();
    let mut publishers = Vec::new();
    for f in ["institution", "organization", "publisher", "school"] {
        for p in issuers(entry, f) {
            if !publishers.contains(&p) {
                publishers.push(p);
            }
        }
    }
    if !org_authors.is_empty() && publishers == org_authors {
        publishers.clear();
    }
    let languages = field(entry, "language")
        .map(|l| {
            language_codes(
                l.split(" and ")
                    .flat_map(|p| p.split(','))
                    .collect::<Vec<_>>(),
            )
        })
        .filter(|l| !l.is_empty())
        .or_else(|| field(entry, "langid").map(|l| language_codes([l.as_str()])))
        .unwrap_or_default();
    let mut r = Record {
        id: field(entry, "url")
            .and_then(|u| id_from_url(iris, &u))
            .unwrap_or_default(),
        title,
        alternative_titles: Vec::new(),
        abstract_text: field(entry, "abstract"),
        description: None,
        kind: kind(entry),
        year,
        authors,
        publishers,
        place: field(entry, "address").or_else(|| field(entry, "location")),
        container: field(entry, "booktitle").map(|title| Container {
            title,
            editors: names(entry, "editor"),
        }),
        languages,
        countries: Vec::new(),
        regions: Vec::new(),
        categories: Vec::new(),
        citation: field(entry, "addendum"),
        note: field(entry, "note"),
        editorial_notes: Vec::new(),
        provenance: Vec::new(),
        repairs: Vec::new(),
    };
    if let Some(k) = field(entry, "keywords") {
        apply_keywords(&mut r, k.split([',', ';']));
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let iris = Iris::new("http://localhost:8080/");
        let err = parse(
            "x.bib",
            "@misc{a, title={ok}}\n\n@misc{b, title={broken}",
            &iris,
        )
        .err()
        .map(|e| (e.line, e.message));
        assert_eq!(err.map(|(l, _)| l), Some(3));
        let err = parse("x.bib", "\n@misc{a, year={2000}}", &iris).err();
        assert_eq!(
            err.map(|e| (e.line, e.message)),
            Some((2, "entry a: has no title".to_string()))
        );
    }

    #[test]
    fn reads_third_party_entries() {
        let iris = Iris::new("http://localhost:8080/");
        let bib = r#"@book{k, author = {M{\"u}ller, J{\"u}rgen and {World Bank}}, title = {On {T}hings}, publisher = {Oxford University Press}, year = 1999, url = {http://localhost:8080/records/on-things}}"#;
        let r = parse("x.bib", bib, &iris).unwrap_or_default();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].id, "on-things");
        assert_eq!(r[0].title, "On Things");
        assert_eq!(r[0].kind, RecordKind::Book);
        assert_eq!(r[0].year, Some(1999));
        assert_eq!(
            r[0].authors,
            vec![
                Agent::Person {
                    given: Some("Jürgen".into()),
                    family: "Müller".into()
                },
                Agent::Organization {
                    name: "World Bank".into(),
                    acronym: None
                }
            ]
        );
        assert_eq!(r[0].publishers.len(), 1);
    }
}
