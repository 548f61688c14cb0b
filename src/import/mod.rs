//! Import: source files -> normalised, merged records -> one store transaction.
//!
//! Everything that can fail (parsing, validation, id clashes) happens before
//! the transaction starts, and the transaction replaces each source's graph
//! atomically, so a failed import leaves the store exactly as it was.

use crate::error::Error;
use crate::ingest::{ParseError, SourceLayout, curated, listing};
use crate::normalize::agents::{organization, parse_author_lines};
use crate::normalize::casing::repair_title_casing;
use crate::normalize::languages::{LanguageValue, parse_language};
use crate::normalize::places::{PlaceField, parse_places};
use crate::normalize::reference::PastedReference;
use crate::normalize::{clean_space, kind, short_slug, slug, title_key};
use crate::rdf::mapping::{Mapper, Role};
use crate::rdf::vocab::dcterms;
use crate::rdf::{Iris, meta, schemes};
use crate::record::{Agent, Container, Provenance, Record, RecordKind, Repair};
use crate::report::{ImportReport, Merge, SourceReport};
use crate::store::Store;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedOrBlankNode, Quad, Term};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use time::OffsetDateTime;

pub mod bulk;

/// Source id of the knowledge portal's listing pages: they form one source.
pub const PORTAL_SOURCE: &str = "portal";

/// A file to import: its name (for errors and provenance) and its text.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

impl SourceFile {
    pub fn read(path: &std::path::Path) -> Result<Self, Error> {
        let bytes =
            std::fs::read(path).map_err(|e| Error::internal(path.display().to_string(), e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            Error::Parse(ParseError {
                file: path.display().to_string(),
                line: 0,
                message: format!(
                    "not UTF-8 text (invalid byte at offset {})",
                    e.utf8_error().valid_up_to()
                ),
            })
        })?;
        Ok(SourceFile {
            path: path.display().to_string(),
            text,
        })
    }
}

/// What one source contributes: its graph's records, each with its role.
struct SourceBatch {
    id: String,
    title: String,
    /// (file path, title of the file) for the meta graph.
    files: Vec<(String, String)>,
    records: Vec<(Record, Role)>,
    mode: Mode,
}

impl SourceBatch {
    /// The source as the meta graph describes it.
    fn meta(&self) -> meta::Source<'_> {
        meta::Source {
            id: &self.id,
            title: &self.title,
            files: &self.files,
        }
    }
}

/// How an import changes its source's graph.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Mode {
    /// The source is given whole: its graph is replaced, and records missing
    /// from it are removed (and marked deleted).
    #[default]
    Replace,
    /// Only the given records are replaced (an incremental harvest), and the
    /// listed ids are removed; the rest of the graph stays.
    Merge { delete: Vec<String> },
}

/// Records from any reader (a citation file, a harvest), imported as one source.
#[derive(Debug, Clone)]
pub struct RecordSource {
    /// Source id, a slug: the graph `{base}graph/{id}`.
    pub id: String,
    pub title: String,
    /// (path or URL, title) of each file or endpoint the records came from.
    pub files: Vec<(String, String)>,
    /// A record with an empty id gets one from its title; a record with an
    /// id keeps it, and the id must not belong to another source.
    pub records: Vec<Record>,
    pub mode: Mode,
}

impl RecordSource {
    /// The source as the meta graph describes it.
    fn meta(&self) -> meta::Source<'_> {
        meta::Source {
            id: &self.id,
            title: &self.title,
            files: &self.files,
        }
    }
}

/// Import records produced by another reader, with the same guarantees as
/// `import`: one transaction, change tracking, deletions kept.
pub fn import_records(
    store: &Store,
    iris: &Iris,
    sources: Vec<RecordSource>,
    now: OffsetDateTime,
) -> Result<ImportReport, Error> {
    import_records_with(store, iris, sources, now, Strategy::Transaction)
}

/// How an import reaches the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Strategy {
    /// One transaction: readers see all of the import or none of it. For
    /// the server, whose readers run during the write.
    #[default]
    Transaction,
    /// Sources new to the store go through the bulk loader (`bulk`), the
    /// rest through one transaction. Only for a process that holds the
    /// store alone (`palermo import`): readers could see the fix-up step.
    BulkWhenNew,
}

