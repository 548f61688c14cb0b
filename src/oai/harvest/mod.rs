//! The harvester: records from any OAI-PMH 2.0 repository into a source graph.
//!
//! One partner endpoint is one source (`{base}graph/harvest-{host}-{port}`
//! unless named), imported with `import::import_records`, so a harvest has
//! the guarantees of every import: one transaction, `dcterms:modified` bumped
//! only on records that changed, deletions kept as tombstones.
//!
//! - Incremental: the meta graph remembers, per (endpoint, set, format), the
//!   responseDate of the last harvest's first response, which is the next
//!   harvest's `from` (the repository's own clock, as the protocol advises;
//!   `from` is inclusive, so a record changed in that very second comes again,
//!   harmlessly).
//! - Deletions: a header with `status="deleted"` removes the record here.
//! - Ids: `{source}-{local part of the OAI identifier}`, so the same remote
//!   record always lands on the same IRI and deletions find it.
//! - Provenance: each record's `dcterms:source` is the endpoint's node in the
//!   meta graph (`pal:file` holds its URL); the source graph is
//!   `dcterms:source` / `prov:wasDerivedFrom` the endpoint; each record is
//!   `prov:wasDerivedFrom` its OAI identifier (meta graph).
//! - Politeness: 503 (or 429) with Retry-After is waited out, bounded both
//!   per wait and in count; a refused or dropped connection is tried twice
//!   more; anything else stops the harvest before anything is written.

mod client;
mod dc;

use super::args::{datestamp, is_set_spec, parse_datestamp};
use super::provider::OAI_NS;
use crate::error::Error;
use crate::import::{Mode, RecordSource, import_records};
use crate::ingest::Normalised;
use crate::normalize::{short_hash, slug};
use crate::rdf::Iris;
use crate::rdf::meta::{HarvestKey, HarvestRun};
use crate::store::{Store, blocking};
use client::{Client, remote};
use dc::{Dc, Received};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use time::OffsetDateTime;

pub use dc::record_id;

/// What to harvest. `HarvestOptions::new(url)` gives the defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HarvestOptions {
    /// The repository's base URL (without `?verb=...`).
    pub url: String,
    /// Only this set.
    pub set: Option<String>,
    /// Harvest from this datestamp (`YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ`)
    /// instead of where the last harvest of this endpoint, set and format
    /// ended.
    pub from: Option<String>,
    /// The metadata format; `oai_dc` is the one mapped to records.
    pub prefix: String,
    /// The source id (graph `{base}graph/{id}`); derived from the URL if `None`.
    pub source_id: Option<String>,
}

impl HarvestOptions {
    pub fn new(url: impl Into<String>) -> Self {
        HarvestOptions {
            url: url.into(),
            set: None,
            from: None,
            prefix: "oai_dc".into(),
            source_id: None,
        }
    }
}

/// What a harvest did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct HarvestReport {
    pub source_id: String,
    pub endpoint: String,
    pub set: Option<String>,
    pub prefix: String,
    /// The `from` sent, if any.
    pub from: Option<String>,
    /// True when `from` came from the store's memory of the last harvest.
    pub incremental: bool,
    /// The repository's responseDate of the first response: the next `from`.
    pub response_date: String,
    /// HTTP requests made, retries included.
    pub requests: usize,
    /// Requests repeated after a 503 or a dropped connection.
    pub retries: usize,
    /// Records received (not deleted).
    pub records: usize,
    /// Deletions received.
    pub deletions: usize,
    /// Records new here, changed, unchanged and removed, from the import.
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
    pub warnings: Vec<String>,
}

impl fmt::Display for HarvestReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "harvested {} (format {}{}) into source {}",
            self.endpoint,
            self.prefix,
            self.set
                .as_ref()
                .map(|s| format!(", set {s}"))
                .unwrap_or_default(),
            self.source_id
        )?;
        match (&self.from, self.incremental) {
            (Some(from), true) => writeln!(f, "incremental, from {from} (the last harvest)")?,
            (Some(from), false) => writeln!(f, "from {from}")?,
            (None, _) => writeln!(f, "full harvest")?,
        }
        writeln!(
            f,
            "{} requests ({} retried); {} records, {} deletions received",
            self.requests, self.retries, self.records, self.deletions
        )?;
        writeln!(
            f,
            "{} added, {} changed, {} unchanged, {} removed; next harvest from {}",
            self.added, self.changed, self.unchanged, self.removed, self.response_date
        )?;
        for w in &self.warnings {
            writeln!(f, "warning: {w}")?;
        }
        Ok(())
    }
}

