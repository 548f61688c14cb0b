//! Server-rendered pages and what every linked-data representation shares:
//! the closed list of RDF documents, their serialisation, and the page
//! layout every HTML page is built in.
//!
//! Pages are built with `maud`, which escapes every interpolated value by
//! construction: nothing a record holds can become markup.

pub mod concept;
pub mod home;
pub mod ontology;
pub mod query;
pub mod record;
pub mod search;

use super::negotiate::Offer;
use super::sparql::GraphFormat;
use crate::error::Error;
use crate::rdf::Iris;
use maud::{DOCTYPE, Markup, PreEscaped, Render, html};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{Graph, TripleRef};

/// The documents a dereferenced IRI offers: a page and four RDF syntaxes.
/// The first is what a client that states no preference gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Doc {
    Html,
    Turtle,
    NTriples,
    RdfXml,
    JsonLd,
}

impl Doc {
    pub const ALL: [Doc; 5] = [
        Doc::Html,
        Doc::Turtle,
        Doc::NTriples,
        Doc::RdfXml,
        Doc::JsonLd,
    ];
    pub const RDF: [Doc; 4] = [Doc::Turtle, Doc::NTriples, Doc::RdfXml, Doc::JsonLd];

    /// The suffix of the same document without `Accept` (`/id/country/AL.ttl`).
    pub fn extension(self) -> &'static str {
        match self {
            Doc::Html => "html",
            Doc::Turtle => "ttl",
            Doc::NTriples => "nt",
            Doc::RdfXml => "rdf",
            Doc::JsonLd => "jsonld",
        }
    }

    pub fn from_extension(ext: &str) -> Option<Doc> {
        Doc::ALL.into_iter().find(|d| d.extension() == ext)
    }

    /// A short name for links and listings.
    pub fn label(self) -> &'static str {
        match self {
            Doc::Html => "HTML",
            Doc::Turtle => "Turtle",
            Doc::NTriples => "N-Triples",
            Doc::RdfXml => "RDF/XML",
            Doc::JsonLd => "JSON-LD",
        }
    }

    /// The media type without parameters (for `type` attributes).
    pub fn content_type_bare(self) -> &'static str {
        self.media_type()
    }

    pub fn content_type(self) -> std::borrow::Cow<'static, str> {
        crate::media::content_type(self.media_type())
    }

    /// The RDF syntax of every document but the page.
    pub fn rdf(self) -> Option<GraphFormat> {
        match self {
            Doc::Html => None,
            Doc::Turtle => Some(GraphFormat::Turtle),
            Doc::NTriples => Some(GraphFormat::NTriples),
            Doc::RdfXml => Some(GraphFormat::RdfXml),
            Doc::JsonLd => Some(GraphFormat::JsonLd),
        }
    }
}

impl Offer for Doc {
    fn media_type(&self) -> &'static str {
        match self.rdf() {
            None => crate::media::HTML,
            Some(f) => f.media_type(),
        }
    }
    /// As `GraphFormat`'s, except that `text/plain` is not N-Triples here:
    /// a browser's plain-text range would otherwise win over the page.
    fn aliases(&self) -> &'static [&'static str] {
        match self.rdf() {
            None => &[crate::media::XHTML],
            Some(GraphFormat::NTriples) => &[],
            Some(f) => f.aliases(),
        }
    }
    fn names(&self) -> &'static [&'static str] {
        match self {
            Doc::Html => &["html"],
            Doc::Turtle => &["ttl", "turtle"],
            Doc::NTriples => &["nt", "ntriples", "n-triples"],
            Doc::RdfXml => &["rdf", "rdfxml", "xml"],
            Doc::JsonLd => &["jsonld", "json-ld"],
        }
    }
}

