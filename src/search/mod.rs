//! Full-text and faceted search over the catalogue, kept in step with the store.
//!
//! The engine is [tantivy](https://github.com/quickwit-oss/tantivy): BM25
//! ranking, an analysis pipeline we control (case and accent folding,
//! English stemming), columnar fields to count facets over a whole result
//! and to sort on, and highlighted snippets, all in-process, with no server
//! to run next to Oxigraph (Meilisearch or Elasticsearch would be one more
//! service and a network hop, for a catalogue that fits in memory).
//!
//! **The store is the truth; the index is derived from it.** It is built
//! from the store on start (`SearchIndex::build`, from `rdf::read`), so an
//! import or a harvest made by the CLI while the server was stopped is
//! searchable on the next start. Writes made through the running service
//! re-index the records they touched (`SearchIndex::follow`, called by
//! `http::writes`). Re-indexing reads the store *after* taking the writer
//! lock, so a concurrent full build can never put an older version back.
//!
//! **Size.** The index lives in RAM: about 150 kB for the seed catalogue,
//! about 110 MB and 7 s of indexing for a synthetic 100k-record one (see
//! `benches/search.rs`; reading 100k records back from RocksDB on start
//! comes on top). At a million records we would
//! keep it on disk (`MmapDirectory` under the data directory) with a stamp of
//! the store state it reflects (record count and newest `dcterms:modified`),
//! rebuild it only when the stamp differs, and do that rebuild in the
//! background behind the old index, instead of building it on every start.
//!
//! **Query language.** Words are ANDed (every word must match, in any
//! searched field); `OR`, `-word`, `"a phrase"` and `field:word` (`title`,
//! `abstract`, `authors`, `subjects`) work as in tantivy's query parser,
//! and malformed input is read leniently, never refused. Filters of the
//! same dimension are ANDed too, so each facet count is exactly the size of
//! the result one more click gives.

mod facets;
pub mod labels;
mod schema;
pub mod sparql;

use crate::error::Error;
use crate::rdf::Iris;
use crate::record::{Record, RecordKind};
use crate::store::Store;
use schema::{Display, Fields};
use serde::Serialize;
use std::collections::HashMap;
use std::ops::{Bound, Range};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::collector::sort_key::{SortByStaticFastValue, SortByString};
use tantivy::collector::{Collector, Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, ConstScoreQuery, Occur, Query, QueryParser, RangeQuery, TermQuery,
};
use tantivy::schema::{IndexRecordOption, TantivyDocument, Value};
use tantivy::snippet::SnippetGenerator;
use tantivy::{DocAddress, IndexReader, IndexWriter, Order, ReloadPolicy, Searcher, Term};

/// Longest accepted free-text query, in characters: enough for any real
/// question, short enough that no query parses into a huge boolean tree.
pub const MAX_QUERY_CHARS: usize = 500;

/// Most values listed per facet; the rest are counted in `FacetCounts::more`.
pub const MAX_FACET_VALUES: usize = 100;

/// Memory of the index writer: one indexing thread is plenty for
/// re-indexing a write, and a full build of 100k records fits comfortably.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// A dimension of the catalogue one can filter on and count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FacetKind {
    Category,
    Country,
    Region,
    Author,
    Language,
    Year,
}

impl FacetKind {
    pub const ALL: [FacetKind; 6] = [
        FacetKind::Category,
        FacetKind::Country,
        FacetKind::Region,
        FacetKind::Author,
        FacetKind::Language,
        FacetKind::Year,
    ];

    /// The query parameter, and the root of the facet in the index.
    pub fn name(self) -> &'static str {
        match self {
            FacetKind::Category => "category",
            FacetKind::Country => "country",
            FacetKind::Region => "region",
            FacetKind::Author => "author",
            FacetKind::Language => "language",
            FacetKind::Year => "year",
        }
    }

    /// A heading for people.
    pub fn title(self) -> &'static str {
        match self {
            FacetKind::Category => "Category",
            FacetKind::Country => "Country",
            FacetKind::Region => "Region",
            FacetKind::Author => "Author",
            FacetKind::Language => "Language",
            FacetKind::Year => "Year",
        }
    }

    pub fn from_name(name: &str) -> Option<FacetKind> {
        FacetKind::ALL.into_iter().find(|k| k.name() == name)
    }
}

/// Order of the results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sort {
    /// Best match first (BM25); the default when there is a query.
    Relevance,
    /// Newest first, then by title; the default without a query.
    Year,
    /// Oldest first, then by title.
    YearAsc,
    /// By title, ignoring case and accents.
    Title,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Sort::Relevance, Sort::Year, Sort::YearAsc, Sort::Title];

    pub fn name(self) -> &'static str {
        match self {
            Sort::Relevance => "relevance",
            Sort::Year => "year",
            Sort::YearAsc => "year_asc",
            Sort::Title => "title",
        }
    }

    pub fn from_name(name: &str) -> Option<Sort> {
        Sort::ALL.into_iter().find(|s| s.name() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Sort::Relevance => "Relevance",
            Sort::Year => "Newest first",
            Sort::YearAsc => "Oldest first",
            Sort::Title => "Title",
        }
    }
}

/// One search: free text, filters, order and a page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchRequest {
    /// Free text; empty means every record.
    pub q: String,
    /// Facet values that must all hold, as keys or labels.
    pub filters: Vec<(FacetKind, String)>,
    pub year_from: Option<i32>,
    pub year_to: Option<i32>,
    /// `None`: relevance with a query, newest first without.
    pub sort: Option<Sort>,
    pub offset: usize,
    /// Hits to return; 0 returns only the total and the facets.
    pub limit: usize,
}

impl SearchRequest {
    pub fn effective_sort(&self) -> Sort {
        self.sort.unwrap_or(if self.q.trim().is_empty() {
            Sort::Year
        } else {
            Sort::Relevance
        })
    }
}

