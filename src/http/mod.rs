//! The HTTP service: configuration, shared state, start-up and shutdown.
//! Routes live in `router`, one module per surface next to it.

pub mod assets;
pub mod cache;
pub mod cite;
pub mod dataset;
pub mod error;
pub mod follow;
pub mod health;
pub mod home;
pub mod ids;
pub mod limits;
pub mod metrics;
pub mod negotiate;
pub mod oai;
pub mod ontology;
pub mod pages;
pub mod plumbing;
pub mod query_api;
pub mod query_page;
pub mod records;
pub mod router;
pub mod search;
pub mod sparql;
pub mod strict;
pub mod warm;
pub mod writes;

use crate::error::Error;
use crate::rdf::Iris;
use crate::store::Store;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

/// Settings of a running service.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: SocketAddr,
    pub iris: Iris,
    /// Deadline of one SPARQL query.
    pub query_timeout: Duration,
    /// Deadline of one SPARQL update, after which it is rolled back. Below
    /// `request_timeout`: the request limit answers without stopping the
    /// update, which could then still commit after its 503.
    pub update_timeout: Duration,
    /// Most solutions (or triples) one query returns; more is reported as truncated.
    pub max_rows: usize,
    /// Slots of the fast lane: queries evaluated at once within their
    /// first `query_fast_budget`; more wait briefly, then get 503.
    pub max_concurrent_queries: usize,
    /// How long a query may hold a fast-lane slot. One still running then
    /// is cut and evaluated again in the long-running pool, if a slot is
    /// free there, for the rest of its deadline; else it gets 503.
    pub query_fast_budget: Duration,
    /// How long a query may run on the request's own thread before it moves
    /// to the blocking pool (still in the fast lane); zero always moves it.
    pub query_inline_budget: Duration,
    /// Slots of the long-running pool.
    pub max_long_queries: usize,
    /// How long a query waits for a fast-lane slot before 503.
    pub query_queue_wait: Duration,
    /// Largest request body accepted, in bytes; more gets 413.
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers), in bytes; more gets 431.
    pub max_header_bytes: usize,
    /// Time a client has to send a whole request head, from when the server
    /// starts waiting for it (also the keep-alive idle time); then the
    /// connection is closed.
    pub header_timeout: Duration,
    /// Time a client has to send a whole request body, from the end of its
    /// head; then 408 and the connection is closed.
    pub body_timeout: Duration,
    /// Time a handler has to start its response (503 after); above the SPARQL
    /// deadline, and never cutting a response already streaming.
    pub request_timeout: Duration,
    /// Connections open at once; more wait in the listen backlog.
    pub max_connections: usize,
    /// Bearer token that enables writes; `None` turns writes off.
    pub token: Option<Secret>,
    /// IRI prefixes SPARQL `SERVICE` may call; empty turns federation off.
    pub service_allow: Vec<String>,
    /// Deadline of one `SERVICE` call.
    pub service_timeout: Duration,
    /// Extra CSL styles (`*.csl`), besides hayagriva's archive.
    pub styles_dir: Option<std::path::PathBuf>,
    /// Where derived data lives on disk (`DERIVED` under the data
    /// directory): the search index and the side file of records
    /// (`side::FILE`). `None` keeps the index in memory and has no side
    /// file (records are read from the triples).
    pub derived_dir: Option<std::path::PathBuf>,
    /// Writer (the default) or reader. A reader serves every read and
    /// refuses every write with 503, naming the writer (`writer`).
    pub role: Role,
    /// The writer's URL, named in a reader's refusals.
    pub writer: Option<String>,
}

/// What a `serve` process does (`--role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum Role {
    /// Takes writes (with the token) and serves reads; loads the shipped
    /// catalogue into an empty store.
    #[default]
    Writer,
    /// Serves reads only; refuses writes with 503 naming the writer. It
    /// never writes, not even the shipped catalogue into an empty store.
    Reader,
}

/// The folder of derived data under a data directory (beside the store's
/// own files, which RocksDB keeps at the top).
pub const DERIVED: &str = "derived";

