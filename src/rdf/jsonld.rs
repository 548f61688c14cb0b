//! Compact JSON-LD with our `@context` (`ontology/context.jsonld`).
//!
//! Neither oxigraph's JSON-LD writer nor sophia's serializer compacts, so a
//! graph goes out through oxigraph as expanded JSON-LD and comes back
//! compacted by the `json_ld` crate (re-exported by sophia). The context is
//! given inline, already loaded: nothing is ever fetched from the network.

use crate::error::Error;
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::Graph;
use sophia::jsonld::json_ld::syntax::{Parse, Print, Value};
use sophia::jsonld::json_ld::{
    ExtractContext, JsonLdProcessor, NoLoader, RemoteDocument, RemoteDocumentReference,
};
use sophia::jsonld::vocabulary::{ArcIri, ArcVoc};
use std::future::Future;
use std::task::{Context, Poll, Waker};

/// The JSON-LD context of our compact documents, as shipped.
pub const CONTEXT: &str = include_str!("../../ontology/context.jsonld");

/// Serialise `graph` as JSON-LD compacted with our context. The context is
/// embedded in the document, so it reads offline.
pub fn compact(graph: &Graph) -> Result<Vec<u8>, Error> {
    let fail = |what: &str, e: &dyn std::fmt::Display| {
        Error::internal(format!("JSON-LD {what}"), e.to_string())
    };
    let mut w = RdfSerializer::from_format(RdfFormat::JsonLd {
        profile: JsonLdProfileSet::empty(),
    })
    .for_writer(Vec::new());
    for t in graph.iter() {
        w.serialize_triple(t).map_err(|e| fail("writer", &e))?;
    }
    let expanded = w.finish().map_err(|e| fail("writer", &e))?;
    let expanded = std::str::from_utf8(&expanded).map_err(|e| fail("writer", &e))?;

    let input = Value::parse_str(expanded, |_| ()).map_err(|e| fail("input", &e.value()))?;
    let context = Value::parse_str(CONTEXT, |_| ()).map_err(|e| fail("context", &e.value()))?;
    let context = Value::extract_context(context).map_err(|e| fail("context", &e))?;
    let input = RemoteDocument::<ArcIri, ()>::new(None, None, input);
    let context = RemoteDocumentReference::Loaded(RemoteDocument::new(None, None, context));
    let mut loader: NoLoader<ArcIri, (), Value<()>> = NoLoader::new();
    let mut vocabulary = ArcVoc {};
    let compacted = finish_now(input.compact_with(&mut vocabulary, context, &mut loader))
        .ok_or_else(|| Error::internal("JSON-LD compaction", "it waited on a loader"))?
        .map_err(|e| fail("compaction", &e))?;
    // The processor's maps do not keep an order: sort keys and set-like
    // arrays, so the same graph always gives the same bytes (and ETag).
    let value: serde_json::Value = serde_json::from_str(&compacted.compact_print().to_string())
        .map_err(|e| fail("output", &e))?;
    let mut out =
        serde_json::to_string_pretty(&canonical(value, None)).map_err(|e| fail("output", &e))?;
    out.push('\n');
    Ok(out.into_bytes())
}

/// Keys sorted (`@context` first, as it sorts), arrays sorted except where
/// order means something: `@list` values and the context itself.
fn canonical(value: serde_json::Value, key: Option<&str>) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let mut out = serde_json::Map::new();
            for (k, v) in entries {
                let v = if k == "@context" {
                    v
                } else {
                    canonical(v, Some(&k))
                };
                out.insert(k, v);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut items: Vec<Value> = items.into_iter().map(|v| canonical(v, None)).collect();
            if key != Some("@list") {
                items.sort_by_cached_key(|v| v.to_string());
            }
            Value::Array(items)
        }
        other => other,
    }
}

/// Drive a future that never waits: with no document loader, compaction
/// does no I/O, so it is done at its first poll (a few polls at most).
fn finish_now<F: Future>(future: F) -> Option<F::Output> {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    for _ in 0..16 {
        if let Poll::Ready(v) = future.as_mut().poll(&mut cx) {
            return Some(v);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use oxigraph::io::RdfParser;

    #[test]
    fn compacts_with_our_terms_and_reads_back_the_same_graph() {
        let ttl = r#"
            @prefix dcterms: <http://purl.org/dc/terms/> .
            @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
            @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
            <http://x.org/records/a> dcterms:title "A <b>title</b>" ;
                dcterms:issued "2019"^^xsd:gYear ;
                dcterms:creator <http://x.org/id/agent/unodc> ;
                dcterms:spatial <http://x.org/id/country/AL> .
            <http://x.org/id/country/AL> skos:prefLabel "Albania"@en .
        "#;
        let graph: Graph = RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(ttl.as_bytes())
            .map(|q| oxigraph::model::Triple::from(q.unwrap()))
            .collect();
        let json = String::from_utf8(compact(&graph).unwrap()).unwrap();
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert!(v["@context"].is_object(), "{json}");
        assert!(json.contains("\"title\""), "{json}");
        assert!(json.contains("\"issued\": \"2019\""), "{json}");
        let back: Graph = RdfParser::from_format(RdfFormat::JsonLd {
            profile: JsonLdProfileSet::empty(),
        })
        .for_slice(json.as_bytes())
        .map(|q| oxigraph::model::Triple::from(q.unwrap()))
        .collect();
        assert_eq!(back, graph, "{json}");
    }
}
