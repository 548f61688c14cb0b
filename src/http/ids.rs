//! `/id/{kind}/{key}` and `/id/{kind}/`: agents, countries, regions,
//! categories and languages resolve, as a page listing their records or as
//! RDF (also at `.ttl`, `.nt`, `.rdf`, `.jsonld`), and each kind has an index.

use super::AppState;
use super::error::Failure;
use super::negotiate::{self, Negotiated, choose};
use super::pages::Doc;
use super::pages::concept::{Entry, Fact, Group, IndexPage, ResourcePage, kind_names};
use super::plumbing::{
    Representation, blocking, parse_modified, query_param, split_extension, valid_key,
};
use crate::error::Error;
use crate::rdf::describe::{self, Kind};
use crate::rdf::vocab::{dcterms, foaf, owl, pal, schema, skos};
use crate::rdf::{Iris, meta};
use crate::store::Store;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use oxigraph::model::vocab::rdf;
use oxigraph::model::{NamedNode, NamedNodeRef, NamedOrBlankNode, Term};

/// The kind a path segment names, or 404 listing the kinds.
fn kind_of(segment: &str) -> Result<Kind, Error> {
    Kind::from_segment(segment).ok_or_else(|| {
        let known: Vec<&str> = Kind::ALL.iter().map(|k| k.segment()).collect();
        Error::NotFound(format!(
            "/id/{segment}/: no such kind of resource; kinds: {}",
            known.join(", ")
        ))
    })
}

/// Negotiate the document type: a suffix fixes it, else `format=`, else `Accept`.
fn negotiate(
    ext: Option<&str>,
    query: Option<&str>,
    accept: Option<&str>,
    path: &str,
) -> Result<Doc, Error> {
    match ext {
        Some(ext) => Doc::from_extension(ext).ok_or_else(|| {
            let known: Vec<&str> = Doc::ALL.iter().map(|d| d.extension()).collect();
            Error::NotFound(format!(
                "{path}.{ext}: unknown extension; known: {}",
                known.join(", ")
            ))
        }),
        None => Ok(choose(accept, query_param(query, "format").as_deref(), &Doc::ALL)?.offer),
    }
}

/// GET `/id/{kind}`: the index lives at `/id/{kind}/` (the scheme's IRI).
pub async fn index_redirect(Path(kind): Path<String>) -> Result<Response, Error> {
    let kind = kind_of(&kind)?;
    Ok(Redirect::permanent(&format!("/id/{}/", kind.segment())).into_response())
}

/// GET `/id/{kind}/`: every resource of a kind with its number of records.
pub async fn index(
    State(state): State<AppState>,
    Path(segment): Path<String>,
    Negotiated(method, query, headers): Negotiated,
) -> Result<Response, Error> {
    let accept = negotiate::accept(&headers);
    let kind = kind_of(&segment)?;
    let doc = negotiate(None, query.as_deref(), accept, &format!("/id/{segment}/"))?;
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let built = blocking(move || {
        let modified = meta::last_modified(&store, &iris)?;
        let body = if doc == Doc::Html {
            index_page(&store, &iris, kind)?.into_bytes()
        } else {
            super::pages::serialize(&describe::index(&store, &iris, kind)?, doc, &iris)?
        };
        Ok(Representation::new(doc.content_type(), body)
            .modified(modified.as_deref().and_then(parse_modified)))
    })
    .await?;
    Ok(built.respond(&method, &headers))
}

