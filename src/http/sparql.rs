//! `/sparql`: the SPARQL 1.1 Protocol for queries, with deadlines, row caps
//! and a concurrency limit, plus the service description.

use super::AppState;
use super::negotiate::{self, Negotiated, Offer, choose, request_media_type, wants_html};
use crate::error::Error;
use crate::media;
use crate::metrics::{Outcome, QueryForm, Refusal};
use crate::store::{self, Dataset, QueryOptions};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, header};
use axum::response::{IntoResponse, Redirect, Response};
use oxigraph::io::{JsonLdProfileSet, RdfFormat, RdfSerializer};
use oxigraph::model::NamedOrBlankNode;
use sparesults::{QueryResultsFormat, QueryResultsSerializer};
use spargebra::SparqlParser;
use std::time::Duration;

/// Result formats of SELECT and ASK.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResultsFormat {
    Json,
    Xml,
    Csv,
    Tsv,
}

impl ResultsFormat {
    pub const ALL: [ResultsFormat; 4] = [
        ResultsFormat::Json,
        ResultsFormat::Xml,
        ResultsFormat::Csv,
        ResultsFormat::Tsv,
    ];

    fn results_format(self) -> QueryResultsFormat {
        match self {
            ResultsFormat::Json => QueryResultsFormat::Json,
            ResultsFormat::Xml => QueryResultsFormat::Xml,
            ResultsFormat::Csv => QueryResultsFormat::Csv,
            ResultsFormat::Tsv => QueryResultsFormat::Tsv,
        }
    }

    /// The W3C format IRI, for the service description.
    pub fn iri(self) -> &'static str {
        match self {
            ResultsFormat::Json => "http://www.w3.org/ns/formats/SPARQL_Results_JSON",
            ResultsFormat::Xml => "http://www.w3.org/ns/formats/SPARQL_Results_XML",
            ResultsFormat::Csv => "http://www.w3.org/ns/formats/SPARQL_Results_CSV",
            ResultsFormat::Tsv => "http://www.w3.org/ns/formats/SPARQL_Results_TSV",
        }
    }
}

impl Offer for ResultsFormat {
    fn media_type(&self) -> &'static str {
        media::essence(self.results_format().media_type())
    }
    fn aliases(&self) -> &'static [&'static str] {
        match self {
            ResultsFormat::Json => &[media::JSON],
            ResultsFormat::Xml => &[media::XML, media::TEXT_XML],
            ResultsFormat::Csv | ResultsFormat::Tsv => &[],
        }
    }
    fn names(&self) -> &'static [&'static str] {
        match self {
            ResultsFormat::Json => &["json", "srj"],
            ResultsFormat::Xml => &["xml", "srx"],
            ResultsFormat::Csv => &["csv"],
            ResultsFormat::Tsv => &["tsv"],
        }
    }
}

/// RDF formats of CONSTRUCT and DESCRIBE (and of the service description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GraphFormat {
    Turtle,
    NTriples,
    RdfXml,
    JsonLd,
    NQuads,
    TriG,
}

impl GraphFormat {
    pub const ALL: [GraphFormat; 6] = [
        GraphFormat::Turtle,
        GraphFormat::NTriples,
        GraphFormat::RdfXml,
        GraphFormat::JsonLd,
        GraphFormat::NQuads,
        GraphFormat::TriG,
    ];

    pub fn rdf_format(self) -> RdfFormat {
        match self {
            GraphFormat::Turtle => RdfFormat::Turtle,
            GraphFormat::NTriples => RdfFormat::NTriples,
            GraphFormat::RdfXml => RdfFormat::RdfXml,
            GraphFormat::JsonLd => RdfFormat::JsonLd {
                profile: JsonLdProfileSet::empty(),
            },
            GraphFormat::NQuads => RdfFormat::NQuads,
            GraphFormat::TriG => RdfFormat::TriG,
        }
    }
}

