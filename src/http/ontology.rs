//! `/ontology`: the Palermo vocabulary, every SKOS scheme and the SHACL
//! shapes, as a page or as RDF. Our terms (`{base}ontology#Report`) and
//! shapes (`{base}ontology/shapes#…`) resolve here.

use super::AppState;
use super::negotiate::{self, Negotiated, choose};
use super::pages::{self, Doc};
use super::plumbing::{Representation, blocking, parse_modified, query_param};
use crate::error::Error;
use crate::rdf::{describe, meta};
use axum::extract::State;
use axum::http::{HeaderMap, Method};
use axum::response::{IntoResponse, Redirect, Response};

async fn answer(
    state: AppState,
    method: Method,
    headers: HeaderMap,
    doc: Result<Doc, Error>,
    suffix: bool,
) -> Result<Response, Error> {
    let doc = doc?;
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let built = blocking(move || {
        let graph = describe::ontology(&store, &iris)?;
        let body = match doc {
            Doc::Html => pages::ontology::render(&graph, &iris).into_bytes(),
            d => pages::serialize(&graph, d, &iris)?,
        };
        let modified = meta::last_modified(&store, &iris)?;
        let mut rep = Representation::new(doc.content_type(), body)
            .modified(modified.as_deref().and_then(parse_modified));
        if suffix {
            rep.links
                .push(format!("<{}ontology>; rel=\"describes\"", iris.base()));
        }
        Ok(rep)
    })
    .await?;
    Ok(built.respond(&method, &headers))
}

/// GET `/ontology`, negotiated.
pub async fn ontology(
    State(state): State<AppState>,
    Negotiated(method, query, headers): Negotiated,
) -> Result<Response, Error> {
    let accept = negotiate::accept(&headers).map(str::to_string);
    let doc = choose(
        accept.as_deref(),
        query_param(query.as_deref(), "format").as_deref(),
        &Doc::ALL,
    )
    .map(|c| c.offer);
    answer(state, method, headers, doc, false).await
}

/// GET `/ontology.ttl`, `.nt`, `.rdf`, `.jsonld`: the same without `Accept`.
pub fn suffixed(
    doc: Doc,
) -> impl Fn(
    State<AppState>,
    Method,
    HeaderMap,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Response> + Send>>
+ Clone
+ Send
+ Sync
+ 'static {
    move |State(state): State<AppState>, method: Method, headers: HeaderMap| {
        Box::pin(async move {
            answer(state, method, headers, Ok(doc), true)
                .await
                .into_response()
        })
    }
}

/// GET `/ontology/shapes`: the shapes are part of the ontology document.
pub async fn shapes() -> Response {
    Redirect::to("/ontology#shapes").into_response()
}
