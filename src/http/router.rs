//! Every route of the service, in one table, and the layers around them.

use super::pages::Doc;
use super::{
    AppState, assets, cite, dataset, error, health, home, ids, limits, metrics, oai, ontology,
    query_api, query_page, records, search, sparql, strict, writes,
};
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(state: AppState) -> Router {
    let body_limit = state.config.max_body_bytes;
    let limits = limits::RequestLimits::of(&state.config);
    Router::new()
        .route("/", get(home::home))
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics::scrape))
        .route("/sparql", any(sparql::sparql))
        .route("/sparql/update", any(writes::update))
        .route("/store", any(writes::store))
        .route("/query", get(query_page::page))
        .route("/query/vocabulary", get(query_api::vocabulary))
        .route("/query/entities", get(query_api::entities))
        .route("/cite", get(cite::cite).post(cite::cite))
        .route("/assets/{name}", get(assets::asset))
        .route("/oai", get(oai::oai).post(oai::oai))
        .route("/records", get(search::records))
        .route("/records/{id}", get(records::record))
        .route("/unapi", get(records::unapi))
        .route("/id/{kind}", get(ids::index_redirect))
        .route("/id/{kind}/", get(ids::index))
        .route("/id/{kind}/{key}", get(ids::resource))
        .route("/ontology", get(ontology::ontology))
        .route("/ontology.ttl", get(ontology::suffixed(Doc::Turtle)))
        .route("/ontology.nt", get(ontology::suffixed(Doc::NTriples)))
        .route("/ontology.rdf", get(ontology::suffixed(Doc::RdfXml)))
        .route("/ontology.jsonld", get(ontology::suffixed(Doc::JsonLd)))
        .route("/ontology/shapes", get(ontology::shapes))
        .route("/void", get(dataset::void))
        .route("/dump.nq.gz", get(dataset::dump_nquads))
        .route("/dump.ttl.gz", get(dataset::dump_turtle))
        .route("/sitemap.xml", get(dataset::sitemap))
        .route("/robots.txt", get(dataset::robots))
        .fallback(error::not_found)
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(axum::middleware::from_fn_with_state(limits, per_request))
        // Plain-text errors echo what they complain about; never let a
        // browser sniff them into HTML.
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            header::HeaderValue::from_static("nosniff"),
        ))
        .with_state(state)
}

/// The per-request limits and checks, outermost first, and the rendering of
/// every error, as one layer: each `from_fn` layer clones the inner service
/// and boxes a future per request, which together cost more than a small
/// SPARQL query.
async fn per_request(
    State(limits): State<limits::RequestLimits>,
    req: Request,
    next: Next,
) -> Response {
    let cross_origin = req.headers().contains_key(header::ORIGIN);
    if cross_origin && let Some(preflight) = cors::preflight(req.method(), req.headers()) {
        return preflight;
    }
    // Every error, from any stage below, gets its body here, in the form
    // the request's Accept asks for.
    let accept = req.headers().get(header::ACCEPT).cloned();
    // Counted by route template and final status (408, 503 included).
    let response = metrics::track(req, |req| {
        // The handler answers within the request's deadline (503), outside
        // the handler's own limits (the SPARQL deadline is shorter)…
        limits::deadline(limits, req, |req| {
            // …once the body has arrived whole within its deadline (408), or
            // not at all…
            limits::read_body(limits, req, |req| {
                // …and decodes as UTF-8: 400 naming the parameter, before any
                // handler decodes it leniently (needs the body read above).
                strict::utf8(req, |req| next.run(req))
            })
        })
    })
    .await;
    let mut response = error::render(accept.as_ref().and_then(|v| v.to_str().ok()), response);
    cors::headers(cross_origin, response.headers_mut());
    response
}

/// CORS, open to every origin (partner web pages query us from their own),
/// for GET and POST. Its headers go only to requests that carry `Origin`,
/// the ones a browser checks, so that a plain client's small answer (an
/// ASK) stays small. Every answer says `Vary: Origin`, since whether the headers are
/// there depends on it (a cache must not hand one to the other).
mod cors {
    use super::*;

    const METHODS: &str = "GET, POST, HEAD, OPTIONS";
    const HEADERS: &str = "accept, content-type, authorization";

    /// The answer to a preflight (`OPTIONS` with
    /// `Access-Control-Request-Method`), if the request is one.
    pub fn preflight(method: &Method, headers: &HeaderMap) -> Option<Response> {
        if method != Method::OPTIONS || !headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
        {
            return None;
        }
        let mut r = StatusCode::NO_CONTENT.into_response();
        let h = r.headers_mut();
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static(METHODS),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(HEADERS),
        );
        h.insert(
            header::VARY,
            HeaderValue::from_static(
                "Access-Control-Request-Method, Access-Control-Request-Headers",
            ),
        );
        self::headers(true, h);
        Some(r)
    }

    /// The headers of any answer: `Vary: Origin`, and with an `Origin` the
    /// permission to read the answer and its truncation header.
    pub fn headers(cross_origin: bool, h: &mut HeaderMap) {
        h.append(header::VARY, HeaderValue::from_static("Origin"));
        if cross_origin {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_ORIGIN,
                HeaderValue::from_static("*"),
            );
            h.insert(
                header::ACCESS_CONTROL_EXPOSE_HEADERS,
                HeaderValue::from_static(sparql::TRUNCATED_HEADER),
            );
        }
    }
}