/// Text with the byte ranges that matched the query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Highlighted {
    pub text: String,
    pub ranges: Vec<Range<usize>>,
    /// The text is cut from a longer one: before it, after it.
    pub cut_before: bool,
    pub cut_after: bool,
}

/// One result.
#[derive(Debug, Clone)]
pub struct Hit {
    pub id: String,
    pub title: Highlighted,
    pub snippet: Highlighted,
    pub kind: Option<RecordKind>,
    pub year: Option<i32>,
    /// Display names, in order.
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub languages: Vec<String>,
    /// BM25 score, when sorted by relevance.
    pub score: Option<f32>,
}

/// One value of a facet in the current result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetValue {
    pub value: String,
    pub label: String,
    pub count: u64,
    /// The request already filters on it.
    pub selected: bool,
}

/// The values of one dimension in the current result, most frequent first
/// (years newest first).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FacetCounts {
    pub facet: FacetKind,
    pub values: Vec<FacetValue>,
    /// Values left out beyond `MAX_FACET_VALUES`.
    pub more: usize,
}

/// A page of results with the facets of the whole result.
#[derive(Debug, Clone)]
pub struct SearchResults {
    pub total: usize,
    pub sort: Sort,
    pub hits: Vec<Hit>,
    pub facets: Vec<FacetCounts>,
    /// The filters as the index understood them (keys, not labels).
    pub filters: Vec<(FacetKind, String)>,
}

struct Engine {
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
    parser: QueryParser,
    /// `Fields::bonuses`, each as a disjunctive parser with its constant.
    bonuses: Vec<(QueryParser, Option<f32>)>,
    iris: Iris,
    /// Author key -> display name, for facet labels and author filters by name.
    authors: RwLock<HashMap<String, String>>,
    status: Mutex<Status>,
    /// The store generation the committed index reflects (`rdf::meta`):
    /// every change after it is still to be applied.
    generation: AtomicU64,
    /// How this index came to be, for the logs, `palermo index` and tests.
    origin: Mutex<Origin>,
}

/// How an index came to be at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Made afresh from the store (in memory, or on disk where none was
    /// sound).
    Built,
    /// Opened from disk and caught up by `caught_up` records.
    Opened { caught_up: usize },
    /// Opened from disk behind a change of everything: serving while a
    /// rebuild runs behind it.
    OpenedRebuilding,
}

/// Bump when `schema::Fields` or the analyzers change: an index on disk of
/// another version is rebuilt, never read with the wrong schema.
pub const SCHEMA_VERSION: u32 = 2;

/// What `palermo index --check` found.
#[derive(Debug)]
pub struct IndexCheck {
    pub dir: std::path::PathBuf,
    pub state: IndexState,
    pub store_generation: u64,
    pub store_records: u64,
}

/// The state of an index on disk.
#[derive(Debug, PartialEq, Eq)]
pub enum IndexState {
    /// No index: the next start builds one.
    Missing,
    /// Of another schema version or base IRI: the next start rebuilds it.
    Other,
    /// A file fails its checksum, or the index cannot be opened.
    Damaged(String),
    /// Sound, reflecting `generation`, `behind` changes behind the store.
    Sound {
        generation: u64,
        documents: u64,
        behind: u64,
        /// One of the changes behind is a change of everything.
        rebuild_needed: bool,
    },
}

impl IndexCheck {
    /// Whether serving can use the index as it is (perhaps after catching up).
    pub fn usable(&self) -> bool {
        matches!(self.state, IndexState::Sound { .. })
    }
}

impl std::fmt::Display for IndexCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "search index: {}", self.dir.display())?;
        writeln!(
            f,
            "store: generation {}, {} records",
            self.store_generation, self.store_records
        )?;
        match &self.state {
            IndexState::Missing => writeln!(f, "index: missing (the next start builds it)"),
            IndexState::Other => writeln!(
                f,
                "index: of another schema version or base IRI (the next start rebuilds it)"
            ),
            IndexState::Damaged(why) => writeln!(f, "index: damaged: {why}"),
            IndexState::Sound {
                generation,
                documents,
                behind,
                rebuild_needed,
            } => {
                writeln!(
                    f,
                    "index: sound, schema {SCHEMA_VERSION}, generation {generation}, {documents} records"
                )?;
                match (behind, rebuild_needed) {
                    (0, _) => writeln!(f, "status: current"),
                    (n, false) => writeln!(
                        f,
                        "status: {n} changes behind (the next start applies them)"
                    ),
                    (n, true) => writeln!(
                        f,
                        "status: {n} changes behind, one of everything (the next start rebuilds it in the background, serving this one meanwhile)"
                    ),
                }
            }
        }
    }
}

/// What each commit of the index records of itself (tantivy's commit
/// payload), so that an index on disk is trusted only for the store state it
/// was made from.
#[derive(Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
struct Payload {
    schema: u32,
    /// The base IRI of the records it holds.
    base: String,
    /// The store generation it reflects.
    generation: u64,
}

/// Whether searches can be answered yet.
#[derive(Debug)]
enum Status {
    /// Being built from the store after start; writes meanwhile are kept
    /// here and re-indexed once the build is done (the build may have read
    /// their records before the write).
    Building {
        pending: Vec<String>,
    },
    Ready,
    Failed(String),
}

/// Stores up to this many records are indexed before the service listens
/// (about 2 s here); larger ones in the background, so that everything but
/// search is served at once (a million records take ~15 minutes to index).
pub const SYNC_BUILD_LIMIT: usize = 20_000;

/// A cheap handle on the search index: clone it freely.
#[derive(Clone)]
pub struct SearchIndex {
    engine: Result<Arc<Engine>, Arc<str>>,
}

fn tantivy_error(e: tantivy::TantivyError) -> Error {
    Error::internal("search index", e)
}

impl SearchIndex {
    /// An empty index in memory.
    pub fn empty(iris: &Iris) -> Result<Self, Error> {
        let (index, fields) = schema::ram_index();
        Self::on(index, fields, iris, 0)
    }