/// Pages of one list before the harvest suspects a token loop.
const MAX_PAGES: usize = 100_000;

/// Harvest one repository into the store. Nothing is written unless every
/// page was fetched and read.
pub async fn harvest(
    store: &Store,
    iris: &Iris,
    opts: HarvestOptions,
) -> Result<HarvestReport, Error> {
    let m = crate::metrics::metrics();
    m.harvest_runs.inc();
    let result = harvest_once(store, iris, opts).await;
    if result.is_err() {
        m.harvest_failures.inc();
    }
    result
}

/// The phases of a harvest: check the options, find where to start,
/// Identify, list every page, map what came in to records, import them as
/// one source, remember where this harvest ended.
async fn harvest_once(
    store: &Store,
    iris: &Iris,
    opts: HarvestOptions,
) -> Result<HarvestReport, Error> {
    let plan = Plan::new(opts)?;
    let mut report = plan.report();
    let from = match &plan.from {
        Some(f) => Some(f.clone()),
        None => {
            let (store, iris, key, source) = (
                store.clone(),
                iris.clone(),
                plan.key.clone(),
                plan.source_id.clone(),
            );
            let last = blocking(move || last_response_date(&store, &iris, &source, &key)).await?;
            report.incremental = last.is_some();
            last
        }
    };
    let client = Client::new(plan.endpoint.clone())?;
    let from = identify(&client, from, &mut report).await?;
    report.from = from.clone();
    let received = list_records(&client, &plan, from.as_deref(), &mut report).await?;
    let mapped = Mapped::new(&plan, received, &mut report);

    let full = from.is_none() && plan.key.set.is_none();
    let mode = if full {
        // Everything the repository has: what is not in it is gone.
        Mode::Replace
    } else {
        Mode::Merge {
            delete: mapped.delete,
        }
    };
    let title = format!("OAI-PMH harvest of {}", plan.key.endpoint);
    let source = RecordSource {
        id: plan.source_id.clone(),
        title: title.clone(),
        files: vec![(plan.key.endpoint.clone(), title)],
        records: mapped.records,
        mode,
    };
    let (store2, iris2) = (store.clone(), iris.clone());
    let import =
        blocking(move || import_records(&store2, &iris2, vec![source], OffsetDateTime::now_utc()))
            .await?;
    if let Some(s) = import.sources.first() {
        report.added = s.added;
        report.changed = s.changed;
        report.unchanged = s.unchanged;
        report.removed = s.removed;
    }
    report
        .warnings
        .extend(import.warnings.iter().map(|w| format!("import: {w}")));

    let (store2, iris2, response_date) =
        (store.clone(), iris.clone(), report.response_date.clone());
    let ended = datestamp(OffsetDateTime::now_utc());
    let derived = mapped.derived;
    blocking(move || {
        store2.transaction(|tx| {
            let run = HarvestRun {
                response_date: &response_date,
                ended: &ended,
                derived: &derived,
            };
            plan.key.remember(tx, &iris2, &plan.source_id, &run)?;
            // The records' provenance changed with it.
            let change =
                crate::change::ChangeSet::records(derived.iter().map(|(id, _)| id.clone()));
            crate::rdf::meta::commit(tx, &iris2, &change, OffsetDateTime::now_utc())?;
            Ok(())
        })
    })
    .await?;
    Ok(report)
}

/// Checked options: the endpoint, the state's key and the source.
struct Plan {
    endpoint: reqwest::Url,
    key: HarvestKey,
    source_id: String,
    /// A `from` the caller gave.
    from: Option<String>,
}

