//! Writes: `POST /sparql/update` (SPARQL 1.1 Update) and `/store` (Graph
//! Store Protocol). Reading a graph from `/store` is public; every write
//! needs `Authorization: Bearer <PALERMO_TOKEN>`.

use super::AppState;
use super::negotiate::{self, Negotiated, choose};
use super::plumbing::blocking;
use super::sparql::GraphFormat;
use crate::error::Error;
use crate::update::{GraphWrite, graph_store_write, sparql_update};
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::{GraphName, GraphNameRef, NamedNode};

/// Check the bearer token. Writes are off without a configured token.
/// A reader refuses every write with 503 and names the writer: it does
/// not forward it (README, "Running on a SPARQL engine"), so a client
/// always knows which process took its write.
fn authorize(state: &AppState, headers: &HeaderMap) -> Result<(), Error> {
    if state.config.role == super::Role::Reader {
        return Err(Error::ReadOnly(match &state.config.writer {
            Some(writer) => format!(
                "this server is a reader and takes no writes; send writes to the writer at {writer}"
            ),
            None => "this server is a reader and takes no writes; send writes to the writer (this reader was not told its URL: --writer)".into(),
        }));
    }
    let Some(token) = &state.config.token else {
        return Err(Error::Forbidden(
            "writes are disabled on this server (no PALERMO_TOKEN configured)".into(),
        ));
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .ok_or_else(|| Error::Unauthorized("send Authorization: Bearer <token>".into()))?;
    if token.matches(given.trim()) {
        Ok(())
    } else {
        Err(Error::Unauthorized("the bearer token is not valid".into()))
    }
}

/// POST /sparql/update
pub async fn update(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Error> {
    if method != Method::POST {
        return Err(Error::MethodNotAllowed {
            allowed: "POST",
            message: format!("{method} /sparql/update"),
        });
    }
    authorize(&state, &headers)?;
    let text = match super::negotiate::request_media_type(&headers).as_str() {
        crate::media::SPARQL_UPDATE => String::from_utf8(body.to_vec())
            .map_err(|_| Error::BadRequest("the update is not valid UTF-8".into()))?,
        crate::media::FORM => form_urlencoded::parse(&body)
            .find(|(k, _)| k == "update")
            .map(|(_, v)| v.into_owned())
            .ok_or_else(|| Error::BadRequest("missing update= parameter".into()))?,
        other => {
            return Err(Error::UnsupportedMediaType(format!(
                "{other:?}; send application/sparql-update or application/x-www-form-urlencoded"
            )));
        }
    };
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let timeout = state.config.update_timeout;
    let report = blocking(move || {
        sparql_update(
            &store,
            &iris,
            &text,
            time::OffsetDateTime::now_utc(),
            timeout,
        )
    })
    .await?;
    super::follow::catch_up(&state).await;
    tracing::info!(
        records = report.records.len(),
        deleted = report.deleted.len(),
        "SPARQL update applied"
    );
    Ok(Json(report).into_response())
}

/// The graph a Graph Store request names: `?graph=IRI` or `?default`.
fn target(raw: Option<&str>) -> Result<GraphName, Error> {
    let mut graph = None;
    let mut default = false;
    for (k, v) in form_urlencoded::parse(raw.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "graph" => {
                graph = Some(
                    NamedNode::new(v.as_ref())
                        .map_err(|e| Error::BadRequest(format!("graph={v}: {e}")))?,
                )
            }
            "default" => default = true,
            _ => {}
        }
    }
    match (graph, default) {
        (Some(g), false) => Ok(g.into()),
        (None, true) => Ok(GraphName::DefaultGraph),
        _ => Err(Error::BadRequest(
            "name exactly one graph: ?graph=<IRI> or ?default".into(),
        )),
    }
}

/// GET, PUT, POST, DELETE /store
pub async fn store(
    State(state): State<AppState>,
    Negotiated(method, raw, headers): Negotiated,
    body: Bytes,
) -> Result<Response, Error> {
    let graph = target(raw.as_deref())?;
    let mode = match method {
        Method::GET | Method::HEAD => return read_graph(&state, graph, &headers).await,
        Method::PUT => GraphWrite::Replace,
        Method::POST => GraphWrite::Add,
        Method::DELETE => GraphWrite::Delete,
        other => {
            return Err(Error::MethodNotAllowed {
                allowed: "GET, HEAD, PUT, POST, DELETE",
                message: format!("{other} /store"),
            });
        }
    };
    authorize(&state, &headers)?;
    let format = if mode == GraphWrite::Delete {
        None
    } else {
        let ct = super::negotiate::request_media_type(&headers);
        Some(RdfFormat::from_media_type(&ct).ok_or_else(|| {
            Error::UnsupportedMediaType(format!(
                "{ct:?}; send Turtle, N-Triples, RDF/XML or JSON-LD"
            ))
        })?)
    };
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let report = blocking(move || {
        graph_store_write(
            &store,
            &iris,
            graph,
            mode,
            format.map(|f| (&body[..], f)),
            time::OffsetDateTime::now_utc(),
        )
    })
    .await?;
    super::follow::catch_up(&state).await;
    Ok(Json(report).into_response())
}

async fn read_graph(
    state: &AppState,
    graph: GraphName,
    headers: &HeaderMap,
) -> Result<Response, Error> {
    let accept = negotiate::accept(headers);
    let format = choose(accept, None, &GraphFormat::ALL)?.offer;
    let store = state.store.clone();
    let body = blocking(move || -> Result<Vec<u8>, Error> {
        if let GraphName::NamedNode(n) = &graph
            && !store.contains_named_graph(n)?
        {
            return Err(Error::NotFound(format!("graph {n}")));
        }
        let mut w = RdfSerializer::from_format(format.rdf_format()).for_writer(Vec::new());
        for q in store.quads_for_pattern(None, None, None, Some(GraphNameRef::from(&graph))) {
            w.serialize_triple(q?.as_ref())?;
        }
        Ok(w.finish()?)
    })
    .await?;
    Ok(super::sparql::Answer {
        media_type: super::negotiate::Offer::media_type(&format),
        body,
        truncated_at: None,
    }
    .into_response())
}
