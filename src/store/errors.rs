//! The engine's errors as ours: a storage failure is internal, an
//! evaluation failure the query's, a failed `SERVICE` upstream's.

use crate::error::Error;

impl From<oxigraph::store::StorageError> for Error {
    fn from(e: oxigraph::store::StorageError) -> Self {
        Error::internal("the store", e)
    }
}

/// A `SERVICE` endpoint that failed is upstream's fault (502); any other
/// evaluation error, a refused `SERVICE` included, is the query's (400).
impl From<oxigraph::sparql::QueryEvaluationError> for Error {
    fn from(e: oxigraph::sparql::QueryEvaluationError) -> Self {
        use super::federation::ServiceError;
        use oxigraph::sparql::QueryEvaluationError;
        match e {
            QueryEvaluationError::Service(cause) => match cause.downcast::<ServiceError>() {
                Ok(failed) => match *failed {
                    ServiceError::Failed { service, source } => {
                        Error::upstream(format!("SERVICE <{service}>"), source)
                    }
                    refused @ ServiceError::Refused(_) => Error::Query(refused.to_string()),
                },
                Err(other) => Error::Query(QueryEvaluationError::Service(other).to_string()),
            },
            e => Error::Query(e.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::federation::ServiceError;
    use crate::error::Error;
    use axum::http::StatusCode;
    use oxigraph::sparql::QueryEvaluationError;

    #[test]
    fn a_failed_service_is_upstream_and_a_refused_one_the_query_s() {
        let failed = QueryEvaluationError::Service(Box::new(ServiceError::Failed {
            service: "http://remote.example/sparql".into(),
            source: "answered 500".into(),
        }));
        let e = Error::from(failed);
        assert_eq!(e.status(), StatusCode::BAD_GATEWAY);
        assert_eq!(
            e.to_string(),
            "SERVICE <http://remote.example/sparql>: answered 500"
        );
        let refused = QueryEvaluationError::Service(Box::new(ServiceError::Refused(
            "SERVICE <x> is not allowed".into(),
        )));
        let e = Error::from(refused);
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert_eq!(
            e.to_string(),
            "query evaluation failed: SERVICE <x> is not allowed"
        );
    }
}
