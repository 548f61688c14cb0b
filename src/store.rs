//! The Oxigraph store behind a narrow interface of our own: open, query with
//! a deadline, and replace source graphs in one transaction (a user's
//! update in one transaction under a deadline).
//!
//! Everything else goes through this module, so that a remote SPARQL 1.1
//! endpoint could later stand in for the embedded store.

use crate::error::Error;
use oxigraph::model::{GraphName, GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad};
use oxigraph::sparql::{
    CancellationToken, QueryDatasetSpecification, QueryResults, SparqlEvaluator,
};
use oxigraph::store::Store as OxStore;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// The catalogue store. Cheap to clone: Oxigraph's store is reference-counted.
#[derive(Clone)]
pub struct Store {
    inner: OxStore,
}

impl Store {
    /// An in-memory store (tests, one-off conversions).
    pub fn memory() -> Result<Self, Error> {
        Ok(Store {
            inner: OxStore::new()?,
        })
    }

    /// Open (or create) the RocksDB store in `dir`. Only one process may hold
    /// it read-write; say so plainly instead of passing on RocksDB's lock error.
    #[cfg(feature = "rocksdb")]
    pub fn open(dir: &Path) -> Result<Self, Error> {
        std::fs::create_dir_all(dir).map_err(|e| {
            Error::internal(format!("cannot create data directory {}", dir.display()), e)
        })?;
        match OxStore::open(dir) {
            Ok(inner) => Ok(Store { inner }),
            Err(e) => {
                let msg = e.to_string();
                if msg.contains("LOCK") || msg.contains("lock") {
                    Err(Error::StoreLocked(dir.display().to_string()))
                } else {
                    Err(Error::Store(format!(
                        "cannot open store in {}: {msg}",
                        dir.display()
                    )))
                }
            }
        }
    }

    /// Built without the `rocksdb` feature there is no on-disk store.
    #[cfg(not(feature = "rocksdb"))]
    pub fn open(dir: &Path) -> Result<Self, Error> {
        Err(Error::Store(format!(
            "cannot open store in {}: this build has no RocksDB (feature `rocksdb`)",
            dir.display()
        )))
    }

    /// The Oxigraph store, for modules that stream from it directly.
    pub fn oxigraph(&self) -> &OxStore {
        &self.inner
    }

    pub fn is_empty(&self) -> Result<bool, Error> {
        Ok(self.inner.is_empty()?)
    }

    pub fn len(&self) -> Result<usize, Error> {
        Ok(self.inner.len()?)
    }

