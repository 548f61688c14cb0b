//! A TCP proxy that injects network faults between a client and an engine
//! (`engines`), for the fault tests (`faults`). It listens on a free port
//! of 127.0.0.1, forwards bytes both ways, one pair of threads per
//! connection (std::net), and is steered at run time with `set`.
//!
//! It knows just enough HTTP/1.1 to count exchanges: the first bytes from
//! the client after an answer has begun (or on a new connection) start a
//! new request. A fault is taken when a request starts and holds for that
//! whole exchange, on a new connection or a kept-alive one alike; `set_for`
//! limits it to requests of one method (say `POST`, to let Virtuoso's
//! Digest `HEAD` through and cut the update after it).
//!
//! # Modes (`Fault`)
//! - `Pass`: forward everything, untouched.
//! - `DelayAnswer(d)`: hold the first bytes of each answer for `d` (a slow
//!   engine). `DelayChunks(d)`: hold every chunk read, both ways, for `d`
//!   (a slow network).
//! - `Refuse`: close new connections as soon as they are accepted, and a
//!   kept-alive one when its next request starts (an engine that is down,
//!   or restarting).
//! - `Hang`: take the request and never answer nor forward it (a dropped
//!   connection: the client waits for its deadline).
//! - `CutRequest(n)`: forward the first `n` bytes of the request, then close
//!   both sides (the engine sees a request cut short).
//! - `CutBeforeAnswer`: forward the whole request, and close both sides as
//!   soon as the engine starts answering, forwarding none of it: the engine
//!   has done the work, the client never learns it (the key case for
//!   writes: outcome unknown).
//! - `CutAnswer(n)`: forward the first `n` bytes of the answer (headers
//!   included), then close both sides.
//! - `Blackhole(n)`: forward the first `n` bytes of the answer, then stop
//!   forwarding either way and keep both sockets open (a link that goes
//!   silent mid-stream).
//!
//! `requests()` counts the requests that reached the proxy (a client that
//! retried would show here), `last_answer()` the bytes the engine sent for
//! the latest one (to aim a cut). Dropping the proxy stops it: the
//! listener, every socket and every thread.
//!
//! `PALERMO_FAULT_PROXY_INERT=1` makes `set` and `set_for` do nothing, so
//! that every fault test runs in pass-through: each must then fail, which
//! shows that its assertions tell a fault from none.

use crate::engines::Engine;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// What the proxy does to an exchange (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Pass,
    DelayAnswer(Duration),
    DelayChunks(Duration),
    Refuse,
    Hang,
    CutRequest(usize),
    CutBeforeAnswer,
    CutAnswer(usize),
    Blackhole(usize),
}

/// The fault, and the method of the requests it applies to (all if none).
#[derive(Clone)]
struct Rule {
    fault: Fault,
    method: Option<String>,
}

impl Rule {
    /// The fault for a request that starts with `head`.
    fn for_request(&self, head: &[u8]) -> Fault {
        match &self.method {
            Some(m) if !head.starts_with(format!("{m} ").as_bytes()) => Fault::Pass,
            _ => self.fault,
        }
    }
}

struct Shared {
    upstream: SocketAddr,
    rule: Mutex<Rule>,
    stop: AtomicBool,
    /// A clone of every socket, to shut them all on drop.
    sockets: Mutex<Vec<TcpStream>>,
    threads: Mutex<Vec<JoinHandle<()>>>,
    requests: AtomicUsize,
    last_answer: AtomicUsize,
}

impl Shared {
    fn rule(&self) -> Rule {
        self.rule.lock().unwrap().clone()
    }

    fn spawn(&self, f: impl FnOnce() + Send + 'static) {
        self.threads.lock().unwrap().push(std::thread::spawn(f));
    }

    /// Sleep `d`, or less if the proxy stops.
    fn nap(&self, d: Duration) {
        let until = Instant::now() + d;
        while !self.stop.load(Ordering::SeqCst) {
            let now = Instant::now();
            if now >= until {
                return;
            }
            std::thread::sleep((until - now).min(Duration::from_millis(20)));
        }
    }
}

