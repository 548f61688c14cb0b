//! Liveness: answers when the store answers.

use super::AppState;
use crate::error::Error;
use axum::extract::State;

pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, Error> {
    let store = state.store.clone();
    tokio::task::spawn_blocking(move || store.is_empty())
        .await
        .map_err(|e| Error::Io(e.to_string()))??;
    Ok("ok\n")
}
