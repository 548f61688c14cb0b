//! `palermo::remote::Client` under network faults: a `FaultProxy` between
//! the client and a real engine delays, drops and cuts connections. Late,
//! never wrong: every fault is our error within the deadline (plus a
//! little), never a hang and never a short answer taken as whole; a write
//! whose answer is lost is reported as of unknown outcome, and the engine
//! holds all of it or none of it; and once the network is back the same
//! client works again.
//!
//! The engine is checked directly (`direct`), not through the proxy.
//! With `PALERMO_FAULT_PROXY_INERT=1` the proxy stays in pass-through and
//! every test here fails.

use crate::engines::{self, Engine, PASSWORD, USER};
use crate::fault_proxy::{Fault, FaultProxy};
use oxigraph::model::Term;
use palermo::Error;
use palermo::remote::{Answer, Client, Credentials};
use palermo::store::Dataset;
use std::time::{Duration, Instant};

/// A deadline nothing here comes near unless a fault holds it up.
const LONG: Duration = Duration::from_secs(20);
/// A deadline a fault holds an answer past.
const SHORT: Duration = Duration::from_secs(1);
/// How long past its deadline a failed call may take on a busy machine.
const SLACK: Duration = Duration::from_millis(2500);
const G: &str = "http://example.org/faults/numbers";
const W: &str = "http://example.org/faults/written";
const ROWS: usize = 2000;

struct Rig {
    // Fields drop in order: the proxy before its engine.
    proxy: FaultProxy,
    engine: Engine,
    /// Through the proxy.
    through: Client,
    /// Straight to the engine.
    direct: Client,
}

fn rig(engine: Engine) -> Rig {
    let proxy = FaultProxy::in_front_of(&engine);
    // Oxigraph takes no credentials: without them a write is one request
    // (with them, a `HEAD` asks for a challenge first, as on Virtuoso).
    let virtuoso = engine.url.starts_with("virtuoso+");
    let through = Client::new(
        proxy.url.parse().unwrap(),
        virtuoso.then(|| Credentials::new(USER, PASSWORD)),
    );
    Rig {
        through,
        direct: engine.client(),
        proxy,
        engine,
    }
}

