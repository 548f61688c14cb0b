//! BibTeX (`application/x-bibtex`): records as biblatex-crate entries,
//! written by our own field writer.
//!
//! The entry model (key, type, fields as chunks, with `Verbatim` chunks for
//! brace-protected text) is the biblatex crate's, and so is the parser that
//! reads our files back (`ingest::bibtex`). The writer is ours because the
//! crate's (0.12) gets the characters academics complain about wrong: it
//! writes `~` and `^` as `\~` and `\^` (accent commands that eat the next
//! letter), escapes inside `$…$`, and leaves an organisation built in code
//! unbraced, to be split into given and family names by BibTeX.
//!
//! What we write:
//! - UTF-8 by default (biber, pandoc, Zotero and JabRef read it); with
//!   `ascii`, pure ASCII for legacy BibTeX: accents as `{\"u}`, typographic
//!   punctuation as TeX ligatures, other scripts transliterated (lossy);
//!   and APA's "n.d." as the year of an undated work, lettered so that the
//!   classic styles can label every work (`UndatedYears`).
//! - `\ # $ % & _ { } ~ ^` escaped so that every parser reads the character
//!   back; `--` written `-{}-` so that it is not read as an en dash.
//! - Titles: capitals protected with braces, since BibTeX styles lowercase
//!   unprotected words. A word is protected when it has a capital after its
//!   first letter (UNODC, EU-Action) or starts with one and is not the
//!   title's first word: titles are stored as published, and a proper noun
//!   ("Moldova") cannot be told from title case. A lowercase word opening
//!   a subtitle is protected too (pandoc would capitalise it). Runs of
//!   protected words share one group: `{Global Report} on {Trafficking}`.
//! - Organisations (authors, institutions) in their own braces, so that no
//!   tool splits them into names: `author = {{International Organization
//!   for Migration}}`.
//!
//! Cite keys are stable ASCII: name + year + first significant title word,
//! see `cite_key`; `Writer` disambiguates keys repeated within one file.

use super::types::{CitationType, genre};
use super::{cited_authors, issuers, keywords, kind_label, landing_page, language_names};
use crate::rdf::Iris;
use crate::record::{Agent, Record, RecordKind};
use biblatex::{Chunk, Chunks, Entry, EntryType, Spanned};
use std::collections::{HashMap, HashSet};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{self, Write};
use unicode_normalization::UnicodeNormalization;

/// Field order in our output: what a reader looks at first comes first.
const FIELD_ORDER: &[&str] = &[
    "author",
    "title",
    "booktitle",
    "editor",
    "year",
    "type",
    "howpublished",
    "institution",
    "organization",
    "publisher",
    "address",
    "language",
    "abstract",
    "keywords",
    "url",
    "note",
    "key",
];

/// Words that never make a cite key or count as a title's first word.
const STOPWORDS: &[&str] = &[
    "a", "an", "the", "of", "on", "in", "for", "to", "and", "or", "with", "at", "by", "from",
    "into", "about", "against", "as", "its", "their", "le", "la", "les", "de", "des", "du", "el",
    "los", "las", "der", "die", "das", "und",
];

/// The BibTeX entry type of a record: its citation type (see `export`),
/// where every field BibTeX and biblatex make mandatory for it is known.
/// Otherwise `@misc` (or `@manual` for a book without a publisher), which
/// Zotero imports as a document and whose only mandatory field is the title.
pub fn entry_type(record: &Record) -> EntryType {
    match CitationType::from(record.kind) {
        // institution is mandatory (BibTeX and biblatex), and so is an
        // author for biblatex: the group author is the issuer too.
        CitationType::Report if !issuers(record).is_empty() => EntryType::TechReport,
        CitationType::Book if record.kind == RecordKind::Manual => EntryType::Manual,
        CitationType::Book
            if !record.publishers.is_empty() && !cited_authors(record).is_empty() =>
        {
            EntryType::Book
        }
        // @manual imports as a book in Zotero, like @book, and needs only
        // a title.
        CitationType::Book => EntryType::Manual,
        // author, title, booktitle, publisher and year are mandatory in
        // BibTeX (biblatex: all but the publisher).
        CitationType::BookSection
            if record.container.is_some()
                && !record.publishers.is_empty()
                && !cited_authors(record).is_empty() =>
        {
            EntryType::InCollection
        }
        // @article needs a journal, and a record has none.
        CitationType::Report
        | CitationType::JournalArticle
        | CitationType::AudioRecording
        | CitationType::BookSection => EntryType::Misc,
    }
}