/// The search index's folder under `DERIVED`.
pub const SEARCH: &str = "search";

impl Config {
    /// The search index's folder, when derived data is kept on disk.
    pub fn search_dir(&self) -> Option<std::path::PathBuf> {
        self.derived_dir.as_ref().map(|d| d.join(SEARCH))
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            iris: Iris::new("http://localhost:8080/"),
            query_timeout: Duration::from_secs(10),
            update_timeout: Duration::from_secs(20),
            max_rows: 10_000,
            max_concurrent_queries: 4,
            query_fast_budget: Duration::from_millis(500),
            query_inline_budget: Duration::from_millis(20),
            max_long_queries: 2,
            query_queue_wait: Duration::from_secs(2),
            max_body_bytes: 1 << 20,
            max_header_bytes: 32 << 10,
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(15),
            request_timeout: Duration::from_secs(30),
            max_connections: 1024,
            token: None,
            service_allow: Vec::new(),
            service_timeout: Duration::from_secs(5),
            styles_dir: None,
            derived_dir: None,
            role: Role::Writer,
            writer: None,
        }
    }
}

/// A secret that never appears in logs or `Debug` output.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Option<Self> {
        (!value.is_empty()).then_some(Secret(value))
    }

    /// Constant-time comparison, so response timing reveals nothing.
    pub fn matches(&self, candidate: &str) -> bool {
        use sha2::Digest;
        use subtle::ConstantTimeEq;
        // Hash first: equal-length inputs make the comparison constant-time
        // whatever the candidate's length.
        let a = sha2::Sha256::digest(self.0.as_bytes());
        let b = sha2::Sha256::digest(candidate.as_bytes());
        a.as_slice().ct_eq(b.as_slice()).into()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// What every handler can reach. Cloned for every request and every layer
/// that takes state: one reference count, not one per field.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// The state itself, behind `AppState`.
pub struct Shared {
    pub store: Store,
    pub config: Arc<Config>,
    /// Permits of the fast lane of SPARQL evaluations (`sparql::run`).
    pub query_slots: Arc<tokio::sync::Semaphore>,
    /// Permits of the long-running pool of SPARQL evaluations.
    pub long_query_slots: Arc<tokio::sync::Semaphore>,
    /// Quads and records in the store, for `/metrics`.
    pub store_counts: metrics::StoreCounts,
    /// Citation formats, CSL styles and the cache of rendered references.
    pub exporter: crate::export::Exporter,
    /// Full-text and faceted search, built from the store at start.
    pub search: crate::search::SearchIndex,
    /// Rendered record answers, emptied by every write.
    pub cache: cache::ResponseCache,
    /// The thread that renders references ahead (`warm`).
    pub warmer: warm::Warmer,
    /// Where this process is in the store's change feed (`follow`).
    pub follower: follow::Follower,
    /// Records as the exports need them, kept beside the store
    /// (`crate::side`); read through `side.source(&store)`.
    pub side: crate::side::SideFile,
}

impl AppState {
    /// Shared state; fails when `styles_dir` holds an unreadable style.
    pub fn try_new(store: Store, config: Config) -> Result<Self, Error> {
        let styles = crate::export::formatted::Styles::new(config.styles_dir.as_deref(), 50_000)?;
        let search = crate::search::SearchIndex::for_serving(
            &store,
            &config.iris,
            config.search_dir().as_deref(),
        )?;
        let exporter = crate::export::Exporter::with_styles(config.iris.clone(), styles);
        let side = crate::side::SideFile::open(config.derived_dir.as_deref(), &store, &config.iris);
        Ok(Self::assemble(store, config, search, exporter, side))
    }

    /// Shared state with hayagriva's archived styles only.
    pub fn new(store: Store, config: Config) -> Self {
        let search = crate::search::SearchIndex::build_or_unavailable(&store, &config.iris);
        let exporter = crate::export::Exporter::new(config.iris.clone());
        let side = crate::side::SideFile::disabled(&config.iris);
        Self::assemble(store, config, search, exporter, side)
    }

    fn assemble(
        store: Store,
        config: Config,
        search: crate::search::SearchIndex,
        exporter: crate::export::Exporter,
        side: crate::side::SideFile,
    ) -> Self {
        // What follows is made from the store as it is now; a generation
        // that cannot be read is 0, and the first run catches up.
        let generation = crate::rdf::meta::generation(&store, &config.iris).unwrap_or_default();
        AppState(Arc::new(Shared {
            follower: follow::Follower::at(generation),
            search,
            store,
            query_slots: Arc::new(tokio::sync::Semaphore::new(
                config.max_concurrent_queries.max(1),
            )),
            long_query_slots: Arc::new(tokio::sync::Semaphore::new(config.max_long_queries.max(1))),
            store_counts: metrics::StoreCounts::default(),
            exporter,
            cache: cache::ResponseCache::new(cache::DEFAULT_BUDGET),
            warmer: warm::Warmer::default(),
            side,
            config: Arc::new(config),
        }))
    }
}

/// Load the shipped catalogue into an empty store: the embedded default.
pub fn ensure_catalogue(store: &Store, iris: &Iris) -> Result<(), Error> {
    if store.is_empty()? {
        let report = crate::import::import(
            store,
            iris,
            &crate::catalogue::shipped(),
            time::OffsetDateTime::now_utc(),
        )?;
        tracing::info!(
            records = report.records,
            "empty store: loaded the shipped catalogue"
        );
    }
    Ok(())
}

/// Serve until Ctrl-C or SIGTERM; in-flight requests finish first.
pub async fn serve(store: Store, config: Config) -> Result<(), Error> {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    if config.role == Role::Writer {
        let (store, iris) = (store.clone(), config.iris.clone());
        plumbing::blocking(move || ensure_catalogue(&store, &iris)).await?;
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| Error::internal(format!("cannot listen on {}", config.bind), e))?;
    tracing::info!("serving {} on http://{}", config.iris.base(), config.bind);
    serve_on(listener, store, config, shutdown_signal()).await
}

/// Serve on a bound listener until `shutdown` resolves (tests bind port 0);
/// in-flight requests finish, then the store is flushed.
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let connections = ConnectionLimits::of(&config);
    let state = AppState::try_new(store.clone(), config)?;
    warm::spawn(&state, None);
    state.store_counts.refresh(&state.store, &state.config.iris);
    let poll = follow::spawn_poll(&state);
    let app = router::router(state);
    accept_loop(listener, app, connections, shutdown).await;
    poll.abort();
    store.flush()?;
    Ok(())
}

