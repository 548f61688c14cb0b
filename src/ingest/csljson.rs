//! CSL-JSON files -> records, with the serde structs of `export::csljson`:
//! an array of items (or one item), any valid CSL type, names as literals
//! (organisations) or family/given (persons), dates structured or as text.
//! Our own `custom` data, when present, restores what CSL cannot carry.

use super::ParseError;
use crate::export::{apply_keywords, id_from_url, kind_from_label, language_codes};
use crate::normalize::agents::organization;
use crate::normalize::clean_space;
use crate::rdf::Iris;
use crate::record::{Agent, Container, Provenance, Record, RecordKind};
use crate::wire::csl::{CslItem, CslName, CslType};
use serde::Deserialize;

/// A file holds an array of items, or (Crossref's answer for one DOI) one.
#[derive(Deserialize)]
#[serde(untagged)]
enum Items {
    Many(Vec<CslItem>),
    One(Box<CslItem>),
}

impl From<&CslName> for Option<Agent> {
    fn from(n: &CslName) -> Self {
        match n {
            CslName::Literal { literal } => {
                let name = clean_space(literal);
                (!name.is_empty()).then(|| organization(&name))
            }
            CslName::Person {
                family,
                given,
                dropping_particle,
                non_dropping_particle,
                suffix,
            } => {
                let mut parts: Vec<&str> = [dropping_particle, non_dropping_particle]
                    .iter()
                    .filter_map(|p| p.as_deref())
                    .collect();
                parts.push(family);
                let mut family = clean_space(&parts.join(" "));
                if let Some(s) = suffix.as_deref().map(clean_space).filter(|s| !s.is_empty()) {
                    family = format!("{family}, {s}");
                }
                let given = given.as_deref().map(clean_space).filter(|g| !g.is_empty());
                (!family.is_empty()).then_some(Agent::Person { given, family })
            }
            CslName::Given { given } => {
                let family = clean_space(given);
                (!family.is_empty()).then_some(Agent::Person {
                    given: None,
                    family,
                })
            }
        }
    }
}

/// One item as a record.
impl TryFrom<(CslItem, &Iris)> for Record {
    type Error = String;

    fn try_from((item, iris): (CslItem, &Iris)) -> Result<Self, String> {
        let title = clean_space(&item.title);
        if title.is_empty() {
            return Err(format!("item {} has an empty title", item.id));
        }
        let custom = item.custom.unwrap_or_default();
        let kind = custom.kind.unwrap_or_else(|| {
            let base = RecordKind::from(item.kind);
            match item.genre.as_deref().and_then(kind_from_label) {
                // A genre refines the type, never contradicts it.
                Some(k) if CslType::from(k) == item.kind => k,
                _ => base,
            }
        });
        let languages = if custom.languages.is_empty() {
            language_codes(item.language.as_deref())
        } else {
            language_codes(custom.languages.iter().map(String::as_str))
        };
        let publishers: Vec<Agent> = item
            .publisher
            .as_deref()
            .map(|p| {
                p.split(';')
                    .map(str::trim)
                    .filter(|p| !p.is_empty())
                    .map(organization)
                    .collect()
            })
            .unwrap_or_default();
        let mut r = Record {
            id: item
                .url
                .as_deref()
                .and_then(|u| id_from_url(iris, u))
                .unwrap_or_default(),
            title,
            alternative_titles: custom.alternative_titles,
            abstract_text: item.abstract_text.as_deref().map(clean_space),
            description: None,
            kind,
            year: item.issued.as_ref().and_then(|d| d.first_year()),
            authors: item
                .author
                .iter()
                .filter_map(Option::<Agent>::from)
                .collect(),
            publishers,
            place: item
                .publisher_place
                .as_deref()
                .map(clean_space)
                .filter(|p| !p.is_empty()),
            // A chapter's book; on other types container-title is a
            // journal or a series, which a record has no field for.
            container: item
                .container_title
                .as_deref()
                .map(clean_space)
                .filter(|t| item.kind == CslType::Chapter && !t.is_empty())
                .map(|title| Container {
                    title,
                    editors: item
                        .editor
                        .iter()
                        .filter_map(Option::<Agent>::from)
                        .collect(),
                }),
            languages,
            countries: custom.countries,
            regions: custom.regions,
            categories: custom.categories,
            citation: custom.citation,
            note: item
                .note
                .as_deref()
                .map(clean_space)
                .filter(|n| !n.is_empty()),
            editorial_notes: Vec::new(),
            provenance: Vec::new(),
            repairs: Vec::new(),
        };
        if let Some(k) = item.keyword.as_deref() {
            apply_keywords(&mut r, k.split([',', ';']));
        }
        Ok(r)
    }
}

