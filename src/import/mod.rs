//! Import: source files -> normalised, merged records -> one store transaction.
//!
//! Everything that can fail (parsing, validation, id clashes) happens before
//! the transaction starts, and the transaction replaces each source's graph
//! atomically, so a failed import leaves the store exactly as it was.
//!
//! The stages, in order, each in its module: each reader's entries become
//! records (`From`/`TryFrom` beside the reader, in `ingest`); `sources`
//! gathers them into one batch per source; `ids` gives every record its id;
//! `checks` refuses contributions to nothing and reports likely duplicates;
//! `write` tells which records changed and writes everything in one
//! transaction, the meta graph through `rdf::meta`. `bulk` is the other
//! write, for sources new to the store.

use crate::error::Error;
use crate::ingest::{ParseError, SourceLayout, curated, listing};
use crate::rdf::mapping::Role;
use crate::rdf::{Iris, meta};
use crate::record::Record;
use crate::report::{ImportReport, SourceReport};
use crate::store::Store;
use std::collections::BTreeSet;
use time::OffsetDateTime;

pub mod bulk;
mod checks;
mod ids;
mod sources;
mod write;

use ids::{Ids, assign_ids, check_source_id};

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
        write::summarise(&batches, &mut report);
    } else {
        write::write(store, iris, &batches, now, &mut report)?;
    }
    Ok(report)
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
        batches.push(sources::portal_batch(&portal_pages, &mut report));
    }
    let mut seen_sources: BTreeSet<String> = batches.iter().map(|b| b.id.clone()).collect();
    for (path, file) in &curated_files {
        if !seen_sources.insert(file.source.id.clone()) {
            return Err(Error::Import(format!(
                "{path}: source id \"{}\" is used by another file of this import",
                file.source.id
            )));
        }
        batches.push(sources::curated_batch(path, file, &mut report)?);
    }

    assign_ids(store, iris, &mut batches, &mut report)?;
    checks::check_contributions(store, iris, &batches, files)?;
    checks::warn_possible_duplicates(&batches, &mut report);
    write::write(store, iris, &batches, now, &mut report)?;
    Ok(report)
}
