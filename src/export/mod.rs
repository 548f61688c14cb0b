//! Citation exports (BibTeX, RIS, CSL-JSON, formatted references): one module per format behind one `Format` enum.
//!
//! Exports are built from `Record`s read back from the store
//! (`rdf::read::record`), never from source files, so a record added by
//! SPARQL Update or by a harvest exports like any other.
//!
//! Each record is cited as one kind of item (`types::CitationType`,
//! decided once from its kind) and mapped to each format's own type, so
//! that Zotero, EndNote, Mendeley, JabRef and LaTeX import the same kind of
//! item whatever the format (Zotero's `RIS.js` and `BibTeX.js` are the
//! reference; table in the README):
//!
//! | record kind | cited as | BibTeX | RIS | CSL | genre (BibTeX `type`, RIS `M3`, CSL `genre`) |
//! |---|---|---|---|---|---|
//! | Report, Document | report | `@techreport` | `RPRT` | `report` | BibTeX `type = {Report}` |
//! | PolicyBrief, IssuePaper, Toolkit, ModelLaw | report | `@techreport` | `RPRT` | `report` | Policy Brief, Issue Paper, Toolkit, Model Law |
//! | Manual | book | `@manual` | `BOOK` | `book` | – |
//! | Book | book | `@book` | `BOOK` | `book` | – |
//! | Article | journal article | `@misc` (no journal known) | `JOUR` | `article-journal` | – |
//! | AudioVisual | audio recording | `@misc` | `SOUND` | `song` | – |
//! | Chapter | book section | `@incollection` (book, editors, publisher known) | `CHAP` | `chapter` | – |
//!
//! BibTeX falls back to `@misc` (or `@manual` for a book) where the type's
//! mandatory fields are unknown: a report with no issuer, an article with
//! no journal (see `bibtex::entry_type`).
//!
//! Corporate authorship (README): a work no person or organisation is
//! named as author of is cited under the organisations that issued it
//! (APA's group author, `cited_authors`); formatted references then omit
//! the publisher that repeats it (`cited_publishers`). Data formats keep
//! the publisher as a field (a report's institution). The RDF keeps what
//! the sources say.
//!
//! Curators' remarks (`Record::editorial_notes`) and the source's own
//! citation text are provenance: no export writes them, except CSL-JSON's
//! `custom` object, which carries the source citation for our own
//! re-import and which clients ignore.

pub mod bibtex;
pub mod csljson;
pub mod formatted;
pub mod ris;
pub mod types;

use crate::error::Error;
use crate::normalize::languages::language_name;
use crate::rdf::Iris;
use crate::rdf::schemes::{CATEGORIES, COUNTRIES, REGIONS, Scheme};
use crate::record::{Agent, Record, RecordKind};
use crate::store::Store;
use std::io::Write;

/// The citation formats' own media types.
mod media {
    // Every type comes with its charset form; JSON's is never sent.
    #![allow(dead_code)]
    crate::media::media_types! {
        BIBTEX, BIBTEX_UTF8 = "application/x-bibtex";
        RIS, RIS_UTF8 = "application/x-research-info-systems";
        CSL_JSON, CSL_JSON_UTF8 = "application/vnd.citationstyles.csl+json";
        BIBLIOGRAPHY, BIBLIOGRAPHY_UTF8 = "text/x-bibliography";
    }
}

/// The citation formats we write. Closed on purpose: a format is added
/// here, with its media type and extension, or not at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    BibTeX,
    Ris,
    CslJson,
    /// Formatted references (`text/x-bibliography`), in a CSL style.
    Bibliography,
}

impl Format {
    pub const ALL: [Format; 4] = [
        Format::BibTeX,
        Format::Ris,
        Format::CslJson,
        Format::Bibliography,
    ];