    /// The engine over a tantivy index, reflecting store generation `generation`.
    fn on(
        index: tantivy::Index,
        fields: Fields,
        iris: &Iris,
        generation: u64,
    ) -> Result<Self, Error> {
        let writer = index
            .writer_with_num_threads(1, WRITER_MEMORY)
            .map_err(tantivy_error)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()
            .map_err(tantivy_error)?;
        let searched = fields.searched();
        let mut parser = QueryParser::for_index(&index, searched.iter().map(|(f, _)| *f).collect());
        for (f, boost) in searched {
            parser.set_field_boost(f, boost);
        }
        parser.set_conjunction_by_default();
        let bonuses = fields
            .bonuses()
            .into_iter()
            .map(|b| {
                let mut p =
                    QueryParser::for_index(&index, b.fields.iter().map(|(f, _)| *f).collect());
                for (f, boost) in b.fields {
                    p.set_field_boost(f, boost);
                }
                (p, b.constant)
            })
            .collect();
        let authors = schema::author_names(&reader.searcher(), &fields)?;
        Ok(SearchIndex {
            engine: Ok(Arc::new(Engine {
                reader,
                writer: Mutex::new(writer),
                fields,
                parser,
                bonuses,
                iris: iris.clone(),
                authors: RwLock::new(authors),
                status: Mutex::new(Status::Ready),
                generation: AtomicU64::new(generation),
                origin: Mutex::new(Origin::Built),
            })),
        })
    }

