//! The Oxigraph store behind a narrow interface of our own: open, query with
//! a deadline, and replace source graphs in one transaction.
//!
//! Everything else goes through this module, so that a remote SPARQL 1.1
//! endpoint could later stand in for the embedded store.

use crate::error::Error;
use oxigraph::model::{GraphNameRef, NamedNodeRef, Quad};
use oxigraph::sparql::{CancellationToken, QueryResults, SparqlEvaluator};
use oxigraph::store::Store as OxStore;
use std::path::Path;
use std::time::Duration;

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
            Error::Io(format!(
                "cannot create data directory {}: {e}",
                dir.display()
            ))
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
        crate::guard::check_depth(query)?;
        let parsed = spargebra::SparqlParser::new()
            .parse_query(query)
            .map_err(|e| Error::BadQuery(e.to_string()))?;
        self.evaluate(
            SparqlEvaluator::new(),
            parsed,
            |d| d.set_default_graph_as_union(),
            timeout,
            consume,
        )
    }

    /// Evaluate a parsed query with a configured evaluator (service handlers)
    /// and dataset, under a deadline that also covers consuming the results.
    pub fn evaluate<T>(
        &self,
        evaluator: SparqlEvaluator,
        query: spargebra::Query,
        dataset: impl FnOnce(&mut oxigraph::sparql::QueryDatasetSpecification),
        timeout: Duration,
        consume: impl FnOnce(QueryResults<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let token = CancellationToken::new();
        let guard = Deadline::arm(token.clone(), timeout);
        let evaluator =
            crate::guard::with_guard(evaluator.with_cancellation_token(token.clone()), token);
        let mut prepared = evaluator.for_query(crate::guard::guard_query(query));
        dataset(prepared.dataset_mut());
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

/// Cancels a query when its time is up, on a timer thread that stops early
/// when the query finishes first.
struct Deadline {
    token: CancellationToken,
    done: std::sync::mpsc::Sender<()>,
    timeout: Duration,
}

impl Deadline {
    fn arm(token: CancellationToken, timeout: Duration) -> Self {
        let (done, rx) = std::sync::mpsc::channel::<()>();
        let t = token.clone();
        std::thread::spawn(move || {
            if let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = rx.recv_timeout(timeout) {
                t.cancel();
            }
        });
        Deadline {
            token,
            done,
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
        let _ = self.done.send(());
    }
}
