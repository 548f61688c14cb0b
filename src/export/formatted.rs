//! Formatted references (`text/x-bibliography`, `style=`, `locale=`),
//! rendered by hayagriva from the same records as every other format.
//!
//! - Styles: every style of hayagriva's archive by name (`apa`,
//!   `chicago-author-date`, `modern-language-association`, `ieee`,
//!   `harvard-cite-them-right`, `vancouver`...), plus the `.csl` files of a
//!   styles directory by file stem. An unknown style or locale is a
//!   `BadRequest` listing the known ones: never a fallback.
//! - Entries are rendered one at a time (one bibliography per entry): a
//!   10,000-entry bibliography rendered by hayagriva in one go is worse
//!   than linear (17.7 s measured), one at a time it is linear and runs in
//!   parallel across cores. We sort them ourselves: by the rendered text,
//!   which for author-date and author-title styles starts with what they
//!   sort by (author, then year or title); numeric styles keep the request
//!   order and are numbered in it. A bibliography longer than `SORT_LIMIT`
//!   entries keeps the request order, so that memory stays bounded.
//! - Rendered references are cached per (record id, hash of the entry,
//!   style, locale, format) in a bounded two-generation cache: an edited
//!   record has a new hash, so a stale reference is never served.
//! - Text is built with `FormatString::from(String)` (its `from_str` reads
//!   `$…$` as math and `{…}` as verbatim) and written with `write_buf`
//!   (`Display` adds terminal colour codes). HTML is written by our own
//!   walker over the same tree, because hayagriva's HTML output does not
//!   escape text: a title with `<script>` would be served as markup.

use super::types::{CitationType, genre};
use super::{ExportOptions, cited_authors, cited_publishers, landing_page};
use crate::error::Error;
use crate::rdf::Iris;
use crate::record::{Agent, Record};
use hayagriva::archive::{ArchivedStyle, locales};
use hayagriva::citationberg::{
    Display, FontStyle, FontVariant, FontWeight, IndependentStyle, LayoutRenderingElement, Locale,
    LocaleCode, Name, NamesChild, Style, TextDecoration, VerticalAlign,
};
use hayagriva::types::{Date, EntryType, FormatString, Person, Publisher, QualifiedUrl};
use hayagriva::{
    BibliographyDriver, BibliographyRequest, BufWriteFormat, CitationItem, CitationRequest,
    ElemChild, ElemChildren, Entry, Formatting,
};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, RwLock};

/// The style when none is asked for (Crossref's default too).
pub const DEFAULT_STYLE: &str = "apa";
/// Entries per generation of the cache (two generations are kept).
pub const DEFAULT_CACHE_CAPACITY: usize = 10_000;
/// Longest bibliography we sort; longer ones keep the request order.
pub const SORT_LIMIT: usize = 20_000;
/// Records rendered in parallel at a time.
const BATCH: usize = 256;
/// Entries are rendered with this citation number, so that a numeric
/// style's number can be found and replaced by the entry's position.
const SENTINEL: usize = 987_654_321;
/// Marks the citation number in a cached reference (a private-use
/// character: never in our text).
const NUMBER_MARK: char = '\u{E000}';

static LOCALES: LazyLock<Vec<Locale>> = LazyLock::new(locales);
static ARCHIVE: LazyLock<Styles> =
    LazyLock::new(|| Styles::build(BTreeMap::new(), DEFAULT_CACHE_CAPACITY));

/// The hayagriva entry of a record, keyed by the record id, without the
/// landing page (see `hayagriva_entry`). Organisations are names without a
/// given name, so no style initialises or inverts them.
impl From<&Record> for Entry {
    fn from(r: &Record) -> Self {
        let ty = match CitationType::from(r.kind) {
            CitationType::Report => EntryType::Report,
            CitationType::Book => EntryType::Book,
            CitationType::JournalArticle => EntryType::Article,
            CitationType::AudioRecording => EntryType::Audio,
            CitationType::BookSection => EntryType::Chapter,
        };
        let mut e = Entry::new(&r.id, ty);
        e.set_title(FormatString::from(r.title.clone()));
        let authors = cited_authors(r);
        if !authors.is_empty() {
            e.set_authors(authors.iter().map(person).collect());
        }
        if let Some(year) = r.year {
            e.set_date(Date {
                year,
                month: None,
                day: None,
                approximate: false,
                season: None,
            });
        }
        // The group author's own publication names no publisher (APA).
        let publishers = cited_publishers(r);
        let publisher = (!publishers.is_empty() || r.place.is_some()).then(|| {
            let names: Vec<String> = publishers.iter().map(|a| a.display_name()).collect();
            Publisher::new(
                (!names.is_empty()).then(|| FormatString::from(names.join("; "))),
                r.place.clone().map(FormatString::from),
            )
        });
        match &r.container {
            // hayagriva's chapter is a child of its book, which holds the
            // editors and the publisher.
            Some(c) => {
                let mut book = Entry::new(&format!("{}-book", r.id), EntryType::Book);
                book.set_title(FormatString::from(c.title.clone()));
                if !c.editors.is_empty() {
                    book.set_editors(c.editors.iter().map(person).collect());
                }
                if let Some(p) = publisher {
                    book.set_publisher(p);
                }
                e.set_parents(vec![book]);
            }
            None => {
                if let Some(p) = publisher {
                    e.set_publisher(p);
                }
            }
        }
        if let Some(l) = genre(r.kind) {
            e.set_genre(FormatString::from(l.to_string()));
        }
        e
    }
}

