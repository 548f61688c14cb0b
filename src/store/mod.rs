//! The one place that knows which engine holds the triples.
//!
//! `Store` offers what the rest of Palermo needs, in the terms of
//! `oxigraph::model` (the data model) and `sparesults` (the results data
//! model), never the engine's own types:
//! - reads: quad lookups by pattern, named graphs, and batched reads of
//!   several records at once (a page costs one call, whatever its size);
//! - queries under a deadline over a [`Dataset`], answered as an [`Answer`]
//!   that streams, with the options of [`QueryOptions`] (search functions,
//!   allowed `SERVICE` prefixes);
//! - writes in one [`Transaction`] that reads its own writes (and runs a
//!   SPARQL Update under a deadline), and the bulk loader ([`BulkLoad`]).
//!
//! Today the engine is the embedded Oxigraph store; a remote SPARQL 1.1
//! engine is to stand in for it here, and only here.

mod answer;
mod deadline;
mod errors;
pub mod federation;
pub mod guard;
mod reads;
mod remote;
mod transaction;

pub use answer::{Answer, CustomFunction, QueryOptions, Solutions, Triples};
pub use reads::Quads;
pub use transaction::{BulkLoad, Transaction};

use crate::error::Error;
use deadline::Deadline;
use oxigraph::model::{GraphName, NamedNode, NamedOrBlankNode};
use oxigraph::sparql::{CancellationToken, QueryDatasetSpecification, SparqlEvaluator};
use oxigraph::store::Store as OxStore;
use std::path::Path;
use std::time::Duration;

/// The catalogue store. Cheap to clone: Oxigraph's store is reference-counted,
/// and so is a remote engine's client.
#[derive(Clone)]
pub struct Store {
    engine: Engine,
}

/// Which engine holds the triples.
#[derive(Clone)]
enum Engine {
    /// Oxigraph in this process (RocksDB on disk, or in memory).
    Embedded(OxStore),
    /// A SPARQL 1.1 engine over HTTP (`--backend URL`): reads only, so far.
    Remote(std::sync::Arc<remote::Remote>),
}