/// The field that names who issued a work of this type.
fn issuer_field(ty: &EntryType) -> Option<&'static str> {
    match ty {
        EntryType::TechReport => Some("institution"),
        // biblatex has no publisher on @misc; organization is valid on
        // both, and Zotero reads it as the publisher.
        EntryType::Manual | EntryType::Misc => Some("organization"),
        EntryType::Book | EntryType::InCollection => Some("publisher"),
        _ => None,
    }
}

/// What a `@misc` says it is (`howpublished`, printed by classic styles
/// and biblatex, and read back as the kind): the genre or the kind's label.
fn misc_label(kind: RecordKind) -> Option<&'static str> {
    match kind {
        RecordKind::Document => None,
        RecordKind::Report => Some("Report"),
        RecordKind::Article => Some("Article"),
        k => kind_label(k),
    }
}

fn normal(s: impl Into<String>) -> Spanned<Chunk> {
    Spanned::detached(Chunk::Normal(s.into()))
}

fn verbatim(s: impl Into<String>) -> Spanned<Chunk> {
    Spanned::detached(Chunk::Verbatim(s.into()))
}

/// A title with its capitals protected (see the module comment).
pub fn protected_title(title: &str) -> Chunks {
    let words: Vec<&str> = title.split_whitespace().collect();
    let protect: Vec<bool> = words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let mut letters = w.chars().filter(|c| c.is_alphabetic());
            let first = letters.next();
            let first_upper = first.is_some_and(char::is_uppercase);
            // pandoc capitalises the first word of a subtitle: a lowercase
            // one is kept as the source wrote it.
            let after_colon = i > 0 && words[i - 1].ends_with(':');
            letters.any(char::is_uppercase)
                || (i > 0 && first_upper)
                || (after_colon && first.is_some_and(char::is_lowercase))
        })
        .collect();
    let mut chunks: Chunks = Vec::new();
    let mut current = String::new();
    let mut current_protected = false;
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            if protect[i] && protect[i - 1] {
                current.push(' ');
            } else {
                if current_protected {
                    chunks.push(verbatim(std::mem::take(&mut current)));
                    current_protected = false;
                }
                current.push(' ');
            }
        }
        if protect[i] != current_protected && !current.is_empty() {
            let text = std::mem::take(&mut current);
            chunks.push(if current_protected {
                verbatim(text)
            } else {
                normal(text)
            });
        }
        current_protected = protect[i];
        current.push_str(w);
    }
    if !current.is_empty() {
        chunks.push(if current_protected {
            verbatim(current)
        } else {
            normal(current)
        });
    }
    chunks
}

/// A name list: organisations as one brace group, persons as
/// `Family, Given` (parts with a comma or " and " braced).
fn name_list(agents: &[Agent]) -> Chunks {
    let mut chunks = Vec::new();
    for (i, a) in agents.iter().enumerate() {
        if i > 0 {
            chunks.push(normal(" and "));
        }
        match a {
            Agent::Organization { name, .. } => chunks.push(verbatim(name.clone())),
            Agent::Person { given, family } => {
                let needs_braces = |s: &str| s.contains(',') || s.to_lowercase().contains(" and ");
                if needs_braces(family) {
                    chunks.push(verbatim(family.clone()));
                } else {
                    chunks.push(normal(family.clone()));
                }
                if let Some(g) = given.as_deref().filter(|g| !g.is_empty()) {
                    chunks.push(normal(", "));
                    chunks.push(if needs_braces(g) {
                        verbatim(g)
                    } else {
                        normal(g)
                    });
                }
            }
        }
    }
    chunks
}

