//! A corpus of malformed and malicious requests against a real server. Each
//! gets a 4xx (or is cut off by a limit), never a 5xx, never echoed
//! unescaped, and the server keeps answering afterwards.

use crate::common;

use palermo::http::Config;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

/// The production server (`serve_on`: its accept loop and connection limits)
/// over the shipped catalogue on 127.0.0.1; returns host:port, the stop
/// sender and the server task.
async fn serve(
    config: Config,
) -> (
    String,
    tokio::sync::oneshot::Sender<()>,
    tokio::task::JoinHandle<Result<(), palermo::error::Error>>,
) {
    let (store, _) = common::catalogue();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let config = Config {
        bind: addr,
        iris: common::iris(),
        ..config
    };
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(palermo::http::serve_on(listener, store, config, async {
        let _ = rx.await;
    }));
    (addr.to_string(), tx, server)
}

/// One request on an open (keep-alive) connection: its status, after reading
/// the whole response (`Content-Length` bodies only).
fn exchange(s: &mut TcpStream, request: &[u8]) -> std::io::Result<u16> {
    s.write_all(request)?;
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        if s.read(&mut byte)? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&buf).to_ascii_lowercase();
    let length: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map_or(0, |v| v.trim().parse().unwrap());
    let mut body = vec![0u8; length];
    s.read_exact(&mut body)?;
    Ok(head.split_whitespace().nth(1).unwrap().parse().unwrap())
}

const HEALTHZ: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// Read until the server answers or hangs up; the status (if any) and when.
fn outcome(s: &mut TcpStream, started: Instant) -> (Option<u16>, Duration) {
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    (
        text.split_whitespace().nth(1).and_then(|c| c.parse().ok()),
        started.elapsed(),
    )
}

/// Send raw bytes and read the status line (or nothing, when the server
/// hangs up on a request it will not parse).
fn raw(addr: &str, request: &[u8]) -> Option<u16> {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(request);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    text.split_whitespace().nth(1).and_then(|c| c.parse().ok())
}

