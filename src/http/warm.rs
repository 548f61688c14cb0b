//! Background rendering of formatted references: after start and after
//! each write, the records (read once from the store) and their APA
//! references (plain and HTML) go into the caches, so that bibliographies
//! meet the warm path (hayagriva takes ~0.6 ms per reference and the store
//! ~0.3 ms per record; cached, each is a map lookup).

use super::AppState;
use std::sync::{Arc, Mutex, PoisonError};

/// At most one rendering thread per service: a write while it runs asks
/// for one more pass instead of another thread.
#[derive(Debug, Clone, Default)]
pub struct Warmer {
    /// (a thread is running, another pass was asked for while it ran)
    flags: Arc<Mutex<(bool, bool)>>,
}

impl Warmer {
    fn flags(&self) -> std::sync::MutexGuard<'_, (bool, bool)> {
        self.flags.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Render every record ahead (after start, and after each write, which
/// empties the record cache), on one thread of its own, one record at a
/// time, so that requests keep the other cores while it runs.
pub fn spawn(state: &AppState) {
    {
        let mut flags = state.warmer.flags();
        if flags.0 {
            flags.1 = true;
            return;
        }
        flags.0 = true;
    }
    let warmer = state.warmer.clone();
    let state = state.clone();
    let spawned = std::thread::Builder::new()
        .name("palermo-warm".into())
        .spawn(move || {
            loop {
                let started = std::time::Instant::now();
                match run(&state) {
                    Ok(n) => tracing::info!(
                        records = n,
                        seconds = started.elapsed().as_secs_f64(),
                        "formatted references rendered ahead"
                    ),
                    Err(e) => tracing::warn!("rendering references ahead stopped: {e}"),
                }
                let mut flags = state.warmer.flags();
                if flags.1 {
                    flags.1 = false;
                } else {
                    flags.0 = false;
                    break;
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("cannot start the reference renderer: {e}");
        warmer.flags().0 = false;
    }
}

/// Render every record's references into the cache, one record at a time
/// (up to the cache's capacity). Returns the number of records rendered.
pub fn run(state: &AppState) -> Result<usize, crate::error::Error> {
    let iris = state.exporter.iris();
    // Sorted: the order of a bibliography of everything.
    let ids = crate::rdf::read::record_ids(state.store.oxigraph(), iris)?;
    let mut reader = crate::rdf::read::Reader::new(state.store.oxigraph(), iris);
    // The records go into the response cache too: a bibliography needs
    // them before it can look up their references.
    let records = ids
        .iter()
        .map(|id| state.cache.read_record(&mut reader, id));
    itertools::process_results(records, |records| {
        let records = records.flatten().map(Arc::unwrap_or_clone);
        state.exporter.styles().warm(records, iris)
    })?
}