/// What `accept_loop` enforces per connection (the router enforces the rest).
#[derive(Debug, Clone, Copy)]
struct ConnectionLimits {
    max_header_bytes: usize,
    header_timeout: Duration,
    max_connections: usize,
}

impl ConnectionLimits {
    fn of(config: &Config) -> Self {
        ConnectionLimits {
            max_header_bytes: config.max_header_bytes,
            header_timeout: config.header_timeout,
            max_connections: config.max_connections,
        }
    }
}

/// HTTP/1.1 over each accepted connection, at most `max_connections` at once
/// (beyond that, new connections wait in the kernel's backlog until one
/// closes). On `shutdown`: stop accepting, let in-flight requests finish and
/// close idle connections, then return.
async fn accept_loop(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        // The read buffer bounds a head still arriving; the parsed size
        // bounds a complete one. hyper answers both with 431.
        .max_buf_size(limits.max_header_bytes.max(8192))
        .max_header_size(limits.max_header_bytes);
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let tcp = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = tcp.set_nodelay(true);
        let connection = http.serve_connection(
            hyper_util::rt::TokioIo::new(tcp),
            hyper_util::service::TowerToHyperService::new(app.clone()),
        );
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                // Header timeouts, resets, malformed heads: the client's.
                tracing::debug!(error = %e, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// Per-connection failures are the client's; anything else (out of file
/// descriptors) would spin, so wait a moment before accepting again.
async fn accept_error(e: std::io::Error) {
    use std::io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionAborted | ConnectionReset | ConnectionRefused | Interrupted
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed; retrying in 1 s");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
