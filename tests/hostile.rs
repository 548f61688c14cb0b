//! A corpus of malformed and malicious requests against a real server. Each
//! gets a 4xx (or is cut off by a limit), never a 5xx, never echoed
//! unescaped, and the server keeps answering afterwards.

mod common;

use palermo::http::Config;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

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
    let (store, _) = common::catalogue();
    let (base, _stop) = common::serve(
        store,
        Config {
            iris: common::iris(),
            ..Config::default()
        },
    )
    .await;
    let addr = base.trim_start_matches("http://").to_string();
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
