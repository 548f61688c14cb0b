//! RIS files -> records, with our own line parser: our exports and
//! reasonable files of other tools (LF or CRLF, a BOM, wrapped lines).
//!
//! `TY` opens a record and `ER` closes it; a line that is not a tag
//! continues the previous value (some tools wrap long abstracts). Author
//! values follow `export::ris`: a trailing comma marks an organisation,
//! `Family, Given` a person; other values are read like the knowledge
//! portal's author lines (organisation words, "Given Family").

use super::ParseError;
use crate::export::types::CitationType;
use crate::export::{apply_keywords, id_from_url, kind_from_label, language_codes};
use crate::normalize::agents::{organization, parse_name};
use crate::normalize::{clean_space, controls_to_spaces};
use crate::rdf::Iris;
use crate::record::{Agent, Container, Provenance, Record, RecordKind};
use crate::wire::csl::year_in;
use crate::wire::ris::RisRecord;

/// A tag line: two uppercase letters or digits, two spaces, a hyphen.
fn tag_line(line: &str) -> Option<(&str, &str)> {
    let b = line.as_bytes();
    let is_tag = b.len() >= 5
        && b[0].is_ascii_uppercase()
        && (b[1].is_ascii_uppercase() || b[1].is_ascii_digit())
        && &b[2..5] == b"  -";
    is_tag.then(|| (&line[..2], line[5..].trim()))
}

/// Split a file into records, each with the line of its `TY`.
pub fn records(file: &str, text: &str) -> Result<Vec<(usize, RisRecord)>, ParseError> {
    Records::new(file, text.as_bytes()).collect()
}

/// The records of a RIS file read line by line from `reader`, each with the
/// line of its `TY`: `records` for a whole text, and the stream behind
/// `palermo import` of a file too large to hold.
pub struct Records<R> {
    file: String,
    reader: R,
    line: usize,
    buf: String,
    current: Option<(usize, RisRecord)>,
    finished: bool,
}

impl<R: std::io::BufRead> Records<R> {
    pub fn new(file: &str, reader: R) -> Self {
        Records {
            file: file.to_string(),
            reader,
            line: 0,
            buf: String::new(),
            current: None,
            finished: false,
        }
    }

    fn err(&self, line: usize, message: String) -> ParseError {
        ParseError {
            file: self.file.clone(),
            line,
            message,
        }
    }

    /// Read lines until a record closes (`Ok(Some)`) or the file ends.
    fn step(&mut self) -> Result<Option<(usize, RisRecord)>, ParseError> {
        loop {
            self.buf.clear();
            let read = self.reader.read_line(&mut self.buf).map_err(|e| {
                let message = if e.kind() == std::io::ErrorKind::InvalidData {
                    "not UTF-8 text".to_string()
                } else {
                    format!("cannot read: {e}")
                };
                self.err(self.line + 1, message)
            })?;
            if read == 0 {
                return match self.current.take() {
                    Some((start, _)) => Err(self.err(start, "record has no ER".into())),
                    None => Ok(None),
                };
            }
            self.line += 1;
            let n = self.line;
            let mut line = self.buf.trim_end_matches('\n').trim_end_matches('\r');
            if n == 1 {
                line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
            }
            match (tag_line(line), &mut self.current) {
                (Some(("TY", v)), None) => {
                    self.current = Some((
                        n,
                        RisRecord {
                            tags: vec![("TY".into(), v.to_string())],
                        },
                    ))
                }
                (Some(("TY", _)), Some((start, _))) => {
                    let start = *start;
                    return Err(
                        self.err(n, format!("TY before the ER of the record at line {start}"))
                    );
                }
                (Some(("ER", _)), Some(_)) => return Ok(self.current.take()),
                (Some((tag, _)), None) => {
                    return Err(self.err(n, format!("{tag} outside a record (expected TY first)")));
                }
                (Some((tag, v)), Some((_, r))) => {
                    r.tags.push((tag.to_string(), controls_to_spaces(v)))
                }
                (None, Some((_, r))) if !line.trim().is_empty() => {
                    // A wrapped value continues the last tag.
                    if let Some((_, v)) = r.tags.last_mut() {
                        v.push(' ');
                        v.push_str(&controls_to_spaces(line.trim()));
                    }
                }
                (None, None) if !line.trim().is_empty() => {
                    let message = format!("not a RIS tag line: \"{}\"", clean_space(line));
                    return Err(self.err(n, message));
                }
                (None, _) => {}
            }
        }
    }
}