fn person(a: &Agent) -> Person {
    let (name, given_name) = match a {
        Agent::Person { given, family } => {
            (family.clone(), given.clone().filter(|g| !g.is_empty()))
        }
        Agent::Organization { name, .. } => (name.clone(), None),
    };
    Person {
        name,
        given_name,
        prefix: None,
        suffix: None,
        comma_suffix: false,
        alias: None,
    }
}

/// The complete hayagriva entry of a record.
pub fn hayagriva_entry(record: &Record, iris: &Iris) -> Entry {
    let mut e = Entry::from(record);
    if !record.id.is_empty()
        && let Ok(url) = landing_page(iris, record).parse::<QualifiedUrl>()
    {
        e.set_url(url);
    }
    e
}

/// A style and locale, checked and ready to render with.
#[derive(Clone)]
pub struct Resolved {
    pub style_name: String,
    style: Arc<IndependentStyle>,
    pub locale: Option<LocaleCode>,
}

/// One rendered reference, with the citation number (if the style numbers
/// entries) marked by `NUMBER_MARK`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reference {
    /// The first field of styles that align the second (`[1]`).
    label: Option<String>,
    body: String,
    /// Folded plain text, for sorting.
    sort_key: String,
}

impl Reference {
    fn numbered(&self) -> bool {
        self.body.contains(NUMBER_MARK)
            || self.label.as_ref().is_some_and(|l| l.contains(NUMBER_MARK))
    }
}

#[derive(Hash, PartialEq, Eq)]
struct Key {
    id: String,
    version: u64,
    style: String,
    locale: String,
    html: bool,
}

#[derive(Default)]
struct Generations {
    hot: HashMap<Key, Arc<Reference>>,
    cold: HashMap<Key, Arc<Reference>>,
}

