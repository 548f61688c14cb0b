//! XML for OAI-PMH: a small writer for our responses (escaping, and nothing
//! a document could not carry) and a small namespace-aware tree reader for
//! the harvester's (what quick-xml's events give, as a tree).
//!
//! Record text comes from imports, harvests and SPARQL updates, so it may hold
//! characters XML 1.0 forbids (NUL, most C0 controls, U+FFFE): one of them
//! would make the whole response unparsable for every harvester. They are
//! dropped here, at the one place text enters the document.

use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use std::fmt::Write;

/// A document under construction. Element names and attribute names are
/// ours (constants); only text and attribute values need escaping.
#[derive(Debug, Default)]
pub struct Xml {
    out: String,
    open: Vec<&'static str>,
}

impl Xml {
    pub fn new() -> Self {
        let mut x = Xml::default();
        x.out
            .push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        x
    }

    /// `<name a="v" ...>`
    pub fn open(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        self.open.push(name);
        self
    }

    /// Close the innermost open element.
    pub fn close(&mut self) -> &mut Self {
        if let Some(name) = self.open.pop() {
            let _ = write!(self.out, "</{name}>");
        }
        self
    }

    /// `<name a="v"/>`
    pub fn empty(&mut self, name: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push_str("/>");
        self
    }

    /// `<name a="v">text</name>`
    pub fn text(&mut self, name: &'static str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start_tag(name, attrs);
        self.out.push('>');
        escape_into(&mut self.out, text, false);
        let _ = write!(self.out, "</{name}>");
        self
    }

    /// Append a fragment another `Xml` wrote (never outside text: it is not
    /// escaped).
    pub(crate) fn fragment(&mut self, other: Xml) -> &mut Self {
        let mut other = other;
        while !other.open.is_empty() {
            other.close();
        }
        self.out.push_str(&other.out);
        self
    }

    /// The document, with every element that is still open closed.
    pub fn finish(mut self) -> String {
        while !self.open.is_empty() {
            self.close();
        }
        self.out.push('\n');
        self.out
    }

    fn start_tag(&mut self, name: &str, attrs: &[(&str, &str)]) {
        let _ = write!(self.out, "<{name}");
        for (k, v) in attrs {
            let _ = write!(self.out, " {k}=\"");
            escape_into(&mut self.out, v, true);
            self.out.push('"');
        }
    }
}

/// Whether XML 1.0 allows this character in a document.
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\u{9}' | '\u{A}' | '\u{D}' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escape `text` for element content or (with `attr`) a double-quoted
/// attribute value. In attributes, tabs and newlines become character
/// references, or attribute-value normalisation would turn them into spaces.
fn escape_into(out: &mut String, text: &str, attr: bool) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\t' if attr => out.push_str("&#9;"),
            '\n' if attr => out.push_str("&#10;"),
            // A literal CR would be normalised away by every parser.
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
}

/// An element of a parsed document: namespace URI, local name, attributes
/// (unqualified ones by local name, qualified ones as `{ns}local`), child
/// elements and its own text (direct text and CDATA, concatenated).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub ns: String,
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

/// Documents nest a few levels; a deep one is an attack or a bug.
const MAX_DEPTH: usize = 256;