    /// The index kept on disk in `dir`, brought up to the store's
    /// generation: opened and caught up by the change when it is sound and
    /// of this schema and base (milliseconds, whatever the catalogue's
    /// size); else made afresh in `dir` as `for_serving` builds one. An
    /// index that is behind by a change of everything keeps answering
    /// while it is rebuilt in the background; one that is damaged, of
    /// another schema or another base is never read.
    pub fn open(dir: &std::path::Path, store: &Store, iris: &Iris) -> Result<Self, Error> {
        match Self::open_existing(dir, iris) {
            Ok(Some(index)) => {
                let behind = index.generation();
                let changes = crate::rdf::meta::changes_since(store, iris, behind)?;
                if changes.set.everything {
                    tracing::info!(
                        from = behind,
                        to = changes.to,
                        "search index on disk is behind by a change of everything: rebuilding in the background"
                    );
                    index.set_origin(Origin::OpenedRebuilding);
                    index.spawn(store, "rebuild", |index, store| index.rebuild(store))?;
                } else {
                    index.catch_up(store)?;
                    index.set_origin(Origin::Opened {
                        caught_up: changes.set.records.len(),
                    });
                    tracing::info!(
                        records = index.len(),
                        generation = index.generation(),
                        caught_up = changes.set.records.len(),
                        "search index opened from disk"
                    );
                }
                return Ok(index);
            }
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, dir = %dir.display(), "the search index on disk is damaged: rebuilding it")
            }
        }
        Self::wipe(dir)?;
        let (index, fields) = schema::dir_index(dir)?;
        let index = Self::on(index, fields, iris, 0)?;
        index.fill(store)?;
        Ok(index)
    }

    /// Build the index in `dir` afresh from the store, now (`palermo index
    /// --rebuild`). Returns the number of records indexed.
    pub fn rebuild_in(dir: &std::path::Path, store: &Store, iris: &Iris) -> Result<usize, Error> {
        Self::wipe(dir)?;
        let (index, fields) = schema::dir_index(dir)?;
        Self::on(index, fields, iris, 0)?.rebuild(store)
    }

    /// Remove whatever is in `dir` and leave it empty.
    fn wipe(dir: &std::path::Path) -> Result<(), Error> {
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(|e| {
                Error::internal(
                    format!("cannot remove the search index in {}", dir.display()),
                    e,
                )
            })?;
        }
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::internal(
                format!("cannot create the search index in {}", dir.display()),
                e,
            )
        })
    }

    /// What the index in `dir` is, against the store (`palermo index --check`).
    pub fn check(dir: &std::path::Path, store: &Store, iris: &Iris) -> Result<IndexCheck, Error> {
        let store_generation = crate::rdf::meta::generation(store, iris)?;
        let store_records = match crate::rdf::meta::record_count(store, iris)? {
            Some(n) => n,
            None => crate::rdf::read::record_ids(store, iris)?.len() as u64,
        };
        let state = match Self::open_existing(dir, iris) {
            Ok(Some(index)) => {
                let behind = crate::rdf::meta::changes_since(store, iris, index.generation())?;
                IndexState::Sound {
                    generation: index.generation(),
                    documents: index.len() as u64,
                    behind: behind.to.saturating_sub(behind.from),
                    rebuild_needed: behind.set.everything,
                }
            }
            Ok(None) if dir.join("meta.json").exists() => IndexState::Other,
            Ok(None) => IndexState::Missing,
            Err(e) => IndexState::Damaged(e.to_string()),
        };
        Ok(IndexCheck {
            dir: dir.to_path_buf(),
            state,
            store_generation,
            store_records,
        })
    }

    /// The index in `dir` if there is a sound one of this schema and base;
    /// `None` if there is none; an error if it is damaged.
    fn open_existing(dir: &std::path::Path, iris: &Iris) -> Result<Option<Self>, Error> {
        if !dir.join("meta.json").exists() {
            return Ok(None);
        }
        let (index, fields) = schema::open_dir_index(dir)?;
        let payload = index
            .load_metas()
            .map_err(tantivy_error)?
            .payload
            .and_then(|p| serde_json::from_str::<Payload>(&p).ok());
        let Some(payload) = payload else {
            return Ok(None);
        };
        if payload.schema != SCHEMA_VERSION || payload.base != iris.base() {
            tracing::info!(
                schema = payload.schema,
                base = %payload.base,
                "the search index on disk is of another schema or base: rebuilding it"
            );
            return Ok(None);
        }
        // Every file's checksum: a damaged segment is never served.
        let damaged = index.validate_checksum().map_err(tantivy_error)?;
        if !damaged.is_empty() {
            return Err(Error::Store(format!(
                "damaged search index files: {}",
                damaged
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        Self::on(index, fields, iris, payload.generation).map(Some)
    }

    /// Index every record of the store into this (empty) index: now for a
    /// small store, in the background for a large one, while searches
    /// answer 503.
    fn fill(&self, store: &Store) -> Result<(), Error> {
        // Counting stops past the limit: the build reads them all anyway.
        let typed = store
            .quads_for_pattern(
                None,
                Some(oxigraph::model::vocab::rdf::TYPE),
                Some(crate::rdf::vocab::dcterms::BIBLIOGRAPHIC_RESOURCE.into()),
                None,
            )
            .take(SYNC_BUILD_LIMIT + 1)
            .count();
        if typed <= SYNC_BUILD_LIMIT {
            self.rebuild(store)?;
            return Ok(());
        }
        *self.status()? = Status::Building {
            pending: Vec::new(),
        };
        self.spawn(store, "build", |index, store| index.finish_build(store))?;
        tracing::info!(
            "more than {SYNC_BUILD_LIMIT} records: building the search index in the background"
        );
        Ok(())
    }

    /// Run an index job on a thread of its own; its failure is logged.
    fn spawn(
        &self,
        store: &Store,
        what: &'static str,
        job: impl FnOnce(&SearchIndex, &Store) -> Result<usize, Error> + Send + 'static,
    ) -> Result<(), Error> {
        let (background, store) = (self.clone(), store.clone());
        std::thread::Builder::new()
            .name("palermo-index".into())
            .spawn(move || {
                if let Err(e) = job(&background, &store).and_then(|_| background.catch_up(&store)) {
                    tracing::error!(error = %e, job = what, "the search index could not be brought up to date");
                }
            })
            .map(|_| ())
            .map_err(|e| Error::internal("cannot start the search index job", e))
    }

    /// How this index came to be at start.
    pub fn origin(&self) -> Option<Origin> {
        self.engine().ok().map(|e| *lock(&e.origin))
    }

    fn set_origin(&self, origin: Origin) {
        if let Ok(e) = self.engine() {
            *lock(&e.origin) = origin;
        }
    }

    /// The store generation the index reflects.
    pub fn generation(&self) -> u64 {
        self.engine()
            .map(|e| e.generation.load(Ordering::SeqCst))
            .unwrap_or(0)
    }

    /// Apply the store's changes since the generation the index reflects:
    /// re-index the records they touched, or rebuild after a change of
    /// everything. Returns the generation the index now reflects.
    pub fn catch_up(&self, store: &Store) -> Result<u64, Error> {
        let engine = self.engine()?;
        if matches!(*self.status()?, Status::Building { .. }) {
            // The build catches up when it ends.
            return Ok(self.generation());
        }
        let changes = crate::rdf::meta::changes_since(store, &engine.iris, self.generation())?;
        if changes.is_empty() {
            return Ok(changes.to);
        }
        if changes.set.everything {
            self.rebuild(store)?;
        } else {
            let ids: Vec<String> = changes.set.records.into_iter().collect();
            self.reindex_at(store, &ids, changes.to)?;
        }
        Ok(self.generation())
    }

    /// An empty index that answers searches with 503 until `finish_build`.
    pub fn building(iris: &Iris) -> Result<Self, Error> {
        let index = Self::empty(iris)?;
        *index.status()? = Status::Building {
            pending: Vec::new(),
        };
        Ok(index)
    }

    /// Build from the store, re-index what was written meanwhile, and start
    /// answering searches (or say for good why not).
    pub fn finish_build(&self, store: &Store) -> Result<usize, Error> {
        let built = self.rebuild(store);
        let mut status = self.status()?;
        let pending = match &mut *status {
            Status::Building { pending } => std::mem::take(pending),
            _ => Vec::new(),
        };
        let result = built.and_then(|n| self.reindex(store, &pending).map(|()| n));
        *status = match &result {
            Ok(_) => Status::Ready,
            Err(e) => Status::Failed(e.to_string()),
        };
        result
    }

    /// For serving: kept on disk in `dir` when there is one (`open`), else
    /// in memory; small stores indexed now, large ones in the background.
    pub fn for_serving(
        store: &Store,
        iris: &Iris,
        dir: Option<&std::path::Path>,
    ) -> Result<Self, Error> {
        match dir {
            Some(dir) => Self::open(dir, store, iris),
            None => {
                let index = Self::empty(iris)?;
                index.fill(store)?;
                Ok(index)
            }
        }
    }

    fn status(&self) -> Result<std::sync::MutexGuard<'_, Status>, Error> {
        Ok(self
            .engine()?
            .status
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner))
    }

    /// Every name `status_name` gives, for `/metrics`.
    pub const STATUS_NAMES: [&'static str; 4] = ["building", "ready", "failed", "unavailable"];

    /// Whether searches can be answered: `building`, `ready`, `failed`, or
    /// `unavailable` (no index could be made at start).
    pub fn status_name(&self) -> &'static str {
        match self.status().as_deref() {
            Ok(Status::Building { .. }) => "building",
            Ok(Status::Ready) => "ready",
            Ok(Status::Failed(_)) => "failed",
            Err(_) => "unavailable",
        }
    }

    /// The engine, if it can answer searches now.
    fn ready_engine(&self) -> Result<&Engine, Error> {
        match &*self.status()? {
            Status::Ready => self.engine(),
            Status::Building { .. } => Err(Error::Busy(
                "the search index is still being built after start; try again shortly".into(),
            )),
            Status::Failed(e) => Err(Error::Store(format!(
                "the search index is unavailable: {e}"
            ))),
        }
    }

    /// The index of every record in the store.
    pub fn build(store: &Store, iris: &Iris) -> Result<Self, Error> {
        let index = Self::empty(iris)?;
        index.rebuild(store)?;
        Ok(index)
    }

    /// Like `build`, but an index that failed to build answers every search
    /// with the reason instead of stopping the service.
    pub fn build_or_unavailable(store: &Store, iris: &Iris) -> Self {
        Self::build(store, iris).unwrap_or_else(|e| {
            tracing::error!(error = %e, "search index could not be built; /records is unavailable");
            SearchIndex {
                engine: Err(Arc::from(e.to_string())),
            }
        })
    }

    fn engine(&self) -> Result<&Engine, Error> {
        self.engine
            .as_deref()
            .map_err(|e| Error::Store(format!("the search index is unavailable: {e}")))
    }

    /// Replace the whole index with the records of the store. Returns the
    /// number of records indexed.
    pub fn rebuild(&self, store: &Store) -> Result<usize, Error> {
        let engine = self.engine()?;
        // Read before the records: they are at least as new as it says, and
        // a change after it is applied again by the next catch-up.
        let generation = crate::rdf::meta::generation(store, &engine.iris)?;
        let n = engine.write(generation, |writer| {
            let ids = crate::rdf::read::record_ids(store, &engine.iris)?;
            writer.delete_all_documents().map_err(tantivy_error)?;
            let mut n = 0;
            // Reading a record is a handful of store scans: read a chunk in
            // parallel, index it, and keep memory bounded by the chunk.
            for chunk in ids.chunks(512) {
                let records = store.records(&engine.iris, chunk)?;
                for r in records.iter().flatten() {
                    engine.add(writer, r)?;
                    n += 1;
                }
            }
            Ok(n)
        })?;
        tracing::info!(records = n, "search index built");
        Ok(n)
    }

    /// Re-read these records from the store and replace them in the index;
    /// a record the store no longer has leaves the index.
    pub fn reindex(&self, store: &Store, ids: &[String]) -> Result<(), Error> {
        self.reindex_at(store, ids, self.generation())
    }

    /// `reindex`, after which the index reflects `generation`.
    fn reindex_at(&self, store: &Store, ids: &[String], generation: u64) -> Result<(), Error> {
        if ids.is_empty() {
            return Ok(());
        }
        let engine = self.engine()?;
        engine.write(generation, |writer| {
            for chunk in ids.chunks(512) {
                for (id, record) in chunk.iter().zip(store.records(&engine.iris, chunk)?) {
                    writer.delete_term(Term::from_field_text(engine.fields.id, id));
                    if let Some(r) = record {
                        engine.add(writer, &r)?;
                    }
                }
            }
            Ok(())
        })
    }

    /// Index records given directly (replacing any with the same id), for
    /// readers that have records in hand: benchmarks, tests, a future
    /// in-process harvest.
    pub fn index_records<'a>(
        &self,
        records: impl IntoIterator<Item = &'a Record>,
    ) -> Result<usize, Error> {
        let engine = self.engine()?;
        engine.write(engine.generation.load(Ordering::SeqCst), |writer| {
            let mut n = 0;
            for r in records {
                writer.delete_term(Term::from_field_text(engine.fields.id, &r.id));
                engine.add(writer, r)?;
                n += 1;
            }
            Ok(n)
        })
    }

    /// Bytes the index takes (postings, columns, stored fields).
    pub fn size_bytes(&self) -> u64 {
        self.engine()
            .ok()
            .and_then(|e| e.reader.searcher().space_usage().ok())
            .map(|u| u.total().get_bytes())
            .unwrap_or(0)
    }

    /// Keep the index in step after a write through the service. The write
    /// has already succeeded, so a failure here must not turn it into an
    /// error: it is logged, and a full rebuild is tried instead.
    pub async fn follow(&self, store: &Store, ids: &[String]) {
        if let Ok(mut status) = self.status()
            && let Status::Building { pending } = &mut *status
        {
            pending.extend_from_slice(ids);
            return;
        }
        let (index, store) = (self.clone(), store.clone());
        let done = tokio::task::spawn_blocking(move || {
            index.catch_up(&store).map(|_| ()).or_else(|e| {
                tracing::error!(error = %e, "catching up with the store failed; rebuilding the index");
                index.rebuild(&store).map(|_| ())
            })
        })
        .await;
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the search index is out of step with the store")
            }
            Err(e) => tracing::error!(error = %e, "the re-indexing task failed"),
        }
    }

    /// Records in the index.
    pub fn len(&self) -> usize {
        self.engine()
            .map(|e| e.reader.searcher().num_docs() as usize)
            .unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of an author key, when an indexed record has that author.
    pub fn author_label(&self, key: &str) -> Option<String> {
        let engine = self.engine().ok()?;
        lock_read(&engine.authors).get(key).cloned()
    }

    /// The label of any facet value.
    pub fn label(&self, kind: FacetKind, key: &str) -> String {
        match kind {
            FacetKind::Author => self.author_label(key).unwrap_or_else(|| key.to_string()),
            _ => labels::label(kind, key),
        }
    }

    /// One page of results, with the facet counts of the whole result.
    pub fn search(&self, req: &SearchRequest) -> Result<SearchResults, Error> {
        let engine = self.ready_engine()?;
        let searcher = engine.reader.searcher();
        let plan = engine.plan(req)?;
        let sort = req.effective_sort();
        let facets = facets::FacetCounter {
            field: schema::FACETS,
        };
        // TopDocs allocates for offset + limit: never more than the index holds.
        let num_docs = searcher.num_docs() as usize;
        let offset = req.offset.min(num_docs);
        let limit = req.limit.min(num_docs.saturating_sub(offset));
        let ((total, counts), mut page) = top(
            &searcher,
            &*plan.query,
            sort,
            offset,
            limit,
            (Count, facets),
        )?;
        page.truncate(limit);

        let mut title_snippets = None;
        let mut body_snippets = None;
        if let Some(text) = &plan.text {
            let mut t = SnippetGenerator::create(&searcher, &**text, engine.fields.title)
                .map_err(tantivy_error)?;
            t.set_max_num_chars(100_000);
            let mut b = SnippetGenerator::create(&searcher, &**text, engine.fields.body)
                .map_err(tantivy_error)?;
            b.set_max_num_chars(240);
            title_snippets = Some(t);
            body_snippets = Some(b);
        }
        let mut hits = Vec::with_capacity(page.len());
        for (score, addr) in page {
            let doc: TantivyDocument = searcher.doc(addr).map_err(tantivy_error)?;
            hits.push(engine.hit(&doc, score, title_snippets.as_ref(), body_snippets.as_ref()));
        }

        let authors = lock_read(&engine.authors);
        let mut by_kind: HashMap<FacetKind, Vec<FacetValue>> = HashMap::new();
        for (term, count) in counts {
            let Some((kind, key)) = term
                .split_once(facets::SEPARATOR)
                .and_then(|(k, v)| Some((FacetKind::from_name(k)?, v.to_string())))
            else {
                continue;
            };
            let label = match kind {
                FacetKind::Author => authors.get(&key).cloned().unwrap_or_else(|| key.clone()),
                _ => labels::label(kind, &key),
            };
            let selected = match kind {
                // A year is selected when the range is exactly that year.
                FacetKind::Year => {
                    req.year_from.is_some()
                        && req.year_from == req.year_to
                        && req.year_from.map(|y| y.to_string()).as_deref() == Some(key.as_str())
                }
                _ => plan.filters.iter().any(|(k, v)| *k == kind && *v == key),
            };
            by_kind.entry(kind).or_default().push(FacetValue {
                value: key,
                label,
                count,
                selected,
            });
        }
        let facets = FacetKind::ALL
            .iter()
            .map(|&kind| {
                let mut values = by_kind.remove(&kind).unwrap_or_default();
                if kind == FacetKind::Year {
                    // Numerically: "999" comes after "2015".
                    values
                        .sort_by(|a, b| (b.value.len(), &b.value).cmp(&(a.value.len(), &a.value)));
                } else {
                    values.sort_by(|a, b| {
                        b.count
                            .cmp(&a.count)
                            .then_with(|| a.label.to_lowercase().cmp(&b.label.to_lowercase()))
                            .then_with(|| a.value.cmp(&b.value))
                    });
                }
                let more = values.len().saturating_sub(MAX_FACET_VALUES);
                values.truncate(MAX_FACET_VALUES);
                FacetCounts {
                    facet: kind,
                    values,
                    more,
                }
            })
            .collect();
        Ok(SearchResults {
            total,
            sort,
            hits,
            facets,
            filters: plan.filters,
        })
    }

    /// Every matching record id, in the order of the request (its page is
    /// ignored), read lazily from one snapshot of the index: the cursor of
    /// an export. Returns the total first.
    pub fn ids(&self, req: &SearchRequest) -> Result<(usize, IdCursor), Error> {
        let engine = self.ready_engine()?;
        let searcher = engine.reader.searcher();
        let plan = engine.plan(req)?;
        // One pass that keeps every hit: sized by the index, not by a parameter.
        let all = searcher.num_docs() as usize;
        let (total, hits) = top(&searcher, &*plan.query, req.effective_sort(), 0, all, Count)?;
        let addrs: Vec<DocAddress> = hits.into_iter().map(|(_, a)| a).collect();
        Ok((
            total,
            IdCursor {
                searcher,
                addrs: addrs.into_iter(),
                ready: std::collections::VecDeque::new(),
            },
        ))
    }

    /// Score of every record matching a free-text query (no filters), by id:
    /// what the SPARQL function looks up.
    pub fn scores(&self, q: &str) -> Result<HashMap<String, f32>, Error> {
        let engine = self.ready_engine()?;
        let searcher = engine.reader.searcher();
        let req = SearchRequest {
            q: q.to_string(),
            ..SearchRequest::default()
        };
        let plan = engine.plan(&req)?;
        if plan.text.is_none() {
            return Ok(HashMap::new());
        }
        let n = searcher.num_docs() as usize;
        if n == 0 {
            return Ok(HashMap::new());
        }
        let hits = searcher
            .search(&*plan.query, &TopDocs::with_limit(n).order_by_score())
            .map_err(tantivy_error)?;
        let addrs: Vec<DocAddress> = hits.iter().map(|(_, a)| *a).collect();
        let ids = ids_of(&searcher, &addrs)?;
        Ok(ids
            .into_iter()
            .zip(hits)
            .filter_map(|(id, (score, _))| id.map(|id| (id, score)))
            .collect())
    }
}