/// `import_records` with a choice of how to write.
pub fn import_records_with(
    store: &Store,
    iris: &Iris,
    sources: Vec<RecordSource>,
    now: OffsetDateTime,
    strategy: Strategy,
) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    let mut batches = Vec::new();
    let mut seen = BTreeSet::new();
    for source in sources {
        check_source_id(iris, &source.id)?;
        if !seen.insert(source.id.clone()) {
            return Err(Error::Import(format!(
                "source id \"{}\" is reserved or repeated",
                source.id
            )));
        }
        report.entries_read += source.records.len();
        for (path, _) in &source.files {
            report.file(path, &source.id, source.records.len());
        }
        batches.push(SourceBatch {
            id: source.id,
            title: source.title,
            files: source.files,
            records: source
                .records
                .into_iter()
                .map(|r| (r, Role::Primary))
                .collect(),
            mode: source.mode,
        });
    }
    assign_ids(store, iris, &mut batches, &mut report)?;
    if strategy == Strategy::BulkWhenNew && bulk::applies(store, iris, &batches)? {
        for batch in &batches {
            report.sources.push(SourceReport {
                id: batch.id.clone(),
                records: batch.records.len(),
                added: batch.records.len(),
                ..SourceReport::default()
            });
        }
        bulk::write(store, iris, &batches, &meta::stamp(now)?)?;
        report.bulk = true;
        summarise(&batches, &mut report);
    } else {
        write(store, iris, &batches, now, &mut report)?;
    }
    Ok(report)
}

/// A source id names a graph of its own: a lowercase slug, not one of ours.
fn check_source_id(iris: &Iris, id: &str) -> Result<(), Error> {
    if id.is_empty() || slug(id) != id {
        return Err(Error::Import(format!(
            "source id \"{id}\" must be a lowercase slug"
        )));
    }
    if iris.is_system_graph(iris.graph(id).as_str()) {
        return Err(Error::Import(format!(
            "source id \"{id}\" is reserved or repeated"
        )));
    }
    Ok(())
}

/// Import files into the store. `now` stamps the records that change.
pub fn import(
    store: &Store,
    iris: &Iris,
    files: &[SourceFile],
    now: OffsetDateTime,
) -> Result<ImportReport, Error> {
    let mut report = ImportReport::default();
    let mut portal_pages = Vec::new();
    let mut curated_files = Vec::new();
    for f in files {
        match SourceLayout::detect(&f.path, &f.text)? {
            SourceLayout::Listing => {
                let page = listing::parse(&f.path, &f.text)?;
                report.file(&f.path, "listing page", page.entries.len());
                portal_pages.push((f.path.clone(), page));
            }
            SourceLayout::Curated => {
                let file = curated::parse(&f.path, &f.text)?;
                report.file(&f.path, "curated TOML", file.publications.len());
                curated_files.push((f.path.clone(), file));
            }
        }
    }

    let mut batches = Vec::new();
    if !portal_pages.is_empty() {
        batches.push(portal_batch(&portal_pages, &mut report));
    }
    let mut seen_sources: BTreeSet<String> = batches.iter().map(|b| b.id.clone()).collect();
    for (path, file) in &curated_files {
        if !seen_sources.insert(file.source.id.clone()) {
            return Err(Error::Import(format!(
                "{path}: source id \"{}\" is used by another file of this import",
                file.source.id
            )));
        }
        batches.push(curated_batch(path, file, &mut report)?);
    }

    assign_ids(store, iris, &mut batches, &mut report)?;
    check_contributions(store, iris, &batches, files)?;
    warn_possible_duplicates(&batches, &mut report);
    write(store, iris, &batches, now, &mut report)?;
    Ok(report)
}

