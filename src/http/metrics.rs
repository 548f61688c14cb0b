//! `GET /metrics`: Prometheus text exposition (format 0.0.4), and the
//! middleware that counts requests by route template and status.
//!
//! A scrape must stay cheap however large the store: the counters counted
//! in place (`crate::metrics`) are encoded as they are, cache counters and
//! the search index's document count are read from memory, and the store's
//! sizes come from `StoreCounts`, refreshed off the request path after start
//! and after every write, never by a scan per scrape.

use super::AppState;
use crate::metrics::{Route, RouteStatus, metrics};
use crate::store::Store;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Instant;

/// Count every request under its route template (never the raw path: ids
/// would make one series per record) with its status and time to the head.
pub async fn track<F: Future<Output = Response>>(
    req: Request,
    inner: impl FnOnce(Request) -> F,
) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let started = Instant::now();
    let response = inner(req).await;
    let m = metrics();
    m.http_duration
        .get_or_create(&Route {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    m.http_requests
        .get_or_create(&RouteStatus {
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

/// Quads and records in the store, off the request path. Records are the
/// running count every write keeps in the meta graph (one lookup); quads
/// have no such count in Oxigraph, so they are counted by a scan after
/// start and then at most once per `QUAD_RECOUNT`, never per write.
#[derive(Debug, Clone, Default)]
pub struct StoreCounts {
    quads: Arc<AtomicI64>,
    records: Arc<AtomicI64>,
    /// A quad count is running.
    counting: Arc<AtomicBool>,
    /// When the last quad count started (None before the first).
    counted_at: Arc<std::sync::Mutex<Option<Instant>>>,
}

/// Least time between two scans that count the store's quads.
pub const QUAD_RECOUNT: std::time::Duration = std::time::Duration::from_secs(300);

impl StoreCounts {
    /// Read the record count now (cheap), and count quads on a blocking
    /// thread when none was counted in the last `QUAD_RECOUNT`.
    pub fn refresh(&self, store: &Store, iris: &crate::rdf::Iris) {
        match crate::rdf::meta::record_count(store, iris) {
            Ok(Some(n)) => self.records.store(n as i64, Ordering::Relaxed),
            // A store no write has counted yet: counted with the quads.
            Ok(None) => {}
            Err(e) => tracing::warn!(error = %e, "reading the record count failed"),
        }
        {
            let mut at = self
                .counted_at
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            if at.is_some_and(|t| t.elapsed() < QUAD_RECOUNT)
                || self.counting.swap(true, Ordering::SeqCst)
            {
                return;
            }
            *at = Some(Instant::now());
        }
        let (counts, store, iris) = (self.clone(), store.clone(), iris.clone());
        std::thread::spawn(move || {
            match store.len() {
                Ok(quads) => counts.quads.store(quads as i64, Ordering::Relaxed),
                Err(e) => tracing::warn!(error = %e, "counting the store's quads failed"),
            }
            if let Ok(None) = crate::rdf::meta::record_count(&store, &iris) {
                match crate::rdf::read::record_ids(&store, &iris) {
                    Ok(ids) => counts.records.store(ids.len() as i64, Ordering::Relaxed),
                    Err(e) => tracing::warn!(error = %e, "counting the store's records failed"),
                }
            }
            counts.counting.store(false, Ordering::SeqCst);
        });
    }

    pub fn quads(&self) -> i64 {
        self.quads.load(Ordering::Relaxed)
    }

    pub fn records(&self) -> i64 {
        self.records.load(Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CacheLabels {
    cache: &'static str,
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct LaneLabel {
    lane: &'static str,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StatusLabel {
    status: &'static str,
}

fn gauge(value: i64) -> Gauge {
    let g = Gauge::default();
    g.set(value);
    g
}

/// The values that live elsewhere, read now.
fn read_now(state: &AppState) -> Registry {
    let mut r = Registry::with_prefix("palermo");
    let caches: Family<CacheLabels, Counter> = Family::default();
    let response = state.cache.stats();
    let references = state.exporter.styles().cache_stats();
    for (cache, hits, misses) in [
        ("response", response.hits, response.misses),
        ("record", response.record_hits, response.record_misses),
        ("reference", references.hits, references.misses),
    ] {
        for (result, n) in [("hit", hits), ("miss", misses)] {
            caches
                .get_or_create(&CacheLabels { cache, result })
                .inc_by(n);
        }
    }
    r.register(
        "cache_requests",
        "Lookups in each in-memory cache (response: rendered record answers; record: records as read; reference: formatted references), by hit or miss",
        caches,
    );
    let status: Family<StatusLabel, Gauge> = Family::default();
    let now = state.search.status_name();
    for s in crate::search::SearchIndex::STATUS_NAMES {
        status
            .get_or_create(&StatusLabel { status: s })
            .set(i64::from(s == now));
    }
    r.register(
        "search_index_status",
        "1 for the search index's current status (building, ready, failed, unavailable)",
        status,
    );
    r.register(
        "search_index_documents",
        "Records in the search index",
        gauge(state.search.len() as i64),
    );
    r.register(
        "store_quads",
        "Quads in the store (counted after start, then at most every 5 minutes after a write)",
        gauge(state.store_counts.quads()),
    );
    r.register(
        "store_records",
        "Records (dcterms:BibliographicResource) in the store (kept by every write)",
        gauge(state.store_counts.records()),
    );
    let store_generation = state.follower.store_generation();
    r.register(
        "store_generation",
        "The store's generation (changes committed to it), as this process last read it",
        gauge(store_generation as i64),
    );
    r.register(
        "followed_generation",
        "The store generation this process's caches, counts and rendered references reflect",
        gauge(state.follower.applied() as i64),
    );
    r.register(
        "search_index_generation",
        "The store generation the search index reflects",
        gauge(state.search.generation() as i64),
    );
    r.register(
        "search_index_lag",
        "Changes committed to the store that the search index does not reflect yet",
        gauge(store_generation.saturating_sub(state.search.generation()) as i64),
    );
    let side_reads: Family<ResultLabel, Counter> = Family::default();
    let reads = state.side.reads();
    for (result, n) in [("hit", reads.hits()), ("fallback", reads.fallbacks())] {
        side_reads.get_or_create(&ResultLabel { result }).inc_by(n);
    }
    r.register(
        "side_file_reads",
        "Records read for exports, OAI-PMH, pages and rendering ahead: from the side file of records (hit), or from the triples because it was not current (fallback)",
        side_reads,
    );
    // -1 while it is stale (being rebuilt) or there is none.
    let side_generation = state.side.generation().map_or(-1, |g| g as i64);
    r.register(
        "side_file_generation",
        "The store generation the side file of records reflects (-1: stale, being rebuilt, or none)",
        gauge(side_generation),
    );
    let lanes: Family<LaneLabel, Gauge> = Family::default();
    for (lane, sem, size) in [
        (
            "fast",
            &state.query_slots,
            state.config.max_concurrent_queries.max(1),
        ),
        (
            "long",
            &state.long_query_slots,
            state.config.max_long_queries.max(1),
        ),
    ] {
        lanes
            .get_or_create(&LaneLabel { lane })
            .set(size.saturating_sub(sem.available_permits()) as i64);
    }
    r.register(
        "sparql_slots_in_use",
        "SPARQL evaluations running, in the fast lane and the long-running pool",
        lanes,
    );
    r
}

/// The handler.
pub async fn scrape(State(state): State<AppState>) -> Response {
    let mut body = String::with_capacity(8 << 10);
    let encoded =
        prometheus_client::encoding::prometheus_text::encode(&mut body, metrics().registry())
            .and_then(|()| {
                prometheus_client::encoding::prometheus_text::encode(&mut body, &read_now(&state))
            });
    match encoded {
        Ok(()) => (
            StatusCode::OK,
            [(header::CONTENT_TYPE, crate::media::PROMETHEUS_TEXT)],
            body,
        )
            .into_response(),
        Err(e) => crate::error::Error::internal("encoding the metrics", e).into_response(),
    }
}
