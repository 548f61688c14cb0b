//! The `/ontology` page: our classes and properties (each with the anchor
//! its IRI's fragment names), the SKOS schemes and the SHACL shapes.

use super::{Doc, layout};
use crate::rdf::Iris;
use crate::rdf::vocab::{dcterms, owl, sh, skos};
use maud::{Markup, html};
use oxigraph::model::vocab::{rdf, rdfs};
use oxigraph::model::{Graph, NamedNodeRef, NamedOrBlankNodeRef, TermRef};

fn named(t: TermRef<'_>) -> Option<&str> {
    match t {
        TermRef::NamedNode(n) => Some(n.as_str()),
        _ => None,
    }
}

fn literal(graph: &Graph, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Option<String> {
    graph
        .objects_for_subject_predicate(s, p)
        .filter_map(|o| match o {
            TermRef::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
        .min()
}

fn iris_of(graph: &Graph, s: NamedOrBlankNodeRef<'_>, p: NamedNodeRef<'_>) -> Vec<String> {
    let mut v: Vec<String> = graph
        .objects_for_subject_predicate(s, p)
        .filter_map(|o| named(o).map(str::to_string))
        .collect();
    v.sort();
    v
}

fn subjects_of_type<'a>(graph: &'a Graph, class: NamedNodeRef<'_>) -> Vec<NamedOrBlankNodeRef<'a>> {
    let mut v: Vec<NamedOrBlankNodeRef<'a>> = graph
        .subjects_for_predicate_object(rdf::TYPE, class)
        .collect();
    v.sort_by_key(|s| s.to_string());
    v
}

/// A compact name for an IRI: `pal:Report`, `bibo:Report`, or the IRI.
fn short(iri: &str, iris: &Iris) -> String {
    for (p, ns_) in crate::rdf::prefixes(iris.base()) {
        if let Some(local) = iri.strip_prefix(ns_.as_str())
            && !local.is_empty()
        {
            return format!("{p}:{local}");
        }
    }
    iri.to_string()
}

fn term_link(iri: &str, iris: &Iris) -> Markup {
    let ours = format!("{}ontology#", iris.base());
    html! {
        @if let Some(local) = iri.strip_prefix(&ours) {
            a href={"#" (local)} { code { "pal:" (local) } }
        } @else {
            code { (short(iri, iris)) }
        }
    }
}

/// Render the ontology document.
pub fn render(graph: &Graph, iris: &Iris) -> String {
    let ours = format!("{}ontology#", iris.base());
    let terms = |class: NamedNodeRef<'_>| -> Vec<(String, NamedOrBlankNodeRef<'_>)> {
        subjects_of_type(graph, class)
            .into_iter()
            .filter_map(|s| match s {
                NamedOrBlankNodeRef::NamedNode(n) => {
                    n.as_str().strip_prefix(&ours).map(|l| (l.to_string(), s))
                }
                _ => None,
            })
            .collect()
    };
    let classes = terms(owl::CLASS);
    let mut properties = terms(owl::OBJECT_PROPERTY);
    properties.extend(terms(owl::DATATYPE_PROPERTY));
    properties.sort_by(|a, b| a.0.cmp(&b.0));
    // Every other term of ours (SPARQL functions, …), so each one resolves
    // to an anchor here whatever its type.
    let listed: std::collections::BTreeSet<&str> = classes
        .iter()
        .chain(&properties)
        .map(|(l, _)| l.as_str())
        .collect();
    let mut others: Vec<(String, NamedOrBlankNodeRef<'_>)> = Vec::new();
    for t in graph.iter() {
        if let NamedOrBlankNodeRef::NamedNode(n) = t.subject
            && let Some(local) = n.as_str().strip_prefix(&ours)
            && !local.is_empty()
            && !listed.contains(local)
            && !others.iter().any(|(l, _)| l == local)
        {
            others.push((local.to_string(), t.subject));
        }
    }
    others.sort_by(|a, b| a.0.cmp(&b.0));
    let schemes = subjects_of_type(graph, skos::CONCEPT_SCHEME);
    let shapes = subjects_of_type(graph, sh::NODE_SHAPE);
    let label = |s: NamedOrBlankNodeRef<'_>| literal(graph, s, rdfs::LABEL);
    let comment = |s: NamedOrBlankNodeRef<'_>| literal(graph, s, rdfs::COMMENT);
    let ontology_iri = format!("{}ontology", iris.base());
    let title = literal(
        graph,
        NamedOrBlankNodeRef::NamedNode(NamedNodeRef::new_unchecked(&ontology_iri)),
        dcterms::TITLE,
    )
    .unwrap_or_else(|| "Palermo vocabulary".into());
    let description = literal(
        graph,
        NamedOrBlankNodeRef::NamedNode(NamedNodeRef::new_unchecked(&ontology_iri)),
        dcterms::DESCRIPTION,
    );
    let head = html! {
        link rel="canonical" href=(ontology_iri);
        @for d in Doc::RDF {
            link rel="alternate" type=(d.content_type_bare()) href={"/ontology." (d.extension())};
        }
    };
    let main = html! {
        h1 { (title) }
        @if let Some(d) = description { p { (d) } }
        p.meta {
            "Namespace " code { (ours) } ". As linked data: "
            @for (i, d) in Doc::RDF.iter().enumerate() {
                @if i > 0 { ", " }
                a href={"/ontology." (d.extension())} { (d.label()) }
            }
            "."
        }
        h2 id="classes" { "Classes" }
        dl.facts {
            @for (local, s) in &classes {
                dt id=(local) { code { "pal:" (local) } }
                dd {
                    (label(*s).unwrap_or_default())
                    @if let Some(c) = comment(*s) { ". " (c) }
                    @let supers = iris_of(graph, *s, rdfs::SUB_CLASS_OF);
                    @if !supers.is_empty() {
                        br; span.meta { "Subclass of " @for (i, sc) in supers.iter().enumerate() { @if i > 0 { ", " } (term_link(sc, iris)) } }
                    }
                }
            }
        }
        h2 id="properties" { "Properties" }
        dl.facts {
            @for (local, s) in &properties {
                dt id=(local) { code { "pal:" (local) } }
                dd {
                    (label(*s).unwrap_or_default())
                    @if let Some(c) = comment(*s) { ". " (c) }
                    @let domain = iris_of(graph, *s, rdfs::DOMAIN);
                    @let range = iris_of(graph, *s, rdfs::RANGE);
                    @if !domain.is_empty() || !range.is_empty() {
                        br; span.meta {
                            @for d in &domain { "Domain " (term_link(d, iris)) " " }
                            @for r in &range { "Range " (term_link(r, iris)) }
                        }
                    }
                }
            }
        }
        @if !others.is_empty() {
            h2 id="other-terms" { "Other terms" }
            dl.facts {
                @for (local, s) in &others {
                    dt id=(local) { code { "pal:" (local) } }
                    dd {
                        (label(*s).unwrap_or_default())
                        @if let Some(c) = comment(*s) { ". " (c) }
                        @let types = iris_of(graph, *s, rdf::TYPE);
                        @if !types.is_empty() {
                            br; span.meta { "A " @for (i, t) in types.iter().enumerate() { @if i > 0 { ", " } (term_link(t, iris)) } }
                        }
                    }
                }
            }
        }
        h2 id="schemes" { "Concept schemes" }
        ul.plain {
            @for s in &schemes {
                @let iri = s.to_string();
                @let iri = iri.trim_matches(|c| c == '<' || c == '>');
                @let path = iri.strip_prefix(iris.base()).map(|p| format!("/{p}")).unwrap_or_else(|| iri.to_string());
                @let n = graph.subjects_for_predicate_object(skos::IN_SCHEME, match s { NamedOrBlankNodeRef::NamedNode(n) => TermRef::NamedNode(*n), _ => TermRef::NamedNode(rdf::NIL) }).count();
                li { a href=(path) { (literal(graph, *s, skos::PREF_LABEL).unwrap_or_else(|| iri.to_string())) } " (" (n) " concepts)" }
            }
        }
        h2 id="shapes" { "Shapes" }
        p { "SHACL shapes every record, agent and concept of the catalogue conforms to." }
        ul.plain {
            @for s in &shapes {
                @let targets = iris_of(graph, *s, sh::TARGET_CLASS);
                @let n = graph.objects_for_subject_predicate(*s, sh::PROPERTY).count();
                li {
                    code { (s.to_string().trim_matches(|c| c == '<' || c == '>').rsplit('#').next().unwrap_or_default()) }
                    @for t in &targets { ": targets " (term_link(t, iris)) }
                    " (" (n) " property constraints)"
                }
            }
        }
    };
    layout(&title, head, main).into_string()
}
