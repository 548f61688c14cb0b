//! Deadlines that hold even where Oxigraph's cancellation token is not
//! consulted, without changing any answer. The token is checked whenever
//! the evaluator reads the store, but a join computed in memory (a cartesian
//! product, a large hash join) can run for hours without reading anything.
//! So every join gets an extra `BIND(guard() AS ?palermo-guard)` above it:
//! the guard runs once per joined solution, and once the deadline has passed
//! it unwinds the evaluation, which `stop_on_cancel` turns back into an
//! ordinary timeout.
//!
//! The guard is transparent by construction. It takes no arguments, so no
//! unbound variable can make it err before it runs; it returns no value, and
//! a BIND whose expression has no value keeps the solution and binds
//! nothing. `palermo-guard` is not a valid SPARQL variable name, so no query
//! can see or clash with it, and `SELECT *` was expanded by the parser
//! before the rewrite. (An earlier version filtered on `guard(?every,
//! ?variable)`, which dropped every solution with an unbound variable:
//! unmatched OPTIONALs, UNION branches, MINUS. A FILTER cannot be made safe
//! here: the optimiser pushes a filter without variables down to the
//! leaves, where it no longer sees the joined solutions.)
//!
//! It also refuses queries nested deeper than the parser's recursion can
//! take: a few thousand brackets would otherwise overflow the stack and
//! abort the whole server.

use oxigraph::model::NamedNode;
use oxigraph::sparql::{CancellationToken, SparqlEvaluator};
use spargebra::algebra::{Expression, Function, GraphPattern};
use spargebra::term::Variable;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Once;

const GUARD: &str = "urn:palermo:guard";

/// Bound by every guard and never given a value. Not a SPARQL VARNAME
/// (`-` is not allowed), so it cannot collide with a variable of the query.
const GUARD_VARIABLE: &str = "palermo-guard";

/// The unwinding payload of a cancelled evaluation.
struct Cancelled;

/// Register the guard function with an evaluator bound to `token`.
pub fn with_guard(evaluator: SparqlEvaluator, token: CancellationToken) -> SparqlEvaluator {
    silence_cancellation_panics();
    evaluator.with_custom_function(NamedNode::new_unchecked(GUARD), move |_| {
        if token.is_cancelled() {
            std::panic::panic_any(Cancelled);
        }
        None
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

/// Add the guard to every join of an update's `WHERE` patterns.
pub fn guard_update(mut update: spargebra::Update) -> spargebra::Update {
    for op in &mut update.operations {
        if let spargebra::GraphUpdateOperation::DeleteInsert { pattern, .. } = op {
            let inner = std::mem::replace(&mut **pattern, GraphPattern::Bgp { patterns: vec![] });
            **pattern = guard(inner);
        }
    }
    update
}

/// `pattern` followed by `BIND(guard() AS ?palermo-guard)`. One variable
/// for every guard: it is never bound, so it joins with anything, and the
/// optimiser never takes a possibly-unbound variable as a join key.
fn wrap(pattern: GraphPattern) -> GraphPattern {
    GraphPattern::Extend {
        inner: Box::new(pattern),
        variable: Variable::new_unchecked(GUARD_VARIABLE),
        expression: Expression::FunctionCall(
            Function::Custom(spargebra::term::NamedNode::new_unchecked(GUARD)),
            Vec::new(),
        ),
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

/// Deepest bracket nesting we parse. Real queries stay far below it; the
/// parser and optimiser recurse per level, and a debug build overflows an
/// 8 MiB stack near 1000 levels (a 2 MiB worker thread much sooner).
pub const MAX_DEPTH: usize = 64;

/// Refuse SPARQL text that nests `(`, `{` or `[` deeper than `MAX_DEPTH`.
///
/// Brackets inside IRIs, string literals and comments do not count, exactly
/// as the SPARQL grammar tokenises them, so a string of `)` cannot hide
/// real nesting.
pub fn check_depth(text: &str) -> Result<(), crate::error::Error> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut max = 0usize;
    while i < b.len() {
        match b[i] {
            b'(' | b'{' | b'[' => {
                depth += 1;
                max = max.max(depth);
                if depth > MAX_DEPTH {
                    return Err(crate::error::Error::BadQuery(format!(
                        "the query nests brackets more than {MAX_DEPTH} levels deep (at byte {i}); flatten it"
                    )));
                }
                i += 1;
            }
            b')' | b'}' | b']' => {
                depth = depth.saturating_sub(1);
                i += 1;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'<' => i = skip_iri(b, i),
            q @ (b'"' | b'\'') => i = skip_string(b, i, q),
            _ => i += 1,
        }
    }
    Ok(())
}

/// An IRIREF is `<` then characters other than space, `<>"{}|^` and
/// backtick, then `>`; anything else is the less-than operator.
fn skip_iri(b: &[u8], start: usize) -> usize {
    let mut j = start + 1;
    while j < b.len() {
        match b[j] {
            b'>' => return j + 1,
            b'<' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`' | b'\\' => return start + 1,
            c if c <= b' ' => return start + 1,
            _ => j += 1,
        }
    }
    start + 1
}

/// Skip a string literal: short ones end at their quote and never span a
/// line; long ones (three quotes) may. A quote that starts no valid string
/// is skipped alone.
fn skip_string(b: &[u8], start: usize, q: u8) -> usize {
    let long = b.len() >= start + 3 && b[start + 1] == q && b[start + 2] == q;
    let mut j = if long { start + 3 } else { start + 1 };
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            c if c == q => {
                if !long {
                    return j + 1;
                }
                if b.len() >= j + 3 && b[j + 1] == q && b[j + 2] == q {
                    return j + 3;
                }
                j += 1;
            }
            b'\n' | b'\r' if !long => return start + 1,
            _ => j += 1,
        }
    }
    start + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn depth_limit() {
        assert!(check_depth("SELECT * WHERE { ?s ?p ?o FILTER((?o > 1)) }").is_ok());
        let deep = format!(
            "SELECT * WHERE {{ FILTER({}1{}) }}",
            "(".repeat(5000),
            ")".repeat(5000)
        );
        assert!(check_depth(&deep).is_err());
        // Brackets in strings, IRIs and comments do not count...
        let quoted = format!(
            "SELECT * WHERE {{ ?s ?p \"{}\" . ?s ?q <http://e/{}> # {}\n }}",
            "(".repeat(500),
            "(".repeat(500),
            "{".repeat(500)
        );
        assert!(check_depth(&quoted).is_ok());
        // ...and cannot hide real nesting.
        let sneaky = format!("SELECT * WHERE {{ {} }}", "( \"))))\" ".repeat(100));
        assert!(check_depth(&sneaky).is_err());
        let sneaky_iri = format!("SELECT * WHERE {{ FILTER(?a < {}1) }}", "(".repeat(100));
        assert!(check_depth(&sneaky_iri).is_err());
    }
}