impl Store {
    /// An in-memory store (tests, one-off conversions).
    pub fn memory() -> Result<Self, Error> {
        Ok(Store {
            engine: Engine::Embedded(OxStore::new()?),
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
            Ok(inner) => Ok(Store {
                engine: Engine::Embedded(inner),
            }),
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

    /// A remote SPARQL 1.1 engine (`--backend URL`). It answers every read;
    /// writes (`transaction*`, `bulk_load`) are refused with
    /// [`Error::ReadOnly`] for now: a reader never writes.
    pub fn remote(client: crate::remote::Client) -> Self {
        Store {
            engine: Engine::Remote(std::sync::Arc::new(remote::Remote::new(client))),
        }
    }

    /// Whether the triples are in a remote engine.
    pub fn is_remote(&self) -> bool {
        matches!(self.engine, Engine::Remote(_))
    }

    /// Requests sent to a remote engine so far (`None` for the embedded
    /// store): what a page costs, for tests and benchmarks.
    pub fn remote_requests(&self) -> Option<u64> {
        match &self.engine {
            Engine::Embedded(_) => None,
            Engine::Remote(r) => Some(r.requests()),
        }
    }

    /// The embedded store, or the refusal of a write on a remote engine.
    fn writable(&self, what: &str) -> Result<&OxStore, Error> {
        match &self.engine {
            Engine::Embedded(s) => Ok(s),
            Engine::Remote(r) => Err(Error::ReadOnly(format!(
                "{what} on the {}: writing to a remote engine is not yet supported (#24); this process only reads",
                r.client.backend()
            ))),
        }
    }

    pub fn is_empty(&self) -> Result<bool, Error> {
        match &self.engine {
            Engine::Embedded(s) => Ok(s.is_empty()?),
            Engine::Remote(r) => r.is_empty(),
        }
    }

    pub fn len(&self) -> Result<usize, Error> {
        match &self.engine {
            Engine::Embedded(s) => Ok(s.len()?),
            Engine::Remote(r) => r.len(),
        }
    }

    /// Evaluate a query with the default graph as the union of all graphs,
    /// cut off after `timeout`. The callback consumes the answer while the
    /// deadline is still armed: cancellation also stops lazy iteration.
    pub fn query<T>(
        &self,
        query: &str,
        timeout: Duration,
        consume: impl FnOnce(Answer<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        self.query_in(query, &Dataset::Service, timeout, consume)
    }

    /// [`Store::query`] over a given dataset.
    pub fn query_in<T>(
        &self,
        query: &str,
        dataset: &Dataset,
        timeout: Duration,
        consume: impl FnOnce(Answer<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        guard::check_depth(query)?;
        let parsed = spargebra::SparqlParser::new()
            .parse_query(query)
            .map_err(|e| Error::BadQuery(e.to_string()))?;
        self.evaluate(&QueryOptions::default(), parsed, dataset, timeout, consume)
    }

    /// Evaluate a parsed query with `options` (search functions, `SERVICE`
    /// calls) over `dataset`, under a deadline that also covers consuming
    /// the answer.
    pub fn evaluate<T>(
        &self,
        options: &QueryOptions,
        query: spargebra::Query,
        dataset: &Dataset,
        timeout: Duration,
        consume: impl FnOnce(Answer<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let inner = match &self.engine {
            Engine::Embedded(s) => s,
            Engine::Remote(r) => {
                let answer = r.evaluate(options, &query, dataset, timeout)?;
                return consume(answer);
            }
        };
        let token = CancellationToken::new();
        let deadline = Deadline::arm(token.clone(), timeout);
        let evaluator = guarded(options.evaluator(), token);
        let has_own_dataset = query.dataset().is_some();
        let mut prepared = evaluator.for_query(guard::guard_query(query));
        dataset.apply(has_own_dataset, prepared.dataset_mut());
        guard::stop_on_cancel(|| {
            let results = prepared
                .on_store(inner)
                .execute()
                .map_err(|e| deadline.explain(e.into()))?;
            consume(Answer::from(results)).map_err(|e| deadline.explain(e))
        })
        .unwrap_or(Err(Error::Timeout(timeout)))
    }

    /// Evaluate a query as the engine alone would, over the union of all
    /// graphs: no deadline, no join guard, no depth check. Only for the
    /// tests and benchmarks that compare Palermo's layer with the bare
    /// engine; never for a request.
    #[doc(hidden)]
    pub fn query_unguarded(
        &self,
        options: &QueryOptions,
        query: &str,
    ) -> Result<Answer<'static>, Error> {
        let inner = match &self.engine {
            Engine::Embedded(s) => s,
            Engine::Remote(r) => return r.query_text(query, &Dataset::Service, UNGUARDED),
        };
        let mut prepared = options
            .evaluator()
            .parse_query(query)
            .map_err(|e| Error::BadQuery(e.to_string()))?;
        prepared.dataset_mut().set_default_graph_as_union();
        Ok(Answer::from(prepared.on_store(inner).execute()?))
    }

    /// Replace whole graphs and apply other changes atomically: either all
    /// of it is visible afterwards, or none of it.
    pub fn transaction<T>(
        &self,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let inner = self.writable("a transaction")?;
        let mut tx = Transaction::new(inner.start_transaction()?, None);
        let value = f(&mut tx)?;
        tx.commit()?;
        Ok(value)
    }

    /// [`Store::transaction`] under a deadline. The transaction's queries
    /// and updates run under it (their joins guarded as in
    /// [`Store::evaluate`]); past the deadline that evaluation is
    /// cancelled, the transaction is dropped uncommitted and the answer is
    /// `Error::Timeout`.
    pub fn transaction_within<T>(
        &self,
        timeout: Duration,
        f: impl FnOnce(&mut Transaction<'_>) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let inner = self.writable("a transaction")?;
        let token = CancellationToken::new();
        let deadline = Deadline::arm(token.clone(), timeout);
        let evaluator = guarded(SparqlEvaluator::new(), token);
        // The guard unwinds out of the closure, and so drops the transaction.
        guard::stop_on_cancel(|| {
            let mut tx = Transaction::new(inner.start_transaction()?, Some(evaluator));
            let value = f(&mut tx).map_err(|e| deadline.explain(e))?;
            if deadline.token.is_cancelled() {
                // Cancelled where nothing checked: the deadline holds anyway.
                return Err(Error::Timeout(timeout));
            }
            tx.commit()?;
            Ok(value)
        })
        .unwrap_or(Err(Error::Timeout(timeout)))
    }

    /// Load quads with the bulk loader: fast, for sources new to the store,
    /// and visible all at once when `ingest` returns `Ok` and the load
    /// commits. Not a transaction: nothing is checked against what the
    /// store holds, and the change feed is the caller's (see
    /// `import::bulk`). `memory_mb` bounds the loader's sorted batches.
    pub fn bulk_load(
        &self,
        memory_mb: usize,
        ingest: impl FnOnce(&mut BulkLoad<'_>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        let mut loader = BulkLoad::new(
            self.writable("a bulk load")?
                .bulk_loader()
                .with_max_memory_size_in_megabytes(memory_mb),
        );
        // The loader deletes its files when dropped without a commit.
        ingest(&mut loader)?;
        loader.commit()
    }

    pub fn flush(&self) -> Result<(), Error> {
        #[cfg(feature = "rocksdb")]
        if let Engine::Embedded(inner) = &self.engine {
            inner.flush()?;
        }
        Ok(())
    }
}

/// How long [`Store::query_unguarded`] waits for a remote engine.
const UNGUARDED: Duration = Duration::from_secs(3600);

/// An evaluator with the deadline's token and the join guard.
fn guarded(evaluator: SparqlEvaluator, token: CancellationToken) -> SparqlEvaluator {
    guard::with_guard(evaluator.with_cancellation_token(token.clone()), token)
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
