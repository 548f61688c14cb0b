//! The process's Prometheus metrics: what is counted where it happens
//! (requests, SPARQL outcomes, admission, OAI-PMH verbs, harvests). Values
//! that already live elsewhere (cache counters, index and store sizes) are
//! read at scrape time by `http::metrics`, so they are declared only there.
//!
//! Process-wide, because the harvester and the server both count, and
//! Prometheus scrapes a process. Labels are bounded sets (route templates,
//! status codes, query forms, verbs): never a client, a raw path or a query.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;
use std::sync::LazyLock;
use std::time::Duration;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteStatus {
    /// The matched route template (`/records/{id}`), or `unmatched`.
    pub route: String,
    pub status: u16,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Route {
    pub route: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct QueryLabels {
    /// select, ask, construct, describe.
    pub form: &'static str,
    /// ok, truncated, timeout, cancelled, refused, error.
    pub outcome: &'static str,
}

impl QueryLabels {
    fn new(form: QueryForm, outcome: Outcome) -> Self {
        QueryLabels {
            form: form.as_str(),
            outcome: outcome.as_str(),
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Reason {
    pub reason: &'static str,
}

impl From<Refusal> for Reason {
    fn from(reason: Refusal) -> Self {
        Reason {
            reason: reason.as_str(),
        }
    }
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Verb {
    /// One of the six verbs, or `invalid`.
    pub verb: &'static str,
}

/// A closed set of label values: each value spelled once, and every value
/// listed for the series that exist from the start.
macro_rules! label_values {
    ($(#[$doc:meta])* $name:ident { $($variant:ident = $text:literal,)* }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($variant,)*
        }

        impl $name {
            pub const ALL: &[$name] = &[$($name::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)*
                }
            }
        }
    };
}

label_values! {
    /// The `form` of `sparql_queries`.
    QueryForm {
        Select = "select",
        Ask = "ask",
        Construct = "construct",
        Describe = "describe",
    }
}

label_values! {
    /// The `outcome` of `sparql_queries`.
    Outcome {
        Ok = "ok",
        Truncated = "truncated",
        Timeout = "timeout",
        Cancelled = "cancelled",
        Refused = "refused",
        Error = "error",
    }
}

label_values! {
    /// The `reason` of `sparql_admission_refusals`.
    Refusal {
        FastLaneFull = "fast_lane_full",
        LongPoolFull = "long_pool_full",
    }
}

impl From<&spargebra::Query> for QueryForm {
    fn from(query: &spargebra::Query) -> Self {
        match query {
            spargebra::Query::Select { .. } => QueryForm::Select,
            spargebra::Query::Ask { .. } => QueryForm::Ask,
            spargebra::Query::Construct { .. } => QueryForm::Construct,
            spargebra::Query::Describe { .. } => QueryForm::Describe,
        }
    }
}

/// Every metric counted in place.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    pub http_requests: Family<RouteStatus, Counter>,
    pub http_duration: Family<Route, Histogram>,
    pub sparql_queries: Family<QueryLabels, Counter>,
    pub admission_wait: Histogram,
    pub admission_refusals: Family<Reason, Counter>,
    pub oai_requests: Family<Verb, Counter>,
    pub harvest_runs: Counter,
    pub harvest_failures: Counter,
}

fn latency_buckets() -> Histogram {
    // 1 ms to ~16 s: cached answers take well under a millisecond, a query
    // cut at its deadline 10 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.001, 2.0, 15,
    ))
}

impl Metrics {
    fn new() -> Self {
        let mut registry = Registry::with_prefix("palermo");
        let m = Metrics {
            registry: Registry::default(),
            http_requests: Family::default(),
            http_duration: Family::new_with_constructor(latency_buckets),
            sparql_queries: Family::default(),
            admission_wait: latency_buckets(),
            admission_refusals: Family::default(),
            oai_requests: Family::default(),
            harvest_runs: Counter::default(),
            harvest_failures: Counter::default(),
        };
        registry.register(
            "http_requests",
            "HTTP requests answered, by route template and status",
            m.http_requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to the response head, by route template",
            m.http_duration.clone(),
        );
        registry.register(
            "sparql_queries",
            format!(
                "SPARQL queries by form and outcome ({})",
                Outcome::ALL
                    .iter()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            m.sparql_queries.clone(),
        );
        registry.register(
            "sparql_admission_wait_seconds",
            "Time a SPARQL query waited for a fast-lane slot",
            m.admission_wait.clone(),
        );
        registry.register(
            "sparql_admission_refusals",
            "SPARQL queries refused: no fast-lane slot in time, or the long-running pool full",
            m.admission_refusals.clone(),
        );
        registry.register(
            "oai_requests",
            "OAI-PMH requests by verb",
            m.oai_requests.clone(),
        );
        registry.register(
            "harvest_runs",
            "OAI-PMH harvests started by this process",
            m.harvest_runs.clone(),
        );
        registry.register(
            "harvest_failures",
            "OAI-PMH harvests by this process that failed",
            m.harvest_failures.clone(),
        );
        registry.register(
            "build",
            "The running build",
            Info::new(vec![("version", env!("CARGO_PKG_VERSION"))]),
        );
        // Every series of a bounded label set exists from the start, at 0:
        // a family that appears only on first use breaks rate() and
        // alerts on absence.
        for &form in QueryForm::ALL {
            for &outcome in Outcome::ALL {
                m.sparql_queries
                    .get_or_create(&QueryLabels::new(form, outcome))
                    .inc_by(0);
            }
        }
        for &reason in Refusal::ALL {
            m.admission_refusals
                .get_or_create(&Reason::from(reason))
                .inc_by(0);
        }
        for verb in crate::oai::args::Verb::ALL
            .map(crate::oai::args::Verb::as_str)
            .into_iter()
            .chain(["invalid"])
        {
            m.oai_requests.get_or_create(&Verb { verb }).inc_by(0);
        }
        Metrics { registry, ..m }
    }

    /// The registry of the metrics counted in place.
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    pub fn query(&self, form: QueryForm, outcome: Outcome) {
        self.sparql_queries
            .get_or_create(&QueryLabels::new(form, outcome))
            .inc();
    }

    pub fn refused(&self, reason: Refusal) {
        self.admission_refusals
            .get_or_create(&Reason::from(reason))
            .inc();
    }

    pub fn waited(&self, wait: Duration) {
        self.admission_wait.observe(wait.as_secs_f64());
    }
}

/// The process's metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: LazyLock<Metrics> = LazyLock::new(Metrics::new);
    &METRICS
}