    /// The media type, without parameters: what `Accept` names.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::BibTeX => media::BIBTEX,
            Format::Ris => media::RIS,
            Format::CslJson => media::CSL_JSON,
            Format::Bibliography => media::BIBLIOGRAPHY,
        }
    }

    /// Other media types clients name the same format by (Crossref's
    /// content negotiation answers to these too).
    pub fn aliases(self) -> &'static [&'static str] {
        match self {
            Format::BibTeX => &["text/x-bibtex"],
            Format::CslJson => &["application/citeproc+json"],
            Format::Ris | Format::Bibliography => &[],
        }
    }

    /// What `format=` accepts, canonical name first. `json` may also mean
    /// another JSON where a route offers one first (`/records`' own).
    pub fn names(self) -> &'static [&'static str] {
        match self {
            Format::BibTeX => &["bibtex", "bib"],
            Format::Ris => &["ris"],
            Format::CslJson => &["csljson", "csl-json", "csl", "json"],
            Format::Bibliography => &["bibliography", "txt", "text"],
        }
    }

    /// The `Content-Type` of a response: text formats say their charset;
    /// HTML references are served as HTML so browsers render them.
    pub fn content_type(self, opts: &ExportOptions) -> &'static str {
        match self {
            Format::BibTeX => media::BIBTEX_UTF8,
            Format::Ris => media::RIS_UTF8,
            // JSON is UTF-8 by definition (RFC 8259); it takes no charset.
            Format::CslJson => media::CSL_JSON,
            Format::Bibliography if opts.html => crate::media::HTML_UTF8,
            Format::Bibliography => media::BIBLIOGRAPHY_UTF8,
        }
    }

    /// File extension, without the dot: `/records/{id}.{ext}`.
    pub fn extension(self) -> &'static str {
        match self {
            Format::BibTeX => "bib",
            Format::Ris => "ris",
            Format::CslJson => "json",
            Format::Bibliography => "txt",
        }
    }

    /// The canonical `format=` value.
    pub fn name(self) -> &'static str {
        self.names()[0]
    }

    /// A media type as `Accept` or `Content-Type` gives it; parameters
    /// (`; style=apa`) and case are ignored. Includes the aliases that
    /// Crossref's content negotiation answers to.
    pub fn from_media_type(media_type: &str) -> Option<Format> {
        let essence = media_type
            .split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        Format::ALL
            .into_iter()
            .find(|f| f.media_type() == essence || f.aliases().contains(&essence.as_str()))
    }

    /// `bib`, `ris`, `json`, `txt` (a leading dot and case are ignored).
    pub fn from_extension(ext: &str) -> Option<Format> {
        let ext = ext.trim_start_matches('.').to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.extension() == ext)
    }

    /// A `format=` value: the canonical names plus the usual spellings.
    pub fn from_name(name: &str) -> Option<Format> {
        match name.trim().to_ascii_lowercase().as_str() {
            "bibtex" | "bib" => Some(Format::BibTeX),
            "ris" => Some(Format::Ris),
            "csljson" | "csl-json" | "csl" | "json" | "citeproc-json" => Some(Format::CslJson),
            "bibliography" | "text" | "txt" | "citation" => Some(Format::Bibliography),
            _ => None,
        }
    }

    /// A download file name: `stem` reduced to safe ASCII (letters, digits,
    /// `-`, `_`, `.`), so that it can go into a header unquoted or quoted.
    pub fn filename(self, stem: &str) -> String {
        let ascii = deunicode::deunicode(stem);
        let mut safe = String::with_capacity(ascii.len());
        for c in ascii.chars() {
            let keep = c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
            let c = if keep { c } else { '-' };
            // No runs of separators, and no leading dots (hidden files, `..`).
            if !(c == '-' && safe.ends_with('-'))
                && !(c == '.' && (safe.is_empty() || safe.ends_with('.')))
            {
                safe.push(c);
            }
        }
        let safe: String = safe
            .trim_matches(|c| c == '-' || c == '.')
            .chars()
            .take(100)
            .collect();
        let safe = if safe.is_empty() { "palermo" } else { &safe };
        format!("{safe}.{}", self.extension())
    }

    /// `Content-Disposition` value for a download of `stem`. The name is
    /// safe ASCII (see `filename`): no quotes, no CR/LF, no header injection.
    pub fn content_disposition(self, stem: &str) -> String {
        format!("attachment; filename=\"{}\"", self.filename(stem))
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Options of an export. Only formatted references read `style`, `locale`
/// and `html`; only BibTeX reads `ascii`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportOptions {
    /// LaTeX-escaped, pure ASCII BibTeX for classic BibTeX (`?ascii=1`),
    /// with APA's lettered "n.d." for undated works (`bibtex::UndatedYears`).
    pub ascii: bool,
    /// A CSL style name (hayagriva's archive or a `.csl` in the styles
    /// directory); `None` is APA.
    pub style: Option<String>,
    /// A CSL locale (`fr-FR`, `de`); `None` is the style's default.
    pub locale: Option<String>,
    /// HTML instead of plain text.
    pub html: bool,
}