/// `ROWS` subjects in G, each with one `<n>` integer.
fn numbers(client: &Client) {
    let values: String = (0..ROWS).map(|i| format!("{i} ")).collect();
    client
        .update(
            &format!(
                "INSERT {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}
                 WHERE {{ VALUES ?n {{ {values} }} BIND(IRI(CONCAT(\"http://example.org/i\", STR(?n))) AS ?s) }}"
            ),
            LONG,
        )
        .unwrap();
}

fn select_all() -> String {
    format!("SELECT ?s ?n WHERE {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}")
}

fn construct_all() -> String {
    format!(
        "CONSTRUCT {{ ?s <http://example.org/n> ?n }} WHERE {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}"
    )
}

/// The size of a whole answer: rows or triples.
fn size(answer: &Answer) -> usize {
    match answer {
        Answer::Solutions { rows, .. } => rows.len(),
        Answer::Triples(t) => t.len(),
        Answer::Boolean(_) => 1,
    }
}

fn count(client: &Client, graph: &str) -> usize {
    let rows = client
        .query(
            &format!("SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"),
            &Dataset::Service,
            LONG,
        )
        .unwrap()
        .into_rows()
        .unwrap();
    match rows[0].get("n") {
        Some(Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("?n is {other:?}"),
    }
}

/// `e` is a 503 that says the write may or may not have been applied.
fn assert_unknown_outcome(e: &Error, proxy: &FaultProxy) {
    assert!(matches!(e, Error::BackendUnavailable(_)), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("may or may not have been applied"), "{m}");
    assert!(
        m.contains(&proxy.addr().to_string()),
        "names the engine: {m}"
    );
}

/// Within `SLACK` of `deadline`, and not before it.
fn assert_took_the_deadline(started: Instant, deadline: Duration) {
    let took = started.elapsed();
    assert!(
        took >= deadline && took < deadline + SLACK,
        "took {took:?} for a deadline of {deadline:?}"
    );
}

/// A slow engine: an answer held up within the deadline is whole; held up
/// past it, a query is `Error::Timeout` and an update a 503 of unknown
/// outcome, each at the deadline; then the same client works again.
#[test]
fn a_slow_answer_is_whole_within_the_deadline_and_an_error_past_it() {
    let r = rig(engines::oxigraph());
    numbers(&r.direct);

    r.proxy.set(Fault::DelayAnswer(Duration::from_millis(700)));
    let started = Instant::now();
    let answer = r
        .through
        .query(&select_all(), &Dataset::Service, LONG)
        .unwrap();
    assert_eq!(size(&answer), ROWS);
    assert!(started.elapsed() >= Duration::from_millis(700), "delayed");
    // Every chunk held up (the answer comes in a few).
    r.proxy.set(Fault::DelayChunks(Duration::from_millis(100)));
    let started = Instant::now();
    let answer = r
        .through
        .query(&construct_all(), &Dataset::Service, LONG)
        .unwrap();
    assert_eq!(size(&answer), ROWS);
    assert!(started.elapsed() >= Duration::from_millis(200), "delayed");

    r.proxy.set(Fault::DelayAnswer(Duration::from_secs(60)));
    let started = Instant::now();
    let e = r
        .through
        .query(&select_all(), &Dataset::Service, SHORT)
        .unwrap_err();
    assert!(matches!(e, Error::Timeout(d) if d == SHORT), "{e:?}");
    assert_took_the_deadline(started, SHORT);
    let started = Instant::now();
    let e = r
        .through
        .update(
            &format!("INSERT DATA {{ GRAPH <{W}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}"),
            SHORT,
        )
        .unwrap_err();
    assert_unknown_outcome(&e, &r.proxy);
    assert_took_the_deadline(started, SHORT);

    r.proxy.set(Fault::Pass);
    let answer = r
        .through
        .query(&select_all(), &Dataset::Service, LONG)
        .unwrap();
    assert_eq!(size(&answer), ROWS);
}

/// An engine that refuses connections, on a new connection or a kept-alive
/// one, is a quick 503 naming it for a query, an update and a Graph Store
/// call; one that takes a request and never answers is an error at the
/// deadline. Then the same client works again.
#[test]
fn a_refused_or_dropped_connection_is_unavailable_never_a_hang() {
    let r = rig(engines::oxigraph());
    let ask = format!("ASK {{ GRAPH <{W}> {{ ?s ?p ?o }} }}");
    let insert = format!(
        "INSERT DATA {{ GRAPH <{W}> {{ <http://example.org/a> <http://example.org/b> 1 }} }}"
    );
    let graph = oxigraph::model::NamedNode::new(W).unwrap();
    // A connection kept alive in the client's pool, which the next call
    // reuses: the fault meets it too.
    assert!(
        !r.through
            .query(&ask, &Dataset::Service, LONG)
            .unwrap()
            .into_boolean()
            .unwrap()
    );

    r.proxy.set(Fault::Refuse);
    let before = r.proxy.requests();
    for round in 0..2 {
        let started = Instant::now();
        let q = r.through.query(&ask, &Dataset::Service, LONG).unwrap_err();
        let u = r.through.update(&insert, LONG).unwrap_err();
        let g = r.through.get_graph(&graph, LONG).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "round {round}: {:?}",
            started.elapsed()
        );
        for e in [&q, &u, &g] {
            assert!(matches!(e, Error::BackendUnavailable(_)), "{e:?}");
            let m = e.to_string();
            assert!(
                m.contains("oxigraph engine at") && m.contains(&r.proxy.addr().to_string()),
                "names the engine: {m}"
            );
        }
    }
    assert!(
        r.proxy.requests() <= before + 1,
        "only a kept-alive connection gets as far as a request"
    );
    assert_eq!(count(&r.direct, W), 0, "a refused update wrote nothing");

    r.proxy.set(Fault::Hang);
    let started = Instant::now();
    let e = r.through.query(&ask, &Dataset::Service, SHORT).unwrap_err();
    assert!(matches!(e, Error::Timeout(d) if d == SHORT), "{e:?}");
    assert_took_the_deadline(started, SHORT);
    let started = Instant::now();
    let e = r.through.update(&insert, SHORT).unwrap_err();
    assert_unknown_outcome(&e, &r.proxy);
    assert_took_the_deadline(started, SHORT);
    assert_eq!(count(&r.direct, W), 0, "a dropped update never arrived");

    r.proxy.set(Fault::Pass);
    r.through.update(&insert, LONG).unwrap();
    assert!(
        r.through
            .query(&ask, &Dataset::Service, LONG)
            .unwrap()
            .into_boolean()
            .unwrap()
    );
}

/// An answer cut anywhere in its body, or gone silent halfway, is an
/// error, never fewer rows or triples taken as the whole answer: a SELECT
/// of 2,000 rows and a CONSTRUCT of 2,000 triples (N-Triples, where a cut
/// at a line's end would still parse). `wait` is how long the client waits
/// for an answer with a deadline of `SHORT`. Then the same client works
/// again.
fn cut_answers(r: &Rig, wait: Duration) {
    numbers(&r.direct);
    for query in [select_all(), construct_all()] {
        r.proxy.set(Fault::Pass);
        let whole = r.through.query(&query, &Dataset::Service, LONG).unwrap();
        assert_eq!(size(&whole), ROWS);
        let total = r.proxy.last_answer();
        assert!(total > 50_000, "{total} bytes");
        // In the headers, then through the body, to its last byte (a
        // chunked answer's data ends 7 bytes before its end, a framed one
        // at its end).
        let mut cuts = vec![60, 2000, total / 4, total / 2, total * 3 / 4];
        cuts.extend((total - 40..total).step_by(5));
        cuts.push(total - 1);
        for cut in cuts {
            r.proxy.set(Fault::CutAnswer(cut));
            match r.through.query(&query, &Dataset::Service, LONG) {
                Err(e) => assert!(
                    matches!(e, Error::BackendUnavailable(_)),
                    "cut at {cut} of {total}: {e:?}"
                ),
                // All of the data came and only the framing's end is
                // missing: whole, and nothing is lost.
                Ok(answer) if cut >= total - 8 => assert_eq!(answer, whole),
                Ok(answer) => panic!(
                    "cut at {cut} of {total} bytes, taken as whole with {} of {ROWS}",
                    size(&answer)
                ),
            }
        }
        // The link goes silent halfway: the deadline ends it.
        r.proxy.set(Fault::Blackhole(total / 2));
        let started = Instant::now();
        let e = r
            .through
            .query(&query, &Dataset::Service, SHORT)
            .unwrap_err();
        assert!(matches!(e, Error::Timeout(d) if d == SHORT), "{e:?}");
        assert_took_the_deadline(started, wait);
    }
    r.proxy.set(Fault::Pass);
    for query in [select_all(), construct_all()] {
        let answer = r.through.query(&query, &Dataset::Service, LONG).unwrap();
        assert_eq!(size(&answer), ROWS);
    }
}

/// Oxigraph answers chunked: JSON results and N-Triples.
#[test]
fn oxigraph_cut_answer_is_an_error_never_a_short_result() {
    cut_answers(&rig(engines::oxigraph()), SHORT);
}

/// Virtuoso answers with a `Content-Length`: XML results and N-Triples.
/// The client waits 5 s past the `timeout=` it sends Virtuoso.
#[test]
fn virtuoso_cut_answer_is_an_error_never_a_short_result() {
    cut_answers(&rig(engines::virtuoso()), SHORT + Duration::from_secs(5));
}

/// `count` triples `<http://example.org/w{i}> <…/v> 0`, as one INSERT DATA.
fn insert_data(count: usize) -> String {
    let triples: String = (0..count)
        .map(|i| format!("<http://example.org/w{i}> <http://example.org/v> 0 .\n"))
        .collect();
    format!("INSERT DATA {{ GRAPH <{W}> {{\n{triples}}} }}")
}

/// Add one to every `<…/v>` in W, in one DELETE/INSERT WHERE.
fn increment() -> String {
    format!(
        "DELETE {{ GRAPH <{W}> {{ ?s <http://example.org/v> ?i }} }}
         INSERT {{ GRAPH <{W}> {{ ?s <http://example.org/v> ?j }} }}
         WHERE {{ GRAPH <{W}> {{ ?s <http://example.org/v> ?i }} BIND(?i + 1 AS ?j) }}"
    )
}

/// The `<…/v>` values in W, each with how many subjects hold it.
fn values(client: &Client) -> Vec<(i64, usize)> {
    let rows = client
        .query(
            &format!(
                "SELECT ?v (COUNT(?s) AS ?n) WHERE {{ GRAPH <{W}> {{ ?s <http://example.org/v> ?v }} }} GROUP BY ?v ORDER BY ?v"
            ),
            &Dataset::Service,
            LONG,
        )
        .unwrap()
        .into_rows()
        .unwrap();
    let int = |t: Option<&Term>| match t {
        Some(Term::Literal(l)) => l.value().parse::<i64>().unwrap(),
        other => panic!("{other:?}"),
    };
    rows.iter()
        .map(|r| (int(r.get("v")), int(r.get("n")) as usize))
        .collect()
}

const TRIPLES: usize = 50;

/// A write whose request reached the engine but whose answer was lost
/// (`fault`, applied to the requests of `method`), and one cut halfway
/// through its request: the client says the outcome is unknown, sends it
/// once, and the engine holds the whole write or none of it, for a
/// 50-triple INSERT DATA and a DELETE/INSERT WHERE. `per_call`: the
/// requests one write makes (2 with Digest: the `HEAD` for the challenge,
/// then the write). Returns whether the engine held each write: cut
/// request, lost answer to the insert, lost answer to the increment.
fn writes_cut_mid_exchange(r: &Rig, method: Option<&str>, per_call: usize) -> Vec<bool> {
    let set = |fault| match method {
        Some(m) => r.proxy.set_for(m, fault),
        None => r.proxy.set(fault),
    };
    let mut held = Vec::new();

    // The request is cut after 300 bytes: the engine never has all of it.
    set(Fault::CutRequest(300));
    let before = r.proxy.requests();
    let e = r.through.update(&insert_data(TRIPLES), LONG).unwrap_err();
    assert_unknown_outcome(&e, &r.proxy);
    assert_eq!(r.proxy.requests(), before + per_call, "sent once");
    let n = count(&r.direct, W);
    assert!(n == 0 || n == TRIPLES, "{n} of {TRIPLES} triples");
    held.push(n == TRIPLES);
    if n == TRIPLES {
        r.direct
            .update(&format!("CLEAR GRAPH <{W}>"), LONG)
            .unwrap();
    }

    // The whole request reaches the engine, its answer is lost.
    set(Fault::CutBeforeAnswer);
    let before = r.proxy.requests();
    let e = r.through.update(&insert_data(TRIPLES), LONG).unwrap_err();
    assert_unknown_outcome(&e, &r.proxy);
    assert_eq!(r.proxy.requests(), before + per_call, "sent once");
    let n = count(&r.direct, W);
    assert!(n == 0 || n == TRIPLES, "{n} of {TRIPLES} triples");
    held.push(n == TRIPLES);
    if n == 0 {
        r.direct.update(&insert_data(TRIPLES), LONG).unwrap();
    }

    // Every value 0 → 1, or none: never a subject with both, with none,
    // or incremented twice.
    let before = r.proxy.requests();
    let e = r.through.update(&increment(), LONG).unwrap_err();
    assert_unknown_outcome(&e, &r.proxy);
    assert_eq!(r.proxy.requests(), before + per_call, "sent once");
    let v = values(&r.direct);
    assert!(
        v == [(0, TRIPLES)] || v == [(1, TRIPLES)],
        "value → subjects: {v:?}"
    );
    held.push(v == [(1, TRIPLES)]);

    // Back to normal: the same client writes, and sees it.
    r.proxy.set(Fault::Pass);
    let before = values(&r.direct)[0].0;
    r.through.update(&increment(), LONG).unwrap();
    assert_eq!(values(&r.through), [(before + 1, TRIPLES)]);
    held
}

#[test]
fn oxigraph_update_cut_mid_exchange_is_whole_or_absent() {
    let r = rig(engines::oxigraph());
    let held = writes_cut_mid_exchange(&r, None, 1);
    // Oxigraph answers after it commits: a lost answer means written.
    assert_eq!(held, [false, true, true], "{}", r.engine.log());
}

/// Virtuoso's updates go through Digest: a `HEAD` for the challenge, then
/// the `POST`, which is the one cut.
#[test]
fn virtuoso_digest_update_cut_mid_exchange_is_whole_or_absent() {
    let r = rig(engines::virtuoso());
    let held = writes_cut_mid_exchange(&r, Some("POST"), 2);
    assert_eq!(held, [false, true, true], "{}", r.engine.log());
}