/// The line of each top-level object of a JSON array, in one pass: a hint
/// for errors that serde reports without a position.
fn item_lines(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    let mut line = 1;
    for c in text.chars() {
        match c {
            '\n' => line += 1,
            _ if in_string => {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    in_string = false;
                }
            }
            '"' => in_string = true,
            '[' | '{' => {
                if c == '{' && depth == 1 {
                    out.push(line);
                }
                depth += 1;
            }
            ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    out
}

/// Parse a CSL-JSON file (see `ingest::bibtex::parse` for ids and provenance).
pub fn parse(file: &str, text: &str, iris: &Iris) -> Result<Vec<Record>, ParseError> {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let items = match serde_json::from_str::<Items>(text) {
        Ok(Items::Many(items)) => items,
        Ok(Items::One(item)) => vec![*item],
        Err(_) => {
            // Untagged errors say only "did not match": parse again as an
            // array of items for serde's message with a line.
            let e = serde_json::from_str::<Vec<CslItem>>(text)
                .err()
                .map(|e| (e.line().max(1), e.to_string()))
                .unwrap_or((1, "not a CSL-JSON item or array of items".into()));
            return Err(ParseError {
                file: file.to_string(),
                line: e.0,
                message: format!("not valid CSL-JSON: {}", e.1),
            });
        }
    };
    let lines = item_lines(text);
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| {
            let line = lines.get(i).copied().unwrap_or(1);
            let mut r = Record::try_from((item, iris)).map_err(|message| ParseError {
                file: file.to_string(),
                line,
                message,
            })?;
            r.provenance.push(Provenance {
                source: String::new(),
                file: file.to_string(),
                line,
            });
            Ok(r)
        })
        .collect()
}

/// The records of a CSL-JSON file read one item at a time, for files too
/// large to hold (`palermo import` of a million records): the same records,
/// lines and errors as `parse`, with only one item in memory. The scanner
/// finds where each top-level object ends (strings and escapes respected);
/// serde then reads that object alone.
pub struct Stream<R> {
    file: String,
    reader: R,
    iris: Iris,
    line: usize,
    /// `Some(true)` inside a top-level array, `Some(false)` for a file that
    /// is one object; `None` before the first bracket.
    array: Option<bool>,
    /// In an array: an item was just read, so a comma or `]` comes next.
    after_item: bool,
    items: usize,
    finished: bool,
}

impl<R: std::io::BufRead> Stream<R> {
    pub fn new(file: &str, reader: R, iris: &Iris) -> Self {
        Stream {
            file: file.to_string(),
            reader,
            iris: iris.clone(),
            line: 1,
            array: None,
            after_item: false,
            items: 0,
            finished: false,
        }
    }

    fn error(&self, line: usize, message: impl Into<String>) -> ParseError {
        ParseError {
            file: self.file.clone(),
            line,
            message: message.into(),
        }
    }

    fn next_byte(&mut self) -> Result<Option<u8>, ParseError> {
        let b = match self.reader.fill_buf() {
            Ok(buf) => buf.first().copied(),
            Err(e) => return Err(self.error(self.line, format!("cannot read: {e}"))),
        };
        let Some(b) = b else {
            return Ok(None);
        };
        self.reader.consume(1);
        if b == b'\n' {
            self.line += 1;
        }
        Ok(Some(b))
    }