/// The record as a biblatex entry, keyed by its base cite key, with every
/// field but the URL (which needs the base IRI: see `entry`).
impl From<&Record> for Entry {
    fn from(r: &Record) -> Self {
        let ty = entry_type(r);
        let mut e = Entry::new(cite_key(r), ty.clone());
        let authors = cited_authors(r);
        if !authors.is_empty() {
            e.set("author", name_list(authors));
        } else {
            // Classic styles sort (and alpha, apalike label) by `key` when
            // there is no author: the title, as APA cites a work with no
            // author by its title.
            e.set("key", vec![normal(r.title.clone())]);
        }
        e.set("title", protected_title(&r.title));
        if let Some(c) = r
            .container
            .as_ref()
            .filter(|_| ty == EntryType::InCollection)
        {
            e.set("booktitle", protected_title(&c.title));
            if !c.editors.is_empty() {
                e.set("editor", name_list(&c.editors));
            }
        }
        if let Some(y) = r.year {
            e.set("year", vec![normal(y.to_string())]);
        }
        match ty {
            // "Technical Report" is what styles print for a bare
            // @techreport: wrong for an agency's report.
            EntryType::TechReport => {
                e.set("type", vec![normal(genre(r.kind).unwrap_or("Report"))]);
            }
            EntryType::Misc => {
                // A chapter whose book cannot be an @incollection names it
                // here (@misc has no booktitle in biblatex).
                let label = match (&r.container, misc_label(r.kind)) {
                    (Some(c), _) => Some(format!("Chapter in {}", c.title)),
                    (None, l) => l.map(str::to_string),
                };
                if let Some(l) = label {
                    e.set("howpublished", vec![normal(l)]);
                }
            }
            _ => {}
        }
        if let Some(field) = issuer_field(&ty) {
            let issuers: Vec<Agent> = if matches!(ty, EntryType::Book | EntryType::InCollection) {
                r.publishers.clone()
            } else {
                issuers(r).into_iter().cloned().collect()
            };
            if !issuers.is_empty() {
                let orgs: Vec<Agent> = issuers
                    .into_iter()
                    .map(|a| Agent::Organization {
                        name: a.display_name(),
                        acronym: None,
                    })
                    .collect();
                e.set(field, name_list(&orgs));
            }
        }
        if let Some(p) = &r.place {
            e.set("address", vec![normal(p.clone())]);
        }
        let languages = language_names(r);
        if !languages.is_empty() {
            e.set("language", vec![normal(languages.join(" and "))]);
        }
        if let Some(a) = r.abstract_text.as_deref().or(r.description.as_deref()) {
            e.set("abstract", vec![normal(a)]);
        }
        let kw = keywords(r);
        if !kw.is_empty() {
            // Keywords are a comma-separated list: a comma inside a label
            // ("Bonaire, Sint Eustatius and Saba") would split it.
            let kw: Vec<String> = kw.iter().map(|k| k.replace(',', "")).collect();
            e.set("keywords", vec![normal(kw.join(", "))]);
        }
        // Only a note written for readers: curators' remarks and the
        // source's citation text are provenance (landing page, RDF).
        if let Some(n) = r.note.as_deref() {
            e.set("note", vec![normal(n)]);
        }
        e
    }
}

/// The complete entry of a record, keyed by its base cite key.
pub fn entry(record: &Record, iris: &Iris) -> Entry {
    let mut e = Entry::from(record);
    if !record.id.is_empty() {
        e.set("url", vec![normal(landing_page(iris, record))]);
    }
    e
}