    /// Evaluate a query with the default graph as the union of all graphs,
    /// cut off after `timeout`. The callback consumes the results while the
    /// deadline is still armed: cancellation also stops lazy iteration.
    pub fn query<T>(
        &self,
        query: &str,
        timeout: Duration,
        consume: impl FnOnce(QueryResults<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.query_in(query, &Dataset::Service, timeout, consume)
    }

    /// [`Store::query`] over a given dataset.
    pub fn query_in<T>(
        &self,
        query: &str,
        dataset: &Dataset,
        timeout: Duration,
        consume: impl FnOnce(QueryResults<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        crate::guard::check_depth(query)?;
        let parsed = spargebra::SparqlParser::new()
            .parse_query(query)
            .map_err(|e| Error::BadQuery(e.to_string()))?;
        self.evaluate(SparqlEvaluator::new(), parsed, dataset, timeout, consume)
    }

    /// Evaluate a parsed query with a configured evaluator (service handlers)
    /// over `dataset`, under a deadline that also covers consuming the results.
    pub fn evaluate<T>(
        &self,
        evaluator: SparqlEvaluator,
        query: spargebra::Query,
        dataset: &Dataset,
        timeout: Duration,
        consume: impl FnOnce(QueryResults<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let token = CancellationToken::new();
        let guard = Deadline::arm(token.clone(), timeout);
        let evaluator =
            crate::guard::with_guard(evaluator.with_cancellation_token(token.clone()), token);
        let has_own_dataset = query.dataset().is_some();
        let mut prepared = evaluator.for_query(crate::guard::guard_query(query));
        dataset.apply(has_own_dataset, prepared.dataset_mut());
        crate::guard::stop_on_cancel(|| {
            let results = prepared
                .on_store(&self.inner)
                .execute()
                .map_err(|e| guard.explain(e.into()))?;
            consume(results).map_err(|e| guard.explain(e))
        })
        .unwrap_or(Err(Error::Timeout(timeout)))
    }

    /// Replace whole graphs and apply other changes atomically: either all
    /// of it is visible afterwards, or none of it.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&mut oxigraph::store::Transaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let mut tx = self.inner.start_transaction()?;
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`Store::transaction`] under a deadline. `f` evaluates with the
    /// evaluator it is given (queries and updates alike, their joins
    /// guarded as in [`Store::evaluate`]); past the deadline that evaluation
    /// is cancelled, the transaction is dropped uncommitted and the answer
    /// is `Error::Timeout`.
    pub fn transaction_within<T>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut oxigraph::store::Transaction<'_>, &SparqlEvaluator) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let token = CancellationToken::new();
        let guard = Deadline::arm(token.clone(), timeout);
        let evaluator = crate::guard::with_guard(
            SparqlEvaluator::new().with_cancellation_token(token.clone()),
            token,
        );
        // The guard unwinds out of the closure, and so drops the transaction.
        crate::guard::stop_on_cancel(|| {
            let mut tx = self.inner.start_transaction()?;
            let value = f(&mut tx, &evaluator).map_err(|e| guard.explain(e))?;
            if guard.token.is_cancelled() {
                // Cancelled where nothing checked: the deadline holds anyway.
                return Err(Error::Timeout(timeout));
            }
            tx.commit()?;
            Ok(value)
        })
        .unwrap_or(Err(Error::Timeout(timeout)))
    }

    /// All quads of one named graph.
    pub fn graph_quads(&self, graph: NamedNodeRef<'_>) -> Result<Vec<Quad>, Error> {
        Ok(self
            .inner
            .quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(graph)))
            .collect::<Result<_, _>>()?)
    }

    pub fn flush(&self) -> Result<(), Error> {
        #[cfg(feature = "rocksdb")]
        self.inner.flush()?;
        Ok(())
    }
}

/// Run store work off the async threads (store calls block); a panic in it
/// is this call's error.
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| Error::internal("task failed", e))?
}

/// The RDF dataset a query is evaluated against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Dataset {
    /// The service's own: the default graph is the union of every graph and
    /// every named graph is available, unless the query names its dataset
    /// with `FROM` / `FROM NAMED`.
    #[default]
    Service,
    /// Given by the request (`default-graph-uri`, `named-graph-uri`): it
    /// replaces the query's own, and it has exactly these graphs. Naming
    /// only default graphs gives no named graphs, and naming only named
    /// graphs gives an empty default graph, as `FROM` and `FROM NAMED` do
    /// (SPARQL 1.1 Query §13.2, Protocol §2.1.4).
    Explicit {
        default: Vec<NamedNode>,
        named: Vec<NamedNode>,
    },
}

impl Dataset {
    /// The dataset of a request's default and named graph IRIs; `Service`
    /// when neither list names a graph. `params` names the two lists as the
    /// caller's users know them, for the error about an IRI that is not one.
    pub fn from_request(
        default: &[String],
        named: &[String],
        params: [&str; 2],
    ) -> Result<Self, Error> {
        let iris = |list: &[String], param: &str| {
            list.iter()
                .map(|g| {
                    NamedNode::new(g).map_err(|e| Error::BadRequest(format!("{param} {g}: {e}")))
                })
                .collect::<Result<Vec<_>, _>>()
        };
        let (default, named) = (iris(default, params[0])?, iris(named, params[1])?);
        Ok(if default.is_empty() && named.is_empty() {
            Dataset::Service
        } else {
            Dataset::Explicit { default, named }
        })
    }