/// The ids of a result, one by one (see `SearchIndex::ids`), resolved a
/// chunk at a time.
pub struct IdCursor {
    searcher: Searcher,
    addrs: std::vec::IntoIter<DocAddress>,
    ready: std::collections::VecDeque<String>,
}

/// Documents resolved to ids at once: enough to amortise a pass over the
/// id dictionary, small enough to start an export at once.
const ID_CHUNK: usize = 4096;

impl Iterator for IdCursor {
    type Item = Result<String, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        while self.ready.is_empty() {
            let chunk: Vec<DocAddress> = self.addrs.by_ref().take(ID_CHUNK).collect();
            if chunk.is_empty() {
                return None;
            }
            match ids_of(&self.searcher, &chunk) {
                Ok(ids) => self.ready.extend(ids.into_iter().flatten()),
                Err(e) => return Some(Err(e)),
            }
        }
        self.ready.pop_front().map(Ok)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.ready.len(), Some(self.ready.len() + self.addrs.len()))
    }
}

/// The ids of documents, in the order given, from the columnar `id` field.
/// Per segment, term ordinals are sorted and the id dictionary is read in
/// one pass: a lookup per document costs several times more at 100k hits.
fn ids_of(searcher: &Searcher, addrs: &[DocAddress]) -> Result<Vec<Option<String>>, Error> {
    let mut out: Vec<Option<String>> = vec![None; addrs.len()];
    let mut columns: HashMap<u32, Option<tantivy::columnar::StrColumn>> = HashMap::new();
    let mut wanted: HashMap<u32, Vec<(u64, usize)>> = HashMap::new();
    for (i, addr) in addrs.iter().enumerate() {
        let column = match columns.entry(addr.segment_ord) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(
                searcher
                    .segment_reader(addr.segment_ord)
                    .fast_fields()
                    .str("id")
                    .map_err(tantivy_error)?,
            ),
        };
        if let Some(ord) = column
            .as_ref()
            .and_then(|c| c.term_ords(addr.doc_id).next())
        {
            wanted.entry(addr.segment_ord).or_default().push((ord, i));
        }
    }
    for (segment, mut pairs) in wanted {
        let Some(Some(column)) = columns.get(&segment) else {
            continue;
        };
        pairs.sort_unstable();
        let ords: Vec<u64> = pairs.iter().map(|(ord, _)| *ord).collect();
        let mut at = pairs.iter();
        column
            .dictionary()
            .sorted_ords_to_term_cb(&ords, |bytes| {
                if let Some((_, i)) = at.next() {
                    out[*i] = Some(String::from_utf8_lossy(bytes).into_owned());
                }
            })
            .map_err(Error::from)?;
    }
    Ok(out)
}