/// Serialise a graph in an RDF document type. Triples are sorted first, so
/// the same graph always gives the same bytes (and the same ETag), and
/// Turtle groups each subject's triples.
pub fn serialize(graph: &Graph, doc: Doc, iris: &Iris) -> Result<Vec<u8>, Error> {
    let format = match doc {
        Doc::Html => {
            return Err(Error::internal(
                "serialising a graph",
                "HTML is not an RDF syntax",
            ));
        }
        Doc::JsonLd => return crate::rdf::jsonld::compact(graph),
        Doc::Turtle => RdfFormat::Turtle,
        Doc::NTriples => RdfFormat::NTriples,
        Doc::RdfXml => RdfFormat::RdfXml,
    };
    let mut ser = RdfSerializer::from_format(format);
    if doc != Doc::NTriples {
        ser = crate::rdf::with_prefixes(ser, crate::rdf::prefixes(iris.base()))?;
        ser = crate::rdf::with_prefixes(
            ser,
            [
                ("sh", crate::rdf::vocab::sh::NS),
                ("ldp", crate::rdf::vocab::ldp::NS),
                ("dcat", crate::rdf::ns::DCAT),
                ("void", crate::rdf::ns::VOID),
            ],
        )?;
    }
    let mut w = ser.for_writer(Vec::new());
    for t in sorted(graph) {
        w.serialize_triple(t)?;
    }
    w.finish().map_err(Error::from)
}

/// Triples in a stable order: by subject, `rdf:type` first, then predicate
/// and object.
pub fn sorted(graph: &Graph) -> Vec<TripleRef<'_>> {
    let mut triples: Vec<(String, bool, String, String, TripleRef<'_>)> = graph
        .iter()
        .map(|t| {
            (
                t.subject.to_string(),
                t.predicate != oxigraph::model::vocab::rdf::TYPE,
                t.predicate.to_string(),
                t.object.to_string(),
                t,
            )
        })
        .collect();
    triples.sort_by(|a, b| (&a.0, a.1, &a.2, &a.3).cmp(&(&b.0, b.1, &b.2, &b.3)));
    triples.into_iter().map(|t| t.4).collect()
}