    /// The bytes of one object whose `{` was just read, through its `}`.
    fn object(&mut self, start: usize) -> Result<Vec<u8>, ParseError> {
        let mut out = vec![b'{'];
        let (mut depth, mut in_string, mut escaped) = (1usize, false, false);
        while depth > 0 {
            let Some(b) = self.next_byte()? else {
                return Err(self.error(
                    start,
                    "not valid CSL-JSON: this item is not closed before the end of the file",
                ));
            };
            out.push(b);
            if in_string {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_string = false;
                }
                continue;
            }
            match b {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' => depth -= 1,
                _ => {}
            }
        }
        Ok(out)
    }

    fn record(&self, bytes: &[u8], line: usize) -> Result<Record, ParseError> {
        let item: CslItem = serde_json::from_slice(bytes).map_err(|e| {
            let message = e.to_string();
            // serde's position is within the item; ours is in the file.
            let message = message
                .rsplit_once(" at line ")
                .map_or(message.as_str(), |(m, _)| m);
            self.error(
                line + e.line().max(1) - 1,
                format!("not valid CSL-JSON: {message}"),
            )
        })?;
        let mut r =
            Record::try_from((item, &self.iris)).map_err(|message| self.error(line, message))?;
        r.provenance.push(Provenance {
            source: String::new(),
            file: self.file.clone(),
            line,
        });
        Ok(r)
    }

    fn step(&mut self) -> Result<Option<Record>, ParseError> {
        loop {
            let line = self.line;
            let Some(b) = self.next_byte()? else {
                return match self.array {
                    Some(true) => {
                        Err(self.error(line, "not valid CSL-JSON: the array is not closed"))
                    }
                    None => Err(self.error(line, "not a CSL-JSON item or array of items")),
                    Some(false) => Ok(None),
                };
            };
            if b.is_ascii_whitespace() {
                continue;
            }
            match (self.array, b) {
                // The byte order mark, as `parse` allows.
                (None, 0xEF) => {
                    for expected in [0xBB, 0xBF] {
                        if self.next_byte()? != Some(expected) {
                            return Err(self.error(line, "not a CSL-JSON item or array of items"));
                        }
                    }
                }
                (None, b'[') => self.array = Some(true),
                (None, b'{') => {
                    self.array = Some(false);
                    let bytes = self.object(line)?;
                    return self.record(&bytes, line).map(Some);
                }
                (Some(true), b'{') if !self.after_item => {
                    let bytes = self.object(line)?;
                    self.after_item = true;
                    self.items += 1;
                    return self.record(&bytes, line).map(Some);
                }
                (Some(true), b',') if self.after_item => self.after_item = false,
                (Some(true), b']') => {
                    self.array = Some(false);
                    // `[` straight to `]` is an empty array; `,]` is not JSON.
                    if !self.after_item && self.items > 0 {
                        return Err(self.error(line, "not valid CSL-JSON: trailing comma"));
                    }
                }
                (Some(false), _) => {
                    return Err(self.error(
                        line,
                        "not valid CSL-JSON: trailing characters after the end",
                    ));
                }
                _ => {
                    return Err(self.error(
                        line,
                        format!(
                            "not valid CSL-JSON: expected {} here, found `{}`",
                            if self.after_item {
                                "`,` or `]`"
                            } else {
                                "an item (`{`)"
                            },
                            char::from(b).escape_default()
                        ),
                    ));
                }
            }
        }
    }
}

impl<R: std::io::BufRead> Iterator for Stream<R> {
    type Item = Result<Record, ParseError>;

