//! The side file of serialised records: `derived/records.redb`, one value
//! per record id, the `Record` exactly as `rdf::read` makes it from the
//! triples, so that exports, OAI-PMH, landing pages and the reference
//! warmer read a record with one B-tree lookup and a decode (microseconds)
//! instead of the handful of store scans `rdf::read` costs (~0.3 ms).
//!
//! Derived data is never wrong, only late: the file records the store
//! generation it matches (in its metadata table, written in the same redb
//! transaction as the records it reflects), and [`RecordSource`], the one
//! way to read records, serves from it only while that generation is the
//! store's current one, read once per request or export; otherwise every
//! record comes from the triples. It follows the store through the change
//! feed (`rdf::meta::changes_since`) as the search index does: the records
//! a change names are read again and put (or deleted), and the generation
//! set, in one write transaction; a change of everything rebuilds it in
//! the background, during which it is simply stale. A file of another
//! schema version or base IRI, one that fails redb's integrity check, or a
//! value that fails its own checksum is never served: it is removed and
//! rebuilt.
//!
//! Why redb: pure Rust (no second C++ build beside RocksDB's), ACID with
//! crash safety through copy-on-write B-trees and checksummed pages (a
//! crash leaves the last committed transaction, never half of one), one
//! file, MVCC readers that never block the writer (an export reads one
//! snapshot while the follower writes the next), and a stable file format
//! since 1.0.
//!
//! Why CBOR (`ciborium`, RFC 8949) for the values: compact and binary, a
//! standard with readers everywhere, and self-describing, which `Record`
//! needs: its agents are an internally tagged enum and most fields are
//! skipped when empty, which codecs without field names (postcard, bincode)
//! cannot read back. Each value carries a CRC-32 of its bytes, checked on
//! every read, so a damaged value is detected even between integrity checks.

use crate::error::Error;
use crate::rdf::Iris;
use crate::rdf::read::Reader;
use crate::record::Record;
use crate::store::Store;
use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

/// The file's name under the derived-data folder (`http::DERIVED`).
pub const FILE: &str = "records.redb";

/// Bump when the value encoding or `Record`'s serde shape changes: a file of
/// another version is rebuilt, never decoded with the wrong shape.
pub const SCHEMA_VERSION: u64 = 1;

/// Record id → CRC-32 (little-endian) followed by the record in CBOR.
const RECORDS: TableDefinition<&str, &[u8]> = TableDefinition::new("records");

/// `schema`, `base`, and `generation` (absent while the file is stale:
/// being rebuilt, or never built).
const META: TableDefinition<&str, &str> = TableDefinition::new("meta");

const SCHEMA: &str = "schema";
const BASE: &str = "base";
const GENERATION: &str = "generation";

/// Records read and written per transaction of a rebuild (and per parallel
/// read of the store).
const CHUNK: usize = 1024;

/// redb's page cache. Its default is 1 GiB; records are read once per
/// export, so the OS page cache does the rest.
const CACHE_BYTES: usize = 64 << 20;

/// Test hook: a process with this variable set aborts after a store commit
/// and before the side file follows it, as a kill at that moment would.
pub const ABORT_BEFORE_UPDATE: &str = "PALERMO_TEST_ABORT_BEFORE_SIDE_FILE";

/// Force every record read to come from the triples (`palermo export
/// --no-side-file` sets it too): for comparisons and for suspicion.
pub const DISABLE: &str = "PALERMO_NO_SIDE_FILE";

fn redb_error(what: &str, e: impl Into<redb::Error>) -> Error {
    Error::internal(format!("side file: {what}"), e.into())
}

/// The value stored for a record.
fn encode(record: &Record) -> Result<Vec<u8>, Error> {
    let mut out = vec![0u8; 4];
    ciborium::into_writer(record, &mut out)
        .map_err(|e| Error::internal("side file: encoding a record", e))?;
    let crc = crc32fast::hash(&out[4..]);
    out[..4].copy_from_slice(&crc.to_le_bytes());
    Ok(out)
}