/// Normalise one listing entry into a record.
fn listing_record(path: &str, entry: &listing::ListingEntry) -> (Record, Vec<String>) {
    let mut repairs = Vec::new();
    let mut warnings = Vec::new();
    let raw_title = clean_space(&entry.title);
    let title = match repair_title_casing(&raw_title) {
        Some(fixed) => {
            repairs.push(Repair {
                field: "title".into(),
                original: raw_title.clone(),
                repaired: fixed.clone(),
                guess: false,
                reason: "title-casing damage".into(),
            });
            fixed
        }
        None => raw_title,
    };
    let countries = parse_places(&entry.countries, PlaceField::Country);
    let regions = parse_places(&entry.regions, PlaceField::Region);
    let authors = parse_author_lines(&entry.authors);
    let mut all_countries = countries.countries;
    let mut all_regions = countries.regions;
    for c in regions.countries {
        if !all_countries.contains(&c) {
            all_countries.push(c);
        }
    }
    for r in regions.regions {
        if !all_regions.contains(&r) {
            all_regions.push(r);
        }
    }
    repairs.extend(countries.repairs);
    repairs.extend(regions.repairs);
    repairs.extend(authors.repairs);
    warnings.extend(countries.warnings);
    warnings.extend(regions.warnings);
    warnings.extend(authors.warnings);
    let abstract_text = Some(clean_space(&entry.abstract_text)).filter(|a| !a.is_empty());
    let pasted = authors.reference.map(|r| {
        pasted_reference(
            r,
            &entry.authors,
            &title,
            entry.year,
            &mut repairs,
            &mut warnings,
        )
    });
    let mut record = Record {
        id: String::new(),
        kind: kind::infer(&title, abstract_text.as_deref()),
        title,
        alternative_titles: Vec::new(),
        abstract_text,
        description: None,
        year: Some(entry.year),
        authors: authors.agents,
        publishers: Vec::new(),
        place: None,
        container: None,
        languages: Vec::new(),
        countries: all_countries,
        regions: all_regions,
        categories: vec![slug(&entry.category)],
        citation: authors.citation,
        note: None,
        editorial_notes: Vec::new(),
        provenance: vec![Provenance {
            source: PORTAL_SOURCE.into(),
            file: path.to_string(),
            line: entry.line,
        }],
        repairs,
    };
    if let Some(p) = pasted {
        record.kind = RecordKind::Chapter;
        record.container = Some(p.container);
        record.publishers = p.publishers;
        record.place = p.place;
        record.editorial_notes.push(p.note);
    }
    (record, warnings)
}

/// What a chapter reference pasted into the author lines gives the record
/// (`normalize::reference`): its book, publisher and place, with a repair
/// for each and the pasted lines as a curator's note.
struct Pasted {
    container: Container,
    publishers: Vec<Agent>,
    place: Option<String>,
    note: String,
}

fn pasted_reference(
    r: PastedReference,
    lines: &[String],
    title: &str,
    year: i32,
    repairs: &mut Vec<Repair>,
    warnings: &mut Vec<String>,
) -> Pasted {
    if title_key(&r.title) != title_key(title) {
        warnings.push(format!(
            "the pasted reference names the chapter \"{}\", the entry \"{title}\"",
            r.title
        ));
    }
    if r.year != Some(year) {
        warnings.push(format!(
            "the pasted reference gives the year {:?}, the entry {year}",
            r.year
        ));
    }
    let restored = r.restored.join("; ");
    let editors: Vec<String> = r
        .container
        .editors
        .iter()
        .map(Agent::display_name)
        .collect();
    repairs.push(Repair {
        field: "isPartOf".into(),
        original: lines.join(" | "),
        repaired: format!("{} (editors: {})", r.container.title, editors.join("; ")),
        guess: true,
        reason: format!(
            "the book the chapter appears in, from the pasted reference; restored: {restored}"
        ),
    });
    let publishers: Vec<String> = r.publishers.iter().map(Agent::display_name).collect();
    repairs.push(Repair {
        field: "publisher".into(),
        original: lines.join(" | "),
        repaired: format!(
            "{}{}",
            publishers.join("; "),
            r.place
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        ),
        guess: false,
        reason: "the book's publisher and place, from the pasted reference".into(),
    });
    Pasted {
        container: r.container,
        publishers: r.publishers,
        place: r.place,
        note: format!(
            "The portal's author lines held a whole reference, split on commas and \"and\": {}",
            lines.join(" | ")
        ),
    }
}

