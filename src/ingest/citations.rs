//! Citation files (`.bib`, `.ris`, CSL-JSON `.json`) as a source of
//! records for `import::import_records`: what we export re-imports.
//!
//! Each file is its own source, `citations-{file stem}`: the prefix keeps
//! a file called `unodc.bib` from replacing the curated `unodc` source.
//! Records keep the ids of our landing pages and get new ones otherwise.

use super::{ParseError, bibtex, csljson, ris};
use crate::error::Error;
use crate::import::{Mode, RecordSource};
use crate::normalize::slug;
use crate::rdf::Iris;
use crate::record::Record;

/// The citation formats we read, by file extension.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CitationFormat {
    BibTeX,
    Ris,
    CslJson,
}

impl CitationFormat {
    /// `.bib`/`.bibtex`, `.ris`, `.json`/`.csljson` (any case).
    pub fn from_path(path: &str) -> Option<Self> {
        let ext = std::path::Path::new(path)
            .extension()?
            .to_str()?
            .to_ascii_lowercase();
        match ext.as_str() {
            "bib" | "bibtex" => Some(CitationFormat::BibTeX),
            "ris" => Some(CitationFormat::Ris),
            "json" | "csljson" => Some(CitationFormat::CslJson),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            CitationFormat::BibTeX => "BibTeX",
            CitationFormat::Ris => "RIS",
            CitationFormat::CslJson => "CSL-JSON",
        }
    }
}

/// Whether `import` should read this path as a citation file.
pub fn is_citation_file(path: &str) -> bool {
    CitationFormat::from_path(path).is_some()
}

/// A citation file's source, without its records: the id (`citations-{stem}`),
/// the title and the file, the same for a whole file or a stream of it.
pub fn citation_header(path: &str) -> Result<(CitationFormat, RecordSource), Error> {
    let format = CitationFormat::from_path(path).ok_or_else(|| {
        Error::Parse(ParseError {
            file: path.to_string(),
            line: 1,
            message:
                "unrecognised citation file: expected .bib (BibTeX), .ris (RIS) or .json (CSL-JSON)"
                    .into(),
        })
    })?;
    let stem = std::path::Path::new(path)
        .file_stem()
        .and_then(|s| s.to_str())
        .map(slug)
        .unwrap_or_default();
    let id = if stem.is_empty() {
        "citations".to_string()
    } else {
        format!("citations-{stem}")
    };
    let name = std::path::Path::new(path)
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or(path);
    let title = format!("{} file {name}", format.label());
    Ok((
        format,
        RecordSource {
            id,
            title: title.clone(),
            files: vec![(path.to_string(), title)],
            records: Vec::new(),
            mode: Mode::Replace,
        },
    ))
}

/// The records of a citation file read as a stream, one at a time, for
/// files too large to hold (`import::bulk::import_stream`); `None` for
/// BibTeX, which is read whole because `@string` macros may be defined
/// anywhere in the file.
pub fn record_stream<'a, R: std::io::BufRead + 'a>(
    format: CitationFormat,
    path: &str,
    reader: R,
    iris: &Iris,
) -> Option<Box<dyn Iterator<Item = Result<Record, Error>> + 'a>> {
    let records: Box<dyn Iterator<Item = Result<Record, ParseError>> + 'a> = match format {
        CitationFormat::BibTeX => return None,
        CitationFormat::Ris => Box::new(ris::stream(path, reader, iris)),
        CitationFormat::CslJson => Box::new(csljson::Stream::new(path, reader, iris)),
    };
    Some(Box::new(records.map(|r| r.map_err(Error::Parse))))
}

/// A citation file as one source of records.
pub fn citation_source(path: &str, text: &str, iris: &Iris) -> Result<RecordSource, Error> {
    let (format, mut source) = citation_header(path)?;
    let mut records = match format {
        CitationFormat::BibTeX => bibtex::parse(path, text, iris)?,
        CitationFormat::Ris => ris::parse(path, text, iris)?,
        CitationFormat::CslJson => csljson::parse(path, text, iris)?,
    };
    if records.is_empty() {
        return Err(Error::Parse(ParseError {
            file: path.to_string(),
            line: 1,
            message: format!("no {} entries in this file", format.label()),
        }));
    }
    for r in &mut records {
        for p in &mut r.provenance {
            p.source = source.id.clone();
        }
    }
    source.records = records;
    Ok(source)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chooses_the_reader_by_extension() {
        let iris = Iris::new("http://localhost:8080/");
        let s = citation_source("dir/My Refs.RIS", "TY  - GEN\nTI  - A\nER  - \n", &iris);
        let s = s.map(|s| {
            (
                s.id,
                s.records.len(),
                s.records[0].provenance[0].source.clone(),
            )
        });
        assert_eq!(
            s.ok(),
            Some(("citations-my-refs".into(), 1, "citations-my-refs".into()))
        );
        let e = citation_source("refs.txt", "", &iris)
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("refs.txt:1: unrecognised citation file")));
        let e = citation_source("empty.json", "[]", &iris)
            .err()
            .map(|e| e.to_string());
        assert!(e.is_some_and(|e| e.contains("no CSL-JSON entries")));
    }
}