    /// Items until the end or the first error, which ends the stream.
    fn next(&mut self) -> Option<Self::Item> {
        let next = (!self.finished).then(|| self.step().transpose()).flatten();
        self.finished = !matches!(next, Some(Ok(_)));
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_types_are_errors_with_lines() {
        let iris = Iris::new("http://localhost:8080/");
        let text = "[\n  {\"id\": \"a\", \"type\": \"report\", \"title\": \"A\"},\n  {\"id\": 2,\n   \"type\": \"nonsense\", \"title\": \"B\"}\n]";
        let e = parse("x.json", text, &iris).err();
        let (line, message) = e.map(|e| (e.line, e.message)).unwrap_or_default();
        assert_eq!(line, 4, "{message}");
        assert!(message.contains("nonsense"), "{message}");
    }

    #[test]
    fn reads_third_party_items() {
        let iris = Iris::new("http://localhost:8080/");
        let text = r#"{"id": 7, "type": "article-journal", "title": "T",
            "author": [{"family": "Hagen", "non-dropping-particle": "von", "given": "M."}, {"literal": "UNODC"}],
            "issued": {"date-parts": [["2019", 5]]}, "language": "en-GB"}"#;
        let r = parse("x.json", text, &iris).unwrap_or_default();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].kind, RecordKind::Article);
        assert_eq!(r[0].year, Some(2019));
        assert_eq!(r[0].languages, vec!["en"]);
        assert_eq!(
            r[0].authors[0],
            Agent::Person {
                given: Some("M.".into()),
                family: "von Hagen".into()
            }
        );
        assert_eq!(r[0].authors[1].key(), "unodc");
        assert_eq!(item_lines("[\n{},\n\n{}]"), vec![2, 4]);
    }

    /// `Stream` and `parse` agree: records, provenance lines, and the line
    /// of every error.
    fn both(text: &str) -> (Result<Vec<Record>, usize>, Result<Vec<Record>, usize>) {
        let iris = Iris::new("http://localhost:8080/");
        let whole = parse("x.json", text, &iris).map_err(|e| e.line);
        let streamed = Stream::new("x.json", text.as_bytes(), &iris)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| e.line);
        (whole, streamed)
    }

    #[test]
    fn the_stream_reads_what_parse_reads() {
        let iris = Iris::new("http://localhost:8080/");
        let mut generated = Vec::new();
        crate::export::Exporter::new(iris.clone())
            .write_records(
                crate::export::Format::CslJson,
                crate::synthetic::records(3, 200).map(Ok),
                &crate::export::ExportOptions::default(),
                &mut generated,
            )
            .unwrap();
        let generated = String::from_utf8(generated).unwrap();
        let (whole, streamed) = both(&generated);
        assert_eq!(whole.as_ref().map(Vec::len), Ok(200));
        assert_eq!(whole, streamed);
        for text in [
            "\u{FEFF}[{\"id\": 1, \"type\": \"book\", \"title\": \"A \\\"q\\\" {[\"}]",
            "{\"id\": 7, \"type\": \"report\", \"title\": \"One\"}\n",
            "[]",
            " [ ] ",
        ] {
            let (whole, streamed) = both(text);
            assert!(whole.is_ok(), "{text}: {whole:?}");
            assert_eq!(whole, streamed, "{text}");
        }
    }

    #[test]
    fn the_stream_fails_where_parse_fails_on_the_same_line() {
        for (text, line) in [
            (
                "[\n  {\"id\": \"a\", \"type\": \"report\", \"title\": \"A\"},\n  {\"id\": 2,\n   \"type\": \"nonsense\", \"title\": \"B\"}\n]",
                4,
            ),
            ("[\n{\"id\": 1, \"type\": \"book\", \"title\": \"\"}]", 2),
            (
                "[\n{\"id\": 1, \"type\": \"book\", \"title\": \"A\"},\n]",
                3,
            ),
            (
                "[{\"id\": 1, \"type\": \"book\", \"title\": \"A\"}\n{\"id\": 2}]",
                2,
            ),
            ("[{\"id\": 1, \"type\": \"book\", \"title\": \"A\"}", 1),
            ("[{\"id\": 1, \"type\": \"book\",\n\n \"title\": \"A\"", 1),
            ("[{\"id\": 1, \"type\": \"book\", \"title\": \"A\"}] x", 1),
            ("[1, 2]", 1),
            ("", 1),
        ] {
            let (whole, streamed) = both(text);
            assert!(whole.is_err(), "{text}: parse accepted it");
            assert!(streamed.is_err(), "{text}: the stream accepted it");
            if text.contains("nonsense") || text.contains("\"\"}") {
                assert_eq!(whole, streamed, "{text}");
            }
            assert_eq!(streamed, Err(line), "{text}");
        }
    }
}