fn index_page(store: &Store, iris: &Iris, kind: Kind) -> Result<String, Error> {
    let counts = describe::counts(store, iris, kind)?;
    let prefix = format!("{}id/{}/", iris.base(), kind.segment());
    let keys: Vec<String> = if kind.has_scheme() {
        let scheme = iris.scheme(kind.segment());
        let mut keys: Vec<String> = store
            .quads_for_pattern(
                None,
                Some(skos::IN_SCHEME),
                Some(scheme.as_ref().into()),
                None,
            )
            .filter_map(|q| match q {
                Ok(q) => match q.subject {
                    NamedOrBlankNode::NamedNode(n) => {
                        n.as_str().strip_prefix(&prefix).map(|k| Ok(k.to_string()))
                    }
                    _ => None,
                },
                Err(e) => Some(Err(e)),
            })
            .collect::<Result<_, _>>()?;
        keys.sort();
        keys.dedup();
        keys
    } else {
        describe::agent_keys(store, iris)?
    };
    let mut used = Vec::new();
    let mut unused = Vec::new();
    let concepts: Vec<NamedNode> = keys.iter().map(|key| kind.iri(iris, key)).collect();
    let labels = describe::labels_of(store, &concepts)?;
    for (key, label) in keys.into_iter().zip(labels) {
        let label = label.unwrap_or_else(|| key.clone());
        let count = counts.get(&key).copied().unwrap_or(0);
        let e = Entry { key, label, count };
        if count > 0 {
            used.push(e)
        } else {
            unused.push(e)
        }
    }
    used.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    unused.sort_by(|a, b| a.label.cmp(&b.label));
    Ok(IndexPage {
        kind,
        iri: iris.scheme(kind.segment()).into_string(),
        used,
        unused,
    }
    .render())
}

/// GET `/id/{kind}/{key}` and `/id/{kind}/{key}.{ext}`.
pub async fn resource(
    State(state): State<AppState>,
    Path((segment, raw)): Path<(String, String)>,
    Negotiated(method, query, headers): Negotiated,
) -> Result<Response, Failure> {
    let accept = negotiate::accept(&headers);
    let kind = kind_of(&segment)?;
    let (key, ext) = split_extension(&raw);
    let path = format!("/id/{segment}/{key}");
    let doc = negotiate(ext, query.as_deref(), accept, &path)?;
    let not_found = || {
        let (singular, plural) = kind_names(kind);
        Error::NotFound(format!(
            "no {} with key \"{key}\" (see /id/{segment}/)",
            singular.to_lowercase()
        ))
        .with_page(
            html! { p { "See all " a href={"/id/" (segment) "/"} { (plural.to_lowercase()) } "." } },
        )
    };
    if !valid_key(key) {
        return Err(not_found());
    }
    let (store, iris, k) = (
        state.store.clone(),
        state.config.iris.clone(),
        key.to_string(),
    );
    let suffix = ext.is_some();
    let built = blocking(move || {
        let iri = kind.iri(&iris, &k);
        let Some(graph) = describe::resource(&store, &iris, &iri)? else {
            return Ok(None);
        };
        let modified = meta::last_modified(&store, &iris)?;
        let body = if doc == Doc::Html {
            resource_page(&store, &iris, kind, &k, &iri)?.into_bytes()
        } else {
            super::pages::serialize(&graph, doc, &iris)?
        };
        let mut rep = Representation::new(doc.content_type(), body)
            .modified(modified.as_deref().and_then(parse_modified));
        if suffix {
            rep.links
                .push(format!("<{}>; rel=\"describes\"", iri.as_str()));
        }
        Ok(Some(rep))
    })
    .await?;
    match built {
        Some(rep) => Ok(rep.respond(&method, &headers)),
        None => Err(not_found()),
    }
}

fn literals(
    store: &crate::store::Store,
    iri: &NamedNode,
    p: NamedNodeRef<'_>,
) -> Result<Vec<String>, Error> {
    Ok(describe::values(store, iri, p)?
        .into_iter()
        .filter_map(|t| match t {
            Term::Literal(l) => Some(l.value().to_string()),
            _ => None,
        })
        .collect())
}