impl ExportOptions {
    /// Take `style=` and `locale=` from media type parameters
    /// (`Accept: text/x-bibliography; style=apa; locale=fr-FR`), as
    /// Crossref's content negotiation does. Parameters already set win.
    pub fn with_media_type_params(mut self, media_type: &str) -> Self {
        for param in media_type.split(';').skip(1) {
            let Some((k, v)) = param.split_once('=') else {
                continue;
            };
            let v = v.trim().trim_matches('"').to_string();
            match k.trim().to_ascii_lowercase().as_str() {
                "style" if self.style.is_none() && !v.is_empty() => self.style = Some(v),
                "locale" if self.locale.is_none() && !v.is_empty() => self.locale = Some(v),
                _ => {}
            }
        }
        self
    }
}

/// Everything an export needs: the IRIs (for landing-page URLs) and the
/// CSL styles with their cache. Cheap to clone.
#[derive(Clone)]
pub struct Exporter {
    iris: Iris,
    styles: formatted::Styles,
}

impl Exporter {
    /// Exports with hayagriva's archived styles only.
    pub fn new(iris: Iris) -> Self {
        Exporter {
            iris,
            styles: formatted::Styles::archive(),
        }
    }

    /// Exports with the archived styles plus the `.csl` files of a directory.
    pub fn with_styles(iris: Iris, styles: formatted::Styles) -> Self {
        Exporter { iris, styles }
    }

    pub fn iris(&self) -> &Iris {
        &self.iris
    }

    pub fn styles(&self) -> &formatted::Styles {
        &self.styles
    }

    /// Fail before writing anything: an unknown style or locale is a 400
    /// naming the known ones, never a silent fallback.
    pub fn check(&self, format: Format, opts: &ExportOptions) -> Result<(), Error> {
        if format == Format::Bibliography {
            self.styles.resolve(opts)?;
        }
        Ok(())
    }

    /// One record as a complete document of the format (a one-entry
    /// BibTeX or RIS file, a one-item CSL-JSON array, one reference).
    pub fn render(
        &self,
        format: Format,
        record: &Record,
        opts: &ExportOptions,
    ) -> Result<String, Error> {
        let mut out = Vec::new();
        self.write_records(format, std::iter::once(Ok(record.clone())), opts, &mut out)?;
        String::from_utf8(out).map_err(|e| Error::internal("export is not UTF-8", e))
    }

