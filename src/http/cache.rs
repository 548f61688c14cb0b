//! Rendered record representations, and records as read from the store
//! (for bibliographies and search exports), kept until the store next
//! changes.
//!
//! A record's exports and pages are a pure function of the store and the
//! request's options, and the store changes only through this process's
//! write endpoints (RocksDB admits one writer). So every write empties the
//! cache, and between writes a repeated request costs one map lookup: no
//! store read, no rendering, no digest for the ETag.
//!
//! An answer read before a write must not be kept after it: each entry is
//! stored only if no write happened since its read began (the generation).

use super::plumbing::Prepared;
use super::records::RecordDoc;
use crate::export::ExportOptions;
use crate::record::Record;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

/// 64 MiB: every record of a 100k catalogue in one citation format.
pub const DEFAULT_BUDGET: usize = 64 << 20;
/// Records kept as read from the store (about 1–2 KB each).
pub const RECORD_CAPACITY: usize = 50_000;

/// What a record's answer depends on besides the store.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Key {
    pub id: String,
    pub doc: RecordDoc,
    /// `/records/{id}.{ext}` adds `Content-Disposition` and `rel=describes`.
    pub suffixed: bool,
    pub ascii: bool,
    pub style: Option<String>,
    pub locale: Option<String>,
}

impl Key {
    pub fn new(id: &str, doc: RecordDoc, suffixed: bool, opts: &ExportOptions) -> Self {
        Key {
            id: id.to_string(),
            doc,
            suffixed,
            ascii: opts.ascii,
            style: opts.style.clone(),
            locale: opts.locale.clone(),
        }
    }
}

#[derive(Debug, Default)]
struct Inner {
    generation: u64,
    stats: CacheStats,
    bytes: usize,
    entries: HashMap<Key, Arc<Prepared>>,
    records: HashMap<String, Arc<Record>>,
}

/// Lookups so far, for `/metrics` (counted under the lock each lookup
/// takes anyway).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub record_hits: u64,
    pub record_misses: u64,
}

/// A lookup's answer, counted as a hit or a miss; a miss hands back the
/// generation to insert with.
fn tally<T>(found: Option<T>, hits: &mut u64, misses: &mut u64, generation: u64) -> Result<T, u64> {
    match found {
        Some(value) => {
            *hits += 1;
            Ok(value)
        }
        None => {
            *misses += 1;
            Err(generation)
        }
    }
}

/// The cache, shared by every request; cheap to clone.
#[derive(Debug, Clone)]
pub struct ResponseCache {
    inner: Arc<Mutex<Inner>>,
    budget: usize,
}

impl ResponseCache {
    /// A cache holding at most `budget` bytes of answers; 0 disables it.
    pub fn new(budget: usize) -> Self {
        ResponseCache {
            inner: Arc::new(Mutex::new(Inner::default())),
            budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // Nothing here can be left half-updated by a panic: keep serving.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The kept answer, or the generation to hand back to `insert`.
    pub fn get(&self, key: &Key) -> Result<Arc<Prepared>, u64> {
        let inner = &mut *self.lock();
        let found = inner.entries.get(key).cloned();
        tally(
            found,
            &mut inner.stats.hits,
            &mut inner.stats.misses,
            inner.generation,
        )
    }

    pub fn stats(&self) -> CacheStats {
        self.lock().stats
    }

    /// Keep an answer read at `generation`, unless a write came since.
    pub fn insert(&self, key: Key, generation: u64, answer: Arc<Prepared>) {
        let size = answer.size() + key.id.len();
        if size > self.budget / 16 {
            return;
        }
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        // Over budget, start afresh: cheaper and fairer than tracking
        // recency, since the popular records come straight back.
        if inner.bytes + size > self.budget {
            inner.entries.clear();
            inner.bytes = 0;
        }
        let id_len = key.id.len();
        let replaced = inner
            .entries
            .insert(key, answer)
            .map_or(0, |old| old.size() + id_len);
        inner.bytes = inner.bytes + size - replaced;
    }

    /// A record as last read from the store, or the generation to insert
    /// it with after reading it.
    pub fn record(&self, id: &str) -> Result<Arc<Record>, u64> {
        let inner = &mut *self.lock();
        let found = inner.records.get(id).cloned();
        tally(
            found,
            &mut inner.stats.record_hits,
            &mut inner.stats.record_misses,
            inner.generation,
        )
    }

    pub fn insert_record(&self, generation: u64, record: Arc<Record>) {
        let mut inner = self.lock();
        if inner.generation != generation {
            return;
        }
        if inner.records.len() >= RECORD_CAPACITY {
            inner.records.clear();
        }
        inner.records.insert(record.id.clone(), record);
    }

    /// The record `id`, from the cache or read from `source` (the side
    /// file when current, else the triples with `reader`) and kept; `None`
    /// when no source holds it.
    pub fn read_record(
        &self,
        source: &crate::side::RecordSource<'_>,
        reader: &mut crate::rdf::read::Reader<'_>,
        id: &str,
    ) -> Result<Option<Arc<Record>>, crate::error::Error> {
        match self.record(id) {
            Ok(r) => Ok(Some(r)),
            Err(generation) => Ok(source.record(reader, id)?.map(|r| {
                let r = Arc::new(r);
                self.insert_record(generation, r.clone());
                r
            })),
        }
    }

    /// Forget what these records' answers were: they changed. Answers
    /// being read meanwhile are not kept (the generation moves on).
    pub fn invalidate_records(&self, ids: &[String]) {
        let ids: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut inner = self.lock();
        inner.generation += 1;
        let mut freed = 0;
        inner.entries.retain(|key, answer| {
            let keep = !ids.contains(key.id.as_str());
            if !keep {
                freed += answer.size() + key.id.len();
            }
            keep
        });
        inner.bytes = inner.bytes.saturating_sub(freed);
        inner.records.retain(|id, _| !ids.contains(id.as_str()));
    }

    /// Forget everything: the store changed.
    pub fn invalidate(&self) {
        let mut inner = self.lock();
        inner.generation += 1;
        inner.entries.clear();
        inner.records.clear();
        inner.bytes = 0;
    }
}
