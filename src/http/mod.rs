//! The HTTP service: configuration, shared state, start-up and shutdown.
//! Routes live in `router`, one module per surface next to it.

pub mod error;
pub mod health;
pub mod home;
pub mod router;

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
    pub query_timeout: Duration,
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub config: Arc<Config>,
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
    {
        let (store, iris) = (store.clone(), config.iris.clone());
        tokio::task::spawn_blocking(move || ensure_catalogue(&store, &iris))
            .await
            .map_err(|e| Error::Io(e.to_string()))??;
    }
    let listener = tokio::net::TcpListener::bind(config.bind)
        .await
        .map_err(|e| Error::Io(format!("cannot listen on {}: {e}", config.bind)))?;
    tracing::info!("serving {} on http://{}", config.iris.base(), config.bind);
    serve_on(listener, store, config, shutdown_signal()).await
}

/// Serve on a bound listener until `shutdown` resolves (tests bind port 0).
pub async fn serve_on(
    listener: tokio::net::TcpListener,
    store: Store,
    config: Config,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    let app = router::router(AppState {
        store: store.clone(),
        config: Arc::new(config),
    });
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await
        .map_err(|e| Error::Io(e.to_string()))?;
    store.flush()?;
    Ok(())
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
