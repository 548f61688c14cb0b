//! Every route of the service, in one table, and the layers around them.

use super::{AppState, health, home, oai, query_page, sparql, writes};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, header};
use axum::routing::{any, get};
use tower_http::cors::{Any, CorsLayer};

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    // Partner web pages query us from their own origins.
    let cors = CorsLayer::new()
        .allow_origin(Any)
        .allow_methods([Method::GET, Method::POST, Method::HEAD, Method::OPTIONS])
        .allow_headers([header::ACCEPT, header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([header::HeaderName::from_static("palermo-results-truncated")]);
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(health::healthz))
        .route("/sparql", any(sparql::sparql))
        .route("/sparql/update", any(writes::update))
        .route("/store", any(writes::store))
        .route("/query", get(query_page::page))
        .route("/oai", get(oai::oai).post(oai::oai))
        .fallback(super::error::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(cors)
        .with_state(state)
}
