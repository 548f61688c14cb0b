//! What an engine answers a query with, parsed: solutions, a boolean or
//! triples. Parsing never panics on an engine's output; what we cannot
//! read is the engine's error (`Error::Backend`).

use crate::error::Error;
use oxigraph::io::{RdfFormat, RdfParser};
use oxigraph::model::{Literal, Term, Triple, Variable, vocab::xsd};
use sparesults::{
    QueryResultsFormat, QueryResultsParser, QuerySolution, ReaderQueryResultsParserOutput,
};
use std::io::{self, BufRead, Read};

/// A query's answer.
#[derive(Debug, PartialEq)]
pub enum Answer {
    /// SELECT: the variables, in the engine's order, and every row.
    Solutions {
        variables: Vec<Variable>,
        rows: Vec<QuerySolution>,
    },
    /// ASK.
    Boolean(bool),
    /// CONSTRUCT and DESCRIBE.
    Triples(Vec<Triple>),
}

impl Answer {
    /// The rows of a SELECT answer; an error for any other form.
    pub fn into_rows(self) -> Result<Vec<QuerySolution>, Error> {
        match self {
            Answer::Solutions { rows, .. } => Ok(rows),
            other => Err(Error::Backend(format!(
                "expected solutions, the engine answered {}",
                other.form()
            ))),
        }
    }

    pub fn into_boolean(self) -> Result<bool, Error> {
        match self {
            Answer::Boolean(b) => Ok(b),
            other => Err(Error::Backend(format!(
                "expected a boolean, the engine answered {}",
                other.form()
            ))),
        }
    }

    pub fn into_triples(self) -> Result<Vec<Triple>, Error> {
        match self {
            Answer::Triples(t) => Ok(t),
            other => Err(Error::Backend(format!(
                "expected triples, the engine answered {}",
                other.form()
            ))),
        }
    }

    fn form(&self) -> &'static str {
        match self {
            Answer::Solutions { .. } => "solutions",
            Answer::Boolean(_) => "a boolean",
            Answer::Triples(_) => "triples",
        }
    }
}

/// The media types we ask for and can read.
pub const JSON: &str = "application/sparql-results+json";
pub const XML: &str = "application/sparql-results+xml";
pub const NTRIPLES: &str = "application/n-triples";

/// Parse a results document (`media_type`, the response's) from `body`.
/// `what` names the request in errors.
pub fn parse<'r, R: Read + 'r>(media_type: &str, body: R, what: &str) -> Result<Answer, Error> {
    let essence = media_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let invalid = |e: &dyn std::fmt::Display| {
        Error::Backend(format!(
            "{what}: the engine's {essence} answer is not valid: {e}"
        ))
    };
    let format = match essence.as_str() {
        JSON | "application/json" => QueryResultsFormat::Json,
        XML | "application/xml" | "text/xml" => QueryResultsFormat::Xml,
        NTRIPLES | "text/plain" | "text/turtle" | "application/turtle" => {
            let format = if essence == NTRIPLES || essence == "text/plain" {
                RdfFormat::NTriples
            } else {
                RdfFormat::Turtle
            };
            let triples = RdfParser::from_format(format)
                .for_reader(body)
                .map(|q| q.map(Triple::from))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(&e))?;
            return Ok(Answer::Triples(triples));
        }
        _ => {
            return Err(Error::Backend(format!(
                "{what}: the engine answered {media_type:?}, which we did not ask for"
            )));
        }
    };
    let body = io::BufReader::new(body);
    let parsed = match format {
        // Virtuoso names blank nodes `nodeID://b10000`, which is no blank
        // node label (`/` is not allowed): make it one.
        QueryResultsFormat::Xml => QueryResultsParser::from_format(format)
            .for_reader(Box::new(Relabel::new(body)) as Box<dyn Read + 'r>),
        _ => {
            QueryResultsParser::from_format(format).for_reader(Box::new(body) as Box<dyn Read + 'r>)
        }
    }
    .map_err(|e| invalid(&e))?;
    Ok(match parsed {
        ReaderQueryResultsParserOutput::Boolean(b) => Answer::Boolean(b),
        ReaderQueryResultsParserOutput::Solutions(solutions) => {
            let variables = solutions.variables().to_vec();
            let rows = solutions
                .map(|s| s.map(canonical_booleans))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| invalid(&e))?;
            Answer::Solutions { variables, rows }
        }
    })
}

/// Virtuoso's JSON writes `true` as `"1"^^xsd:boolean`; a boolean in its
/// canonical form, so that it equals the same value from any other engine.
fn canonical_booleans(solution: QuerySolution) -> QuerySolution {
    let fix = |t: &Term| match t {
        Term::Literal(l) if l.datatype() == xsd::BOOLEAN => match l.value() {
            "1" => Some(Term::from(Literal::from(true))),
            "0" => Some(Term::from(Literal::from(false))),
            _ => None,
        },
        _ => None,
    };
    if !solution.values().iter().flatten().any(|t| fix(t).is_some()) {
        return solution;
    }
    let variables: Vec<Variable> = solution.variables().to_vec();
    let values: Vec<Option<Term>> = solution
        .values()
        .iter()
        .map(|v| v.as_ref().map(|t| fix(t).unwrap_or_else(|| t.clone())))
        .collect();
    QuerySolution::from((variables, values))
}