/// The portal's pages: one record per distinct title, categories united.
fn portal_batch(
    pages: &[(String, listing::ListingPage)],
    report: &mut ImportReport,
) -> SourceBatch {
    let mut records: Vec<Record> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (path, page) in pages {
        for entry in &page.entries {
            report.entries_read += 1;
            let (rec, warnings) = listing_record(path, entry);
            let where_ = format!("{path}:{}", entry.line);
            report
                .warnings
                .extend(warnings.into_iter().map(|w| format!("{where_}: {w}")));
            match by_key.get(&title_key(&rec.title)) {
                Some(&i) => {
                    let target = &mut records[i];
                    for (field, same) in [
                        ("year", target.year == rec.year),
                        ("authors", target.authors == rec.authors),
                        ("countries", target.countries == rec.countries),
                        ("regions", target.regions == rec.regions),
                        ("abstract", target.abstract_text == rec.abstract_text),
                    ] {
                        if !same {
                            report.warnings.push(format!(
                                "{where_}: \"{}\" appears on several pages with a different {field}; kept the first page's",
                                rec.title
                            ));
                        }
                    }
                    for c in rec.categories {
                        if !target.categories.contains(&c) {
                            target.categories.push(c);
                        }
                    }
                    target.provenance.extend(rec.provenance);
                }
                None => {
                    by_key.insert(title_key(&rec.title), records.len());
                    records.push(rec);
                }
            }
        }
    }
    SourceBatch {
        id: PORTAL_SOURCE.into(),
        title: "Anti-trafficking knowledge portal: listing pages".into(),
        files: pages
            .iter()
            .map(|(p, page)| (p.clone(), format!("Listing page: {}", page.heading)))
            .collect(),
        records: records.into_iter().map(|r| (r, Role::Primary)).collect(),
        mode: Mode::Replace,
    }
}

/// A curated file: one record per publication, or a contribution to a
/// record of another source (`same_as`).
fn curated_batch(
    path: &str,
    file: &curated::CuratedFile,
    report: &mut ImportReport,
) -> Result<SourceBatch, Error> {
    let mut records = Vec::new();
    let mut keys = HashMap::new();
    for e in &file.publications {
        report.entries_read += 1;
        let where_ = format!("{path}:{}", e.toml_line);
        if let Some(prev) = keys.insert(title_key(&e.title), e.toml_line) {
            return Err(Error::Parse(ParseError {
                file: path.to_string(),
                line: e.toml_line,
                message: format!(
                    "publication \"{}\" is listed twice (also at line {prev})",
                    e.title
                ),
            }));
        }
        let mut languages = Vec::new();
        for l in &e.languages {
            match parse_language(l) {
                LanguageValue::Code(c) => {
                    if !languages.contains(&c.to_string()) {
                        languages.push(c.to_string());
                    }
                }
                LanguageValue::NotYetAvailable(c) => report.warnings.push(format!(
                    "{where_}: language \"{l}\" is announced, not available: not recorded as a language of the work ({c})"
                )),
                LanguageValue::Unknown(v) => report.warnings.push(format!("{where_}: unknown language \"{v}\": skipped")),
            }
        }
        let publishers: Vec<Agent> = e.publishers.iter().map(|p| organization(p)).collect();
        let abstract_text = e
            .abstract_text
            .as_deref()
            .map(clean_space)
            .filter(|a| !a.is_empty());
        let title = clean_space(&e.title);
        let mut record = Record {
            id: e
                .same_as
                .clone()
                .or_else(|| e.id.clone())
                .unwrap_or_default(),
            kind: kind::infer(&title, abstract_text.as_deref()),
            title,
            alternative_titles: Vec::new(),
            abstract_text,
            description: None,
            year: e.year,
            authors: Vec::new(),
            publishers,
            place: None,
            container: None,
            languages,
            countries: Vec::new(),
            regions: Vec::new(),
            categories: Vec::new(),
            citation: None,
            // The TOML's `note` is the transcriber's remark about the
            // capture, not something a reader of the citation needs.
            note: None,
            editorial_notes: e.note.iter().cloned().collect(),
            provenance: vec![Provenance {
                source: file.source.id.clone(),
                file: path.to_string(),
                line: e.toml_line,
            }],
            repairs: Vec::new(),
        };
        let role = if e.same_as.is_some() {
            Role::Contribution
        } else {
            // Only the primary source states a record's subjects.
            crate::normalize::subjects::infer(&mut record);
            Role::Primary
        };
        records.push((record, role));
    }
    Ok(SourceBatch {
        id: file.source.id.clone(),
        title: file.source.title.clone(),
        files: vec![(path.to_string(), file.source.title.clone())],
        records,
        mode: Mode::Replace,
    })
}

/// Give every primary record a readable id from its title, unique across
/// the batch and the store's other sources.
fn assign_ids(
    store: &Store,
    iris: &Iris,
    batches: &mut [SourceBatch],
    report: &mut ImportReport,
) -> Result<(), Error> {
    let batch_sources: BTreeSet<String> = batches.iter().map(|b| b.id.clone()).collect();
    let mut ids = Ids::new(store, iris, &batch_sources)?;
    for batch in batches.iter_mut() {
        for (record, role) in batch.records.iter_mut() {
            if *role == Role::Contribution {
                continue;
            }
            if let Some(warning) = ids.assign(record, &batch.id)? {
                report.warnings.push(warning);
            }
        }
    }
    Ok(())
}