/// A request turned into a tantivy query.
struct Plan {
    /// The free-text part alone: what snippets highlight.
    text: Option<Box<dyn Query>>,
    /// Text and filters together.
    query: Box<dyn Query>,
    filters: Vec<(FacetKind, String)>,
}

impl Engine {
    /// Run index changes under the writer lock, then commit them, with the
    /// store generation they bring the index to, and make them visible; or
    /// drop them all if anything failed: a half-done rebuild must never be
    /// committed by the next write.
    fn write<T>(
        &self,
        generation: u64,
        f: impl FnOnce(&IndexWriter) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut writer = lock(&self.writer);
        let payload = serde_json::to_string(&Payload {
            schema: SCHEMA_VERSION,
            base: self.iris.base().to_string(),
            generation,
        })
        .map_err(|e| Error::internal("the search index's commit payload", e))?;
        let done = f(&writer).and_then(|value| {
            let mut commit = writer.prepare_commit().map_err(tantivy_error)?;
            commit.set_payload(&payload);
            commit.commit().map(|_| value).map_err(tantivy_error)
        });
        match done {
            Ok(value) => {
                self.reader.reload().map_err(tantivy_error)?;
                self.generation.store(generation, Ordering::SeqCst);
                Ok(value)
            }
            Err(e) => {
                if let Err(r) = writer.rollback() {
                    tracing::error!(error = %r, "rolling back the search index failed");
                }
                Err(e)
            }
        }
    }

