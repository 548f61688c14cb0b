//! Background rendering of formatted references: after start (every
//! record) and after each write (the records it changed), the records (read once, from
//! the side file when it is current, else from the store) and their APA
//! references (plain and HTML) go into the caches, so that bibliographies
//! meet the warm path (hayagriva takes ~0.6 ms per reference and the store
//! ~0.3 ms per record; cached, each is a map lookup).

use super::AppState;
use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, PoisonError};

/// At most one rendering thread per service: a write while it runs queues
/// one more pass instead of starting another thread.
#[derive(Debug, Clone, Default)]
pub struct Warmer {
    flags: Arc<Mutex<Flags>>,
}

#[derive(Debug, Default)]
struct Flags {
    /// A rendering thread is running.
    running: bool,
    /// What its next pass renders.
    queued: Option<Pass>,
}

/// What one pass renders.
#[derive(Debug)]
enum Pass {
    Everything,
    Records(BTreeSet<String>),
}

impl Warmer {
    fn flags(&self) -> std::sync::MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Render records ahead, on one thread of its own, one record at a time,
/// so that requests keep the other cores while it runs: every record
/// (`None`: after start, after a change of everything), or the records a
/// write changed (their old renderings are gone with the write).
pub fn spawn(state: &AppState, records: Option<Vec<String>>) {
    {
        let mut flags = state.warmer.flags();
        flags.queued = match (flags.queued.take(), records) {
            (Some(Pass::Records(mut queued)), Some(more)) => {
                queued.extend(more);
                Some(Pass::Records(queued))
            }
            (None, Some(more)) => Some(Pass::Records(more.into_iter().collect())),
            _ => Some(Pass::Everything),
        };
        if flags.running {
            return;
        }
        flags.running = true;
    }
    let warmer = state.warmer.clone();
    let state = state.clone();
    let spawned = std::thread::Builder::new()
        .name("palermo-warm".into())
        .spawn(move || {
            loop {
                let pass = {
                    let mut flags = state.warmer.flags();
                    match flags.queued.take() {
                        Some(pass) => pass,
                        None => {
                            flags.running = false;
                            break;
                        }
                    }
                };
                let started = std::time::Instant::now();
                let rendered = match pass {
                    Pass::Everything => run(&state),
                    Pass::Records(ids) => run_for(&state, ids.iter()),
                };
                match rendered {
                    Ok(n) => tracing::info!(
                        records = n,
                        seconds = started.elapsed().as_secs_f64(),
                        "formatted references rendered ahead"
                    ),
                    Err(e) => tracing::warn!("rendering references ahead stopped: {e}"),
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the reference renderer: {e}");
        warmer.flags().running = false;
    }
}

/// Render every record's references into the cache, one record at a time
/// (up to the cache's capacity). Returns the number of records rendered.
pub fn run(state: &AppState) -> Result<usize, crate::error::Error> {
    // Sorted: the order of a bibliography of everything.
    let ids = crate::rdf::read::record_ids(&state.store, state.exporter.iris())?;
    run_for(state, ids.iter())
}

/// Render these records' references into the cache.
fn run_for<'a>(
    state: &AppState,
    ids: impl Iterator<Item = &'a String>,
) -> Result<usize, crate::error::Error> {
    let iris = state.exporter.iris();
    let source = state.side.source(&state.store)?;
    let mut reader = source.reader();
    // The records go into the response cache too: a bibliography needs
    // them before it can look up their references.
    let records = ids.map(|id| state.cache.read_record(&source, &mut reader, id));
    itertools::process_results(records, |records| {
        let records = records.flatten().map(Arc::unwrap_or_clone);
        state.exporter.styles().warm(records, iris)
    })?
}