/// A stored value back to its record; `None` when it fails its checksum or
/// does not decode (damage, never served).
fn decode(bytes: &[u8]) -> Option<Record> {
    let (crc, body) = bytes.split_at_checked(4)?;
    if crc32fast::hash(body).to_le_bytes() != crc {
        return None;
    }
    ciborium::from_reader(body).ok()
}

/// An id and its stored value; `None` when the store has no record for it.
type Encoded<'i> = (&'i String, Option<Vec<u8>>);

/// These records read from the triples and encoded, on every core, in
/// order.
fn read_encoded<'i>(
    store: &Store,
    iris: &Iris,
    ids: &[&'i String],
) -> Result<Vec<Encoded<'i>>, Error> {
    use rayon::prelude::*;
    ids.par_iter()
        .map_init(
            || Reader::new(store, iris),
            |reader, id| -> Result<Encoded<'i>, Error> {
                Ok((id, reader.record(id)?.as_ref().map(encode).transpose()?))
            },
        )
        .collect()
}

/// What the metadata table says.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
struct Meta {
    schema: Option<u64>,
    base: Option<String>,
    generation: Option<u64>,
}

impl Meta {
    fn read(txn: &redb::ReadTransaction) -> Result<Meta, Error> {
        let table = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(Meta::default()),
            Err(e) => return Err(redb_error("opening the metadata", e)),
        };
        let get = |k: &str| -> Result<Option<String>, Error> {
            Ok(table
                .get(k)
                .map_err(|e| redb_error("reading the metadata", e))?
                .map(|v| v.value().to_string()))
        };
        Ok(Meta {
            schema: get(SCHEMA)?.and_then(|s| s.parse().ok()),
            base: get(BASE)?,
            generation: get(GENERATION)?.and_then(|s| s.parse().ok()),
        })
    }

    /// Whether a file with this metadata holds records this build can read
    /// under this base.
    fn ours(&self, iris: &Iris) -> bool {
        self.schema == Some(SCHEMA_VERSION) && self.base.as_deref() == Some(iris.base())
    }
}

/// Reads from the side file and from the triples, for `/metrics` and the
/// CLI's summary.
#[derive(Debug, Default)]
pub struct Reads {
    hits: AtomicU64,
    fallbacks: AtomicU64,
}

impl Reads {
    /// Records read from the side file.
    pub fn hits(&self) -> u64 {
        self.hits.load(Ordering::Relaxed)
    }

    /// Records read from the triples because the side file was not current
    /// (missing, stale, being rebuilt, damaged, or turned off).
    pub fn fallbacks(&self) -> u64 {
        self.fallbacks.load(Ordering::Relaxed)
    }
}

/// A cheap handle on the side file (or on its absence): clone it freely.
#[derive(Clone)]
pub struct SideFile {
    inner: Arc<Inner>,
}

struct Inner {
    /// `None`: no file at all (no data directory, or turned off).
    path: Option<PathBuf>,
    iris: Iris,
    /// The open file; `None` while it cannot be used.
    db: RwLock<Option<Arc<Database>>>,
    /// The generation it reflects, for `/metrics` (the authority is the
    /// metadata table, read in each reader's snapshot).
    generation: AtomicU64,
    /// Whether `generation` means anything (false while stale).
    current: AtomicBool,
    /// A rebuild is running (or queued): catching up waits for it.
    rebuilding: AtomicBool,
    /// One writer at a time: the follower's catch-up and a rebuild.
    writing: Mutex<()>,
    /// After a failure, the timer leaves the file alone until then (a
    /// full disk must not turn into a rebuild every half second).
    backoff_until: Mutex<Option<std::time::Instant>>,
    reads: Reads,
}

/// What `palermo index --check` found about the side file.
#[derive(Debug, PartialEq, Eq)]
pub enum SideState {
    Missing,
    /// Of another schema version or base IRI.
    Other,
    Damaged(String),
    /// Sound but stale: no generation (a rebuild was cut short).
    Stale {
        records: u64,
    },
    Sound {
        generation: u64,
        records: u64,
        behind: u64,
        rebuild_needed: bool,
    },
}