/// One proxied connection's exchange state, shared by its two pumps.
struct Conn {
    client: TcpStream,
    engine: TcpStream,
    /// The fault of the current exchange.
    fault: Mutex<Fault>,
    /// The answer to the current request has begun: the client's next
    /// bytes start a new request. True on a new connection.
    fresh: AtomicBool,
    requested: AtomicUsize,
    answered: AtomicUsize,
    /// Forwarding has stopped for good (`Blackhole`, `Hang`).
    stalled: AtomicBool,
}

impl Conn {
    fn close(&self) {
        let _ = self.client.shutdown(Shutdown::Both);
        let _ = self.engine.shutdown(Shutdown::Both);
    }

    fn fault(&self) -> Fault {
        *self.fault.lock().unwrap()
    }
}

/// A running fault proxy; stopped when dropped.
pub struct FaultProxy {
    shared: Arc<Shared>,
    addr: SocketAddr,
    acceptor: Option<JoinHandle<()>>,
    /// The engine's `--backend` URL, through the proxy.
    pub url: String,
}

impl FaultProxy {
    /// A proxy in front of `engine`, in pass-through.
    pub fn in_front_of(engine: &Engine) -> FaultProxy {
        let upstream: SocketAddr = engine
            .http
            .trim_start_matches("http://")
            .parse()
            .expect("the engine listens on an IP address");
        let mut proxy = FaultProxy::start(upstream);
        proxy.url = engine
            .url
            .replace(&upstream.to_string(), &proxy.addr.to_string());
        proxy
    }

    /// A proxy to `upstream`, in pass-through (`url` is left empty).
    pub fn start(upstream: SocketAddr) -> FaultProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let shared = Arc::new(Shared {
            upstream,
            rule: Mutex::new(Rule {
                fault: Fault::Pass,
                method: None,
            }),
            stop: AtomicBool::new(false),
            sockets: Mutex::new(Vec::new()),
            threads: Mutex::new(Vec::new()),
            requests: AtomicUsize::new(0),
            last_answer: AtomicUsize::new(0),
        });
        let s = shared.clone();
        let acceptor = std::thread::spawn(move || {
            for client in listener.incoming() {
                if s.stop.load(Ordering::SeqCst) {
                    return;
                }
                let Ok(client) = client else { continue };
                accept(&s, client);
            }
        });
        FaultProxy {
            shared,
            addr,
            acceptor: Some(acceptor),
            url: String::new(),
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// From the next request on, do `fault` to every request.
    pub fn set(&self, fault: Fault) {
        self.rule(fault, None);
    }

    /// From the next request on, do `fault` to the requests of `method`
    /// only, and pass the others.
    pub fn set_for(&self, method: &str, fault: Fault) {
        self.rule(fault, Some(method.to_string()));
    }

    fn rule(&self, fault: Fault, method: Option<String>) {
        if std::env::var_os("PALERMO_FAULT_PROXY_INERT").is_some_and(|v| v == "1") {
            return;
        }
        *self.shared.rule.lock().unwrap() = Rule { fault, method };
    }

    /// How many requests have reached the proxy.
    pub fn requests(&self) -> usize {
        self.shared.requests.load(Ordering::SeqCst)
    }

    /// How many bytes the engine sent for the latest answer, headers
    /// included (whether or not they were forwarded).
    pub fn last_answer(&self) -> usize {
        self.shared.last_answer.load(Ordering::SeqCst)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor, which then sees `stop`.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
        for socket in self.shared.sockets.lock().unwrap().drain(..) {
            let _ = socket.shutdown(Shutdown::Both);
        }
        let threads: Vec<_> = self.shared.threads.lock().unwrap().drain(..).collect();
        for thread in threads {
            let _ = thread.join();
        }
    }
}

/// Take a new connection: refuse it, or connect to the engine and pump.
fn accept(shared: &Arc<Shared>, client: TcpStream) {
    let rule = shared.rule();
    if rule.fault == Fault::Refuse && rule.method.is_none() {
        let _ = client.shutdown(Shutdown::Both);
        return;
    }
    let Ok(engine) = TcpStream::connect(shared.upstream) else {
        let _ = client.shutdown(Shutdown::Both);
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = engine.set_nodelay(true);
    {
        let mut sockets = shared.sockets.lock().unwrap();
        sockets.push(client.try_clone().unwrap());
        sockets.push(engine.try_clone().unwrap());
    }
    let conn = Arc::new(Conn {
        client,
        engine,
        fault: Mutex::new(Fault::Pass),
        fresh: AtomicBool::new(true),
        requested: AtomicUsize::new(0),
        answered: AtomicUsize::new(0),
        stalled: AtomicBool::new(false),
    });
    let (s, c) = (shared.clone(), conn.clone());
    shared.spawn(move || requests(&s, &c));
    let (s, c) = (shared.clone(), conn);
    shared.spawn(move || answers(&s, &c));
}

/// Client → engine.
fn requests(shared: &Shared, conn: &Conn) {
    let mut buf = vec![0; 64 << 10];
    let mut from = &conn.client;
    let mut to = &conn.engine;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = conn.engine.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
        };
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        if conn.fresh.swap(false, Ordering::SeqCst) {
            // A new request: its fault holds until its answer is done.
            shared.requests.fetch_add(1, Ordering::SeqCst);
            shared.last_answer.store(0, Ordering::SeqCst);
            conn.requested.store(0, Ordering::SeqCst);
            conn.answered.store(0, Ordering::SeqCst);
            let fault = shared.rule().for_request(&buf[..n]);
            *conn.fault.lock().unwrap() = fault;
            match fault {
                Fault::Refuse => return conn.close(),
                Fault::Hang => conn.stalled.store(true, Ordering::SeqCst),
                _ => {}
            }
        }
        if conn.stalled.load(Ordering::SeqCst) {
            continue;
        }
        let mut chunk = &buf[..n];
        let done = conn.requested.fetch_add(n, Ordering::SeqCst);
        match conn.fault() {
            Fault::DelayChunks(d) => shared.nap(d),
            Fault::CutRequest(limit) => {
                chunk = &chunk[..limit.saturating_sub(done).min(n)];
                if done + n >= limit {
                    let _ = to.write_all(chunk);
                    // Let the engine read what was sent before it sees
                    // the end.
                    let _ = to.flush();
                    return conn.close();
                }
            }
            _ => {}
        }
        if to.write_all(chunk).is_err() {
            return conn.close();
        }
    }
}