impl Element {
    /// Parse a whole document (UTF-8) into its root element. Entity
    /// references beyond XML's five and character references are refused:
    /// OAI-PMH responses have no DTD to define them.
    pub fn parse(xml: &[u8]) -> Result<Element, String> {
        let mut reader = quick_xml::reader::NsReader::from_reader(xml);
        let mut stack: Vec<Element> = Vec::new();
        let mut root: Option<Element> = None;
        let mut buf = Vec::new();
        loop {
            let pos = reader.buffer_position();
            let (ns, event) = reader
                .read_resolved_event_into(&mut buf)
                .map_err(|e| format!("XML error at byte {pos}: {e}"))?;
            let ns = match ns {
                ResolveResult::Bound(n) => String::from_utf8_lossy(n.as_ref()).into_owned(),
                ResolveResult::Unbound => String::new(),
                ResolveResult::Unknown(p) => {
                    return Err(format!(
                        "undeclared namespace prefix {}",
                        String::from_utf8_lossy(&p)
                    ));
                }
            };
            let empty = matches!(event, Event::Empty(_));
            match event {
                Event::Start(e) | Event::Empty(e) => {
                    let mut el = Element {
                        ns,
                        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
                        ..Element::default()
                    };
                    for a in e.attributes() {
                        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
                        let (ans, local) = reader.resolve_attribute(a.key);
                        let local = String::from_utf8_lossy(local.as_ref()).into_owned();
                        let key = match ans {
                            ResolveResult::Bound(n) => {
                                let n = String::from_utf8_lossy(n.as_ref()).into_owned();
                                if n == "http://www.w3.org/2000/xmlns/" {
                                    continue;
                                }
                                format!("{{{n}}}{local}")
                            }
                            _ if a.key.as_ref().starts_with(b"xmlns") => continue,
                            _ => local,
                        };
                        let value = a
                            .unescape_value()
                            .map_err(|e| format!("bad attribute value: {e}"))?;
                        el.attrs.push((key, value.into_owned()));
                    }
                    if empty {
                        match stack.last_mut() {
                            Some(parent) => parent.children.push(el),
                            None => root = Some(el),
                        }
                    } else {
                        if stack.len() >= MAX_DEPTH {
                            return Err("elements nest too deeply".into());
                        }
                        stack.push(el);
                    }
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or("unbalanced end tag")?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => root = Some(el),
                    }
                }
                Event::Text(t) => {
                    if let Some(el) = stack.last_mut() {
                        let text = t.xml10_content().map_err(|e| format!("bad text: {e}"))?;
                        el.text.push_str(&text);
                    }
                }
                Event::CData(c) => {
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(&String::from_utf8_lossy(&c.into_inner()));
                    }
                }
                Event::GeneralRef(r) => {
                    let c = match r.resolve_char_ref().map_err(|e| e.to_string())? {
                        Some(c) => c,
                        None => match &*r {
                            b"amp" => '&',
                            b"lt" => '<',
                            b"gt" => '>',
                            b"quot" => '"',
                            b"apos" => '\'',
                            other => {
                                return Err(format!(
                                    "unknown entity &{};",
                                    String::from_utf8_lossy(other)
                                ));
                            }
                        },
                    };
                    if let Some(el) = stack.last_mut() {
                        el.text.push(c);
                    }
                }
                Event::Eof => break,
                _ => {}
            }
            buf.clear();
        }
        if !stack.is_empty() {
            return Err("the document ends inside an element".into());
        }
        root.ok_or_else(|| "no root element".into())
    }

    /// The first child element with this namespace and local name.
    pub fn child(&self, ns: &str, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.ns == ns && c.name == name)
    }

    /// Every child element with this namespace and local name.
    pub fn children<'a>(
        &'a self,
        ns: &'a str,
        name: &'a str,
    ) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.ns == ns && c.name == name)
    }

    /// An unqualified attribute, or a qualified one as `{ns}local`.
    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// The text of the element, whitespace collapsed.
    pub fn value(&self) -> String {
        self.text.split_whitespace().collect::<Vec<_>>().join(" ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_it_writes() {
        let mut x = Xml::new();
        x.open(
            "r",
            &[("xmlns", "urn:a"), ("xmlns:b", "urn:b"), ("k", "1 & 2")],
        )
        .text("b:c", &[("b:q", "x")], "A < B \"&\" ü")
        .empty("d", &[]);
        let doc = x.finish();
        let root = Element::parse(doc.as_bytes()).unwrap();
        assert_eq!((root.ns.as_str(), root.name.as_str()), ("urn:a", "r"));
        assert_eq!(root.attr("k"), Some("1 & 2"));
        let c = root.child("urn:b", "c").unwrap();
        assert_eq!(c.text, "A < B \"&\" ü");
        assert_eq!(c.attr("{urn:b}q"), Some("x"));
        assert!(root.child("urn:a", "d").is_some());
        assert!(Element::parse(b"<a><b></a>").is_err());
        assert!(Element::parse(b"<a>&nbsp;</a>").is_err());
        assert!(Element::parse(b"<x:a/>").is_err());
    }

    #[test]
    fn escapes_and_drops_what_xml_cannot_hold() {
        let mut x = Xml::new();
        x.open("a", &[("v", "1 \"2\" <3>\n&")])
            .text("b", &[], "x < y & \u{0}z\u{FFFE}\r")
            .empty("c", &[]);
        let doc = x.finish();
        assert!(doc.ends_with(
            "<a v=\"1 &quot;2&quot; &lt;3&gt;&#10;&amp;\"><b>x &lt; y &amp; z&#13;</b><c/></a>\n"
        ));
    }
}