impl Offer for GraphFormat {
    fn media_type(&self) -> &'static str {
        media::essence(self.rdf_format().media_type())
    }
    fn aliases(&self) -> &'static [&'static str] {
        match self {
            GraphFormat::Turtle => &["application/x-turtle"],
            GraphFormat::NTriples => &[media::PLAIN],
            GraphFormat::RdfXml => &[media::XML, media::TEXT_XML],
            GraphFormat::JsonLd => &[media::JSON],
            GraphFormat::NQuads | GraphFormat::TriG => &[],
        }
    }
    fn names(&self) -> &'static [&'static str] {
        match self {
            GraphFormat::Turtle => &["ttl", "turtle"],
            GraphFormat::NTriples => &["nt", "ntriples", "n-triples"],
            GraphFormat::RdfXml => &["rdf", "xml", "rdfxml"],
            GraphFormat::JsonLd => &["jsonld", "json-ld", "json"],
            GraphFormat::NQuads => &["nq", "nquads"],
            GraphFormat::TriG => &["trig"],
        }
    }
}

/// The protocol parameters of one request.
#[derive(Debug, Default)]
pub struct Request {
    pub query: Option<String>,
    pub update: Option<String>,
    pub default_graphs: Vec<String>,
    pub named_graphs: Vec<String>,
    pub format: Option<String>,
}

impl Request {
    /// Read `application/x-www-form-urlencoded` pairs (query string or body).
    pub fn from_form(bytes: &[u8], into: &mut Request) -> Result<(), Error> {
        if std::str::from_utf8(bytes).is_err() {
            return Err(Error::BadRequest("parameters are not valid UTF-8".into()));
        }
        for (k, v) in form_urlencoded::parse(bytes) {
            let v = v.into_owned();
            match k.as_ref() {
                "query" => set_once(&mut into.query, v, "query")?,
                "update" => set_once(&mut into.update, v, "update")?,
                "default-graph-uri" => into.default_graphs.push(v),
                "named-graph-uri" => into.named_graphs.push(v),
                "format" => into.format = Some(v),
                _ => {}
            }
        }
        Ok(())
    }
}

fn set_once(slot: &mut Option<String>, value: String, name: &str) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::BadRequest(format!(
            "the {name} parameter is given more than once"
        )));
    }
    *slot = Some(value);
    Ok(())
}

const UPDATE_HERE: &str = "this endpoint answers queries only; send SPARQL Update to POST /sparql/update (with Authorization: Bearer <token>)";

/// GET and POST `/sparql`; any other method is a 405 with a message.
pub async fn sparql(
    State(state): State<AppState>,
    Negotiated(method, raw, headers): Negotiated,
    body: Bytes,
) -> Result<Response, Error> {
    let accept = negotiate::accept(&headers);
    let mut req = Request::default();
    Request::from_form(raw.as_deref().unwrap_or("").as_bytes(), &mut req)?;
    match method {
        Method::GET | Method::HEAD => {}
        Method::POST => {
            match request_media_type(&headers).as_str() {
                media::FORM => {
                    if req.query.is_some() {
                        return Err(Error::BadRequest("with a form body, give the query in the body, not in the URL".into()));
                    }
                    Request::from_form(&body, &mut req)?;
                }
                media::SPARQL_QUERY => {
                    if req.query.is_some() {
                        return Err(Error::BadRequest("with an application/sparql-query body, do not also give query= in the URL".into()));
                    }
                    req.query = Some(String::from_utf8(body.to_vec()).map_err(|_| Error::BadRequest("the query is not valid UTF-8".into()))?);
                }
                media::SPARQL_UPDATE => return Err(Error::BadRequest(UPDATE_HERE.into())),
                "" => return Err(Error::UnsupportedMediaType("a POST needs a Content-Type: application/x-www-form-urlencoded or application/sparql-query".into())),
                other => {
                    return Err(Error::UnsupportedMediaType(format!(
                        "{other}; send application/x-www-form-urlencoded or application/sparql-query"
                    )));
                }
            }
        }
        _ => {
            return Err(Error::MethodNotAllowed {
                allowed: "GET, POST",
                message: format!("{method} /sparql"),
            });
        }
    }
    if req.update.is_some() {
        return Err(Error::BadRequest(UPDATE_HERE.into()));
    }
    let Some(query) = req.query.clone() else {
        if wants_html(accept) {
            return Ok(Redirect::to("/query").into_response());
        }
        return service_description(&state, accept, req.format.as_deref());
    };
    if wants_html(accept) && req.format.is_none() && method == Method::GET {
        let q: String = form_urlencoded::Serializer::new(String::new())
            .append_pair("query", &query)
            .finish();
        return Ok(Redirect::to(&format!("/query?{q}")).into_response());
    }
    let answer = run(&state, &query, &req, accept).await?;
    Ok(answer.into_response())
}

