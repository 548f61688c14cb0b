//! A small Chromium DevTools client for the query page's browser tests:
//! headless Chromium with a page driven by real mouse and keyboard events
//! (`Input.*`), every request the page makes recorded, and every
//! Content-Security-Policy violation collected. WebSocket over `TcpStream`,
//! as in `search_browser.rs`: nothing but Chromium is needed.

use crate::common;

use serde_json::{Value, json};
use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Chromium, killed when the test ends however it ends.
pub struct Browser {
    child: Child,
    _profile: tempfile::TempDir,
    pub port: u16,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn launch() -> Browser {
    let profile = tempfile::tempdir().unwrap();
    let child = Command::new("/usr/bin/chromium")
        .args(common::CHROMIUM_FLAGS)
        .args(["--window-size=1200,1400", "--remote-debugging-port=0"])
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

/// Ctrl, as DevTools spells modifier keys.
pub const CTRL: u32 = 2;

/// A DevTools session on one page.
pub struct Page {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    next_id: u64,
    events: VecDeque<Value>,
    /// Every URL the page asked for (`Network.requestWillBeSent`), in order.
    pub requests: Vec<String>,
}

impl Page {
    /// Connect to the browser's page, with pages, scripts and the network
    /// watched, and CSP violations collected in `window.__csp`.
    pub fn open(browser: &Browser) -> Page {
        let port = browser.port;
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
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: cGFsZXJtby1xdWVyeS10ZXN0\r\nSec-WebSocket-Version: 13\r\n\r\n"
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
        let mut page = Page {
            reader,
            writer,
            next_id: 0,
            events: VecDeque::new(),
            requests: Vec::new(),
        };
        page.call("Page.enable", json!({}));
        page.call("Runtime.enable", json!({}));
        page.call("Network.enable", json!({}));
        page.call(
            "Page.addScriptToEvaluateOnNewDocument",
            json!({ "source": "window.__csp = []; document.addEventListener('securitypolicyviolation', e => window.__csp.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber));" }),
        );
        page
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

    /// The next whole text message; requests are noted as they pass.
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
                        let m: Value = serde_json::from_slice(&message).unwrap();
                        if m["method"] == "Network.requestWillBeSent"
                            && let Some(url) = m["params"]["request"]["url"].as_str()
                        {
                            self.requests.push(url.to_string());
                        }
                        return m;
                    }
                }
                _ => {}
            }
        }
    }

    /// Call a DevTools method and return its result; events that arrive
    /// meanwhile are kept for `wait_for`.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
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

    pub fn wait_for(&mut self, event: &str) {
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

    /// Evaluate JavaScript in the page (promises awaited), by value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let r = self.call(
            "Runtime.evaluate",
            json!({ "expression": expression, "returnByValue": true, "awaitPromise": true }),
        );
        assert!(r.get("exceptionDetails").is_none(), "{expression}: {r}");
        r["result"]["value"].clone()
    }

    pub fn text(&mut self, expression: &str) -> String {
        self.eval(expression)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// Wait until `condition` (JavaScript) is truthy, up to 20 s.
    pub fn wait_until(&mut self, condition: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while !self.eval(&format!("!!({condition})")).as_bool().unwrap() {
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {condition}; page text: {}",
                self.text("document.body.innerText.slice(0, 2000)")
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn navigate(&mut self, url: &str) {
        self.events.clear();
        self.call("Page.navigate", json!({ "url": url }));
        self.wait_for("Page.loadEventFired");
    }

    /// A real mouse click in the middle of the element `element` (a
    /// JavaScript expression) evaluates to.
    pub fn click(&mut self, element: &str) {
        // The middle of its first box (a link may wrap over lines); what
        // is under the pointer must be the element (or inside it), as for
        // a person: nothing may cover it.
        let rect = self.eval(&format!(
            "(() => {{ const e = {element}; e.scrollIntoView({{block: 'center'}}); const rs = e.getClientRects(); const r = rs.length ? rs[0] : e.getBoundingClientRect(); \
             const x = r.x + r.width / 2, y = r.y + r.height / 2; \
             let top = document.elementFromPoint(x, y); while (top && top.shadowRoot && top.shadowRoot.elementFromPoint(x, y) && top.shadowRoot.elementFromPoint(x, y) !== top) top = top.shadowRoot.elementFromPoint(x, y); \
             return [x, y, !!top && (e === top || e.contains(top) || (e.getRootNode() !== document && e.getRootNode().host === document.elementFromPoint(x, y))), top ? top.outerHTML.slice(0, 200) : null]; }})()"
        ));
        assert!(
            rect[2].as_bool().unwrap(),
            "{element} is covered by {}",
            rect[3]
        );
        let (x, y) = (rect[0].as_f64().unwrap(), rect[1].as_f64().unwrap());
        for kind in ["mouseMoved", "mousePressed", "mouseReleased"] {
            self.call(
                "Input.dispatchMouseEvent",
                json!({ "type": kind, "x": x, "y": y, "button": "left", "clickCount": 1 }),
            );
        }
    }

    /// Click the element and wait for the page it opens.
    pub fn click_to_load(&mut self, element: &str) {
        self.events.clear();
        self.click(element);
        self.wait_for("Page.loadEventFired");
    }

    /// Type text where the focus is, as an input method would.
    pub fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({ "text": text }));
    }

    /// Press a key (`"Enter"`, `"a"`) with `modifiers` (`CTRL`, or 0).
    pub fn press(&mut self, key: &str, modifiers: u32) {
        let (code, vk) = match key {
            "Enter" => ("Enter".to_string(), 13),
            "Escape" => ("Escape".to_string(), 27),
            k if k.len() == 1 => (
                format!("Key{}", k.to_ascii_uppercase()),
                k.to_ascii_uppercase().as_bytes()[0] as u32,
            ),
            k => panic!("no key code for {k}"),
        };
        for kind in ["rawKeyDown", "keyUp"] {
            self.call(
                "Input.dispatchKeyEvent",
                json!({ "type": kind, "key": key, "code": code, "windowsVirtualKeyCode": vk, "modifiers": modifiers }),
            );
        }
    }

    /// A PNG of the whole page.
    pub fn screenshot(&mut self) -> Vec<u8> {
        // Chromium's own resizing for a full-page capture trips the
        // page's style-src policy once per capture; those are not the page's.
        let before = self.eval("window.__csp.length");
        let shot = self.call(
            "Page.captureScreenshot",
            json!({ "format": "png", "captureBeyondViewport": true }),
        );
        // Violation events arrive a moment later.
        std::thread::sleep(Duration::from_millis(300));
        self.eval(&format!("window.__csp.length = {before}"));
        use base64::Engine;
        base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
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