impl<R: std::io::BufRead> Iterator for Records<R> {
    type Item = Result<(usize, RisRecord), ParseError>;

    /// Items until the end or the first error, which ends the stream.
    fn next(&mut self) -> Option<Self::Item> {
        let next = (!self.finished).then(|| self.step().transpose()).flatten();
        self.finished = !matches!(next, Some(Ok(_)));
        next
    }
}

/// The records of a RIS file as they are read (see `Records`).
pub fn stream<R: std::io::BufRead>(
    file: &str,
    reader: R,
    iris: &Iris,
) -> impl Iterator<Item = Result<Record, ParseError>> + use<R> {
    let (file, iris) = (file.to_string(), iris.clone());
    Records::new(&file, reader).map(move |r| record(&file, r?, &iris))
}

/// One RIS record as a record, with its provenance.
fn record(file: &str, (line, r): (usize, RisRecord), iris: &Iris) -> Result<Record, ParseError> {
    let mut rec = Record::try_from((&r, iris)).map_err(|message| ParseError {
        file: file.to_string(),
        line,
        message,
    })?;
    rec.provenance.push(Provenance {
        source: String::new(),
        file: file.to_string(),
        line,
    });
    Ok(rec)
}

/// An `AU` value as an agent.
pub fn agent(value: &str) -> Agent {
    let value = clean_space(value);
    if let Some(name) = value.strip_suffix(',') {
        organization(name.trim())
    } else {
        parse_name(&value).0
    }
}

/// The kind of a record: its `TY`'s citation type, refined by `M3`.
fn kind(r: &RisRecord) -> RecordKind {
    let label = r.first(&["M3"]).and_then(kind_from_label);
    let ty = match r.first(&["TY"]).unwrap_or_default() {
        "RPRT" | "GOVDOC" | "STAND" => CitationType::Report,
        "BOOK" | "EBOOK" | "EDBOOK" => CitationType::Book,
        "JOUR" | "EJOUR" | "MGZN" | "NEWS" | "CONF" | "CPAPER" => CitationType::JournalArticle,
        "CHAP" | "ECHAP" => CitationType::BookSection,
        "SOUND" | "MUSIC" | "ADVS" | "VIDEO" | "MPCT" => CitationType::AudioRecording,
        "STAT" | "BILL" | "LEGAL" => return RecordKind::ModelLaw,
        _ => return label.unwrap_or(RecordKind::Document),
    };
    ty.kind_with(label)
}

/// One RIS record as a record.
impl TryFrom<(&RisRecord, &Iris)> for Record {
    type Error = String;