/// The header that says the row cap cut an answer (documented; exposed to
/// cross-origin pages).
pub const TRUNCATED_HEADER: &str = "palermo-results-truncated";

/// An evaluated query, serialised.
pub struct Answer {
    pub media_type: &'static str,
    pub body: Vec<u8>,
    /// Set when the row cap cut the results.
    pub truncated_at: Option<usize>,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let mut r = Response::new(Body::from(self.body));
        if let Ok(v) = HeaderValue::from_str(&media::content_type(self.media_type)) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept"));
        if let Some(n) = self.truncated_at {
            // A results format has no place for warnings: say it in a header
            // (documented), so clients never mistake a cut list for all of it.
            r.headers_mut()
                .insert(TRUNCATED_HEADER, HeaderValue::from(n));
        }
        r
    }
}

/// Parse, negotiate, evaluate under a deadline, and serialise a query.
///
/// Admission keeps cheap queries cheap whatever else runs: a query first
/// runs in the fast lane (`max_concurrent_queries` slots) for at most
/// `query_fast_budget`, so a fast-lane slot is never held longer than that.
/// A query still running then is cut and evaluated again in the
/// long-running pool (`max_long_queries` slots) for the rest of its
/// deadline; when that pool is full it is refused (503, outcome
/// `cancelled`). So runaway queries, from one client or many, can fill the
/// long-running pool but never the fast lane for long, and are still cut
/// at the deadline.
pub async fn run(
    state: &AppState,
    query: &str,
    req: &Request,
    accept: Option<&str>,
) -> Result<Answer, Error> {
    let config = state.config.clone();
    crate::store::guard::check_depth(query)?;
    let parse = || {
        SparqlParser::new()
            .with_base_iri(config.iris.base())
            .map_err(|e| Error::BadRequest(e.to_string()))?
            .parse_query(query)
            .map_err(|e| Error::BadQuery(e.to_string()))
    };
    let parsed = parse()?;
    let form = QueryForm::from(&parsed);
    let is_graph = matches!(form, QueryForm::Construct | QueryForm::Describe);
    let target = if is_graph {
        TargetFormat::Graph(choose(accept, req.format.as_deref(), &GraphFormat::ALL)?.offer)
    } else {
        TargetFormat::Results(choose(accept, req.format.as_deref(), &ResultsFormat::ALL)?.offer)
    };
    // Shared by both runs of a query that moves to the long-running pool.
    let dataset = std::sync::Arc::new(Dataset::from_request(
        &req.default_graphs,
        &req.named_graphs,
        ["default-graph-uri", "named-graph-uri"],
    )?);

    let m = crate::metrics::metrics();
    // Wait a little for a fast-lane slot rather than fail at once under a
    // burst; slots turn over within the fast budget.
    let arrived = std::time::Instant::now();
    let fast = tokio::time::timeout(
        config.query_queue_wait,
        state.query_slots.clone().acquire_owned(),
    )
    .await;
    m.waited(arrived.elapsed());
    let fast = match fast {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Err(Error::Busy("shutting down".into())),
        Err(_) => {
            m.refused(Refusal::FastLaneFull);
            m.query(form, Outcome::Refused);
            return Err(Error::Busy(format!(
                "{} queries are running; try again shortly",
                config.max_concurrent_queries
            )));
        }
    };
    // On a remote engine a query is sent once, for its whole deadline: a
    // query cut by a stage would keep running in the engine while we sent
    // it again.
    let remote = state.store.is_remote();
    let budget = if remote {
        config.query_timeout
    } else {
        config.query_fast_budget.min(config.query_timeout)
    };
    // A SERVICE call waits on the network, which must not hold up the
    // request threads; a query that may make one skips the inline stage,
    // and so does every query to a remote engine.
    let may_call_out = remote
        || !config.service_allow.is_empty() && query.to_ascii_lowercase().contains("service");
    let inline = if may_call_out {
        Duration::ZERO
    } else {
        config.query_inline_budget.min(budget)
    };
    let admitted = std::time::Instant::now();
    // Most queries end within the inline budget: evaluating them right here
    // saves the two cross-thread wake-ups of the blocking pool, which cost
    // as much as a small query. A longer one is cut and moves on.
    let mut result = if inline.is_zero() {
        Err(Error::Timeout(inline))
    } else {
        unwound(|| evaluate_here(state, parsed, &dataset, target, inline))
    };
    if matches!(result, Err(Error::Timeout(_))) && inline < budget {
        let rest = budget.saturating_sub(admitted.elapsed());
        result = evaluate(state, parse()?, dataset.clone(), target, rest, fast).await;
    }
    if matches!(result, Err(Error::Timeout(_))) && budget < config.query_timeout {
        let Ok(long) = state.long_query_slots.clone().try_acquire_owned() else {
            m.refused(Refusal::LongPoolFull);
            m.query(form, Outcome::Cancelled);
            return Err(Error::Busy(format!(
                "this query ran past {}s and the {} slots for longer queries are taken; try again shortly",
                budget.as_secs_f32(),
                config.max_long_queries
            )));
        };
        // The deadline counts from admission: the first run's time
        // (however late its cut landed) is part of it.
        let rest = config.query_timeout.saturating_sub(admitted.elapsed());
        result = evaluate(state, parse()?, dataset, target, rest, long)
            .await
            .map_err(|e| match e {
                // Its whole deadline, both runs together.
                Error::Timeout(_) => Error::Timeout(config.query_timeout),
                e => e,
            });
    }
    match result {
        Ok((media_type, body, truncated_at)) => {
            let outcome = if truncated_at.is_some() {
                Outcome::Truncated
            } else {
                Outcome::Ok
            };
            m.query(form, outcome);
            Ok(Answer {
                media_type,
                body,
                truncated_at,
            })
        }
        Err(Error::Timeout(t)) => {
            m.query(form, Outcome::Timeout);
            tracing::warn!(timeout = ?t, "query cut off at its deadline");
            Err(Error::Timeout(t))
        }
        Err(e) => {
            m.query(form, Outcome::Error);
            Err(e)
        }
    }
}