fn resource_page(
    store: &Store,
    iris: &Iris,
    kind: Kind,
    key: &str,
    iri: &NamedNode,
) -> Result<String, Error> {
    let label = describe::label(store, iri)?.unwrap_or_else(|| key.to_string());
    let mut facts: Vec<(String, Vec<Fact>)> = Vec::new();
    let text = |v: Vec<String>| v.into_iter().map(Fact::Text).collect::<Vec<_>>();
    let link_to = |n: &NamedNode| -> Result<Fact, Error> {
        let href = n
            .as_str()
            .strip_prefix(iris.base())
            .map(|p| format!("/{p}"))
            .unwrap_or_else(|| n.as_str().to_string());
        let text = describe::label(store, n)?.unwrap_or_else(|| n.as_str().to_string());
        Ok(Fact::Link { href, text })
    };
    if kind == Kind::Agent {
        let person = describe::values(store, iri, rdf::TYPE)?
            .iter()
            .any(|t| matches!(t, Term::NamedNode(n) if *n == foaf::PERSON));
        facts.push((
            "Type".into(),
            vec![Fact::Text(
                if person { "Person" } else { "Organisation" }.into(),
            )],
        ));
    }
    let notation = literals(store, iri, skos::NOTATION)?;
    if !notation.is_empty() {
        facts.push(("Code".into(), text(notation)));
    }
    let mut other_names = literals(store, iri, skos::ALT_LABEL)?;
    for n in literals(store, iri, schema::ALTERNATE_NAME)? {
        if !other_names.contains(&n) {
            other_names.push(n);
        }
    }
    if !other_names.is_empty() {
        facts.push(("Also known as".into(), text(other_names)));
    }
    for (p, name) in [
        (skos::BROADER, "Part of"),
        (skos::TOP_CONCEPT_OF, "Top concept of"),
    ] {
        let mut links = Vec::new();
        for t in describe::values(store, iri, p)? {
            if let Term::NamedNode(n) = t {
                links.push(link_to(&n)?);
            }
        }
        if !links.is_empty() {
            facts.push((name.into(), links));
        }
    }
    let mut narrower = Vec::new();
    for q in store.quads_for_pattern(None, Some(skos::BROADER), Some(iri.into()), None) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject {
            narrower.push(link_to(&n)?);
        }
    }
    if !narrower.is_empty() {
        facts.push(("Includes".into(), narrower));
    }
    let same: Vec<Fact> = describe::values(store, iri, owl::SAME_AS)?
        .into_iter()
        .filter_map(|t| match t {
            Term::NamedNode(n) => Some(Fact::Link {
                href: n.as_str().to_string(),
                text: n.as_str().to_string(),
            }),
            _ => None,
        })
        .collect();
    if !same.is_empty() {
        facts.push(("Same as".into(), same));
    }
    if literals(store, iri, iris.vocab(pal::HISTORIC).as_ref())?
        .iter()
        .any(|v| v == "true")
    {
        facts.push((
            "Status".into(),
            vec![Fact::Text("Historic (no longer an ISO 3166-1 code)".into())],
        ));
    }
    let summaries = |ids: Vec<String>| -> Result<Vec<describe::Summary>, Error> {
        let mut out: Vec<describe::Summary> = describe::summaries_of(store, iris, &ids)?
            .into_iter()
            .flatten()
            .collect();
        out.sort_by(|a, b| b.year.cmp(&a.year).then_with(|| a.title.cmp(&b.title)));
        Ok(out)
    };
    let groups = if kind == Kind::Agent {
        let authored = summaries(describe::records_linking(
            store,
            iris,
            iri.as_ref(),
            &[dcterms::CREATOR],
        )?)?;
        let published = summaries(describe::records_linking(
            store,
            iris,
            iri.as_ref(),
            &[dcterms::PUBLISHER],
        )?)?;
        let mut g = vec![Group {
            heading: "As author".into(),
            records: authored,
        }];
        if !g[0].records.is_empty() && published.is_empty() {
            // Most agents only author: no empty "As publisher" section.
        } else {
            g.push(Group {
                heading: "As publisher".into(),
                records: published,
            });
        }
        g
    } else {
        vec![Group {
            heading: "Records".into(),
            records: summaries(describe::records_linking(
                store,
                iris,
                iri.as_ref(),
                kind.record_predicates(),
            )?)?,
        }]
    };
    Ok(ResourcePage {
        kind,
        key: key.to_string(),
        label,
        iri: iri.as_str().to_string(),
        facts,
        groups,
    }
    .render())
}
