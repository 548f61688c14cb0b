//! The home page: what the catalogue holds and where to go next.

use super::AppState;
use super::pages;
use super::plumbing::blocking;
use crate::error::Error;
use crate::stats::Stats;
use axum::extract::State;
use axum::response::Html;

pub async fn home(State(state): State<AppState>) -> Result<Html<String>, Error> {
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let stats = blocking(move || Stats::compute(&store, &iris)).await?;
    // The catalogue's own facets, to browse from: the search index counts
    // them in one pass. Without an index the page still says what is here.
    let index = state.search.clone();
    let facets = blocking(move || {
        Ok(index
            .search(&crate::search::SearchRequest::default())
            .map(|r| r.facets)
            .unwrap_or_default())
    })
    .await?;
    Ok(Html(pages::home::render(
        &stats,
        &facets,
        state.config.iris.base(),
    )))
}