impl Plan {
    fn new(opts: HarvestOptions) -> Result<Self, Error> {
        let endpoint = reqwest::Url::parse(&opts.url)
            .map_err(|e| Error::BadRequest(format!("{}: not a URL ({e})", opts.url)))?;
        if !matches!(endpoint.scheme(), "http" | "https")
            || endpoint.query().is_some()
            || endpoint.fragment().is_some()
        {
            return Err(Error::BadRequest(format!(
                "{}: give the repository's base URL (http or https, without ?verb=...)",
                opts.url
            )));
        }
        if opts.prefix != "oai_dc" {
            return Err(Error::BadRequest(format!(
                "metadataPrefix {}: only oai_dc is mapped to records",
                opts.prefix
            )));
        }
        if let Some(set) = &opts.set
            && !is_set_spec(set)
        {
            return Err(Error::BadRequest(format!("{set}: not a setSpec")));
        }
        let source_id = match &opts.source_id {
            Some(s) => s.clone(),
            None => source_id_for(&endpoint),
        };
        if source_id.is_empty() || slug(&source_id) != source_id {
            return Err(Error::BadRequest(format!(
                "source id \"{source_id}\" must be a lowercase slug"
            )));
        }
        if let Some(f) = &opts.from
            && parse_datestamp(f).is_none()
        {
            return Err(Error::BadRequest(format!(
                "--from {f}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
            )));
        }
        Ok(Plan {
            key: HarvestKey {
                endpoint: endpoint.as_str().to_string(),
                set: opts.set,
                prefix: opts.prefix,
            },
            endpoint,
            source_id,
            from: opts.from,
        })
    }

    fn report(&self) -> HarvestReport {
        HarvestReport {
            source_id: self.source_id.clone(),
            endpoint: self.key.endpoint.clone(),
            set: self.key.set.clone(),
            prefix: self.key.prefix.clone(),
            ..HarvestReport::default()
        }
    }
}

/// Identify: warn about a repository that forgets deletions, and cut
/// `from` to a day-granular repository's days.
async fn identify(
    client: &Client,
    from: Option<String>,
    report: &mut HarvestReport,
) -> Result<Option<String>, Error> {
    let endpoint = client.endpoint();
    let identify = client.get(&[("verb", "Identify")], report).await?;
    let identify = identify
        .child(OAI_NS, "Identify")
        .ok_or_else(|| remote(endpoint, "Identify answered without <Identify>"))?;
    let day_granularity = identify
        .child(OAI_NS, "granularity")
        .is_some_and(|g| g.value() == "YYYY-MM-DD");
    match identify
        .child(OAI_NS, "deletedRecord")
        .map(|d| d.value())
        .as_deref()
    {
        Some("persistent") => {}
        other => report.warnings.push(format!(
            "the repository keeps deletions {}: a record deleted there may stay here until a full harvest",
            match other {
                Some("transient") => "only for a while",
                _ => "not at all",
            }
        )),
    }
    // A day-granular repository refuses seconds; the whole day is the safe
    // side (records of that day come again, harmlessly).
    Ok(from.map(|f| {
        if day_granularity {
            f[..10].to_string()
        } else {
            f
        }
    }))
}

