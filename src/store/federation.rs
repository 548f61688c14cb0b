//! SPARQL `SERVICE` calls, allowed only to IRI prefixes the operator lists,
//! each with its own deadline.

use oxigraph::model::NamedNode;
use oxigraph::sparql::{
    DefaultServiceHandler, QueryEvaluationError, QuerySolution, QuerySolutionIter,
};
use sparesults::{QueryResultsFormat, QueryResultsParser, SliceQueryResultsParserOutput};
use spargebra::algebra::GraphPattern;
use std::sync::Arc;
use std::time::Duration;

/// Calls a remote SPARQL endpoint when its IRI starts with an allowed prefix.
#[derive(Debug, Clone)]
pub struct AllowList {
    prefixes: Vec<String>,
    timeout: Duration,
}

impl AllowList {
    pub fn new(prefixes: Vec<String>, timeout: Duration) -> Self {
        AllowList { prefixes, timeout }
    }

    pub fn allows(&self, service: &str) -> bool {
        self.prefixes
            .iter()
            .any(|p| service.starts_with(p.as_str()))
    }
}

/// Why a `SERVICE` call gave no solutions: the query's fault (a prefix
/// not allowed) or the remote endpoint's (`Error::Upstream`, 502).
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("{0}")]
    Refused(String),
    #[error("SERVICE <{service}>: {source}")]
    Failed {
        service: String,
        source: crate::error::Cause,
    },
}

impl DefaultServiceHandler for AllowList {
    type Error = QueryEvaluationError;

    fn handle(
        &self,
        service_name: &NamedNode,
        pattern: &GraphPattern,
        base_iri: Option<&oxiri::Iri<String>>,
    ) -> Result<QuerySolutionIter<'static>, QueryEvaluationError> {
        let service = service_name.as_str();
        let fail = |source: crate::error::Cause| {
            QueryEvaluationError::Service(Box::new(ServiceError::Failed {
                service: service.to_string(),
                source,
            }))
        };
        if !self.allows(service) {
            let refused = ServiceError::Refused(format!(
                "SERVICE <{}> is not allowed on this endpoint (allowed prefixes: {})",
                service_name.as_str(),
                if self.prefixes.is_empty() {
                    "none".to_string()
                } else {
                    self.prefixes.join(", ")
                }
            ));
            return Err(QueryEvaluationError::Service(Box::new(refused)));
        }
        let query = spargebra::Query::Select {
            dataset: None,
            pattern: pattern.clone(),
            base_iri: base_iri.cloned(),
        };
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(self.timeout))
            .http_status_as_error(false)
            .build()
            .into();
        let mut response = agent
            .post(service_name.as_str())
            .header("accept", QueryResultsFormat::Json.media_type())
            .send_form([("query", query.to_string())])
            .map_err(|e| fail(e.into()))?;
        let status = response.status();
        let body = response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_vec()
            .map_err(|e| fail(e.into()))?;
        if !status.is_success() {
            return Err(fail(
                format!(
                    "answered {status}: {}",
                    String::from_utf8_lossy(&body[..body.len().min(300)])
                )
                .into(),
            ));
        }
        let parsed = QueryResultsParser::from_format(QueryResultsFormat::Json)
            .for_slice(&body)
            .map_err(|e| fail(format!("invalid results: {e}").into()))?;
        match parsed {
            SliceQueryResultsParserOutput::Solutions(solutions) => {
                let variables: Arc<[_]> = solutions.variables().into();
                let rows: Vec<Result<QuerySolution, QueryEvaluationError>> = solutions
                    .map(|s| s.map_err(|e| fail(format!("invalid results: {e}").into())))
                    .collect();
                Ok(QuerySolutionIter::new(variables, rows))
            }
            SliceQueryResultsParserOutput::Boolean(_) => {
                Err(fail("answered a boolean, not solutions".into()))
            }
        }
    }
}