fn deep(open: &str, close: &str, n: usize) -> String {
    format!(
        "SELECT * WHERE {{ FILTER({}1{}) }}",
        open.repeat(n),
        close.repeat(n)
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_requests_get_4xx_and_the_server_survives() {
    let (addr, _stop, _) = serve(Config::default()).await;
    let base = format!("http://{addr}");
    let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();

    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("non-UTF-8 query string", b"GET /sparql?query=%FF%FE HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("non-UTF-8 body", {
            let mut r = b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nContent-Length: 4\r\n\r\n".to_vec();
            r.extend_from_slice(b"\xff\xfe\xfd\xfc");
            r
        }),
        ("deeply nested parentheses", format!("GET /sparql?query={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", enc(&deep("(", ")", 20_000))).into_bytes()),
        ("deeply nested groups", format!("GET /sparql?query={} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", enc(&format!("SELECT * WHERE {}{}", "{".repeat(20_000), "}".repeat(20_000)))).into_bytes()),
        ("deeply nested parentheses in a body", {
            let body = deep("(", ")", 20_000);
            format!("POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
        }),
        ("deeply nested update", {
            let body = format!("INSERT {{ <a:a> <a:b> <a:c> }} WHERE {}{}", "{".repeat(20_000), "}".repeat(20_000));
            format!("POST /sparql/update HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-update\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
        }),
        ("path traversal", b"GET /../../etc/passwd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("encoded path traversal", b"GET /records/..%2F..%2Fetc%2Fpasswd HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("query-string bomb", format!("GET /sparql?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "default-graph-uri=x&".repeat(4000)).into_bytes()),
        ("huge body", {
            let mut r = b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nContent-Length: 50000000\r\n\r\n".to_vec();
            r.extend(std::iter::repeat_n(b' ', 2 << 20));
            r
        }),
        ("bad content length", b"POST /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/sparql-query\r\nContent-Length: nope\r\n\r\nASK{}".to_vec()),
        ("unknown method", b"BREW /sparql HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("header injection in format", b"GET /sparql?query=ASK%7B%7D&format=json%0D%0ASet-Cookie:%20x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("writes without a token", b"POST /store?default HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: text/turtle\r\nContent-Length: 0\r\n\r\n".to_vec()),
        ("OAI bad verb", b"GET /oai?verb=%3Cscript%3E HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
        ("OAI repeated argument", b"GET /oai?verb=Identify&verb=Identify HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".to_vec()),
    ];
    for (name, request) in cases {
        let addr = addr.clone();
        let status = tokio::task::spawn_blocking(move || raw(&addr, &request))
            .await
            .unwrap();
        match status {
            // OAI-PMH errors travel in a 200 body, as the protocol says.
            Some(200) if name.starts_with("OAI") => {}
            Some(code) => assert!((400..500).contains(&code), "{name}: got {code}"),
            None => {} // connection refused mid-request: cut off, not crashed
        }
        let r = reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap_or_else(|e| panic!("server died after {name}: {e}"));
        assert_eq!(r.status(), 200, "server unhealthy after {name}");
    }

    // Script injection in every parameter the service echoes.
    let script = "<script>alert(1)</script>";
    for url in [
        format!(
            "{base}/query?query={}",
            enc(&format!("SELECT * WHERE {{ ?s ?p \"{script}\" }}"))
        ),
        format!("{base}/query?query={}", enc(&format!("SELECT {script}"))),
        format!(
            "{base}/sparql?query={}&format={}",
            enc("ASK {}"),
            enc(script)
        ),
        format!("{base}/no/{}", enc(script)),
        format!(
            "{base}/oai?verb=GetRecord&identifier={}&metadataPrefix=oai_dc",
            enc(script)
        ),
    ] {
        let r = reqwest::get(&url).await.unwrap();
        assert!(r.status().as_u16() < 500, "{url}: {}", r.status());
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        // Browsers must not sniff a plain-text error into HTML.
        assert_eq!(
            r.headers()
                .get("x-content-type-options")
                .map(|v| v.to_str().unwrap()),
            Some("nosniff"),
            "{url}"
        );
        let body = r.text().await.unwrap();
        if ct.contains("html") || ct.contains("xml") {
            assert!(
                !body.contains("<script>alert"),
                "{url} echoed the script unescaped:\n{body}"
            );
        }
    }
}

/// Every route, with a query-string parameter, a path segment or a form
/// body that is not UTF-8 once percent-decoded: 400, naming what is wrong.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_utf8_is_refused_on_every_route_naming_the_parameter() {
    let (addr, _stop, _) = serve(Config::default()).await;
    let get = |target: &str| {
        format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").into_bytes()
    };
    let post_form = |target: &str, body: &str| {
        format!(
            "POST {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    };
    // (request, what the message must name)
    let mut cases: Vec<(Vec<u8>, &str)> = vec![
        (get("/records?q=%FF%FE%FD"), "\"q\""),
        (get("/records?author=%C3%28"), "\"author\""),
        (get("/records?q=ok&category=%E2%82"), "\"category\""),
        (get("/sparql?query=ASK{%22%FF%FE%22}"), "\"query\""),
        (
            get("/sparql?query=ASK{}&default-graph-uri=%FF"),
            "\"default-graph-uri\"",
        ),
        (
            post_form("/sparql", "query=ASK%7B%22%FF%22%7D"),
            "\"query\"",
        ),
        (post_form("/sparql/update", "update=%FF"), "\"update\""),
        (get("/store?graph=%FF"), "\"graph\""),
        (get("/query?query=%FF"), "\"query\""),
        (
            get("/oai?verb=Identify&metadataPrefix=%FF"),
            "\"metadataPrefix\"",
        ),
        (post_form("/oai", "verb=%FF"), "\"verb\""),
        (get("/records/%FF%FE"), "path segment 2"),
        (get("/records/vita.bib?style=%FF"), "\"style\""),
        (get("/unapi?id=%FF&format=bibtex"), "\"id\""),
        (get("/id/%FF"), "path segment 2"),
        (get("/id/%FF/"), "path segment 2"),
        (get("/id/agent/%C3%28"), "path segment 3"),
        (get("/no/such/%FF"), "path segment 3"),
        (get("/records?%FF=1"), "parameter name"),
    ];
    // The routes without parameters of their own still refuse a bad one.
    for route in [
        "/",
        "/healthz",
        "/metrics",
        "/ontology",
        "/ontology.ttl",
        "/ontology.nt",
        "/ontology.rdf",
        "/ontology.jsonld",
        "/ontology/shapes",
        "/void",
        "/dump.nq.gz",
        "/dump.ttl.gz",
        "/sitemap.xml",
        "/robots.txt",
    ] {
        cases.push((get(&format!("{route}?x=%FF")), "\"x\""));
    }
    for (request, named) in cases {
        let line =
            String::from_utf8_lossy(&request[..request.iter().position(|&b| b == b'\r').unwrap()])
                .into_owned();
        let addr = addr.clone();
        let text = tokio::task::spawn_blocking(move || {
            let mut s = TcpStream::connect(&addr).unwrap();
            s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
            s.write_all(&request).unwrap();
            let mut buf = Vec::new();
            let _ = s.read_to_end(&mut buf);
            String::from_utf8_lossy(&buf).into_owned()
        })
        .await
        .unwrap();
        assert!(text.starts_with("HTTP/1.1 400"), "{line}: {text}");
        assert!(text.contains("not valid UTF-8"), "{line}: {text}");
        assert!(text.contains(named), "{line} should name {named}: {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_request_heads_get_431() {
    let (addr, _stop, _) = serve(Config {
        max_header_bytes: 16 << 10,
        ..Config::default()
    })
    .await;
    let head = |name: &str, n: usize| {
        format!(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n{name}: {}\r\n\r\n",
            "a".repeat(n)
        )
        .into_bytes()
    };
    let cases = [
        ("one large header", head("X-Big", 20 << 10), Some(431)),
        (
            "many headers",
            {
                let mut r = b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n".to_vec();
                for i in 0..90 {
                    r.extend(format!("X-H{i}: {}\r\n", "b".repeat(200)).bytes());
                }
                r.extend(b"\r\n");
                r
            },
            Some(431),
        ),
        (
            "long request line",
            format!(
                "GET /healthz?{} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                "q".repeat(20 << 10)
            )
            .into_bytes(),
            Some(431),
        ),
        // An endless head: cut off at the limit, not buffered forever.
        ("head without end", head("X-Big", 1 << 20), Some(431)),
        // Just under the limit still passes.
        (
            "large header under the limit",
            head("X-Big", 12 << 10),
            Some(200),
        ),
    ];
    for (name, request, expected) in cases {
        let addr = addr.clone();
        let status = tokio::task::spawn_blocking(move || raw(&addr, &request))
            .await
            .unwrap();
        assert_eq!(status, expected, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_drip_body_gets_408_within_the_body_timeout() {
    let (addr, _stop, _) = serve(Config {
        body_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    let (status, elapsed) = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        s.write_all(b"POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nContent-Length: 100\r\n\r\nASK").unwrap();
        let started = Instant::now();
        // One byte every 200 ms: each arrives well within any per-read
        // timeout, the whole body never within the deadline.
        let mut w = s.try_clone().unwrap();
        std::thread::spawn(move || {
            for _ in 0..50 {
                std::thread::sleep(Duration::from_millis(200));
                if w.write_all(b" ").is_err() {
                    break;
                }
            }
        });
        outcome(&mut s, started)
    })
    .await
    .unwrap();
    assert_eq!(status, Some(408));
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "408 after {elapsed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_heads_and_idle_connections_are_cut_off() {
    let (addr, _stop, _) = serve(Config {
        header_timeout: Duration::from_secs(1),
        ..Config::default()
    })
    .await;
    // Slowloris: a header line every 200 ms, never the blank line.
    let a = addr.clone();
    let (status, elapsed) = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&a).unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        let started = Instant::now();
        let mut w = s.try_clone().unwrap();
        std::thread::spawn(move || {
            for i in 0..50 {
                std::thread::sleep(Duration::from_millis(200));
                if w.write_all(format!("X-{i}: y\r\n").as_bytes()).is_err() {
                    break;
                }
            }
        });
        outcome(&mut s, started)
    })
    .await
    .unwrap();
    assert_eq!(status, None, "a trickled head gets no response");
    assert!(
        elapsed >= Duration::from_millis(900) && elapsed < Duration::from_secs(4),
        "closed after {elapsed:?}"
    );
    // A kept-alive connection that goes quiet is closed the same way.
    let (status, elapsed) = tokio::task::spawn_blocking(move || {
        let mut s = TcpStream::connect(&addr).unwrap();
        assert_eq!(exchange(&mut s, HEALTHZ).unwrap(), 200);
        outcome(&mut s, Instant::now())
    })
    .await
    .unwrap();
    assert_eq!(status, None);
    assert!(elapsed < Duration::from_secs(4), "closed after {elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_wait_until_one_closes() {
    let (addr, _stop, _) = serve(Config {
        max_connections: 2,
        ..Config::default()
    })
    .await;
    tokio::task::spawn_blocking(move || {
        let mut a = TcpStream::connect(&addr).unwrap();
        let mut b = TcpStream::connect(&addr).unwrap();
        assert_eq!(exchange(&mut a, HEALTHZ).unwrap(), 200);
        assert_eq!(exchange(&mut b, HEALTHZ).unwrap(), 200);
        // A third connection: the kernel completes the handshake, the
        // server does not take it up while two are open.
        let mut c = TcpStream::connect(&addr).unwrap();
        c.set_read_timeout(Some(Duration::from_millis(1500)))
            .unwrap();
        let waited = exchange(&mut c, HEALTHZ);
        assert!(
            matches!(&waited, Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut)),
            "served beyond the cap: {waited:?}"
        );
        // The open connections are still answered meanwhile.
        assert_eq!(exchange(&mut b, HEALTHZ).unwrap(), 200);
        // One closes: the waiting connection is served (its request was
        // sent already).
        drop(a);
        c.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut rest = Vec::new();
        let mut byte = [0u8; 1];
        while !rest.ends_with(b"\r\n\r\n") {
            assert_eq!(c.read(&mut byte).unwrap(), 1, "hung up on the waiting connection");
            rest.push(byte[0]);
        }
        assert!(
            String::from_utf8_lossy(&rest).starts_with("HTTP/1.1 200"),
            "{}",
            String::from_utf8_lossy(&rest)
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_in_flight_requests_finish() {
    let (addr, stop, server) = serve(Config::default()).await;
    let query = b"ASK { ?s ?p ?o }";
    let mut s = TcpStream::connect(&addr).unwrap();
    // Up and serving (the search index is built before the first accept).
    assert_eq!(exchange(&mut s, HEALTHZ).unwrap(), 200);
    s.write_all(format!("POST /sparql HTTP/1.1\r\nHost: x\r\nContent-Type: application/sparql-query\r\nAccept: application/sparql-results+json\r\nContent-Length: {}\r\n\r\n", query.len()).as_bytes()).unwrap();
    s.write_all(&query[..4]).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    // New connections are no longer taken up...
    assert!(!server.is_finished(), "stopped with a request in flight");
    // ...and the one in flight completes.
    let status = tokio::task::spawn_blocking(move || {
        s.write_all(&query[4..]).unwrap();
        outcome(&mut s, Instant::now()).0
    })
    .await
    .unwrap();
    assert_eq!(status, Some(200));
    tokio::time::timeout(Duration::from_secs(10), server)
        .await
        .expect("the server stops once the request is done")
        .unwrap()
        .unwrap();
}