/// A bounded cache: when the hot generation is full it becomes the cold
/// one and the old cold one is dropped; a hit in the cold generation moves
/// back to the hot one. At most twice `capacity` entries, close to LRU,
/// and no dependency for it.
struct Cache {
    capacity: usize,
    inner: Mutex<Generations>,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Cache {
    fn new(capacity: usize) -> Self {
        Cache {
            capacity,
            inner: Mutex::new(Generations::default()),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Generations> {
        // A panic elsewhere cannot leave the maps inconsistent: keep going.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn get(&self, key: &Key) -> Option<Arc<Reference>> {
        let mut g = self.lock();
        let found = match g.hot.get(key) {
            Some(r) => Some(r.clone()),
            None => g.cold.remove_entry(key).map(|(k, r)| {
                g.hot.insert(k, r.clone());
                r
            }),
        };
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    fn put(&self, key: Key, value: Arc<Reference>) {
        if self.capacity == 0 {
            return;
        }
        let mut g = self.lock();
        if g.hot.len() >= self.capacity {
            g.cold = std::mem::take(&mut g.hot);
        }
        g.hot.insert(key, value);
    }

    fn len(&self) -> usize {
        let g = self.lock();
        g.hot.len() + g.cold.len()
    }
}

/// Cache statistics, for tests and metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
}

struct Inner {
    /// Styles from the styles directory, by file stem.
    custom: BTreeMap<String, Arc<IndependentStyle>>,
    /// Archived styles, parsed on first use.
    archived: RwLock<HashMap<String, Arc<IndependentStyle>>>,
    cache: Cache,
}

/// The CSL styles we know and the cache of rendered references. Cheap to
/// clone; clones share the cache.
#[derive(Clone)]
pub struct Styles {
    inner: Arc<Inner>,
}

impl Styles {
    fn build(custom: BTreeMap<String, Arc<IndependentStyle>>, capacity: usize) -> Self {
        Styles {
            inner: Arc::new(Inner {
                custom,
                archived: RwLock::new(HashMap::new()),
                cache: Cache::new(capacity),
            }),
        }
    }

    /// hayagriva's archived styles, with the process-wide cache.
    pub fn archive() -> Self {
        ARCHIVE.clone()
    }

    /// The archived styles plus every `.csl` file of `dir` (named by file
    /// stem; a file named like an archived style replaces it), with a cache
    /// of `capacity` entries per generation (0: no cache). A file that is
    /// not a CSL style is an error naming it: a misconfiguration should
    /// stop the service, not hide a style.
    pub fn new(dir: Option<&Path>, capacity: usize) -> Result<Self, Error> {
        let mut custom = BTreeMap::new();
        if let Some(dir) = dir {
            let entries = std::fs::read_dir(dir)
                .map_err(|e| Error::internal(format!("styles directory {}", dir.display()), e))?;
            for entry in entries {
                let path = entry?.path();
                if path.extension().and_then(|e| e.to_str()) != Some("csl") {
                    continue;
                }
                let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
                    continue;
                };
                let xml = std::fs::read_to_string(&path)
                    .map_err(|e| Error::internal(path.display().to_string(), e))?;
                let style = independent(Style::from_xml(&xml).map_err(|e| {
                    Error::internal(format!("{}: not a CSL style", path.display()), e)
                })?)
                .map_err(|e| {
                    Error::internal(format!("{}: not an independent style", path.display()), e)
                })?;
                custom.insert(stem.to_lowercase(), Arc::new(style));
            }
        }
        Ok(Styles::build(custom, capacity))
    }

    /// Every style name we answer to, sorted.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .inner
            .custom
            .keys()
            .cloned()
            .chain(
                ArchivedStyle::all()
                    .iter()
                    .flat_map(|s| s.names().iter().map(|n| n.to_string())),
            )
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// Every locale code we know, sorted.
    pub fn locales() -> Vec<String> {
        let mut codes: Vec<String> = LOCALES
            .iter()
            .filter_map(|l| l.lang.as_ref().map(|c| c.0.clone()))
            .collect();
        codes.sort();
        codes.dedup();
        codes
    }

    pub fn cache_stats(&self) -> CacheStats {
        let c = &self.inner.cache;
        CacheStats {
            hits: c.hits.load(Ordering::Relaxed),
            misses: c.misses.load(Ordering::Relaxed),
            entries: c.len(),
        }
    }

    fn style(&self, name: &str) -> Result<Arc<IndependentStyle>, Error> {
        if let Some(s) = self.inner.custom.get(name) {
            return Ok(s.clone());
        }
        if let Some(s) = self
            .inner
            .archived
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
        {
            return Ok(s.clone());
        }
        let archived = ArchivedStyle::by_name(name).ok_or_else(|| {
            Error::BadRequest(format!(
                "unknown style \"{name}\"; known styles: {}",
                self.names().join(", ")
            ))
        })?;
        let style = Arc::new(independent(archived.get()).map_err(Error::BadRequest)?);
        self.inner
            .archived
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .insert(name.to_string(), style.clone());
        Ok(style)
    }

    /// Check the style and locale of `opts`.
    pub fn resolve(&self, opts: &ExportOptions) -> Result<Resolved, Error> {
        let name = opts
            .style
            .as_deref()
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| DEFAULT_STYLE.to_string());
        let style = self.style(&name)?;
        if style.bibliography.is_none() {
            return Err(Error::BadRequest(format!(
                "style \"{name}\" defines no bibliography, only citations"
            )));
        }
        let locale = match opts
            .locale
            .as_deref()
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            Some(l) => Some(locale_code(l)?),
            None => style.default_locale.clone(),
        };
        Ok(Resolved {
            style_name: name,
            style,
            locale,
        })
    }

    /// One rendered reference, from the cache when this version of the
    /// record was rendered before in this style, locale and format.
    fn reference(
        &self,
        record: &Record,
        iris: &Iris,
        resolved: &Resolved,
        html: bool,
    ) -> Result<Arc<Reference>, Error> {
        let entry = hayagriva_entry(record, iris);
        let mut h = DefaultHasher::new();
        entry.hash(&mut h);
        let key = Key {
            id: record.id.clone(),
            version: h.finish(),
            style: resolved.style_name.clone(),
            locale: resolved
                .locale
                .as_ref()
                .map(|l| l.0.clone())
                .unwrap_or_default(),
            html,
        };
        if let Some(r) = self.inner.cache.get(&key) {
            return Ok(r);
        }
        let r = Arc::new(render_entry(&entry, resolved, html)?);
        self.inner.cache.put(key, r.clone());
        Ok(r)
    }