    /// Write a multi-record file, a chunk of records at a time, each chunk
    /// formatted on every core and written in input order (`in_chunks`):
    /// memory stays bounded whatever the number of records, and the bytes
    /// are those of writing one record at a time (see each format for the
    /// little state it keeps, kept in order). Returns the number of records
    /// written.
    pub fn write_records<W, I>(
        &self,
        format: Format,
        records: I,
        opts: &ExportOptions,
        w: W,
    ) -> Result<usize, Error>
    where
        W: Write,
        I: IntoIterator<Item = Result<Record, Error>>,
    {
        self.check(format, opts)?;
        let mut w = std::io::BufWriter::new(w);
        let n = match format {
            Format::BibTeX => {
                let mut writer = bibtex::Writer::new(opts.ascii);
                in_chunks(records, |chunk| {
                    Ok(writer.write_all(chunk, &self.iris, &mut w)?)
                })?
            }
            Format::Ris => in_chunks(records, |chunk| {
                Ok(ris::write_records(chunk, &self.iris, &mut w)?)
            })?,
            Format::CslJson => {
                let mut writer = csljson::Writer::new();
                in_chunks(records, |chunk| {
                    Ok(writer.write_all(chunk, &self.iris, &mut w)?)
                })?;
                writer.finish(&mut w)?
            }
            Format::Bibliography => self
                .styles
                .write_bibliography(records, &self.iris, opts, &mut w)?,
        };
        w.flush()?;
        Ok(n)
    }
}

/// Records formatted at once, on every core, then written in input order:
/// enough to keep both cores busy, few enough that memory stays flat and a
/// streamed response starts at once.
const FORMAT_CHUNK: usize = 256;

/// Hand `records` to `write` a chunk at a time, in order; returns how many
/// were written. A failed read ends the stream after the records before
/// it are written, as writing them one at a time did.
fn in_chunks<I>(
    records: I,
    mut write: impl FnMut(&[Record]) -> Result<(), Error>,
) -> Result<usize, Error>
where
    I: IntoIterator<Item = Result<Record, Error>>,
{
    let mut records = records.into_iter();
    let mut chunk = Vec::with_capacity(FORMAT_CHUNK);
    let mut n = 0;
    loop {
        let mut failed = None;
        while chunk.len() < FORMAT_CHUNK {
            match records.next() {
                Some(Ok(r)) => chunk.push(r),
                Some(Err(e)) => {
                    failed = Some(e);
                    break;
                }
                None => break,
            }
        }
        if !chunk.is_empty() {
            write(&chunk)?;
            n += chunk.len();
        }
        let end = chunk.len() < FORMAT_CHUNK;
        chunk.clear();
        if let Some(e) = failed {
            return Err(e);
        }
        if end {
            return Ok(n);
        }
    }
}

/// One record as a document of the format (see `Exporter::render`).
pub fn render(
    format: Format,
    record: &Record,
    iris: &Iris,
    opts: &ExportOptions,
) -> Result<String, Error> {
    Exporter::new(iris.clone()).render(format, record, opts)
}

/// Records read from the store in the order of `ids`: the stream to hand
/// to `write_records`. Ids with no record are skipped (a record deleted
/// between search and export is not an error). Reads run a chunk at a time
/// on every core, each worker keeping the agents it has read, so memory
/// stays bounded by the chunk.
pub fn records_from_store<'a, I>(
    store: &'a Store,
    iris: &'a Iris,
    ids: I,
) -> impl Iterator<Item = Result<Record, Error>> + 'a
where
    I: IntoIterator<Item = String>,
    I::IntoIter: 'a,
{
    const CHUNK: usize = 1024;
    let mut ids = ids.into_iter();
    std::iter::from_fn(move || {
        let chunk: Vec<String> = ids.by_ref().take(CHUNK).collect();
        if chunk.is_empty() {
            return None;
        }
        let read: Vec<Result<Record, Error>> = match store.records(iris, &chunk) {
            Ok(records) => records.into_iter().flatten().map(Ok).collect(),
            Err(e) => vec![Err(e)],
        };
        Some(read)
    })
    .flatten()
}

/// The landing page of a record: the URL every format carries, and the
/// way our own exports are recognised on re-import.
pub(crate) fn landing_page(iris: &Iris, record: &Record) -> String {
    iris.record(&record.id).as_str().to_string()
}