    fn apply(&self, query_has_own: bool, spec: &mut QueryDatasetSpecification) {
        match self {
            Dataset::Service if query_has_own => {}
            Dataset::Service => spec.set_default_graph_as_union(),
            Dataset::Explicit { default, named } => {
                spec.set_default_graph(default.iter().cloned().map(GraphName::from).collect());
                spec.set_available_named_graphs(
                    named.iter().cloned().map(NamedOrBlankNode::from).collect(),
                );
            }
        }
    }
}

/// Cancels a query when its time is up. One timer thread serves every
/// query: a thread per query cost more than a small query itself.
struct Deadline {
    token: CancellationToken,
    key: (Instant, u64),
    timeout: Duration,
}

/// How late a deadline may fire. While queries run, the timer thread wakes
/// at least this often, so arming a deadline never has to wake it: a
/// cross-thread wake-up per query cost as much as a small query.
const TICK: Duration = Duration::from_millis(10);

/// How long the timer keeps ticking with nothing armed before it sleeps
/// until the next query (which then wakes it once).
const LINGER: Duration = Duration::from_secs(1);

/// Armed deadlines, earliest first, and the thread that fires them.
struct Timer {
    state: Mutex<TimerState>,
    wake: Condvar,
    next_id: AtomicU64,
}

struct TimerState {
    armed: BTreeMap<(Instant, u64), CancellationToken>,
    /// When the timer thread wakes next; `None` while it sleeps until
    /// notified.
    wakes_at: Option<Instant>,
}

impl Timer {
    fn get() -> &'static Timer {
        static TIMER: OnceLock<&'static Timer> = OnceLock::new();
        TIMER.get_or_init(|| {
            let timer: &'static Timer = Box::leak(Box::new(Timer {
                state: Mutex::new(TimerState {
                    armed: BTreeMap::new(),
                    wakes_at: None,
                }),
                wake: Condvar::new(),
                next_id: AtomicU64::new(0),
            }));
            std::thread::Builder::new()
                .name("query-deadlines".into())
                .spawn(move || timer.run())
                .expect("the deadline thread starts");
            timer
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TimerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self) {
        let mut state = self.lock();
        let mut last_armed = Instant::now();
        loop {
            let now = Instant::now();
            while let Some(entry) = state.armed.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                entry.remove().cancel();
            }
            state.wakes_at = match state.armed.keys().next() {
                Some(&(at, _)) => {
                    last_armed = now;
                    Some(at.min(now + TICK))
                }
                None if now.duration_since(last_armed) < LINGER => Some(now + TICK),
                None => None,
            };
            state = match state.wakes_at {
                Some(at) => {
                    self.wake
                        .wait_timeout(state, at.saturating_duration_since(now))
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => {
                    let state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                    last_armed = Instant::now();
                    state
                }
            };
        }
    }
}

impl Deadline {
    fn arm(token: CancellationToken, timeout: Duration) -> Self {
        let timer = Timer::get();
        let key = (
            Instant::now() + timeout,
            timer.next_id.fetch_add(1, Ordering::Relaxed),
        );
        let mut state = timer.lock();
        state.armed.insert(key, token.clone());
        // Wake the timer only when it would otherwise fire this deadline
        // late; while queries run it ticks anyway.
        let late = state.wakes_at.is_none_or(|at| at > key.0 + TICK);
        drop(state);
        if late {
            timer.wake.notify_one();
        }
        Deadline {
            token,
            key,
            timeout,
        }
    }

    /// A cancelled query becomes a timeout error that says how long it ran.
    fn explain(&self, e: Error) -> Error {
        if self.token.is_cancelled() {
            Error::Timeout(self.timeout)
        } else {
            e
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        Timer::get().lock().armed.remove(&self.key);
    }
}
