//! Following the store: the one path by which this process brings what it
//! derived from the store (cached answers, the search index, counts,
//! rendered references) up to the store's generation.
//!
//! It runs after every write through this process, before the write's
//! response is sent (so a client reads its own writes), and on a timer, so
//! that a change committed by anyone else (a CLI import into a store this
//! process does not hold, another process on a shared engine) is followed
//! within `POLL` plus the time to apply it. Each run reads the change log
//! since the generation it last applied (`rdf::meta::changes_since`) and
//! applies the union: only the records it names, or everything after a
//! change of everything.

use super::AppState;
use super::plumbing::blocking;
use crate::change::Changes;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// How often every process looks at the store's generation: one lookup of
/// one quad.
pub const POLL: Duration = Duration::from_millis(500);

/// Where this process is in the change feed; cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Follower {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    /// The generation the caches, counts and warm references reflect.
    applied: AtomicU64,
    /// The store's generation when this process last looked.
    seen: AtomicU64,
    /// One run at a time: a write's run and the timer's never interleave.
    running: tokio::sync::Mutex<()>,
}

impl Follower {
    /// A follower of a store whose derived state was made at `generation`.
    pub fn at(generation: u64) -> Self {
        let follower = Follower::default();
        follower.inner.applied.store(generation, Ordering::SeqCst);
        follower.inner.seen.store(generation, Ordering::SeqCst);
        follower
    }

    /// The generation this process's derived state reflects.
    pub fn applied(&self) -> u64 {
        self.inner.applied.load(Ordering::SeqCst)
    }

    /// The store's generation as last read.
    pub fn store_generation(&self) -> u64 {
        self.inner.seen.load(Ordering::SeqCst)
    }
}

/// Bring everything derived up to the store's generation. A failure is
/// logged, never the caller's error: the write it follows has succeeded,
/// and the next run tries again from the same generation.
pub async fn catch_up(state: &AppState) {
    let _one = state.follower.inner.running.lock().await;
    let from = state.follower.applied();
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let changes = match blocking(move || crate::rdf::meta::changes_since(&store, &iris, from)).await
    {
        Ok(changes) => changes,
        Err(e) => {
            tracing::warn!(error = %e, "reading the change feed failed");
            return;
        }
    };
    state
        .follower
        .inner
        .seen
        .store(changes.to, Ordering::SeqCst);
    if changes.is_empty() {
        // A side file whose last catch-up failed, or that finished a
        // rebuild, is retried here rather than at the next write.
        if state.side.lags(changes.to) {
            follow_side_file(state).await;
        }
        return;
    }
    apply(state, &changes).await;
    state
        .follower
        .inner
        .applied
        .store(changes.to, Ordering::SeqCst);
}

async fn apply(state: &AppState, changes: &Changes) {
    let records: Vec<String> = changes.set.records.iter().cloned().collect();
    if changes.set.everything {
        state.cache.invalidate();
    } else {
        state.cache.invalidate_records(&records);
    }
    state.store_counts.refresh(&state.store, &state.config.iris);
    state.search.follow(&state.store, &records).await;
    if std::env::var_os(crate::side::ABORT_BEFORE_UPDATE).is_some() {
        // A kill between the store's commit and the side file's update.
        tracing::error!("{} is set: aborting", crate::side::ABORT_BEFORE_UPDATE);
        std::process::abort();
    }
    follow_side_file(state).await;
    if changes.set.everything {
        super::warm::spawn(state, None);
    } else if !records.is_empty() {
        super::warm::spawn(state, Some(records));
    }
    tracing::debug!(
        from = changes.from,
        to = changes.to,
        records = changes.set.records.len(),
        everything = changes.set.everything,
        "followed the store"
    );
}

/// Bring the side file of records up to the store (`crate::side`): from
/// its own generation, which may differ from this follower's (after a
/// rebuild, or at start). Readers use the triples until it is current.
async fn follow_side_file(state: &AppState) {
    let (side, store) = (state.side.clone(), state.store.clone());
    if let Err(e) = blocking(move || side.catch_up(&store)).await {
        tracing::warn!(error = %e, "the side file of records could not follow the store; records are read from the triples until it does");
    }
}

/// Follow the store on a timer until the returned task is aborted (at
/// shutdown, so that it lets go of the store).
pub fn spawn_poll(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            catch_up(&state).await;
        }
    })
}