/// `palermo index --check`'s report on the side file.
#[derive(Debug)]
pub struct SideCheck {
    pub path: PathBuf,
    pub state: SideState,
}

impl SideCheck {
    /// Whether serving can use it as it is (perhaps after catching up).
    pub fn usable(&self) -> bool {
        matches!(self.state, SideState::Sound { .. })
    }
}

impl std::fmt::Display for SideCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "side file: {}", self.path.display())?;
        match &self.state {
            SideState::Missing => writeln!(f, "side file: missing (the next start builds it)"),
            SideState::Other => writeln!(
                f,
                "side file: of another schema version or base IRI (the next start rebuilds it)"
            ),
            SideState::Damaged(why) => writeln!(
                f,
                "side file: damaged: {why} (the next start rebuilds it; exports read the triples)"
            ),
            SideState::Stale { records } => writeln!(
                f,
                "side file: stale, {records} records and no generation (a rebuild was cut short; the next start rebuilds it)"
            ),
            SideState::Sound {
                generation,
                records,
                behind,
                rebuild_needed,
            } => {
                writeln!(
                    f,
                    "side file: sound, schema {SCHEMA_VERSION}, generation {generation}, {records} records"
                )?;
                match (behind, rebuild_needed) {
                    (0, _) => writeln!(f, "side file status: current"),
                    (n, false) => writeln!(
                        f,
                        "side file status: {n} changes behind (the next start applies them; exports read the triples until then)"
                    ),
                    (n, true) => writeln!(
                        f,
                        "side file status: {n} changes behind, one of everything (the next start rebuilds it)"
                    ),
                }
            }
        }
    }
}

/// Open (or create) the file, verifying every page's checksum: redb trusts
/// a cleanly closed file otherwise, and may panic on one damaged behind
/// its back, so a panic is caught and reported as damage too.
fn open_checked(path: &Path, create: bool) -> Result<Database, Error> {
    let opened = std::panic::catch_unwind(|| {
        let mut builder = Database::builder();
        builder
            .set_cache_size(CACHE_BYTES)
            .set_check_integrity_on_open(true);
        if create {
            builder.create(path)
        } else {
            builder.open(path)
        }
    });
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(e)) => Err(redb_error("opening", e)),
        Err(_) => Err(Error::Store(format!(
            "side file {}: damaged (reading it panicked)",
            path.display()
        ))),
    }
}

fn meta_of(db: &Database) -> Result<Meta, Error> {
    let txn = db
        .begin_read()
        .map_err(|e| redb_error("starting a read", e))?;
    Meta::read(&txn)
}

fn record_count(db: &Database) -> Result<u64, Error> {
    use redb::ReadableTableMetadata;
    let txn = db
        .begin_read()
        .map_err(|e| redb_error("starting a read", e))?;
    match txn.open_table(RECORDS) {
        Ok(t) => t.len().map_err(|e| redb_error("counting", e)),
        Err(redb::TableError::TableDoesNotExist(_)) => Ok(0),
        Err(e) => Err(redb_error("opening the records", e)),
    }
}

impl SideFile {
    /// No side file: every read comes from the triples (in-memory stores,
    /// tests).
    pub fn disabled(iris: &Iris) -> Self {
        Self::with(None, iris, None)
    }

    fn with(path: Option<PathBuf>, iris: &Iris, db: Option<Database>) -> Self {
        SideFile {
            inner: Arc::new(Inner {
                path,
                iris: iris.clone(),
                db: RwLock::new(db.map(Arc::new)),
                generation: AtomicU64::new(0),
                current: AtomicBool::new(false),
                rebuilding: AtomicBool::new(false),
                writing: Mutex::new(()),
                backoff_until: Mutex::new(None),
                reads: Reads::default(),
            }),
        }
    }