    fn try_from((r, iris): (&RisRecord, &Iris)) -> Result<Self, String> {
        let title = r
            .first(&["TI", "T1", "CT", "BT"])
            .map(clean_space)
            .filter(|t| !t.is_empty())
            .ok_or("record has no title (TI)")?;
        // On a recording, the performers (`A2`) are its creators too: where
        // our own export, and Zotero's, write an audio recording's author.
        let recording = matches!(r.first(&["TY"]), Some("SOUND" | "MUSIC"));
        let tags: &[&str] = if recording {
            &["AU", "A1", "A2"]
        } else {
            &["AU", "A1"]
        };
        let mut authors = Vec::new();
        for tag in tags {
            authors.extend(r.values(tag).filter(|v| !v.trim().is_empty()).map(agent));
        }
        let publishers: Vec<Agent> = r
            .values("PB")
            .flat_map(|v| v.split(';'))
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(organization)
            .collect();
        let notes: Vec<String> = r.values("N1").map(clean_space).collect();
        // A chapter's book: T2 (or BT) and its editors (A2, or ED).
        let chapter = matches!(r.first(&["TY"]), Some("CHAP" | "ECHAP"));
        let container = r
            .first(&["T2", "BT"])
            .map(clean_space)
            .filter(|t| chapter && !t.is_empty())
            .map(|title| Container {
                title,
                editors: ["A2", "ED"]
                    .iter()
                    .flat_map(|tag| r.values(tag))
                    .filter(|v| !v.trim().is_empty())
                    .map(agent)
                    .collect(),
            });
        let mut record = Record {
            id: r
                .values("UR")
                .find_map(|u| id_from_url(iris, u))
                .unwrap_or_default(),
            title,
            alternative_titles: Vec::new(),
            abstract_text: r.first(&["AB", "N2"]).map(clean_space),
            description: None,
            kind: kind(r),
            year: r.first(&["PY", "Y1", "DA"]).and_then(year_in),
            authors,
            publishers,
            place: r.first(&["CY"]).map(clean_space).filter(|p| !p.is_empty()),
            container,
            languages: language_codes(r.values("LA").flat_map(|v| v.split([';', ',']))),
            countries: Vec::new(),
            regions: Vec::new(),
            categories: Vec::new(),
            citation: None,
            // RIS has one kind of note: our note and the source's citation
            // come back as one.
            note: (!notes.is_empty()).then(|| notes.join("\n")),
            editorial_notes: Vec::new(),
            provenance: Vec::new(),
            repairs: Vec::new(),
        };
        apply_keywords(&mut record, r.values("KW"));
        Ok(record)
    }
}

/// Parse a RIS file (see `ingest::bibtex::parse` for ids and provenance).
pub fn parse(file: &str, text: &str, iris: &Iris) -> Result<Vec<Record>, ParseError> {
    stream(file, text.as_bytes(), iris).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_line() {
        let iris = Iris::new("http://localhost:8080/");
        let e = parse(
            "x.ris",
            "TY  - GEN\nTI  - a\nER  - \n\nTY  - GEN\nPY  - 2000\n",
            &iris,
        )
        .err();
        assert_eq!(
            e.map(|e| (e.line, e.message)),
            Some((5, "record has no ER".into()))
        );
        let e = parse("x.ris", "TI  - a\n", &iris).err();
        assert_eq!(e.map(|e| e.line), Some(1));
        let e = parse("x.ris", "TY  - GEN\nPY  - 2000\nER  -\n", &iris).err();
        assert_eq!(
            e.map(|e| (e.line, e.message)),
            Some((1, "record has no title (TI)".into()))
        );
    }

    #[test]
    fn a_stream_names_the_line_of_bytes_that_are_not_utf8() {
        let bytes: &[u8] = b"TY  - GEN\nTI  - a\nER  - \nTY  - GEN\nTI  - \xff\nER  - \n";
        let got: Vec<_> = Records::new("x.ris", bytes).collect();
        assert_eq!(got.len(), 2);
        assert!(got[0].is_ok());
        let e = got[1].as_ref().err().map(|e| (e.line, e.message.clone()));
        assert_eq!(e, Some((5, "not UTF-8 text".into())));
    }

    #[test]
    fn reads_authors_and_wrapped_lines() {
        let iris = Iris::new("http://localhost:8080/");
        let text = "\u{FEFF}TY  - RPRT\r\nAU  - International Organization for Migration,\r\nAU  - von Hagen, Markéta\r\nTI  - A long\r\n  title\r\nM3  - Policy Brief\r\nLA  - English; French\r\nER  - \r\n";
        let r = parse("x.ris", text, &iris).unwrap_or_default();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].title, "A long title");
        assert_eq!(r[0].kind, RecordKind::PolicyBrief);
        assert_eq!(r[0].languages, vec!["en", "fr"]);
        assert_eq!(
            r[0].authors,
            vec![
                Agent::Organization {
                    name: "International Organization for Migration".into(),
                    acronym: Some("IOM".into())
                },
                Agent::Person {
                    given: Some("Markéta".into()),
                    family: "von Hagen".into()
                }
            ]
        );
    }
}