/// Keywords: categories, then countries, then regions, as labels.
pub(crate) fn keywords(record: &Record) -> Vec<String> {
    let label = |scheme: &Scheme, key: &str| {
        scheme
            .get(key)
            .map(|c| c.pref_label.clone())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| key.to_string())
    };
    let mut out: Vec<String> = Vec::new();
    let all = record
        .categories
        .iter()
        .map(|k| label(&CATEGORIES, k))
        .chain(record.countries.iter().map(|k| label(&COUNTRIES, k)))
        .chain(record.regions.iter().map(|k| label(&REGIONS, k)));
    for k in all {
        if !out.contains(&k) {
            out.push(k);
        }
    }
    out
}

/// What a keyword label names in our schemes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Keyword {
    Category(String),
    Country(String),
    Region(String),
}

/// Read a keyword label back. Labels of other tools that name nothing of
/// ours give `None`: a record has no free keywords to keep them in.
pub(crate) fn keyword(label: &str) -> Option<Keyword> {
    if let Some(c) = CATEGORIES.lookup(label) {
        return Some(Keyword::Category(c.key.clone()));
    }
    if let Some(c) = COUNTRIES.lookup(label) {
        return Some(Keyword::Country(c.key.clone()));
    }
    REGIONS
        .lookup(label)
        .map(|c| Keyword::Region(c.key.clone()))
}

/// Put keywords read back into a record, without duplicates.
pub(crate) fn apply_keywords<'a>(record: &mut Record, labels: impl IntoIterator<Item = &'a str>) {
    for label in labels {
        let (list, key) = match keyword(label.trim()) {
            Some(Keyword::Category(k)) => (&mut record.categories, k),
            Some(Keyword::Country(k)) => (&mut record.countries, k),
            Some(Keyword::Region(k)) => (&mut record.regions, k),
            None => continue,
        };
        if !list.contains(&key) {
            list.push(key);
        }
    }
}

/// English names of the record's languages (the code when we have no name).
pub(crate) fn language_names(record: &Record) -> Vec<String> {
    record
        .languages
        .iter()
        .map(|c| {
            language_name(c)
                .map(str::to_string)
                .unwrap_or_else(|| c.clone())
        })
        .collect()
}

/// The one language of formats that hold one: English when the work
/// exists in English (the edition most citations are to), else the first.
pub(crate) fn primary_language(record: &Record) -> Option<&str> {
    record
        .languages
        .iter()
        .find(|c| c.as_str() == "en")
        .or_else(|| record.languages.first())
        .map(String::as_str)
}

/// Language names or codes back to ISO 639-1 codes, skipping unknown ones.
pub(crate) fn language_codes<'a>(values: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    use crate::normalize::languages::{LanguageValue, parse_language};
    let mut out: Vec<String> = Vec::new();
    for v in values {
        // BCP 47 tags ("en-US") name their language first.
        let v = v.trim();
        let primary = v.split(['-', '_']).next().unwrap_or(v);
        let code = match parse_language(v) {
            LanguageValue::Code(c) => Some(c),
            _ => match parse_language(primary) {
                LanguageValue::Code(c) => Some(c),
                _ => None,
            },
        };
        if let Some(c) = code
            && !out.iter().any(|o| o == c)
        {
            out.push(c.to_string());
        }
    }
    out.sort();
    out
}

/// The label that refines a format's generic type (see the table above).
pub(crate) fn kind_label(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::PolicyBrief
        | RecordKind::IssuePaper
        | RecordKind::Toolkit
        | RecordKind::ModelLaw
        | RecordKind::AudioVisual => Some(kind.title_label()),
        RecordKind::Report
        | RecordKind::Manual
        | RecordKind::Article
        | RecordKind::Book
        | RecordKind::Chapter
        | RecordKind::Document => None,
    }
}