    fn add(&self, writer: &IndexWriter, record: &Record) -> Result<(), Error> {
        let mut names = Vec::new();
        let doc = schema::document(&self.fields, record, |k, n| names.push((k, n)))?;
        if !names.is_empty() {
            let mut authors = lock_write(&self.authors);
            for (k, n) in names {
                authors.entry(k).or_insert(n);
            }
        }
        writer.add_document(doc).map_err(tantivy_error)?;
        Ok(())
    }

    fn plan(&self, req: &SearchRequest) -> Result<Plan, Error> {
        if req.q.chars().count() > MAX_QUERY_CHARS {
            return Err(Error::BadRequest(format!(
                "q is longer than {MAX_QUERY_CHARS} characters"
            )));
        }
        if let (Some(from), Some(to)) = (req.year_from, req.year_to)
            && from > to
        {
            return Err(Error::BadRequest(format!(
                "year_from ({from}) is after year_to ({to})"
            )));
        }
        let text = if req.q.trim().is_empty() {
            None
        } else {
            // Lenient: a stray quote or colon in a search box is not an error.
            let (q, _errors) = self.parser.parse_query_lenient(&req.q);
            // Every word must match, stemmed; the bonuses only rank.
            let mut clauses = vec![(Occur::Must, q)];
            for (parser, constant) in &self.bonuses {
                let (b, _errors) = parser.parse_query_lenient(&req.q);
                let b: Box<dyn Query> = match constant {
                    Some(c) => Box::new(ConstScoreQuery::new(b, *c)),
                    None => b,
                };
                clauses.push((Occur::Should, b));
            }
            Some(Box::new(BooleanQuery::new(clauses)) as Box<dyn Query>)
        };
        let filters: Vec<(FacetKind, String)> = {
            let authors = lock_read(&self.authors);
            req.filters
                .iter()
                .map(|(k, v)| (*k, labels::normalize(*k, v, &authors)))
                .collect()
        };
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if let Some(t) = &text {
            clauses.push((Occur::Must, t.box_clone()));
        }
        // Filters narrow the result without changing the ranking.
        let filter = |q: Box<dyn Query>| -> (Occur, Box<dyn Query>) {
            (Occur::Must, Box::new(ConstScoreQuery::new(q, 0.0)))
        };
        for (k, v) in &filters {
            let term = Term::from_field_text(self.fields.facets, &facets::term(k.name(), v));
            clauses.push(filter(Box::new(TermQuery::new(
                term,
                IndexRecordOption::Basic,
            ))));
        }
        if req.year_from.is_some() || req.year_to.is_some() {
            let bound = |y: Option<i32>| match y {
                Some(y) => Bound::Included(Term::from_field_i64(self.fields.year, i64::from(y))),
                None => Bound::Unbounded,
            };
            clauses.push(filter(Box::new(RangeQuery::new(
                bound(req.year_from),
                bound(req.year_to),
            ))));
        }
        let query: Box<dyn Query> = match clauses.len() {
            0 => Box::new(AllQuery),
            1 if text.is_some() => clauses
                .pop()
                .map(|(_, q)| q)
                .unwrap_or_else(|| Box::new(AllQuery)),
            _ => Box::new(BooleanQuery::new(clauses)),
        };
        Ok(Plan {
            text,
            query,
            filters,
        })
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: Option<f32>,
        title_snippets: Option<&SnippetGenerator>,
        body_snippets: Option<&SnippetGenerator>,
    ) -> Hit {
        let text = |field| -> String {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let display: Display = doc
            .get_first(self.fields.display)
            .and_then(|v| v.as_bytes())
            .and_then(|b| serde_json::from_slice(b).ok())
            .unwrap_or_default();
        let title = text(self.fields.title);
        let title = match title_snippets {
            Some(g) => {
                let s = g.snippet(&title);
                if s.highlighted().is_empty() {
                    Highlighted::plain(title)
                } else {
                    Highlighted::from_snippet(&s, title.len())
                }
            }
            None => Highlighted::plain(title),
        };
        let body: Vec<&str> = doc
            .get_all(self.fields.body)
            .filter_map(|v| v.as_str())
            .collect();
        let body = body.join(" ");
        let snippet = body_snippets
            .map(|g| g.snippet(&body))
            .filter(|s| !s.highlighted().is_empty())
            .map(|s| Highlighted::from_snippet(&s, body.len()))
            .unwrap_or_else(|| Highlighted::opening(&body, 240));
        Hit {
            id: text(self.fields.id),
            title,
            snippet,
            kind: display.kind,
            year: display.year,
            authors: display.authors,
            categories: display.categories,
            countries: display.countries,
            regions: display.regions,
            languages: display.languages,
            score,
        }
    }
}

impl Highlighted {
    fn plain(text: String) -> Self {
        Highlighted {
            text,
            ..Highlighted::default()
        }
    }