/// Record ids: those held by sources outside this import (with the title
/// they hold, for warnings) and those this import has given out.
struct Ids {
    taken: HashMap<String, String>,
    used: std::collections::HashSet<String>,
}

impl Ids {
    fn new(store: &Store, iris: &Iris, batch_sources: &BTreeSet<String>) -> Result<Self, Error> {
        let mut taken: HashMap<String, String> = HashMap::new();
        for q in store
            .oxigraph()
            .quads_for_pattern(None, Some(dcterms::TITLE), None, None)
        {
            let q = q?;
            let GraphName::NamedNode(g) = &q.graph_name else {
                continue;
            };
            let source = g.as_str().rsplit('/').next().unwrap_or_default();
            if batch_sources.contains(source) || iris.is_system_graph(g.as_str()) {
                continue;
            }
            if let (NamedOrBlankNode::NamedNode(s), Term::Literal(t)) = (&q.subject, &q.object)
                && let Some(id) = iris.record_id(s.as_str())
            {
                taken.insert(id.to_string(), t.value().to_string());
            }
        }
        let used = taken.keys().cloned().collect();
        Ok(Ids { taken, used })
    }

    /// Keep a pinned id if it is free, or give the record one from its
    /// title; say so when the title's id was taken.
    fn assign(&mut self, record: &mut Record, source: &str) -> Result<Option<String>, Error> {
        if !record.id.is_empty() {
            if !self.used.insert(record.id.clone()) {
                return Err(Error::Import(format!(
                    "record id \"{}\" (pinned in {source}) is already used",
                    record.id
                )));
            }
            return Ok(None);
        }
        let base = short_slug(&record.title, 8, 60);
        let base = if base.is_empty() {
            "untitled".to_string()
        } else {
            base
        };
        let mut id = base.clone();
        if self.used.contains(&id)
            && let Some(y) = record.year
        {
            id = format!("{base}-{y}");
        }
        let mut n = 2;
        while self.used.contains(&id) {
            id = format!("{base}-{n}");
            n += 1;
        }
        let warning = (id != base).then(|| {
            format!(
                "\"{}\": id \"{base}\" is taken{}, using \"{id}\"",
                record.title,
                self.taken
                    .get(&base)
                    .map(|t| format!(" by \"{t}\""))
                    .unwrap_or_default()
            )
        });
        self.used.insert(id.clone());
        record.id = id;
        Ok(warning)
    }
}

/// A contribution must point at a record that exists after this import.
fn check_contributions(
    store: &Store,
    iris: &Iris,
    batches: &[SourceBatch],
    files: &[SourceFile],
) -> Result<(), Error> {
    let primary: BTreeSet<&str> = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Primary)
        .map(|(r, _)| r.id.as_str())
        .collect();
    let batch_graphs: BTreeSet<String> = batches
        .iter()
        .map(|b| iris.graph(&b.id).as_str().to_string())
        .collect();
    for batch in batches {
        for (r, role) in &batch.records {
            if *role != Role::Contribution || primary.contains(r.id.as_str()) {
                continue;
            }
            let titles = store.oxigraph().quads_for_pattern(
                Some(iris.record(&r.id).as_ref().into()),
                Some(dcterms::TITLE),
                None,
                None,
            );
            let in_store = itertools::process_results(titles, |mut titles| {
                titles.any(|q| {
                    !batch_graphs.contains(
                        q.graph_name
                            .to_string()
                            .trim_matches(|c| c == '<' || c == '>'),
                    )
                })
            })?;
            if !in_store {
                let p = &r.provenance[0];
                let line = files
                    .iter()
                    .find(|f| f.path == p.file)
                    .and_then(|f| {
                        f.text
                            .find(&format!("same_as = \"{}\"", r.id))
                            .map(|pos| f.text[..pos].matches('\n').count() + 1)
                    })
                    .unwrap_or(0);
                return Err(Error::Parse(ParseError {
                    file: p.file.clone(),
                    line,
                    message: format!(
                        "same_as = \"{}\": no such record in this import or in the store",
                        r.id
                    ),
                }));
            }
        }
    }
    Ok(())
}