/// One evaluation on the blocking pool, holding `permit` until it ends
/// (even if the client has gone), cut off after `timeout`.
async fn evaluate(
    state: &AppState,
    parsed: spargebra::Query,
    dataset: std::sync::Arc<Dataset>,
    target: TargetFormat,
    timeout: Duration,
    permit: tokio::sync::OwnedSemaphorePermit,
) -> Result<Serialised, Error> {
    let state = state.clone();
    crate::store::blocking(move || {
        let _permit = permit;
        evaluate_here(&state, parsed, &dataset, target, timeout)
    })
    .await
}

/// Run an evaluation on the calling thread: a panic is this request's
/// error, not the connection's end.
fn unwound<T>(evaluate: impl FnOnce() -> Result<T, Error>) -> Result<T, Error> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(evaluate))
        .map_err(|_| Error::internal("query evaluation", "the evaluator panicked"))?
}

/// One evaluation, cut off after `timeout`.
fn evaluate_here(
    state: &AppState,
    parsed: spargebra::Query,
    dataset: &Dataset,
    target: TargetFormat,
    timeout: Duration,
) -> Result<Serialised, Error> {
    let config = &state.config;
    let mut options =
        crate::search::sparql::register(QueryOptions::default(), &state.search, &config.iris);
    if !config.service_allow.is_empty() {
        options = options.with_services(crate::store::federation::AllowList::new(
            config.service_allow.clone(),
            config.service_timeout,
        ));
    }
    state
        .store
        .evaluate(&options, parsed, dataset, timeout, |results| {
            serialise(results, target, config.max_rows)
        })
}

#[derive(Clone, Copy)]
enum TargetFormat {
    Results(ResultsFormat),
    Graph(GraphFormat),
}

