//! Deadlines that hold even where Oxigraph's cancellation token is not
//! consulted. The token is checked whenever the evaluator reads the store,
//! but a join computed in memory (a cartesian product, a large hash join)
//! can run for hours without reading anything. We wrap every join in a
//! filter calling `guard(...)` over the join's variables, so it runs once
//! per joined solution and cannot be pushed below the join; once the
//! deadline has passed it unwinds the evaluation, which `stop_on_cancel`
//! turns back into an ordinary timeout.

use oxigraph::model::{Literal, NamedNode};
use oxigraph::sparql::{CancellationToken, SparqlEvaluator};
use spargebra::algebra::{Expression, Function, GraphPattern};
use spargebra::term::Variable;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

const GUARD: &str = "urn:palermo:guard";

/// The unwinding payload of a cancelled evaluation.
struct Cancelled;

/// Register the guard function with an evaluator bound to `token`.
pub fn with_guard(evaluator: SparqlEvaluator, token: CancellationToken) -> SparqlEvaluator {
    silence_cancellation_panics();
    evaluator.with_custom_function(NamedNode::new_unchecked(GUARD), move |_| {
        if token.is_cancelled() {
            std::panic::panic_any(Cancelled);
        }
        Some(Literal::from(true).into())
    })
}

/// Run `f`; an evaluation unwound by the guard gives `None`.
pub fn stop_on_cancel<T>(f: impl FnOnce() -> T) -> Option<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => Some(v),
        Err(payload) if payload.is::<Cancelled>() => None,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// Keep the default panic message for real panics only.
fn silence_cancellation_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !info.payload().is::<Cancelled>() {
                default(info);
            }
        }));
    });
}

/// Add the guard to every join of a query.
pub fn guard_query(query: spargebra::Query) -> spargebra::Query {
    use spargebra::Query;
    match query {
        Query::Select {
            dataset,
            pattern,
            base_iri,
        } => Query::Select {
            dataset,
            pattern: guard(pattern),
            base_iri,
        },
        Query::Construct {
            template,
            dataset,
            pattern,
            base_iri,
        } => Query::Construct {
            template,
            dataset,
            pattern: guard(pattern),
            base_iri,
        },
        Query::Describe {
            dataset,
            pattern,
            base_iri,
        } => Query::Describe {
            dataset,
            pattern: guard(pattern),
            base_iri,
        },
        Query::Ask {
            dataset,
            pattern,
            base_iri,
        } => Query::Ask {
            dataset,
            pattern: guard(pattern),
            base_iri,
        },
    }
}

fn wrap(pattern: GraphPattern) -> GraphPattern {
    let mut vars: Vec<Variable> = Vec::new();
    pattern.on_in_scope_variable(|v| {
        if !vars.contains(v) {
            vars.push(v.clone());
        }
    });
    GraphPattern::Filter {
        expr: Expression::FunctionCall(
            Function::Custom(spargebra::term::NamedNode::new_unchecked(GUARD)),
            vars.into_iter().map(Expression::Variable).collect(),
        ),
        inner: Box::new(pattern),
    }
}

fn b(p: GraphPattern) -> Box<GraphPattern> {
    Box::new(guard(p))
}

fn guard(pattern: GraphPattern) -> GraphPattern {
    match pattern {
        GraphPattern::Bgp { patterns } if patterns.len() > 1 => {
            wrap(GraphPattern::Bgp { patterns })
        }
        GraphPattern::Join { left, right } => wrap(GraphPattern::Join {
            left: b(*left),
            right: b(*right),
        }),
        GraphPattern::LeftJoin {
            left,
            right,
            expression,
        } => wrap(GraphPattern::LeftJoin {
            left: b(*left),
            right: b(*right),
            expression,
        }),
        GraphPattern::Filter { expr, inner } => GraphPattern::Filter {
            expr,
            inner: b(*inner),
        },
        GraphPattern::Union { left, right } => GraphPattern::Union {
            left: b(*left),
            right: b(*right),
        },
        GraphPattern::Graph { name, inner } => GraphPattern::Graph {
            name,
            inner: b(*inner),
        },
        GraphPattern::Extend {
            inner,
            variable,
            expression,
        } => GraphPattern::Extend {
            inner: b(*inner),
            variable,
            expression,
        },
        GraphPattern::Minus { left, right } => GraphPattern::Minus {
            left: b(*left),
            right: b(*right),
        },
        GraphPattern::OrderBy { inner, expression } => GraphPattern::OrderBy {
            inner: b(*inner),
            expression,
        },
        GraphPattern::Project { inner, variables } => GraphPattern::Project {
            inner: b(*inner),
            variables,
        },
        GraphPattern::Distinct { inner } => GraphPattern::Distinct { inner: b(*inner) },
        GraphPattern::Reduced { inner } => GraphPattern::Reduced { inner: b(*inner) },
        GraphPattern::Slice {
            inner,
            start,
            length,
        } => GraphPattern::Slice {
            inner: b(*inner),
            start,
            length,
        },
        GraphPattern::Group {
            inner,
            variables,
            aggregates,
        } => GraphPattern::Group {
            inner: b(*inner),
            variables,
            aggregates,
        },
        // SERVICE bodies run remotely; leaves read the store (token-checked).
        other => other,
    }
}