    /// Render records in the default style and locale, as plain text and
    /// as HTML, into the cache, so that their first bibliography or landing
    /// page is served warm. Stops at the cache's capacity (more would push
    /// out what was just rendered). Returns the records rendered.
    pub fn warm(
        &self,
        records: impl IntoIterator<Item = Record>,
        iris: &Iris,
    ) -> Result<usize, Error> {
        let resolved = self.resolve(&ExportOptions::default())?;
        let mut n = 0;
        for record in records.into_iter().take(self.inner.cache.capacity / 2) {
            for html in [false, true] {
                self.reference(&record, iris, &resolved, html)?;
            }
            n += 1;
        }
        Ok(n)
    }

    /// One reference of a record, as plain text or an HTML `csl-entry`.
    pub fn render(
        &self,
        record: &Record,
        iris: &Iris,
        opts: &ExportOptions,
    ) -> Result<String, Error> {
        let resolved = self.resolve(opts)?;
        let r = self.reference(record, iris, &resolved, opts.html)?;
        Ok(entry_text(&r, 1, opts.html))
    }

    /// A bibliography of `records` (see the module comment for the order).
    /// Returns the number of entries written.
    pub fn write_bibliography<W, I>(
        &self,
        records: I,
        iris: &Iris,
        opts: &ExportOptions,
        w: &mut W,
    ) -> Result<usize, Error>
    where
        W: Write,
        I: IntoIterator<Item = Result<Record, Error>>,
    {
        let resolved = self.resolve(opts)?;
        let html = opts.html;
        if html {
            w.write_all(b"<div class=\"csl-bib-body\">\n")?;
        }
        let mut written = 0usize;
        // Rendered references held back for sorting, until SORT_LIMIT.
        let mut held: Vec<(String, Arc<Reference>)> = Vec::new();
        let mut streaming = false;
        let mut batch: Vec<Record> = Vec::with_capacity(BATCH);
        let mut records = records.into_iter();
        loop {
            let next = records.next().transpose()?;
            let end = next.is_none();
            if let Some(r) = next {
                batch.push(r);
            }
            if batch.len() == BATCH || (end && !batch.is_empty()) {
                let rendered: Vec<(String, Arc<Reference>)> = batch
                    .par_iter()
                    .map(|r| Ok((r.id.clone(), self.reference(r, iris, &resolved, html)?)))
                    .collect::<Result<_, Error>>()?;
                batch.clear();
                if streaming {
                    for (_, r) in &rendered {
                        written += 1;
                        w.write_all(entry_text(r, written, html).as_bytes())?;
                    }
                } else {
                    held.extend(rendered);
                    if held.len() > SORT_LIMIT {
                        streaming = true;
                        for (_, r) in held.drain(..) {
                            written += 1;
                            w.write_all(entry_text(&r, written, html).as_bytes())?;
                        }
                    }
                }
            }
            if end {
                break;
            }
        }
        if !streaming {
            if !held.iter().any(|(_, r)| r.numbered()) {
                held.sort_by(|(ia, a), (ib, b)| (&a.sort_key, ia).cmp(&(&b.sort_key, ib)));
            }
            for (_, r) in &held {
                written += 1;
                w.write_all(entry_text(r, written, html).as_bytes())?;
            }
        }
        if html {
            w.write_all(b"</div>\n")?;
        }
        Ok(written)
    }
}

/// An archived or loaded style as an independent one: a dependent style
/// takes its parent's rendering (from the archive) and keeps its locale.
fn independent(style: Style) -> Result<IndependentStyle, String> {
    let mut s = independent_unpatched(style)?;
    for m in &mut s.macros {
        add_default_names(&mut m.children);
    }
    add_default_names(&mut s.citation.layout.elements);
    if let Some(b) = &mut s.bibliography {
        add_default_names(&mut b.layout.elements);
    }
    Ok(s)
}