/// ASCII letters and digits of a text, transliterated ("Müller" -> "Muller").
fn ascii_word(text: &str) -> String {
    deunicode::deunicode(text)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// The first word of `text` that is not a stopword or a bare number,
/// transliterated.
fn significant_word(text: &str, skip: &str) -> Option<String> {
    text.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(ascii_word)
        .filter(|w| !w.is_empty())
        .find(|w| {
            !STOPWORDS.contains(&w.to_lowercase().as_str())
                && !w.chars().all(|c| c.is_ascii_digit())
                && !w.eq_ignore_ascii_case(skip)
        })
}

/// The name part of a cite key: family name without particles, an
/// organisation's acronym, else its first significant word.
fn key_name(agent: &Agent) -> String {
    match agent {
        Agent::Person { family, .. } => {
            // "von Hagen" -> "Hagen": particles are lowercase words before
            // the name proper, and keys conventionally drop them.
            let proper: Vec<&str> = family
                .split_whitespace()
                .skip_while(|w| w.chars().next().is_some_and(char::is_lowercase))
                .collect();
            let name = if proper.is_empty() {
                family.clone()
            } else {
                proper.join("")
            };
            ascii_word(&name)
        }
        Agent::Organization {
            acronym: Some(a), ..
        } => ascii_word(a),
        Agent::Organization { name, .. } => significant_word(name, "").unwrap_or_default(),
    }
}

/// The base cite key of a record: `{name}{year}{Word}`, pure ASCII.
///
/// - name: the first author's family name (particles dropped) or an
///   organisation's acronym, else the first significant word of its name;
///   with no author, the first publisher the same way; else `Anon`;
/// - year: four digits, left out when unknown;
/// - Word: the first title word that is not a stopword, a number or the
///   name again, capitalised.
///
/// Letters are transliterated, never dropped: Müller gives `Muller`.
pub fn cite_key(record: &Record) -> String {
    let name = record
        .authors
        .first()
        .or(record.publishers.first())
        .map(key_name)
        .filter(|n| !n.is_empty())
        .unwrap_or_else(|| "Anon".to_string());
    let year = record.year.map(|y| y.to_string()).unwrap_or_default();
    let word = significant_word(&record.title, &name)
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .unwrap_or_default();
    format!("{name}{year}{word}")
}

/// Suffix number `n` (0 = a) as letters: a..z, aa, ab...
fn suffix(mut n: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// Unique cite keys within one file.
///
/// Rule: the first record with a base key keeps it; each later one gets
/// the first free suffix of `a`, `b`, ... `z`, `aa`... in file order. So a
/// record exported alone always has its base key, and a file's keys depend
/// only on the order of its records. The state is 8 bytes per key written
/// (hashes, not strings): a million records cost a few MB, not the records.
#[derive(Default)]
pub struct CiteKeys {
    used: HashSet<u64>,
    /// Next suffix to try for a base key, so long runs stay linear.
    next: HashMap<u64, u32>,
}

fn hash(key: &str) -> u64 {
    let mut h = DefaultHasher::new();
    key.hash(&mut h);
    h.finish()
}

impl CiteKeys {
    pub fn new() -> Self {
        Self::default()
    }

    /// The key to use for a record with base key `base`.
    pub fn assign(&mut self, base: &str) -> String {
        let hb = hash(base);
        if self.used.insert(hb) {
            return base.to_string();
        }
        let n = self.next.entry(hb).or_insert(0);
        loop {
            let key = format!("{base}{}", suffix(*n));
            *n += 1;
            if self.used.insert(hash(&key)) {
                return key;
            }
        }
    }
}

/// What APA writes for a work without a date; the year of an undated work
/// in the classic-BibTeX (ASCII) export.
pub const NO_DATE: &str = "n.d.";

/// Years for undated works in the classic-BibTeX export, told apart per
/// cited author as APA does ("n.d.", "n.d.-a", "n.d.-b", ...).
///
/// Why: `alpha` and `apalike` label a work by its authors and year, and
/// letter works with the same label a to z themselves (`forward.pass`); a
/// 27th gets `{`, which breaks LaTeX, and the catalogue has 40 undated
/// works cited under UNODC. A label the style cannot letter must differ
/// in its data, and only the year of an undated work is free to: so the
/// export letters undated works itself, by the rule of `CiteKeys` (the
/// first keeps "n.d.", later ones get the first free suffix in file
/// order), which keeps the export a stream. biber reads the UTF-8 export,
/// which writes no year (biblatex letters without limit, and warns on a
/// year that is not a number); the RDF has none either.
#[derive(Default)]
pub struct UndatedYears {
    labels: CiteKeys,
}

impl UndatedYears {
    /// The year to write for an undated record, unique per cited authors.
    pub fn assign(&mut self, record: &Record) -> String {
        let mut label: Vec<String> = cited_authors(record)
            .iter()
            .map(Agent::display_name)
            .collect();
        // With no author the styles label by `key`, the title (APA cites
        // such a work by its title): works apart already.
        if label.is_empty() {
            label.push(record.title.clone());
        }
        // A NUL cannot occur in a name: it separates the label's parts.
        let base = format!("{}\0{NO_DATE}", label.join("\0"));
        let key = self.labels.assign(&base);
        match key.strip_prefix(base.as_str()) {
            Some(suffix) if !suffix.is_empty() => format!("{NO_DATE}-{suffix}"),
            _ => NO_DATE.to_string(),
        }
    }
}

/// Writes a multi-entry file record by record, with unique keys.
pub struct Writer {
    ascii: bool,
    keys: CiteKeys,
    undated: UndatedYears,
}

impl Writer {
    pub fn new(ascii: bool) -> Self {
        Writer {
            ascii,
            keys: CiteKeys::new(),
            undated: UndatedYears::default(),
        }
    }

    pub fn write(&mut self, record: &Record, iris: &Iris, w: &mut impl Write) -> io::Result<()> {
        self.write_all(std::slice::from_ref(record), iris, w)
    }

    /// Write `records` in order, the entries made and serialised on every
    /// core. The stateful part stays sequential and in order (cite keys
    /// disambiguated against those before, undated years lettered), so the
    /// bytes are those of writing the records one at a time.
    pub fn write_all(
        &mut self,
        records: &[Record],
        iris: &Iris,
        w: &mut impl Write,
    ) -> io::Result<()> {
        use rayon::prelude::*;
        let mut entries: Vec<Entry> = records.par_iter().map(|r| entry(r, iris)).collect();
        for (e, record) in entries.iter_mut().zip(records) {
            e.key = self.keys.assign(&e.key);
            if self.ascii && record.year.is_none() {
                e.set("year", vec![normal(self.undated.assign(record))]);
            }
        }
        let ascii = self.ascii;
        let texts: Vec<String> = entries.par_iter().map(|e| to_string(e, ascii)).collect();
        for text in texts {
            w.write_all(text.as_bytes())?;
            w.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// The type name we write: the BibTeX (not biblatex) name.
fn type_name(ty: &EntryType) -> String {
    match ty {
        EntryType::TechReport => "techreport".into(),
        EntryType::Manual => "manual".into(),
        EntryType::Book => "book".into(),
        EntryType::Article => "article".into(),
        EntryType::Misc => "misc".into(),
        EntryType::InCollection => "incollection".into(),
        other => other.to_bibtex().to_string(),
    }
}

/// Serialise an entry: fields in `FIELD_ORDER`, then the rest by name.
pub fn to_string(entry: &Entry, ascii: bool) -> String {
    let mut out = String::new();
    out.push('@');
    out.push_str(&type_name(&entry.entry_type));
    out.push('{');
    out.push_str(&entry.key);
    let mut names: Vec<&String> = entry.fields.keys().collect();
    names.sort_by_key(|n| {
        (
            FIELD_ORDER
                .iter()
                .position(|o| o == n)
                .unwrap_or(FIELD_ORDER.len()),
            n.as_str(),
        )
    });
    for name in names {
        out.push_str(",\n  ");
        out.push_str(name);
        out.push_str(" = {");
        if let Some(chunks) = entry.fields.get(name) {
            write_chunks(chunks, name == "url", ascii, &mut out);
        }
        out.push('}');
    }
    out.push_str("\n}\n");
    out
}

fn write_chunks(chunks: &[Spanned<Chunk>], url: bool, ascii: bool, out: &mut String) {
    for c in chunks {
        match &c.v {
            Chunk::Normal(s) if url => write_url(s, out),
            Chunk::Normal(s) => escape(s, ascii, out),
            Chunk::Verbatim(s) => {
                out.push('{');
                escape(s, ascii, out);
                out.push('}');
            }
            // Math is LaTeX source already: written as is, never escaped.
            Chunk::Math(s) => {
                out.push('$');
                out.push_str(s);
                out.push('$');
            }
        }
    }
}

/// URLs are verbatim fields: percent-encode the few characters that would
/// end or break the field instead of escaping them.
fn write_url(url: &str, out: &mut String) {
    for c in url.chars() {
        match c {
            '{' => out.push_str("%7B"),
            '}' => out.push_str("%7D"),
            '\\' => out.push_str("%5C"),
            c if c.is_whitespace() => out.push_str("%20"),
            c => out.push(c),
        }
    }
}

/// Escape text for a braced field value (see the module comment).
pub fn escape(text: &str, ascii: bool, out: &mut String) {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' => out.push_str("\\{"),
            '}' => out.push_str("\\}"),
            '~' => out.push_str("\\textasciitilde{}"),
            '^' => out.push_str("\\textasciicircum{}"),
            '$' | '&' | '%' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            c if c.is_control() => out.push(' '),
            // In OT1-encoded legacy LaTeX these typeset as other glyphs.
            '<' if ascii => out.push_str("\\textless{}"),
            '>' if ascii => out.push_str("\\textgreater{}"),
            '|' if ascii => out.push_str("\\textbar{}"),
            c if c.is_ascii() || !ascii => out.push(c),
            c => latex_ascii(c, out),
        }
    }
}

/// A non-ASCII character as LaTeX in ASCII.
fn latex_ascii(c: char, out: &mut String) {
    let fixed = match c {
        '\u{2018}' => "`",
        '\u{2019}' => "'",
        '\u{201C}' => "``",
        '\u{201D}' => "''",
        '\u{2013}' => "--",
        '\u{2014}' => "---",
        '\u{2026}' => "\\ldots{}",
        '\u{2022}' => "\\textbullet{}",
        '\u{00A0}' => "~",
        '\u{00AB}' => "\\guillemotleft{}",
        '\u{00BB}' => "\\guillemotright{}",
        '\u{00DF}' => "{\\ss}",
        '\u{00E6}' => "{\\ae}",
        '\u{00C6}' => "{\\AE}",
        '\u{00F8}' => "{\\o}",
        '\u{00D8}' => "{\\O}",
        '\u{0153}' => "{\\oe}",
        '\u{0152}' => "{\\OE}",
        '\u{00E5}' => "{\\aa}",
        '\u{00C5}' => "{\\AA}",
        '\u{0142}' => "{\\l}",
        '\u{0141}' => "{\\L}",
        '\u{0131}' => "{\\i}",
        '\u{20AC}' => "\\texteuro{}",
        '\u{00A3}' => "\\pounds{}",
        '\u{00A7}' => "\\S{}",
        '\u{00A9}' => "\\copyright{}",
        '\u{00B0}' => "\\textdegree{}",
        _ => "",
    };
    if !fixed.is_empty() {
        out.push_str(fixed);
        return;
    }
    if let Some(accented) = accent_command(c) {
        out.push_str(&accented);
        return;
    }
    // Other scripts: transliterated, the one lossy step of `ascii`.
    let t = deunicode::deunicode_char(c).unwrap_or("?");
    escape(t, true, out);
}

/// `é` -> `{\'e}`, `č` -> `{\v{c}}`: a base ASCII letter with combining
/// marks LaTeX has accent commands for.
fn accent_command(c: char) -> Option<String> {
    let mut parts = std::iter::once(c).nfd();
    let base = parts.next().filter(char::is_ascii_alphabetic)?;
    let mut inner = base.to_string();
    let mut any = false;
    for mark in parts {
        let (cmd, letter) = match mark {
            '\u{300}' => ("`", false),
            '\u{301}' => ("'", false),
            '\u{302}' => ("^", false),
            '\u{303}' => ("~", false),
            '\u{304}' => ("=", false),
            '\u{307}' => (".", false),
            '\u{308}' => ("\"", false),
            '\u{306}' => ("u", true),
            '\u{30A}' => ("r", true),
            '\u{30B}' => ("H", true),
            '\u{30C}' => ("v", true),
            '\u{323}' => ("d", true),
            '\u{327}' => ("c", true),
            '\u{328}' => ("k", true),
            '\u{331}' | '\u{332}' => ("b", true),
            _ => return None,
        };
        any = true;
        inner = if letter || inner.chars().count() > 1 {
            format!("\\{cmd}{{{inner}}}")
        } else {
            format!("\\{cmd}{inner}")
        };
    }
    any.then(|| format!("{{{inner}}}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn esc(s: &str, ascii: bool) -> String {
        let mut out = String::new();
        escape(s, ascii, &mut out);
        out
    }

    #[test]
    fn escapes_what_latex_reads_as_commands() {
        assert_eq!(
            esc(r"~ ^ $ & % # _ { } \ a--b", false),
            r"\textasciitilde{} \textasciicircum{} \$ \& \% \# \_ \{ \} \textbackslash{} a-{}-b"
        );
        assert_eq!(esc("Müller – “x”", false), "Müller – “x”");
        assert_eq!(
            esc("Müller – “x” Søn Čapek ç", true),
            r#"M{\"u}ller -- ``x'' S{\o}n {\v{C}}apek {\c{c}}"#
        );
        assert_eq!(esc("Россия", true), "Rossiia");
    }

    #[test]
    fn protects_capitals() {
        let text = |chunks: &Chunks| {
            let mut out = String::new();
            write_chunks(chunks, false, false, &mut out);
            out
        };
        assert_eq!(
            text(&protected_title(
                "2016 UNODC Global Report on Trafficking in Persons"
            )),
            "2016 {UNODC Global Report} on {Trafficking} in {Persons}"
        );
        assert_eq!(
            text(&protected_title("Needs assessment: the iPhone")),
            "Needs assessment: {the iPhone}"
        );
    }

    #[test]
    fn undated_works_are_told_apart_per_cited_author_in_the_ascii_export() {
        let undated = |title: &str, org: &str| Record {
            id: crate::normalize::slug(title),
            title: title.into(),
            alternative_titles: Vec::new(),
            abstract_text: None,
            description: None,
            kind: RecordKind::Report,
            year: None,
            authors: Vec::new(),
            publishers: vec![Agent::Organization {
                name: org.into(),
                acronym: None,
            }],
            place: None,
            container: None,
            languages: Vec::new(),
            countries: Vec::new(),
            regions: Vec::new(),
            categories: Vec::new(),
            citation: None,
            note: None,
            editorial_notes: Vec::new(),
            provenance: Vec::new(),
            repairs: Vec::new(),
        };
        let anonymous = |title: &str| Record {
            publishers: Vec::new(),
            ..undated(title, "")
        };
        let records = [
            undated("Case Digest", "UNODC"),
            undated("First Aid Kit", "UNODC"),
            undated("Other Work", "IOM"),
            undated("Toolkit", "UNODC"),
            anonymous("Untitled A"),
            anonymous("Untitled B"),
            anonymous("Untitled A"),
        ];
        let iris = Iris::new("http://localhost:8080/");
        let years = |ascii: bool| {
            let mut w = Writer::new(ascii);
            let mut out = Vec::new();
            for r in &records {
                w.write(r, &iris, &mut out).unwrap();
            }
            String::from_utf8(out)
                .unwrap()
                .lines()
                .filter_map(|l| l.trim().strip_prefix("year = "))
                .map(|y| y.trim_end_matches(',').to_string())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            years(true),
            [
                "{n.d.}", "{n.d.-a}", "{n.d.}", "{n.d.-b}", "{n.d.}", "{n.d.}", "{n.d.-a}"
            ],
            "APA's n.d., lettered per cited author (the title when there is none)"
        );
        assert!(years(false).is_empty(), "biblatex gets no invented year");
        assert_eq!(crate::wire::csl::year_in("n.d.-b"), None);
    }

    #[test]
    fn suffixes_count_like_columns() {
        assert_eq!(suffix(0), "a");
        assert_eq!(suffix(25), "z");
        assert_eq!(suffix(26), "aa");
        let mut keys = CiteKeys::new();
        assert_eq!(keys.assign("X2020Report"), "X2020Report");
        assert_eq!(keys.assign("X2020Report"), "X2020Reporta");
        assert_eq!(keys.assign("X2020Reporta"), "X2020Reportaa");
        assert_eq!(keys.assign("X2020Report"), "X2020Reportb");
    }
}