/// Style shared by every page (inline, or as `/assets/site.css`): system fonts only, readable measure, AA
/// contrast, visible focus, fluid down to a phone's width.
pub const STYLE: &str = "
:root{--fg:#1b1b1b;--muted:#4a4a4a;--link:#0b57a4;--line:#d0d0d0;--bg:#fff;--soft:#f4f6f8}
*{box-sizing:border-box}
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:var(--fg);background:var(--bg);margin:0;line-height:1.55;font-size:1.0625rem}
a{color:var(--link)}a:focus-visible,button:focus-visible,select:focus-visible{outline:3px solid #f2a900;outline-offset:2px}
.skip{position:absolute;left:-999px}.skip:focus{left:1rem;top:1rem;background:#fff;padding:.5rem;z-index:1}
header.site,footer.site{background:var(--soft);border-bottom:1px solid var(--line)}
footer.site{border-top:1px solid var(--line);border-bottom:0;margin-top:3rem;color:var(--muted);font-size:.9rem}
.wrap{max-width:52rem;margin:0 auto;padding:.75rem 1rem}
header.site nav{display:flex;flex-wrap:wrap;gap:.25rem 1.25rem;align-items:baseline}
header.site .brand{font-weight:700;text-decoration:none;color:var(--fg);font-size:1.15rem}
main{max-width:52rem;margin:0 auto;padding:0 1rem}
h1{font-size:1.7rem;line-height:1.25;margin:1.5rem 0 .5rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:2rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.25rem}
.meta{color:var(--muted);margin:.25rem 0}
dl.facts{display:grid;grid-template-columns:minmax(7rem,max-content) 1fr;gap:.35rem 1rem;margin:1rem 0}
dl.facts dt{font-weight:600}dl.facts dd{margin:0;overflow-wrap:anywhere}
ul.inline{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:.25rem .75rem}
ul.plain{padding-left:1.25rem}
.citation{background:var(--soft);border-left:4px solid var(--link);padding:.6rem .9rem;margin:.5rem 0;overflow-wrap:anywhere}
.citation .style{display:block;font-size:.85rem;color:var(--muted);font-weight:600}
form.picker{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center;margin:.75rem 0}
select,button{font:inherit;padding:.3rem .5rem;border:1px solid #767676;border-radius:4px;background:#fff;color:var(--fg);max-width:100%}
button{background:var(--link);color:#fff;border-color:var(--link);cursor:pointer}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.35rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-size:.92em;overflow-wrap:anywhere}
input[type=search],input[type=number],textarea{font:inherit;padding:.3rem .5rem;border:1px solid #767676;border-radius:4px;max-width:100%}
input[type=search]{width:min(36rem,100%)}
textarea{width:100%;min-height:14rem;font-family:ui-monospace,monospace;font-size:.95rem}
mark{background:#fff0a0;color:inherit}
.count{color:var(--muted);font-size:.85rem}
.error{color:#8b0000}
main:has(.wide){max-width:72rem}
.columns{display:grid;grid-template-columns:16rem 1fr;gap:2rem}
.facet h2{font-size:1rem;margin:1rem 0 .3rem}.facet ul{list-style:none;padding:0;margin:0}.facet li{margin:.1rem 0}
.facet summary{cursor:pointer;font-size:.9rem}.years input{width:5rem}
.result{margin-bottom:1rem}.result h3{font-size:1.05rem;margin:0}.snippet{margin:.2rem 0}
#active-filters ul{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:.4rem 1rem}#active-filters a{text-decoration:none}
.browse{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:0 2rem}.browse ul{list-style:none;padding:0}
@media (max-width:50rem){.columns{grid-template-columns:1fr}}
@media (max-width:30rem){dl.facts{grid-template-columns:1fr}dl.facts dd{margin-bottom:.5rem}h1{font-size:1.4rem}}
";

/// Text a request sent us, echoed on a page: escaped by maud, and `'` as
/// `&#39;` too, so the echo stays inert even pasted into a single-quoted
/// attribute or script string (maud leaves `'` as it is).
pub struct Echo<'a>(pub &'a str);

impl Render for Echo<'_> {
    fn render_to(&self, buffer: &mut String) {
        for (i, part) in self.0.split('\'').enumerate() {
            if i > 0 {
                buffer.push_str("&#39;");
            }
            part.render_to(buffer);
        }
    }
}

/// The page frame: `head` extra elements, then the body's `main`.
pub fn layout(title: &str, head: Markup, main: Markup) -> Markup {
    frame(title, html! { style { (PreEscaped(STYLE)) } }, head, main)
}

/// The same frame with the style linked (`/assets/site.css`) rather than
/// inline, for a page whose Content-Security-Policy allows no inline style
/// (the query page).
pub fn layout_linked(title: &str, head: Markup, main: Markup) -> Markup {
    let style = html! { link rel="stylesheet" href=(crate::http::assets::href("site.css")); };
    frame(title, style, head, main)
}

fn frame(title: &str, style: Markup, head: Markup, main: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Palermo" }
                (style)
                (head)
            }
            body {
                a.skip href="#main" { "Skip to content" }
                header.site {
                    div.wrap {
                        nav aria-label="Site" {
                            a.brand href="/" { "Palermo" }
                            a href="/id/category/" { "Categories" }
                            a href="/id/country/" { "Countries" }
                            a href="/id/region/" { "Regions" }
                            a href="/id/agent/" { "Authors" }
                            a href="/id/language/" { "Languages" }
                            a href="/query" { "SPARQL" }
                        }
                    }
                }
                main id="main" { (main) }
                footer.site {
                    div.wrap {
                        "Palermo: a linked-data catalogue of publications on human trafficking and migrant smuggling. "
                        a href="/ontology" { "Vocabulary" } " · "
                        a href="/void" { "Dataset description" } " · "
                        a href="/dump.nq.gz" { "Full dump" }
                    }
                }
            }
        }
    }
}

/// An error as a page, for browsers (`http::error::render` decides who
/// gets it): the message, then what the handler added (`extra`).
pub fn error_page(heading: &str, message: &str, extra: Markup) -> Markup {
    layout(
        heading,
        html! { meta name="robots" content="noindex"; },
        html! {
            h1 { (heading) }
            p { (message) }
            (extra)
            p { a href="/" { "Back to the catalogue" } }
        },
    )
}

/// A path with its query string (`/records/x?style=apa`), for forms and links.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    if pairs.is_empty() {
        return path.to_string();
    }
    let mut s = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    format!("{path}?{}", s.finish())
}

/// JSON for a `<script>` element: `<`, `>` and `&` as Unicode escapes, so
/// that no value can close the element or open a comment.
pub fn script_json(value: &serde_json::Value) -> PreEscaped<String> {
    let text = serde_json::to_string_pretty(value).unwrap_or_else(|_| "{}".into());
    PreEscaped(
        text.replace('<', "\\u003c")
            .replace('>', "\\u003e")
            .replace('&', "\\u0026"),
    )
}