/// hayagriva 0.10 renders nothing for a `cs:names` that has a label or a
/// substitute but no `cs:name`, where CSL says names then take the default
/// options: the archived `vancouver` (NLM) style lost every author that
/// way. Give such elements an explicit `cs:name` with no options of its
/// own, which inherits the style's, as the CSL specification reads.
fn add_default_names(elements: &mut [LayoutRenderingElement]) {
    for e in elements {
        match e {
            LayoutRenderingElement::Names(n) => {
                let has_name = n.children.iter().any(|c| matches!(c, NamesChild::Name(_)));
                if !n.children.is_empty() && !has_name {
                    n.children.insert(0, NamesChild::Name(Name::default()));
                }
                for c in &mut n.children {
                    if let NamesChild::Substitute(s) = c {
                        add_default_names(&mut s.children);
                    }
                }
            }
            LayoutRenderingElement::Group(g) => add_default_names(&mut g.children),
            LayoutRenderingElement::Choose(c) => {
                add_default_names(&mut c.if_.children);
                for b in &mut c.else_if {
                    add_default_names(&mut b.children);
                }
                if let Some(o) = &mut c.otherwise {
                    add_default_names(&mut o.children);
                }
            }
            LayoutRenderingElement::Text(_)
            | LayoutRenderingElement::Date(_)
            | LayoutRenderingElement::Number(_)
            | LayoutRenderingElement::Label(_) => {}
        }
    }
}

fn independent_unpatched(style: Style) -> Result<IndependentStyle, String> {
    match style {
        Style::Independent(s) => Ok(s),
        Style::Dependent(d) => {
            let parent = ArchivedStyle::by_id(&d.parent_link.href).ok_or_else(|| {
                format!(
                    "dependent style whose parent {} is not in the archive",
                    d.parent_link.href
                )
            })?;
            let mut s = independent_unpatched(parent.get())?;
            if d.default_locale.is_some() {
                s.default_locale = d.default_locale;
            }
            Ok(s)
        }
    }
}

/// A locale as asked (`fr-FR`, `fr_fr`, `fr`), matched to one we have.
fn locale_code(asked: &str) -> Result<LocaleCode, Error> {
    let codes = Styles::locales();
    let norm = asked.replace('_', "-");
    if let Some(c) = codes.iter().find(|c| c.eq_ignore_ascii_case(&norm)) {
        return Ok(LocaleCode(c.clone()));
    }
    if !norm.contains('-') {
        let lang = norm.to_lowercase();
        // "fr" -> "fr-FR", "en" -> "en-US", else the first region we have.
        let preferred = if lang == "en" {
            "en-US".to_string()
        } else {
            format!("{lang}-{}", lang.to_uppercase())
        };
        if let Some(c) = codes
            .iter()
            .find(|c| **c == preferred)
            .or_else(|| codes.iter().find(|c| c.starts_with(&format!("{lang}-"))))
        {
            return Ok(LocaleCode(c.clone()));
        }
    }
    Err(Error::BadRequest(format!(
        "unknown locale \"{asked}\"; known locales: {}",
        codes.join(", ")
    )))
}

/// Render one entry as a bibliography of one.
fn render_entry(entry: &Entry, resolved: &Resolved, html: bool) -> Result<Reference, Error> {
    let style = resolved.style.as_ref();
    let mut driver = BibliographyDriver::new().with_citation_number_offset(SENTINEL - 1);
    driver.citation(CitationRequest::new(
        vec![CitationItem::with_entry(entry)],
        style,
        resolved.locale.clone(),
        &LOCALES,
        None,
    ));
    let rendered = driver.finish(BibliographyRequest::new(
        style,
        resolved.locale.clone(),
        &LOCALES,
    ));
    let item = rendered
        .bibliography
        .and_then(|b| b.items.into_iter().next())
        .ok_or_else(|| {
            Error::BadRequest(format!(
                "style \"{}\" rendered no bibliography entry",
                resolved.style_name
            ))
        })?;
    let write = |children: &ElemChildren| -> String {
        let mut s = String::new();
        if html {
            html_children(children, &mut s);
        } else {
            // Writing to a String cannot fail.
            let _ = children.write_buf(&mut s, BufWriteFormat::Plain);
            s = crate::normalize::clean_space(&s);
        }
        s.trim()
            .replace(&SENTINEL.to_string(), &NUMBER_MARK.to_string())
    };
    let label = item.first_field.map(|f| write(&ElemChildren(vec![f])));
    let body = write(&item.content);
    let plain = if html {
        strip_tags(&body)
    } else {
        body.clone()
    };
    // Letters and digits only: a title in quotes (MLA) sorts by its words.
    let sort_key: String = deunicode::deunicode(&plain)
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
        .collect();
    let sort_key = sort_key.trim().to_string();
    Ok(Reference {
        label: label.filter(|l| !l.is_empty()),
        body,
        sort_key,
    })
}

