//! What the query page's editor completes from, read from the store (never
//! a list kept in the page): `GET /query/vocabulary`, the prefixes Palermo
//! uses and the terms of those vocabularies that the catalogue's data
//! actually uses, with their labels; `GET /query/entities?q=…`, the
//! catalogue's own countries, regions, categories, agents and languages
//! whose label holds the words typed, most used first.

use super::AppState;
use super::plumbing::blocking;
use crate::error::Error;
use crate::rdf::describe::{self, Kind};
use crate::rdf::vocab::{bibo, dcterms, foaf, schema, skos};
use crate::rdf::{Iris, prefixes};
use crate::store::Store;
use axum::Json;
use axum::extract::{RawQuery, State};
use oxigraph::model::vocab::rdf;
use oxigraph::model::{GraphNameRef, NamedNode, NamedNodeRef, NamedOrBlankNode};
use serde_json::{Value, json};

/// The vocabularies whose terms the editor completes (the list:
/// the ones a librarian writes queries in); `pal` is added from the ontology.
const COMPLETED: [(&str, &[NamedNodeRef<'static>]); 5] = [
    ("dcterms", dcterms::TERMS),
    ("schema", schema::TERMS),
    ("bibo", bibo::TERMS),
    ("skos", skos::TERMS),
    ("foaf", foaf::TERMS),
];

/// At most this many entities per answer, and the default.
const MAX_ENTITIES: usize = 200;
const DEFAULT_ENTITIES: usize = 30;

/// GET /query/vocabulary
pub async fn vocabulary(State(state): State<AppState>) -> Result<Json<Value>, Error> {
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let terms = blocking(move || used_terms(&store, &iris)).await?;
    let prefixes: Vec<Value> = prefixes(state.config.iris.base())
        .into_iter()
        .map(|(prefix, ns)| json!({ "prefix": prefix, "namespace": ns }))
        .collect();
    Ok(Json(json!({ "prefixes": prefixes, "terms": terms })))
}

/// The terms the data uses, as predicates or as classes, each with its
/// label: the store's own (`rdfs:label`, `skos:prefLabel`: our ontology's
/// terms have them), else its local name in words ("datePublished" →
/// "date published").
fn used_terms(store: &Store, iris: &Iris) -> Result<Vec<Value>, Error> {
    let pal_ns = iris.vocab("").into_string();
    let mut candidates: Vec<(&str, NamedNode)> = COMPLETED
        .iter()
        .flat_map(|(prefix, terms)| terms.iter().map(|t| (*prefix, t.into_owned())))
        .collect();
    let ontology = iris.ontology_graph();
    let mut ours = std::collections::BTreeSet::new();
    for q in store.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&ontology))) {
        if let NamedOrBlankNode::NamedNode(n) = q?.subject
            && n.as_str().len() > pal_ns.len()
            && n.as_str().starts_with(&pal_ns)
        {
            ours.insert(n);
        }
    }
    candidates.extend(ours.into_iter().map(|n| ("pal", n)));
    let mut out = Vec::new();
    for (prefix, term) in candidates {
        let as_property = store
            .quads_for_pattern(None, Some(term.as_ref()), None, None)
            .next()
            .transpose()?
            .is_some();
        let as_class = store
            .quads_for_pattern(None, Some(rdf::TYPE), Some(term.as_ref().into()), None)
            .next()
            .transpose()?
            .is_some();
        if !as_property && !as_class {
            continue;
        }
        let local = local_name(term.as_str());
        let label = describe::label(store, &term)?.unwrap_or_else(|| words(local));
        out.push(json!({
            "prefix": prefix,
            "local": local,
            "iri": term.as_str(),
            "label": label,
            "kind": if as_class { "class" } else { "property" },
        }));
    }
    Ok(out)
}

fn local_name(iri: &str) -> &str {
    iri.rsplit(['#', '/']).next().unwrap_or(iri)
}

/// "datePublished" → "date published".
fn words(local: &str) -> String {
    let mut out = String::new();
    for (i, c) in local.chars().enumerate() {
        if c.is_uppercase() && i > 0 {
            out.push(' ');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// GET /query/entities?q=…&limit=…
pub async fn entities(
    State(state): State<AppState>,
    RawQuery(raw): RawQuery,
) -> Result<Json<Value>, Error> {
    let mut q = String::new();
    let mut limit = DEFAULT_ENTITIES;
    for (k, v) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "q" => q = v.into_owned(),
            "limit" => {
                limit = v
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_ENTITIES).contains(n))
                    .ok_or_else(|| {
                        Error::BadRequest(format!(
                            "limit must be a number from 1 to {MAX_ENTITIES}, not {v:?}"
                        ))
                    })?
            }
            _ => {}
        }
    }
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let found = blocking(move || matching(&store, &iris, &q, limit)).await?;
    Ok(Json(Value::Array(found)))
}

/// Entities whose label holds every word of `q` (case- and accent-blind),
/// most used by records first, then by label.
fn matching(store: &Store, iris: &Iris, q: &str, limit: usize) -> Result<Vec<Value>, Error> {
    let fold = |s: &str| deunicode::deunicode(s).to_lowercase();
    let words: Vec<String> = q.split_whitespace().map(fold).collect();
    let mut found = Vec::new();
    for kind in Kind::ALL {
        let counts = describe::counts(store, iris, kind)?;
        let prefix = format!("{}id/{}/", iris.base(), kind.segment());
        let keys: Vec<String> = if kind.has_scheme() {
            let scheme = iris.scheme(kind.segment());
            let mut keys = Vec::new();
            for quad in store.quads_for_pattern(
                None,
                Some(skos::IN_SCHEME),
                Some(scheme.as_ref().into()),
                None,
            ) {
                if let NamedOrBlankNode::NamedNode(n) = quad?.subject
                    && let Some(k) = n.as_str().strip_prefix(&prefix)
                {
                    keys.push(k.to_string());
                }
            }
            keys.sort();
            keys.dedup();
            keys
        } else {
            describe::agent_keys(store, iris)?
        };
        let concepts: Vec<NamedNode> = keys.iter().map(|key| kind.iri(iris, key)).collect();
        let labels = describe::labels_of(store, &concepts)?;
        for ((key, iri), label) in keys.into_iter().zip(concepts).zip(labels) {
            let label = label.unwrap_or_else(|| key.clone());
            let folded = fold(&label);
            if words
                .iter()
                .all(|w| folded.contains(w.as_str()) || fold(&key) == *w)
            {
                let count = counts.get(&key).copied().unwrap_or(0);
                found.push((count, label, kind, iri));
            }
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    Ok(found
        .into_iter()
        .take(limit)
        .map(|(count, label, kind, iri)| {
            json!({ "iri": iri.as_str(), "label": label, "kind": kind.segment(), "records": count })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    #[test]
    fn local_names_read_as_words() {
        assert_eq!(super::words("datePublished"), "date published");
        assert_eq!(
            super::local_name("http://purl.org/dc/terms/issued"),
            "issued"
        );
        assert_eq!(super::local_name("http://x/ontology#Manual"), "Manual");
    }
}