/// Rewrites `<bnode>nodeID://` to `<bnode>nodeID___` in a stream, so that
/// Virtuoso's blank node names are valid labels. In XML results `<bnode>`
/// can only be markup (a literal's `<` is escaped), so no value is touched.
struct Relabel<R> {
    inner: R,
    /// Bytes read and rewritten but not yet handed out.
    out: Vec<u8>,
    start: usize,
    /// The tail of the last chunk that may be the start of the pattern.
    carry: Vec<u8>,
    done: bool,
}

const FROM: &[u8] = b"<bnode>nodeID://";
const TO: &[u8] = b"<bnode>nodeID___";

impl<R: BufRead> Relabel<R> {
    fn new(inner: R) -> Self {
        Relabel {
            inner,
            out: Vec::new(),
            start: 0,
            carry: Vec::new(),
            done: false,
        }
    }

    /// Read the next chunk into `out`.
    fn fill(&mut self) -> io::Result<()> {
        let mut chunk = std::mem::take(&mut self.carry);
        let read = {
            let buf = self.inner.fill_buf()?;
            chunk.extend_from_slice(buf);
            buf.len()
        };
        self.inner.consume(read);
        if read == 0 {
            self.done = true;
        }
        replace_all(&mut chunk);
        // Keep back what could be the start of a pattern cut by the chunk's end.
        let keep = if self.done {
            0
        } else {
            (1..FROM.len())
                .rev()
                .find(|&n| chunk.len() >= n && chunk.ends_with(&FROM[..n]))
                .unwrap_or(0)
        };
        self.carry = chunk.split_off(chunk.len() - keep);
        self.out = chunk;
        self.start = 0;
        Ok(())
    }
}

fn replace_all(chunk: &mut [u8]) {
    let mut i = 0;
    while let Some(at) = memchr_pattern(&chunk[i..]) {
        let at = i + at;
        chunk[at..at + FROM.len()].copy_from_slice(TO);
        i = at + FROM.len();
    }
}

fn memchr_pattern(hay: &[u8]) -> Option<usize> {
    hay.windows(FROM.len()).position(|w| w == FROM)
}

impl<R: BufRead> Read for Relabel<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.start == self.out.len() {
            if self.done {
                return Ok(0);
            }
            self.fill()?;
        }
        let n = buf.len().min(self.out.len() - self.start);
        buf[..n].copy_from_slice(&self.out[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Virtuoso 7.2.5's JSON, as it answered (tabs and all), but for the
    /// blank node, whose `nodeID://` name no parser takes.
    const VIRTUOSO_JSON: &str = "\n{ \"head\": { \"link\": [], \"vars\": [\"o\"] },\n  \"results\": { \"distinct\": false, \"ordered\": true, \"bindings\": [\n    { \"o\": { \"type\": \"typed-literal\", \"datatype\": \"http://www.w3.org/2001/XMLSchema#boolean\", \"value\": \"1\" }},\n    { \"o\": { \"type\": \"literal\", \"xml:lang\": \"en\", \"value\": \"\\u00E9\\uD83D\\uDE00\\\"x\" }}\t,\n    { \"o\": { \"type\": \"typed-literal\", \"datatype\": \"http://www.w3.org/2001/XMLSchema#gYear\", \"value\": \"2020\" }} ] } }";

    #[test]
    fn virtuoso_json_typed_literals_and_surrogate_escapes_parse() {
        let rows = parse(JSON, VIRTUOSO_JSON.as_bytes(), "test")
            .unwrap()
            .into_rows()
            .unwrap();
        let o: Vec<String> = rows
            .iter()
            .map(|r| r.get("o").unwrap().to_string())
            .collect();
        assert_eq!(
            o,
            [
                "\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>",
                "\"é😀\\\"x\"@en",
                "\"2020\"^^<http://www.w3.org/2001/XMLSchema#gYear>"
            ]
        );
    }

    #[test]
    fn virtuoso_blank_node_names_are_made_labels_even_across_reads() {
        let xml = r#"<sparql xmlns="http://www.w3.org/2005/sparql-results#"><head><variable name="b"/><variable name="l"/></head><results distinct="false" ordered="true"><result><binding name="b"><bnode>nodeID://b10000</bnode></binding><binding name="l"><literal>&lt;bnode>nodeID://x</literal></binding></result></results></sparql>"#;
        // A reader that hands out one byte at a time cuts the pattern everywhere.
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        for answer in [
            parse(XML, xml.as_bytes(), "test").unwrap(),
            parse(
                XML,
                io::BufReader::with_capacity(1, Trickle(xml.as_bytes())),
                "test",
            )
            .unwrap(),
        ] {
            let rows = answer.into_rows().unwrap();
            assert_eq!(rows.len(), 1);
            assert!(matches!(rows[0].get("b"), Some(Term::BlankNode(_))));
            assert_eq!(
                rows[0].get("l").unwrap().to_string(),
                "\"<bnode>nodeID://x\"",
                "a literal is never rewritten"
            );
        }
    }

    #[test]
    fn what_cannot_be_read_is_the_engine_s_error_not_a_panic() {
        for (media, body) in [
            (JSON, "{\"head\":"),
            (
                XML,
                "<sparql><head><variable name=\"x\"/></head><results><result><binding name=\"x\"><bnode>a/b</bnode></binding></result></results></sparql>",
            ),
            (NTRIPLES, "<a> <b> ."),
            ("text/html", "<html>"),
        ] {
            let e = parse(media, body.as_bytes(), "query").unwrap_err();
            assert!(matches!(e, Error::Backend(_)), "{media}: {e}");
        }
    }
}