/// A reference as it goes into the output, numbered `n`.
fn entry_text(r: &Reference, n: usize, html: bool) -> String {
    let number = n.to_string();
    let fill = |s: &str| s.replace(NUMBER_MARK, &number);
    match (&r.label, html) {
        (Some(l), false) => format!("{} {}\n", fill(l), fill(&r.body)),
        (None, false) => format!("{}\n", fill(&r.body)),
        (Some(l), true) => format!(
            "<div class=\"csl-entry\"><div class=\"csl-left-margin\">{}</div><div class=\"csl-right-inline\">{}</div></div>\n",
            fill(l),
            fill(&r.body)
        ),
        (None, true) => format!("<div class=\"csl-entry\">{}</div>\n", fill(&r.body)),
    }
}

fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

fn html_children(children: &ElemChildren, out: &mut String) {
    for child in &children.0 {
        html_child(child, out);
    }
}

fn html_child(child: &ElemChild, out: &mut String) {
    match child {
        ElemChild::Text(t) => html_text(&t.formatting, &t.text, out),
        ElemChild::Elem(e) => {
            let class = match e.display {
                Some(Display::Block) => Some("csl-block"),
                Some(Display::Indent) => Some("csl-indent"),
                Some(Display::LeftMargin) => Some("csl-left-margin"),
                Some(Display::RightInline) => Some("csl-right-inline"),
                None => None,
            };
            if let Some(c) = class {
                out.push_str(&format!("<div class=\"{c}\">"));
            }
            html_children(&e.children, out);
            if class.is_some() {
                out.push_str("</div>");
            }
        }
        // Typst markup in a style: shown as the text it is.
        ElemChild::Markup(m) => escape_html(m, out),
        ElemChild::Link { text, url } => {
            // Only web links become anchors: a `javascript:` URL in a
            // record must not become a live link.
            let web = url.starts_with("https://") || url.starts_with("http://");
            if web {
                out.push_str("<a href=\"");
                escape_html(url, out);
                out.push_str("\">");
            }
            html_text(&text.formatting, &text.text, out);
            if web {
                out.push_str("</a>");
            }
        }
        ElemChild::Transparent { .. } => {}
    }
}

fn html_text(f: &Formatting, text: &str, out: &mut String) {
    let mut close: Vec<&str> = Vec::new();
    let mut open = |tag: &str, end: &'static str, out: &mut String| {
        out.push_str(tag);
        close.push(end);
    };
    if f.font_style == FontStyle::Italic {
        open("<i>", "</i>", out);
    }
    match f.font_weight {
        FontWeight::Bold => open("<b>", "</b>", out),
        FontWeight::Light => open("<span style=\"font-weight:lighter\">", "</span>", out),
        FontWeight::Normal => {}
    }
    if f.font_variant == FontVariant::SmallCaps {
        open("<span style=\"font-variant:small-caps\">", "</span>", out);
    }
    if f.text_decoration == TextDecoration::Underline {
        open("<span style=\"text-decoration:underline\">", "</span>", out);
    }
    match f.vertical_align {
        VerticalAlign::Sup => open("<sup>", "</sup>", out),
        VerticalAlign::Sub => open("<sub>", "</sub>", out),
        VerticalAlign::None | VerticalAlign::Baseline => {}
    }
    escape_html(text, out);
    for end in close.iter().rev() {
        out.push_str(end);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locales_match_loosely() {
        assert_eq!(locale_code("fr_fr").map(|c| c.0).ok(), Some("fr-FR".into()));
        assert_eq!(locale_code("en").map(|c| c.0).ok(), Some("en-US".into()));
        let err = locale_code("xx-YY")
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("unknown locale \"xx-YY\"") && err.contains("de-DE"),
            "{err}"
        );
    }

    #[test]
    fn cache_is_bounded() {
        let c = Cache::new(2);
        let r = Arc::new(Reference {
            label: None,
            body: String::new(),
            sort_key: String::new(),
        });
        let key = |i: u64| Key {
            id: i.to_string(),
            version: 0,
            style: "apa".into(),
            locale: String::new(),
            html: false,
        };
        for i in 0..10 {
            c.put(key(i), r.clone());
        }
        assert!(c.len() <= 4);
        assert!(c.get(&key(9)).is_some());
        assert!(c.get(&key(0)).is_none());
    }
}