/// Every page of ListRecords: each identifier with its oai_dc record, or
/// `None` for a deletion.
async fn list_records(
    client: &Client,
    plan: &Plan,
    from: Option<&str>,
    report: &mut HarvestReport,
) -> Result<BTreeMap<String, Option<Dc>>, Error> {
    let endpoint = client.endpoint();
    let mut received: BTreeMap<String, Option<Dc>> = BTreeMap::new();
    let mut args: Vec<(&str, String)> = vec![
        ("verb", "ListRecords".into()),
        ("metadataPrefix", plan.key.prefix.clone()),
    ];
    if let Some(f) = from {
        args.push(("from", f.to_string()));
    }
    if let Some(s) = &plan.key.set {
        args.push(("set", s.clone()));
    }
    let mut pages = 0;
    let mut last_token: Option<String> = None;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(remote(endpoint, "too many pages: is the token looping?"));
        }
        let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let doc = client.get(&pairs, report).await?;
        if report.response_date.is_empty() {
            report.response_date = doc
                .child(OAI_NS, "responseDate")
                .map(|d| d.value())
                .and_then(|d| parse_datestamp(&d).map(|(c, _)| c))
                .ok_or_else(|| remote(endpoint, "no valid responseDate"))?;
        }
        if let Some(err) = doc.child(OAI_NS, "error") {
            // An empty list is an answer, not a failure: on the first page
            // (nothing changed), and on a later one (the rest changed since
            // the list began; the next harvest gets them).
            if err.attr("code") == Some("noRecordsMatch") {
                break;
            }
            return Err(remote(
                endpoint,
                format!("error {}: {}", err.attr("code").unwrap_or("?"), err.value()),
            ));
        }
        let list = doc
            .child(OAI_NS, "ListRecords")
            .ok_or_else(|| remote(endpoint, "ListRecords answered without <ListRecords>"))?;
        for rec in list.children(OAI_NS, "record") {
            let Some(header) = rec.child(OAI_NS, "header") else {
                continue;
            };
            let Some(identifier) = header.child(OAI_NS, "identifier").map(|i| i.value()) else {
                continue;
            };
            if header.attr("status") == Some("deleted") {
                received.insert(identifier, None);
                continue;
            }
            match Dc::of_record(rec) {
                Some(dc) => {
                    received.insert(identifier, Some(dc));
                }
                None => report
                    .warnings
                    .push(format!("{identifier}: no oai_dc metadata; skipped")),
            }
        }
        let token = list
            .child(OAI_NS, "resumptionToken")
            .map(|t| t.value())
            .filter(|t| !t.is_empty());
        match token {
            Some(t) => {
                if last_token.as_deref() == Some(t.as_str()) {
                    return Err(remote(endpoint, "the same resumptionToken twice"));
                }
                args = vec![
                    ("verb", "ListRecords".into()),
                    ("resumptionToken", t.clone()),
                ];
                last_token = Some(t);
            }
            None => break,
        }
    }
    Ok(received)
}

/// What came in, as records with pinned ids, deletions, and where each
/// record was derived from.
struct Mapped {
    records: Vec<crate::record::Record>,
    delete: Vec<String>,
    /// (record id, OAI identifier).
    derived: Vec<(String, String)>,
}

impl Mapped {
    fn new(
        plan: &Plan,
        received: BTreeMap<String, Option<Dc>>,
        report: &mut HarvestReport,
    ) -> Self {
        let mut mapped = Mapped {
            records: Vec::new(),
            delete: Vec::new(),
            derived: Vec::new(),
        };
        let mut ids: BTreeMap<String, String> = BTreeMap::new();
        for (identifier, dc) in received {
            let mut id = record_id(&plan.source_id, &identifier);
            if let Some(other) = ids.get(&id)
                && other != &identifier
            {
                id = format!("{id}-{}", short_hash(&identifier));
            }
            ids.insert(id.clone(), identifier.clone());
            let Some(dc) = dc else {
                report.deletions += 1;
                mapped.delete.push(id);
                continue;
            };
            let received = Received {
                dc: &dc,
                id: &id,
                source: &plan.source_id,
                endpoint: &plan.key.endpoint,
            };
            match Normalised::try_from(received) {
                Ok(Normalised { record, warnings }) => {
                    report.records += 1;
                    report
                        .warnings
                        .extend(warnings.into_iter().map(|w| format!("{identifier}: {w}")));
                    mapped.derived.push((id, identifier));
                    mapped.records.push(record);
                }
                Err(w) => report.warnings.push(format!("{identifier}: {w}; skipped")),
            }
        }
        mapped
    }
}

/// `harvest-{host}[-{port}]`, as a slug.
pub fn source_id_for(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or("unknown");
    match url.port() {
        Some(p) => slug(&format!("harvest {host} {p}")),
        None => slug(&format!("harvest {host}")),
    }
}

/// Where the last harvest of `key` ended: its first response's date, the
/// next harvest's `from`.
fn last_response_date(
    store: &Store,
    iris: &Iris,
    source: &str,
    key: &HarvestKey,
) -> Result<Option<String>, Error> {
    Ok(key
        .response_dates(store, iris, source)?
        .into_iter()
        .find(|d| parse_datestamp(d).is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_source_id_is_the_endpoint_s_host_and_port() {
        let url = reqwest::Url::parse("http://127.0.0.1:8081/oai").unwrap();
        assert_eq!(source_id_for(&url), "harvest-127-0-0-1-8081");
    }
}