/// Engine → client.
fn answers(shared: &Shared, conn: &Conn) {
    let mut buf = vec![0; 64 << 10];
    let mut from = &conn.engine;
    let mut to = &conn.client;
    loop {
        let n = match from.read(&mut buf) {
            Ok(0) | Err(_) => {
                let _ = conn.client.shutdown(Shutdown::Write);
                return;
            }
            Ok(n) => n,
        };
        if shared.stop.load(Ordering::SeqCst) {
            return;
        }
        let done = conn.answered.fetch_add(n, Ordering::SeqCst);
        shared.last_answer.store(done + n, Ordering::SeqCst);
        // The client's next bytes start a new request.
        conn.fresh.store(true, Ordering::SeqCst);
        if conn.stalled.load(Ordering::SeqCst) {
            continue;
        }
        let mut chunk = &buf[..n];
        match conn.fault() {
            Fault::Pass | Fault::Hang | Fault::Refuse | Fault::CutRequest(_) => {}
            Fault::DelayAnswer(d) => {
                if done == 0 {
                    shared.nap(d)
                }
            }
            Fault::DelayChunks(d) => shared.nap(d),
            Fault::CutBeforeAnswer => return conn.close(),
            Fault::CutAnswer(limit) => {
                if done + n >= limit {
                    let _ = to.write_all(&chunk[..limit.saturating_sub(done).min(n)]);
                    return conn.close();
                }
            }
            Fault::Blackhole(limit) => {
                if done + n >= limit {
                    chunk = &chunk[..limit.saturating_sub(done).min(n)];
                    conn.stalled.store(true, Ordering::SeqCst);
                }
            }
        }
        if to.write_all(chunk).is_err() {
            return conn.close();
        }
    }
}
