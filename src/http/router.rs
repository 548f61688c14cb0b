//! Every route of the service, in one table.

use super::{AppState, health, home};
use axum::Router;
use axum::routing::get;

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(health::healthz))
        .fallback(super::error::not_found)
        .with_state(state)
}