type Serialised = (&'static str, Vec<u8>, Option<usize>);

fn serialise(
    results: store::Answer<'_>,
    target: TargetFormat,
    max_rows: usize,
) -> Result<Serialised, Error> {
    match (results, target) {
        (store::Answer::Boolean(b), TargetFormat::Results(f)) => {
            let body = QueryResultsSerializer::from_format(f.results_format())
                .serialize_boolean_to_writer(Vec::new(), b)?;
            Ok((f.media_type(), body, None))
        }
        (store::Answer::Solutions(solutions), TargetFormat::Results(f)) => {
            let mut ser = QueryResultsSerializer::from_format(f.results_format())
                .serialize_solutions_to_writer(Vec::new(), solutions.variables().to_vec())?;
            let mut truncated = None;
            for (i, s) in solutions.enumerate() {
                let s = s?;
                if i >= max_rows {
                    truncated = Some(max_rows);
                    break;
                }
                ser.serialize(&s)?;
            }
            Ok((f.media_type(), ser.finish()?, truncated))
        }
        (store::Answer::Graph(triples), TargetFormat::Graph(f)) => {
            // DESCRIBE and CONSTRUCT may repeat triples: collect them into a
            // graph first, which also lets Turtle group by subject.
            let mut graph = oxigraph::model::Graph::new();
            let mut truncated = None;
            for t in triples {
                let t = t?;
                if graph.len() >= max_rows * 10 {
                    truncated = Some(max_rows * 10);
                    break;
                }
                graph.insert(&t);
            }
            let mut ser = RdfSerializer::from_format(f.rdf_format());
            let ours = crate::rdf::prefixes("http://localhost/");
            ser = crate::rdf::with_prefixes(ser, ours.into_iter().filter(|(p, _)| *p != "pal"))?;
            let mut w = ser.for_writer(Vec::new());
            for t in graph.iter() {
                w.serialize_triple(t)?;
            }
            Ok((f.media_type(), w.finish()?, truncated))
        }
        _ => Err(Error::internal(
            "serialising results",
            "the query form and the result format disagree",
        )),
    }
}

/// The SPARQL 1.1 Service Description of this endpoint.
fn service_description(
    state: &AppState,
    accept: Option<&str>,
    format: Option<&str>,
) -> Result<Response, Error> {
    let chosen = choose(accept, format, &GraphFormat::ALL)?.offer;
    let base = state.config.iris.base();
    let mut ttl = format!(
        "@prefix sd: <http://www.w3.org/ns/sparql-service-description#> .\n\
         @prefix void: <http://rdfs.org/ns/void#> .\n\
         @prefix dcterms: <http://purl.org/dc/terms/> .\n\
         <{base}sparql> a sd:Service ;\n\
         \x20 sd:endpoint <{base}sparql> ;\n\
         \x20 sd:supportedLanguage sd:SPARQL11Query ;\n\
         \x20 sd:feature sd:UnionDefaultGraph, sd:BasicFederatedQuery ;\n\
         \x20 dcterms:description \"Queries time out after {}s; at most {} rows per result (header Palermo-Results-Truncated when cut). Updates: POST {base}sparql/update with a bearer token.\" ;\n",
        state.config.query_timeout.as_secs_f32(),
        state.config.max_rows
    );
    for f in ResultsFormat::ALL {
        ttl.push_str(&format!("  sd:resultFormat <{}> ;\n", f.iri()));
    }
    for f in GraphFormat::ALL {
        ttl.push_str(&format!("  sd:resultFormat <{}> ;\n", f.rdf_format().iri()));
    }
    ttl.push_str(&format!(
        "  sd:defaultDataset [ a sd:Dataset ;\n    sd:defaultGraph [ a sd:Graph ; void:sparqlEndpoint <{base}sparql> ] ;\n"
    ));
    let graphs: Vec<String> = itertools::process_results(state.store.named_graphs(), |graphs| {
        graphs
            .filter_map(|g| match g {
                NamedOrBlankNode::NamedNode(n) => Some(n.into_string()),
                _ => None,
            })
            .collect()
    })?;
    for g in &graphs {
        ttl.push_str(&format!(
            "    sd:namedGraph [ a sd:NamedGraph ; sd:name <{g}> ] ;\n"
        ));
    }
    ttl.push_str("  ] .\n");
    let graph: Vec<oxigraph::model::Triple> =
        oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(ttl.as_bytes())
            .map(|q| q.map(Into::into))
            .collect::<Result<_, _>>()
            .map_err(|e| Error::internal("service description", e))?;
    let ser = RdfSerializer::from_format(chosen.rdf_format());
    let mut w =
        crate::rdf::with_prefixes(ser, [("sd", crate::rdf::vocab::sd::NS)])?.for_writer(Vec::new());
    for t in &graph {
        w.serialize_triple(t)?;
    }
    let body = w.finish()?;
    Ok(Answer {
        media_type: chosen.media_type(),
        body,
        truncated_at: None,
    }
    .into_response())
}