/// Titles that share most of their words across sources, but are not
/// linked by `same_as`: a curator should look.
fn warn_possible_duplicates(batches: &[SourceBatch], report: &mut ImportReport) {
    let words = |t: &str| -> BTreeSet<String> {
        slug(t)
            .split('-')
            .filter(|w| w.len() > 3)
            .map(str::to_string)
            .collect()
    };
    let primaries: Vec<(&str, &Record)> = batches
        .iter()
        .flat_map(|b| {
            b.records
                .iter()
                .filter(|(_, role)| *role == Role::Primary)
                .map(move |(r, _)| (b.id.as_str(), r))
        })
        .collect();
    let word_sets: Vec<BTreeSet<String>> = primaries.iter().map(|(_, r)| words(&r.title)).collect();
    // Only pairs across sources count, so index each source's words apart:
    // an import of one large file then costs one pass, not n² comparisons.
    let mut postings: BTreeMap<&str, HashMap<&str, Vec<usize>>> = BTreeMap::new();
    for (j, ((source, _), ws)) in primaries.iter().zip(&word_sets).enumerate() {
        let index = postings.entry(source).or_default();
        for w in ws {
            index.entry(w.as_str()).or_default().push(j);
        }
    }
    for (i, (sa, a)) in primaries.iter().enumerate() {
        let wa = &word_sets[i];
        let mut common: BTreeMap<usize, usize> = BTreeMap::new();
        for (_, index) in postings.iter().filter(|(sb, _)| *sb != sa) {
            for w in wa {
                for &j in index.get(w.as_str()).into_iter().flatten() {
                    if j > i {
                        *common.entry(j).or_default() += 1;
                    }
                }
            }
        }
        for (j, common) in common {
            let (sb, b) = primaries[j];
            let smaller = wa.len().min(word_sets[j].len()).max(1);
            if common * 4 >= smaller * 3 && common >= 3 {
                report.warnings.push(format!(
                    "possible duplicate across sources: \"{}\" ({sa}) and \"{}\" ({sb}); link them with same_as if they are one work",
                    a.id, b.id
                ));
            }
        }
    }
}

/// A digest of each record's quads (as sorted N-Triples lines), to tell
/// which records an import really changed. Source line numbers do not
/// count: an edit above an entry moves it without changing the record, and
/// harvesters should not re-fetch it for that. Digests, not the lines, so
/// that comparing a large source costs 32 bytes a record.
fn by_record(iris: &Iris, quads: &[Quad]) -> BTreeMap<String, [u8; 32]> {
    use sha2::Digest;
    let location = iris.vocab("sourceLocation");
    let mut members: BTreeMap<&str, Vec<&Quad>> = BTreeMap::new();
    for q in quads {
        if q.predicate == location {
            continue;
        }
        if let NamedOrBlankNode::NamedNode(s) = &q.subject
            && let Some(id) = iris.record_id(s.as_str())
        {
            members.entry(id).or_default().push(q);
        }
    }
    members
        .into_iter()
        .map(|(id, qs)| {
            let mut lines: Vec<String> = qs
                .iter()
                .map(|q| format!("{} {} {}", q.subject, q.predicate, q.object))
                .collect();
            lines.sort_unstable();
            lines.dedup();
            let mut hasher = sha2::Sha256::new();
            for l in &lines {
                hasher.update(l.as_bytes());
                hasher.update(b"\n");
            }
            (id.to_string(), hasher.finalize().into())
        })
        .collect()
}