/// A type label back to a kind ("Policy brief", "toolkit", "Report"...).
pub(crate) fn kind_from_label(label: &str) -> Option<RecordKind> {
    let key: String = label
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>()
        .to_lowercase();
    RecordKind::ALL.into_iter().find(|k| {
        kind_label(*k)
            .map(|l| l.replace(' ', "").to_lowercase() == key)
            .unwrap_or(false)
            || k.class_name().to_lowercase() == key
    })
}

/// Who a citation names as author (README, "Corporate authorship"): the
/// record's authors; with none, the organisations that issued it, as APA's
/// group author. Empty only when the sources name neither.
pub fn cited_authors(record: &Record) -> &[Agent] {
    if record.authors.is_empty() {
        &record.publishers
    } else {
        &record.authors
    }
}

/// The publishers a formatted reference names: those that are not already
/// its author (APA: when author and publisher are the same, the publisher
/// is omitted).
pub fn cited_publishers(record: &Record) -> Vec<&Agent> {
    let authors = cited_authors(record);
    record
        .publishers
        .iter()
        .filter(|p| !authors.contains(p))
        .collect()
}

/// Who issued the work: its publishers, else the organisations among its
/// authors. What a report's `institution` and a manual's `organization` name.
pub fn issuers(record: &Record) -> Vec<&Agent> {
    if !record.publishers.is_empty() {
        record.publishers.iter().collect()
    } else {
        record.authors.iter().filter(|a| !a.is_person()).collect()
    }
}

/// Text for single-line formats: no control characters, runs of
/// whitespace collapsed.
pub(crate) fn one_line(text: &str) -> String {
    crate::normalize::clean_space(&crate::normalize::controls_to_spaces(text))
}

/// The record id a landing-page URL names, when the URL is one of ours and
/// the id is a well-formed slug (never trust an id into an IRI unchecked).
pub(crate) fn id_from_url(iris: &Iris, url: &str) -> Option<String> {
    let id = iris.record_id(url.trim())?;
    (crate::normalize::slug(id) == id).then(|| id.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_drops_every_control_character() {
        assert_eq!(one_line("a\u{0}b\u{1b}[31m c\n\td\u{7f}"), "a b [31m c d");
    }

    #[test]
    fn formats_round_trip_their_names() {
        for f in Format::ALL {
            assert_eq!(Format::from_media_type(f.media_type()), Some(f));
            assert_eq!(Format::from_extension(f.extension()), Some(f));
            assert_eq!(Format::from_name(f.name()), Some(f));
        }
        assert_eq!(
            Format::from_media_type("Text/X-Bibliography; style=apa"),
            Some(Format::Bibliography)
        );
        assert_eq!(Format::from_media_type(crate::media::HTML), None);
    }

    #[test]
    fn filenames_are_safe() {
        assert_eq!(Format::BibTeX.filename("Müller 2021"), "Muller-2021.bib");
        let evil = Format::Ris.content_disposition("a\"b\r\nSet-Cookie: x=1/../..");
        assert_eq!(evil, "attachment; filename=\"a-b-Set-Cookie-x-1.ris\"");
        assert_eq!(Format::CslJson.filename("../.."), "palermo.json");
    }

    #[test]
    fn kind_labels_read_back() {
        for k in RecordKind::ALL {
            if let Some(l) = kind_label(k) {
                assert_eq!(kind_from_label(l), Some(k));
            }
        }
        assert_eq!(
            kind_from_label("policy brief"),
            Some(RecordKind::PolicyBrief)
        );
        assert_eq!(kind_from_label("Report"), Some(RecordKind::Report));
        assert_eq!(kind_from_label("Technical Report"), None);
    }

    #[test]
    fn media_type_params_set_style_and_locale() {
        let o = ExportOptions::default().with_media_type_params(&format!(
            "{}; style=\"ieee\"; locale=fr-FR",
            Format::Bibliography.media_type()
        ));
        assert_eq!(o.style.as_deref(), Some("ieee"));
        assert_eq!(o.locale.as_deref(), Some("fr-FR"));
    }
}
