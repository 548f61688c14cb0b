//! Search in a real browser: headless Chromium, driven over the DevTools
//! protocol, types a query into the home page's search box, presses Enter,
//! then clicks a facet link with the mouse, and we check that the result
//! list narrowed to what the facet promised.
//!
//! The DevTools client is a few dozen lines of WebSocket over `TcpStream`,
//! so the test needs nothing but Chromium (scripts/install-test-deps.sh).

use crate::common;

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium, killed when the test ends however it ends.
struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    port: u16,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn launch() -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new("/usr/bin/chromium")
        .args(common::CHROMIUM_FLAGS)
        .args(["--window-size=1200,1600", "--remote-debugging-port=0"])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg("about:blank")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromium is needed: run scripts/install-test-deps.sh");
    // Chromium writes the port it picked into the profile.
    let file = profile.path().join("DevToolsActivePort");
    let deadline = Instant::now() + Duration::from_secs(30);
    let port = loop {
        if let Some(port) = std::fs::read_to_string(&file)
            .ok()
            .and_then(|s| s.lines().next().and_then(|l| l.trim().parse().ok()))
        {
            break port;
        }
        assert!(
            Instant::now() < deadline,
            "chromium did not open its DevTools port"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    Browser {
        child,
        _profile: profile,
        port,
    }
}

/// A DevTools session on one page, over a minimal WebSocket client.
struct Page {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_id: u64,
    events: VecDeque<Value>,
}

impl Page {
    fn connect(port: u16) -> Page {
        let list = http_get(port, "/json/list");
        let targets: Value = serde_json::from_str(&list).unwrap();
        let ws = targets
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .and_then(|t| t["webSocketDebuggerUrl"].as_str())
            .expect("a page target")
            .to_string();
        let path = ws.splitn(4, '/').nth(3).map(|p| format!("/{p}")).unwrap();
        let stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut writer = stream.try_clone().unwrap();
        write!(
            writer,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: cGFsZXJtby1zZWFyY2gtdGVzdA==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        )
        .unwrap();
        let mut reader = BufReader::new(stream);
        let mut status = String::new();
        reader.read_line(&mut status).unwrap();
        assert!(status.contains(" 101 "), "WebSocket handshake: {status}");
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line == "\r\n" || line.is_empty() {
                break;
            }
        }
        Page {
            reader,
            writer,
            next_id: 0,
            events: VecDeque::new(),
        }
    }

    fn send_frame(&mut self, opcode: u8, payload: &[u8]) {
        // Clients mask every frame (RFC 6455 §5.3); any key will do.
        let key = [0x37u8, 0xfa, 0x21, 0x3d];
        let mut frame = vec![0x80 | opcode];
        match payload.len() {
            n if n < 126 => frame.push(0x80 | n as u8),
            n if n < 65536 => {
                frame.push(0x80 | 126);
                frame.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                frame.push(0x80 | 127);
                frame.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        frame.extend_from_slice(&key);
        frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ key[i % 4]));
        self.writer.write_all(&frame).unwrap();
    }

    /// The next whole text message.
    fn read_message(&mut self) -> Value {
        let mut message = Vec::new();
        loop {
            let mut head = [0u8; 2];
            self.reader
                .read_exact(&mut head)
                .expect("a DevTools message in time");
            let fin = head[0] & 0x80 != 0;
            let opcode = head[0] & 0x0f;
            let len = match head[1] & 0x7f {
                126 => {
                    let mut b = [0u8; 2];
                    self.reader.read_exact(&mut b).unwrap();
                    u16::from_be_bytes(b) as usize
                }
                127 => {
                    let mut b = [0u8; 8];
                    self.reader.read_exact(&mut b).unwrap();
                    u64::from_be_bytes(b) as usize
                }
                n => n as usize,
            };
            let mut payload = vec![0u8; len];
            self.reader.read_exact(&mut payload).unwrap();
            match opcode {
                0x9 => self.send_frame(0xA, &payload),
                0x8 => panic!("chromium closed the DevTools connection"),
                0x0..=0x2 => {
                    message.extend_from_slice(&payload);
                    if fin {
                        return serde_json::from_slice(&message).unwrap();
                    }
                }
                _ => {}
            }
        }
    }

    /// Call a DevTools method and return its result; events that arrive
    /// meanwhile are kept for `wait_for`.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let text = json!({ "id": id, "method": method, "params": params }).to_string();
        self.send_frame(0x1, text.as_bytes());
        loop {
            let m = self.read_message();
            if m["id"] == id {
                assert!(m.get("error").is_none(), "{method}: {m}");
                return m["result"].clone();
            }
            self.events.push_back(m);
        }
    }

    fn wait_for(&mut self, event: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(i) = self.events.iter().position(|e| e["method"] == event) {
                self.events.drain(..=i);
                return;
            }
            assert!(Instant::now() < deadline, "no {event}");
            let m = self.read_message();
            self.events.push_back(m);
        }
    }

    fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    fn navigate(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("Page.loadEventFired");
    }

    /// A real mouse click in the middle of the element.
    fn click(&mut self, selector: &str) {
        let sel = serde_json::to_string(selector).unwrap();
        let rect = self.eval(&format!(
            "(() => {{ const e = document.querySelector({sel}); e.scrollIntoView({{block: 'center'}}); const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; }})()"
        ));
        let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
        self.events.clear();
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
        self.wait_for("Page.loadEventFired");
    }

    fn press_enter(&mut self) {
        self.events.clear();
        for kind in ["keyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": "Enter", "code": "Enter", "windowsVirtualKeyCode": 13, "text": "\r" }),
            );
        }
        self.wait_for("Page.loadEventFired");
    }

    fn result_ids(&mut self) -> Vec<String> {
        let v =
            self.eval("[...document.querySelectorAll('#results .result')].map(e => e.dataset.id)");
        v.as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect()
    }

    fn total(&mut self) -> u64 {
        self.eval("document.getElementById('total').textContent")
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").unwrap();
    // DevTools keeps the connection open: read exactly Content-Length.
    let mut reader = BufReader::new(s);
    let mut length = 0;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':')
            && k.eq_ignore_ascii_case("content-length")
        {
            length = v.trim().parse().unwrap();
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).unwrap();
    String::from_utf8(body).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_then_click_a_facet_in_chromium() {
    let (base, _stop) = common::serve_catalogue().await;
    // What the API says the clicked result must be.
    let expected: Value = serde_json::from_str(
        &reqwest::Client::new()
            .get(format!(
                "{base}/records?q=trafficking&category=law-enforcement&format=json"
            ))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap();
    let expected_ids: Vec<String> = expected["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();

    let shot = tokio::task::spawn_blocking(move || {
        let browser = launch();
        let mut page = Page::connect(browser.port);
        page.call("Page.enable", json!({}));
        page.call("Runtime.enable", json!({}));

        // Type a query into the home page's search box and press Enter.
        page.navigate(&format!("{base}/"));
        page.eval("document.getElementById('q').focus()");
        page.call("Input.insertText", json!({ "text": "trafficking" }));
        page.press_enter();
        let url = page.eval("location.pathname + location.search");
        assert_eq!(url, "/records?q=trafficking");
        let before_total = page.total();
        let before = page.result_ids();
        assert_eq!(before.len(), 20, "a first page of results");
        assert!(before_total > 20);
        let marks = page.eval("document.querySelectorAll('#results mark').length");
        assert!(marks.as_u64().unwrap() > 0, "matches are highlighted");

        // Click the "Law Enforcement" category facet.
        let link = "#facets a[data-facet='category'][data-value='law-enforcement']";
        let promised: u64 = page
            .eval(&format!(
                "document.querySelector(\"{link}\").nextElementSibling.textContent"
            ))
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        page.click(link);
        let url = page.eval("location.pathname + location.search");
        assert_eq!(url, "/records?q=trafficking&category=law-enforcement");
        let after_total = page.total();
        let after = page.result_ids();
        assert_eq!(
            after_total, promised,
            "the facet count is the size of the new result"
        );
        assert!(after_total < before_total);
        assert_eq!(after, expected_ids, "the page lists what the API lists");
        assert_ne!(after, before);
        // The filter now shows as active, with a way back.
        let active = page.eval("document.querySelector('#active-filters').textContent");
        assert!(
            active.as_str().unwrap().contains("Law Enforcement"),
            "{active}"
        );

        let shot = page.call("Page.captureScreenshot", json!({ "format": "png" }));

        // Remove the filter again with its × link.
        page.click("#active-filters li[data-facet='category'] a");
        assert_eq!(page.total(), before_total);
        shot["data"].as_str().unwrap().to_string()
    })
    .await
    .unwrap();
    use base64::Engine;
    let png = base64::engine::general_purpose::STANDARD
        .decode(shot)
        .unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    let keep = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("search.png");
    std::fs::write(&keep, &png).unwrap();
    eprintln!("screenshot: {}", keep.display());
}