    fn from_snippet(s: &tantivy::snippet::Snippet, full_len: usize) -> Self {
        let range = s.fragment_range();
        Highlighted {
            text: s.fragment().to_string(),
            ranges: s.highlighted().to_vec(),
            cut_before: range.start > 0,
            cut_after: range.end < full_len,
        }
    }

    /// The start of a text, cut at a word boundary: what a result shows
    /// when the query matched elsewhere (or there is no query).
    fn opening(text: &str, max_chars: usize) -> Self {
        let text = text.trim();
        if text.chars().count() <= max_chars {
            return Highlighted::plain(text.to_string());
        }
        let cut: String = text.chars().take(max_chars).collect();
        let cut = match cut.rfind(char::is_whitespace) {
            Some(i) if i > max_chars / 2 => cut[..i].to_string(),
            _ => cut,
        };
        Highlighted {
            text: cut
                .trim_end_matches(|c: char| c.is_whitespace() || c == ',')
                .to_string(),
            ranges: Vec::new(),
            cut_before: false,
            cut_after: true,
        }
    }

    /// The parts of the text in order, each marked as matched or not.
    pub fn parts(&self) -> Vec<(&str, bool)> {
        let mut out = Vec::new();
        let mut at = 0;
        for r in tantivy::snippet::collapse_overlapped_ranges(&self.ranges) {
            let (Some(before), Some(hit)) = (self.text.get(at..r.start), self.text.get(r.clone()))
            else {
                continue;
            };
            if !before.is_empty() {
                out.push((before, false));
            }
            out.push((hit, true));
            at = r.end;
        }
        if let Some(rest) = self.text.get(at..)
            && !rest.is_empty()
        {
            out.push((rest, false));
        }
        out
    }
}

/// Hits in order, with their score when ranked by relevance.
type Ranked = Vec<(Option<f32>, DocAddress)>;

/// The `offset..offset+limit` hits of a query in the given order, with
/// scores when ordered by relevance, and what `extra` collects in the same
/// pass. Ties go to the title, then to index order, so pages never overlap.
fn top<C: Collector>(
    searcher: &Searcher,
    query: &dyn Query,
    sort: Sort,
    offset: usize,
    limit: usize,
    extra: C,
) -> Result<(C::Fruit, Ranked), Error> {
    let docs = TopDocs::with_limit(limit.max(1)).and_offset(offset);
    let by_title = || (SortByString::for_field("title_sort"), Order::Asc);
    let by_year = |o: Order| (SortByStaticFastValue::<i64>::for_field("year"), o);
    fn unscored<K, F>(
        (fruit, v): (F, Vec<(K, DocAddress)>),
    ) -> (F, Vec<(Option<f32>, DocAddress)>) {
        (fruit, v.into_iter().map(|(_, a)| (None, a)).collect())
    }
    Ok(match sort {
        Sort::Relevance => {
            let (fruit, v) = searcher
                .search(query, &(extra, docs.order_by_score()))
                .map_err(tantivy_error)?;
            (fruit, v.into_iter().map(|(s, a)| (Some(s), a)).collect())
        }
        Sort::Year => unscored(
            searcher
                .search(
                    query,
                    &(extra, docs.order_by((by_year(Order::Desc), by_title()))),
                )
                .map_err(tantivy_error)?,
        ),
        Sort::YearAsc => unscored(
            searcher
                .search(
                    query,
                    &(extra, docs.order_by((by_year(Order::Asc), by_title()))),
                )
                .map_err(tantivy_error)?,
        ),
        Sort::Title => unscored(
            searcher
                .search(query, &(extra, docs.order_by(by_title())))
                .map_err(tantivy_error)?,
        ),
    })
}

/// Lock a mutex; a panic elsewhere while holding it leaves data we can
/// still use (the writer or a label map), so poisoning is not fatal.
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn lock_read<T>(m: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    m.read().unwrap_or_else(|p| p.into_inner())
}

fn lock_write<T>(m: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    m.write().unwrap_or_else(|p| p.into_inner())
}
