//! Query deadlines: one timer thread cancels every query whose time is up.

use crate::error::Error;
use oxigraph::sparql::CancellationToken;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Cancels a query when its time is up. One timer thread serves every
/// query: a thread per query cost more than a small query itself.
pub(super) struct Deadline {
    pub(super) token: CancellationToken,
    key: (Instant, u64),
    timeout: Duration,
}

/// How late a deadline may fire. While queries run, the timer thread wakes
/// at least this often, so arming a deadline never has to wake it: a
/// cross-thread wake-up per query cost as much as a small query.
const TICK: Duration = Duration::from_millis(10);

/// How long the timer keeps ticking with nothing armed before it sleeps
/// until the next query (which then wakes it once).
const LINGER: Duration = Duration::from_secs(1);

/// Armed deadlines, earliest first, and the thread that fires them.
struct Timer {
    state: Mutex<TimerState>,
    wake: Condvar,
    next_id: AtomicU64,
}

struct TimerState {
    armed: BTreeMap<(Instant, u64), CancellationToken>,
    /// When the timer thread wakes next; `None` while it sleeps until
    /// notified.
    wakes_at: Option<Instant>,
}

impl Timer {
    fn get() -> &'static Timer {
        static TIMER: OnceLock<&'static Timer> = OnceLock::new();
        TIMER.get_or_init(|| {
            let timer: &'static Timer = Box::leak(Box::new(Timer {
                state: Mutex::new(TimerState {
                    armed: BTreeMap::new(),
                    wakes_at: None,
                }),
                wake: Condvar::new(),
                next_id: AtomicU64::new(0),
            }));
            std::thread::Builder::new()
                .name("query-deadlines".into())
                .spawn(move || timer.run())
                .expect("the deadline thread starts");
            timer
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, TimerState> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn run(&self) {
        let mut state = self.lock();
        let mut last_armed = Instant::now();
        loop {
            let now = Instant::now();
            while let Some(entry) = state.armed.first_entry() {
                if entry.key().0 > now {
                    break;
                }
                entry.remove().cancel();
            }
            state.wakes_at = match state.armed.keys().next() {
                Some(&(at, _)) => {
                    last_armed = now;
                    Some(at.min(now + TICK))
                }
                None if now.duration_since(last_armed) < LINGER => Some(now + TICK),
                None => None,
            };
            state = match state.wakes_at {
                Some(at) => {
                    self.wake
                        .wait_timeout(state, at.saturating_duration_since(now))
                        .unwrap_or_else(|e| e.into_inner())
                        .0
                }
                None => {
                    let state = self.wake.wait(state).unwrap_or_else(|e| e.into_inner());
                    last_armed = Instant::now();
                    state
                }
            };
        }
    }
}

impl Deadline {
    pub(super) fn arm(token: CancellationToken, timeout: Duration) -> Self {
        let timer = Timer::get();
        let key = (
            Instant::now() + timeout,
            timer.next_id.fetch_add(1, Ordering::Relaxed),
        );
        let mut state = timer.lock();
        state.armed.insert(key, token.clone());
        // Wake the timer only when it would otherwise fire this deadline
        // late; while queries run it ticks anyway.
        let late = state.wakes_at.is_none_or(|at| at > key.0 + TICK);
        drop(state);
        if late {
            timer.wake.notify_one();
        }
        Deadline {
            token,
            key,
            timeout,
        }
    }

    /// A cancelled query becomes a timeout error that says how long it ran.
    pub(super) fn explain(&self, e: Error) -> Error {
        if self.token.is_cancelled() {
            Error::Timeout(self.timeout)
        } else {
            e
        }
    }
}

impl Drop for Deadline {
    fn drop(&mut self) {
        Timer::get().lock().armed.remove(&self.key);
    }
}