    /// The side file in `dir` for serving, opened on a thread of its own
    /// (redb's integrity check reads the whole file): until it is open and
    /// current, records are read from the triples. Opened and caught up by
    /// the change when it is sound and of this schema and base; else made
    /// afresh. A missing, damaged, foreign or stale one, or one behind a
    /// change of everything, is rebuilt in the background. Never fails the
    /// start: at worst, no side file.
    pub fn open(dir: Option<&Path>, store: &Store, iris: &Iris) -> Self {
        if std::env::var_os(DISABLE).is_some() {
            return Self::disabled(iris);
        }
        let Some(dir) = dir else {
            return Self::disabled(iris);
        };
        let path = dir.join(FILE);
        let side = Self::with(Some(path.clone()), iris, None);
        let (opener, store) = (side.clone(), store.clone());
        let spawned = std::thread::Builder::new()
            .name("palermo-side".into())
            .spawn(move || opener.open_now(&path, &store));
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start opening the side file; records are read from the triples");
        }
        side
    }

    /// `open`'s work: open or make the file, then catch it up.
    fn open_now(&self, path: &Path, store: &Store) {
        let started = std::time::Instant::now();
        let iris = &self.inner.iris;
        let db = match Self::open_ours(path, iris) {
            Ok(db) => db,
            Err(e) => {
                tracing::warn!(error = %e, "the side file of records is unusable: rebuilding it");
                match Self::create_empty(path, iris) {
                    Ok(db) => db,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot create the side file; records are read from the triples");
                        return;
                    }
                }
            }
        };
        *self
            .inner
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(db));
        match self.catch_up(store) {
            Ok(()) => tracing::info!(
                generation = self.generation(),
                rebuilding = self.inner.rebuilding.load(Ordering::SeqCst),
                seconds = started.elapsed().as_secs_f64(),
                "side file of records opened"
            ),
            Err(e) => {
                tracing::warn!(error = %e, "the side file could not catch up; records are read from the triples until it does")
            }
        }
    }

    /// Open the file at `path` if it is sound and ours; an error (to
    /// recreate it) otherwise, a missing file included.
    fn open_ours(path: &Path, iris: &Iris) -> Result<Database, Error> {
        if !path.exists() {
            return Err(Error::NotFound(format!("{} is missing", path.display())));
        }
        let db = open_checked(path, false)?;
        let meta = meta_of(&db)?;
        if !meta.ours(iris) {
            return Err(Error::Store(format!(
                "{} is of schema {:?} and base {:?}, not {SCHEMA_VERSION} and {}",
                path.display(),
                meta.schema,
                meta.base,
                iris.base()
            )));
        }
        Ok(db)
    }

    /// Remove whatever is at `path` and make an empty, stale file there.
    fn create_empty(path: &Path, iris: &Iris) -> Result<Database, Error> {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::internal(format!("cannot create {}", dir.display()), e))?;
        }
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::internal(
                    format!("cannot remove {}", path.display()),
                    e,
                ));
            }
        }
        let db = open_checked(path, true)?;
        let txn = db
            .begin_write()
            .map_err(|e| redb_error("starting a write", e))?;
        {
            let mut meta = txn
                .open_table(META)
                .map_err(|e| redb_error("creating the metadata", e))?;
            meta.insert(SCHEMA, SCHEMA_VERSION.to_string().as_str())
                .map_err(|e| redb_error("writing the metadata", e))?;
            meta.insert(BASE, iris.base())
                .map_err(|e| redb_error("writing the metadata", e))?;
            txn.open_table(RECORDS)
                .map_err(|e| redb_error("creating the records", e))?;
        }
        txn.commit().map_err(|e| redb_error("committing", e))?;
        Ok(db)
    }

    /// The side file in `dir` for reading only (`palermo export`): used
    /// when it is sound, of this schema and base; never created, changed
    /// or rebuilt here.
    pub fn open_for_reading(dir: &Path, iris: &Iris) -> Self {
        if std::env::var_os(DISABLE).is_some() {
            return Self::disabled(iris);
        }
        let path = dir.join(FILE);
        match Self::open_ours(&path, iris) {
            Ok(db) => Self::with(Some(path), iris, Some(db)),
            Err(e) => {
                if path.exists() {
                    eprintln!(
                        "the side file of records is not used ({e}); records are read from the triples (`palermo index --rebuild` or the next start rebuilds it)"
                    );
                }
                Self::with(Some(path), iris, None)
            }
        }
    }

    /// Build the side file in `dir` afresh from the store, now (`palermo
    /// index --rebuild`). Returns the number of records written.
    pub fn rebuild_in(dir: &Path, store: &Store, iris: &Iris) -> Result<usize, Error> {
        let path = dir.join(FILE);
        let db = Self::create_empty(&path, iris)?;
        let side = Self::with(Some(path), iris, Some(db));
        let _one = side.lock_writing();
        side.fill(store)
    }

    /// What the side file in `dir` is, against the store (`palermo index
    /// --check`).
    pub fn check(dir: &Path, store: &Store, iris: &Iris) -> Result<SideCheck, Error> {
        let path = dir.join(FILE);
        let state = if !path.exists() {
            SideState::Missing
        } else {
            match open_checked(&path, false).and_then(|db| Ok((meta_of(&db)?, record_count(&db)?)))
            {
                Err(e) => SideState::Damaged(e.to_string()),
                Ok((meta, _)) if !meta.ours(iris) => SideState::Other,
                Ok((meta, records)) => match meta.generation {
                    None => SideState::Stale { records },
                    Some(g) => {
                        let behind = crate::rdf::meta::changes_since(store, iris, g)?;
                        SideState::Sound {
                            generation: g,
                            records,
                            behind: behind.to.saturating_sub(behind.from),
                            rebuild_needed: behind.set.everything,
                        }
                    }
                },
            }
        };
        Ok(SideCheck { path, state })
    }

    fn db(&self) -> Option<Arc<Database>> {
        self.inner
            .db
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn lock_writing(&self) -> std::sync::MutexGuard<'_, ()> {
        self.inner
            .writing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether there is a file to keep (not disabled, not failed).
    pub fn is_enabled(&self) -> bool {
        self.db().is_some()
    }

    /// The store generation the file reflects, if it is not stale.
    pub fn generation(&self) -> Option<u64> {
        self.inner
            .current
            .load(Ordering::SeqCst)
            .then(|| self.inner.generation.load(Ordering::SeqCst))
    }

    /// Whether the file is open, not being rebuilt, and not at
    /// `generation`: a catch-up is due.
    pub fn lags(&self, generation: u64) -> bool {
        let backing_off = self
            .inner
            .backoff_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some_and(|t| std::time::Instant::now() < t);
        self.is_enabled()
            && !backing_off
            && !self.inner.rebuilding.load(Ordering::SeqCst)
            && self.generation() != Some(generation)
    }

    /// Leave the file alone for a while after a failure.
    fn back_off(&self) {
        *self
            .inner
            .backoff_until
            .lock()
            .unwrap_or_else(PoisonError::into_inner) =
            Some(std::time::Instant::now() + std::time::Duration::from_secs(30));
    }

    /// Reads served from it and from the triples.
    pub fn reads(&self) -> &Reads {
        &self.inner.reads
    }

    fn set_generation(&self, generation: Option<u64>) {
        self.inner
            .generation
            .store(generation.unwrap_or(0), Ordering::SeqCst);
        self.inner
            .current
            .store(generation.is_some(), Ordering::SeqCst);
    }

    /// Bring the file up to the store's generation: the records the
    /// changes since its own generation name are read again and written,
    /// with the new generation, in one transaction; a change of
    /// everything (or no generation at all) starts a rebuild in the
    /// background. Runs on the follower's blocking thread after every
    /// write and poll.
    pub fn catch_up(&self, store: &Store) -> Result<(), Error> {
        self.catch_up_now(store).inspect_err(|_| self.back_off())
    }

    fn catch_up_now(&self, store: &Store) -> Result<(), Error> {
        if self.inner.rebuilding.load(Ordering::SeqCst) {
            // The rebuild catches up when it ends.
            return Ok(());
        }
        let Some(db) = self.db() else {
            return Ok(());
        };
        let _one = self.lock_writing();
        let iris = &self.inner.iris;
        let Some(from) = meta_of(&db)?.generation else {
            self.set_generation(None);
            self.spawn_rebuild(store);
            return Ok(());
        };
        self.set_generation(Some(from));
        let changes = crate::rdf::meta::changes_since(store, iris, from)?;
        if changes.is_empty() {
            return Ok(());
        }
        if changes.set.everything {
            self.spawn_rebuild(store);
            return Ok(());
        }
        // One transaction: the records and the generation they reach are
        // seen together or not at all. Records are read after `changes.to`
        // was, so each is at least as new as it says; a later change is
        // applied by the next run. Read a chunk at a time on every core,
        // written as it comes, so memory stays bounded by the chunk.
        let ids: Vec<&String> = changes.set.records.iter().collect();
        let txn = db
            .begin_write()
            .map_err(|e| redb_error("starting a write", e))?;
        {
            let mut records = txn
                .open_table(RECORDS)
                .map_err(|e| redb_error("opening the records", e))?;
            for chunk in ids.chunks(CHUNK) {
                for (id, value) in read_encoded(store, iris, chunk)? {
                    match value {
                        Some(v) => records
                            .insert(id.as_str(), v.as_slice())
                            .map(drop)
                            .map_err(|e| redb_error("writing a record", e))?,
                        None => records
                            .remove(id.as_str())
                            .map(drop)
                            .map_err(|e| redb_error("removing a record", e))?,
                    }
                }
            }
            let mut meta = txn
                .open_table(META)
                .map_err(|e| redb_error("opening the metadata", e))?;
            meta.insert(GENERATION, changes.to.to_string().as_str())
                .map_err(|e| redb_error("writing the generation", e))?;
        }
        txn.commit().map_err(|e| redb_error("committing", e))?;
        self.set_generation(Some(changes.to));
        tracing::debug!(
            from = changes.from,
            to = changes.to,
            records = ids.len(),
            "side file followed the store"
        );
        Ok(())
    }

    /// Rebuild on a thread of its own (one at a time), then catch up; the
    /// file is stale, and unread, until it is done.
    pub fn spawn_rebuild(&self, store: &Store) {
        if self.db().is_none() || self.inner.rebuilding.swap(true, Ordering::SeqCst) {
            return;
        }
        self.set_generation(None);
        let (side, store) = (self.clone(), store.clone());
        let spawned = std::thread::Builder::new()
            .name("palermo-side".into())
            .spawn(move || {
                let started = std::time::Instant::now();
                let built = {
                    let _one = side.lock_writing();
                    side.fill(&store)
                };
                side.inner.rebuilding.store(false, Ordering::SeqCst);
                match built.and_then(|n| side.catch_up(&store).map(|()| n)) {
                    Ok(n) => tracing::info!(
                        records = n,
                        seconds = started.elapsed().as_secs_f64(),
                        generation = side.generation(),
                        "side file of records rebuilt"
                    ),
                    Err(e) => {
                        side.back_off();
                        tracing::error!(error = %e, "rebuilding the side file failed; records are read from the triples")
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start the side file's rebuild");
            self.inner.rebuilding.store(false, Ordering::SeqCst);
        }
    }

    /// Replace every record with the store's (the caller holds `writing`).
    /// The generation is removed first and set last, so the file is stale,
    /// and unread, until every record is in.
    fn fill(&self, store: &Store) -> Result<usize, Error> {
        let Some(db) = self.db() else {
            return Ok(0);
        };
        let iris = &self.inner.iris;
        // Read before the records: they are at least as new as it says.
        let generation = crate::rdf::meta::generation(store, iris)?;
        self.set_generation(None);
        let mut txn = db
            .begin_write()
            .map_err(|e| redb_error("starting a write", e))?;
        txn.open_table(META)
            .map_err(|e| redb_error("opening the metadata", e))?
            .remove(GENERATION)
            .map_err(|e| redb_error("removing the generation", e))?;
        txn.delete_table(RECORDS)
            .map_err(|e| redb_error("clearing the records", e))?;
        txn.open_table(RECORDS)
            .map_err(|e| redb_error("creating the records", e))?;
        txn.commit().map_err(|e| redb_error("committing", e))?;
        let ids = crate::rdf::read::record_ids(store, iris)?;
        let ids: Vec<&String> = ids.iter().collect();
        let mut n = 0;
        for chunk in ids.chunks(CHUNK) {
            let values: Vec<(&String, Vec<u8>)> = read_encoded(store, iris, chunk)?
                .into_iter()
                .filter_map(|(id, v)| Some((id, v?)))
                .collect();
            txn = db
                .begin_write()
                .map_err(|e| redb_error("starting a write", e))?;
            // Durable with the last transaction; a crash before it leaves a
            // file without a generation, which is rebuilt.
            txn.set_durability(redb::Durability::None)
                .map_err(|e| Error::internal("side file: durability", e))?;
            {
                let mut records = txn
                    .open_table(RECORDS)
                    .map_err(|e| redb_error("opening the records", e))?;
                for (id, value) in &values {
                    records
                        .insert(id.as_str(), value.as_slice())
                        .map_err(|e| redb_error("writing a record", e))?;
                }
            }
            txn.commit().map_err(|e| redb_error("committing", e))?;
            n += values.len();
        }
        let txn = db
            .begin_write()
            .map_err(|e| redb_error("starting a write", e))?;
        txn.open_table(META)
            .map_err(|e| redb_error("opening the metadata", e))?
            .insert(GENERATION, generation.to_string().as_str())
            .map_err(|e| redb_error("writing the generation", e))?;
        txn.commit().map_err(|e| redb_error("committing", e))?;
        self.set_generation(Some(generation));
        Ok(n)
    }

    /// A value failed its checksum: stop reading the file and make it
    /// again (reads go to the triples meanwhile).
    fn damaged(&self, id: &str, store: &Store) {
        tracing::error!(
            id,
            "a record in the side file fails its checksum: the file is rebuilt, records are read from the triples meanwhile"
        );
        let Some(path) = self.inner.path.clone() else {
            return;
        };
        // New readers see no file until the new one is made; readers in
        // flight get errors from the closed one and read the triples.
        let Some(old) = self
            .inner
            .db
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
        else {
            // Another reader found the damage first.
            return;
        };
        self.set_generation(None);
        drop(old);
        let (side, store) = (self.clone(), store.clone());
        let spawned = std::thread::Builder::new()
            .name("palermo-side".into())
            .spawn(move || {
                let made = {
                    let _one = side.lock_writing();
                    Self::create_empty(&path, &side.inner.iris)
                };
                match made {
                    Ok(db) => {
                        *side
                            .inner
                            .db
                            .write()
                            .unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(db));
                        side.spawn_rebuild(&store);
                    }
                    Err(e) => tracing::error!(error = %e, "cannot make the side file again; records are read from the triples"),
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "cannot start remaking the side file");
        }
    }

    /// The one way to read records: from this file when it reflects the
    /// store's current generation (read now, once), else from the triples.
    pub fn source<'a>(&'a self, store: &'a Store) -> Result<RecordSource<'a>, Error> {
        let iris = &self.inner.iris;
        // The store's generation is read only when there is a side file to
        // compare it with: on a remote engine that read is a request.
        let table = match self.db() {
            None => None,
            Some(db) => {
                let now = crate::rdf::meta::generation(store, iris)?;
                (|| {
                    let txn = db.begin_read().ok()?;
                    let meta = Meta::read(&txn).ok()?;
                    (meta.ours(iris) && meta.generation == Some(now))
                        .then(|| txn.open_table(RECORDS).ok())
                        .flatten()
                })()
            }
        };
        Ok(RecordSource {
            store,
            iris,
            table,
            side: self,
        })
    }
}

/// Records for one request or export, in the order asked for: from the
/// side file's snapshot when it matched the store's generation at the
/// start, else from the triples. Ids with no record are skipped (or
/// `None`), as `export::records_from_store` does.
pub struct RecordSource<'a> {
    store: &'a Store,
    iris: &'a Iris,
    table: Option<redb::ReadOnlyTable<&'static str, &'static [u8]>>,
    side: &'a SideFile,
}

impl<'a> RecordSource<'a> {
    /// The IRIs records are read under.
    pub fn iris(&self) -> &'a Iris {
        self.iris
    }

    /// Whether records come from the side file.
    pub fn is_current(&self) -> bool {
        self.table.is_some()
    }

    /// A reader of the triples for `record`'s fallbacks (one per thread:
    /// it keeps the agents it has read).
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.store, self.iris)
    }

    /// One record, `None` when the store has none with this id.
    pub fn record(&self, reader: &mut Reader<'_>, id: &str) -> Result<Option<Record>, Error> {
        let reads = &self.side.inner.reads;
        if let Some(table) = &self.table {
            match table.get(id) {
                Ok(None) => {
                    reads.hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(None);
                }
                Ok(Some(value)) => {
                    if let Some(r) = decode(value.value()) {
                        reads.hits.fetch_add(1, Ordering::Relaxed);
                        return Ok(Some(r));
                    }
                    self.side.damaged(id, self.store);
                }
                Err(e) => {
                    tracing::warn!(error = %e, "reading the side file failed; reading the triples");
                }
            }
        }
        reads.fallbacks.fetch_add(1, Ordering::Relaxed);
        if self.store.is_remote() {
            // One batched request, not a lookup per node.
            return crate::rdf::read::record(self.store, self.iris, id);
        }
        reader.record(id)
    }

    /// Records in the order of `ids`, ids without a record skipped. Read a
    /// chunk at a time on every core, so memory stays bounded by the chunk.
    pub fn records<I>(self, ids: I) -> impl Iterator<Item = Result<Record, Error>> + 'a
    where
        I: IntoIterator<Item = String>,
        I::IntoIter: 'a,
    {
        use rayon::prelude::*;
        let mut ids = ids.into_iter();
        std::iter::from_fn(move || {
            let chunk: Vec<String> = ids.by_ref().take(CHUNK).collect();
            if chunk.is_empty() {
                return None;
            }
            if self.table.is_none() {
                // All from the triples: the store's batched read (one
                // request per chunk on a remote engine, every core here).
                let read = self.store.records(self.iris, &chunk);
                self.side
                    .inner
                    .reads
                    .fallbacks
                    .fetch_add(chunk.len() as u64, Ordering::Relaxed);
                let read: Vec<Result<Option<Record>, Error>> = match read {
                    Ok(records) => records.into_iter().map(Ok).collect(),
                    Err(e) => vec![Err(e)],
                };
                return Some(read.into_iter().filter_map(Result::transpose));
            }
            let read: Vec<Result<Option<Record>, Error>> = chunk
                .par_iter()
                .map_init(|| self.reader(), |reader, id| self.record(reader, id))
                .collect();
            Some(read.into_iter().filter_map(Result::transpose))
        })
        .flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip_and_damage_is_detected() {
        let record: Record = serde_json::from_value(serde_json::json!({
            "id": "a", "title": "Ä title", "kind": "report", "year": 2020,
            "authors": [{"type": "person", "given": "Ann", "family": "Lee"},
                        {"type": "organization", "name": "UNODC"}]
        }))
        .unwrap();
        let bytes = encode(&record).unwrap();
        assert_eq!(decode(&bytes), Some(record));
        let mut bad = bytes.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert_eq!(decode(&bad), None);
        assert_eq!(decode(&bytes[..3]), None);
    }
}
