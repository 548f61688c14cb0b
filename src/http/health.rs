//! Liveness: answers when the store answers.

use super::AppState;
use super::plumbing::blocking;
use crate::error::Error;
use axum::extract::State;

pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, Error> {
    let store = state.store.clone();
    blocking(move || store.is_empty()).await?;
    Ok("ok\n")
}