fn write(
    store: &Store,
    iris: &Iris,
    batches: &[SourceBatch],
    now: OffsetDateTime,
    report: &mut ImportReport,
) -> Result<(), Error> {
    let stamp = meta::stamp(now)?;
    let vocab = iris.vocab_graph();

    let mut vocab_quads = schemes::vocabulary_quads(iris);
    let ontology = schemes::ontology_quads(iris);
    let mut agents = Mapper::new(iris, vocab.clone());
    let mut plans = Vec::new();
    for batch in batches {
        let graph = iris.graph(&batch.id);
        let mut mapper = Mapper::new(iris, graph.clone().into());
        for (r, role) in &batch.records {
            mapper.record(r, *role);
            for a in r.agents() {
                agents.agent(a);
            }
        }
        let old = store.graph_quads(graph.as_ref())?;
        let mut old_by = by_record(iris, &old);
        let new_by = by_record(iris, &mapper.quads);
        // Quads to take out of the graph: all of it, or the given records'.
        let outgoing: Vec<Quad> = match &batch.mode {
            Mode::Replace => old,
            Mode::Merge { delete } => {
                old_by.retain(|id, _| new_by.contains_key(id) || delete.contains(id));
                old.into_iter()
                    .filter(|q| match &q.subject {
                        NamedOrBlankNode::NamedNode(n) => iris
                            .record_id(n.as_str())
                            .is_some_and(|id| old_by.contains_key(id)),
                        _ => false,
                    })
                    .collect()
            }
        };
        let mut sr = SourceReport {
            id: batch.id.clone(),
            records: batch.records.len(),
            ..SourceReport::default()
        };
        let mut changed = BTreeSet::new();
        for (id, triples) in &new_by {
            match old_by.get(id) {
                None => {
                    sr.added += 1;
                    changed.insert(id.clone());
                }
                Some(o) if o != triples => {
                    sr.changed += 1;
                    changed.insert(id.clone());
                }
                Some(_) => sr.unchanged += 1,
            }
        }
        let removed: Vec<String> = old_by
            .keys()
            .filter(|id| !new_by.contains_key(*id))
            .cloned()
            .collect();
        sr.removed = removed.len();
        changed.extend(removed.iter().cloned());
        report.sources.push(sr);
        plans.push((batch, graph, mapper.quads, changed, outgoing));
    }
    vocab_quads.extend(agents.quads);

    store.transaction(|tx| {
        tx.clear_graph(GraphNameRef::from(&iris.ontology_graph()))?;
        tx.extend(&ontology);
        tx.extend(&vocab_quads);
        for (batch, graph, quads, changed, outgoing) in &plans {
            if batch.mode == Mode::Replace {
                tx.clear_graph(graph.as_ref())?;
            } else {
                for q in outgoing {
                    tx.remove(q);
                }
            }
            tx.extend(quads);
            let source_changed = !changed.is_empty();
            // Removed records are among `changed`: `touch` marks them
            // deleted only when no other source still holds them.
            meta::touch(tx, iris, changed, now)?;
            batch
                .meta()
                .describe(tx, iris, source_changed.then_some(&stamp))?;
        }
        remove_orphan_agents(tx, iris)?;
        Ok(())
    })?;
    summarise(batches, report);
    Ok(())
}

/// The parts of the report that follow from the records alone.
fn summarise(batches: &[SourceBatch], report: &mut ImportReport) {
    report.records = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Primary)
        .count();
    report.contributions = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Contribution)
        .map(|(r, _)| Merge {
            id: r.id.clone(),
            from: r
                .provenance
                .iter()
                .map(|p| format!("{}:{}", p.file, p.line))
                .collect(),
        })
        .collect();
    for batch in batches {
        for (r, _) in &batch.records {
            if r.provenance.len() > 1 {
                report.merged.push(Merge {
                    id: r.id.clone(),
                    from: r
                        .provenance
                        .iter()
                        .map(|p| format!("{}:{}", p.file, p.line))
                        .collect(),
                });
            }
            for repair in &r.repairs {
                report.repairs.push((r.id.clone(), repair.clone()));
            }
        }
    }
}

/// Agents that no record names any more leave the vocabulary graph.
fn remove_orphan_agents(
    tx: &mut oxigraph::store::Transaction<'_>,
    iris: &Iris,
) -> Result<(), Error> {
    let vocab = iris.vocab_graph();
    let prefix = iris.agent("").as_str().to_string();
    let in_vocab = tx.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&vocab)));
    let agents: BTreeSet<NamedNode> = itertools::process_results(in_vocab, |quads| {
        quads
            .filter_map(|q| match q.subject {
                NamedOrBlankNode::NamedNode(n) if n.as_str().starts_with(&prefix) => Some(n),
                _ => None,
            })
            .collect()
    })?;
    for agent in agents {
        let mentions = tx.quads_for_pattern(None, None, Some(agent.as_ref().into()), None);
        let used =
            itertools::process_results(mentions, |mut quads| quads.any(|q| q.graph_name != vocab))?;
        if !used {
            let quads: Vec<Quad> = tx
                .quads_for_pattern(
                    Some(agent.as_ref().into()),
                    None,
                    None,
                    Some(GraphNameRef::from(&vocab)),
                )
                .collect::<Result<_, _>>()?;
            for q in &quads {
                tx.remove(q);
            }
        }
    }
    Ok(())
}
