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

use super::args::{datestamp, parse_datestamp};
use super::formats::{DC_NS, OAI_DC_NS, kind_label};
use super::provider::OAI_NS;
use super::xml::Element;
use crate::error::Error;
use crate::import::{Mode, RecordSource, import_records};
use crate::normalize::agents::{organization, parse_name};
use crate::normalize::languages::{LanguageValue, parse_language};
use crate::normalize::{clean_space, kind, short_hash, slug};
use crate::rdf::Iris;
use crate::rdf::meta::{HarvestKey, HarvestRun};
use crate::rdf::schemes::{CATEGORIES, COUNTRIES, REGIONS};
use crate::record::{Container, Provenance, Record, RecordKind};
use crate::store::Store;
use crate::store::blocking;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;
use time::OffsetDateTime;

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

/// Longest wait one Retry-After may impose; a longer one is cut to this.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Retries of one request the repository said it was busy for (503).
const MAX_RETRIES: usize = 5;
/// Retries of one request whose connection failed.
const MAX_DROPPED: u32 = 2;
/// Deadline of one HTTP request.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
/// Largest response accepted, in bytes.
const MAX_RESPONSE: usize = 64 << 20;
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

async fn harvest_once(
    store: &Store,
    iris: &Iris,
    opts: HarvestOptions,
) -> Result<HarvestReport, Error> {
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
        && !super::args::is_set_spec(set)
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
    let endpoint_str = endpoint.as_str().to_string();
    let mut report = HarvestReport {
        source_id: source_id.clone(),
        endpoint: endpoint_str.clone(),
        set: opts.set.clone(),
        prefix: opts.prefix.clone(),
        ..HarvestReport::default()
    };
    let state = HarvestKey {
        endpoint: endpoint_str.clone(),
        set: opts.set.clone(),
        prefix: opts.prefix.clone(),
    };

    let from = match &opts.from {
        Some(f) => {
            if parse_datestamp(f).is_none() {
                return Err(Error::BadRequest(format!(
                    "--from {f}: use YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ"
                )));
            }
            Some(f.clone())
        }
        None => {
            let (store, iris, state, source) = (
                store.clone(),
                iris.clone(),
                state.clone(),
                source_id.clone(),
            );
            let last = blocking(move || last_response_date(&store, &iris, &source, &state)).await?;
            report.incremental = last.is_some();
            last
        }
    };

    let client = Client::new(endpoint.clone())?;
    let identify = client.get(&[("verb", "Identify")], &mut report).await?;
    let identify = identify
        .child(OAI_NS, "Identify")
        .ok_or_else(|| remote(&endpoint_str, "Identify answered without <Identify>"))?;
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
    let from = from.map(|f| {
        if day_granularity {
            f[..10].to_string()
        } else {
            f
        }
    });
    report.from = from.clone();

    let mut received: BTreeMap<String, Option<Dc>> = BTreeMap::new();
    let mut args: Vec<(&str, String)> = vec![
        ("verb", "ListRecords".into()),
        ("metadataPrefix", opts.prefix.clone()),
    ];
    if let Some(f) = &from {
        args.push(("from", f.clone()));
    }
    if let Some(s) = &opts.set {
        args.push(("set", s.clone()));
    }
    let mut pages = 0;
    let mut last_token: Option<String> = None;
    loop {
        pages += 1;
        if pages > MAX_PAGES {
            return Err(remote(
                &endpoint_str,
                "too many pages: is the token looping?",
            ));
        }
        let pairs: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let doc = client.get(&pairs, &mut report).await?;
        if report.response_date.is_empty() {
            report.response_date = doc
                .child(OAI_NS, "responseDate")
                .map(|d| d.value())
                .and_then(|d| parse_datestamp(&d).map(|(c, _)| c))
                .ok_or_else(|| remote(&endpoint_str, "no valid responseDate"))?;
        }
        if let Some(err) = doc.child(OAI_NS, "error") {
            // An empty list is an answer, not a failure: on the first page
            // (nothing changed), and on a later one (the rest changed since
            // the list began; the next harvest gets them).
            if err.attr("code") == Some("noRecordsMatch") {
                break;
            }
            return Err(remote(
                &endpoint_str,
                format!("error {}: {}", err.attr("code").unwrap_or("?"), err.value()),
            ));
        }
        let list = doc
            .child(OAI_NS, "ListRecords")
            .ok_or_else(|| remote(&endpoint_str, "ListRecords answered without <ListRecords>"))?;
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
            let dc = rec
                .child(OAI_NS, "metadata")
                .and_then(|m| m.child(OAI_DC_NS, "dc"))
                .map(Dc::read);
            match dc {
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
                    return Err(remote(&endpoint_str, "the same resumptionToken twice"));
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

    // Map what came in to records with pinned ids.
    let mut records = Vec::new();
    let mut delete = Vec::new();
    let mut derived: Vec<(String, String)> = Vec::new();
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    for (identifier, dc) in received {
        let mut id = record_id(&source_id, &identifier);
        if let Some(other) = ids.get(&id)
            && other != &identifier
        {
            id = format!("{id}-{}", short_hash(&identifier));
        }
        ids.insert(id.clone(), identifier.clone());
        match dc {
            None => {
                report.deletions += 1;
                delete.push(id);
            }
            Some(dc) => match dc.to_record(&id, &source_id, &endpoint_str) {
                Ok((record, warnings)) => {
                    report.records += 1;
                    report
                        .warnings
                        .extend(warnings.into_iter().map(|w| format!("{identifier}: {w}")));
                    derived.push((id, identifier));
                    records.push(record);
                }
                Err(w) => report.warnings.push(format!("{identifier}: {w}; skipped")),
            },
        }
    }

    let full = from.is_none() && opts.set.is_none();
    let mode = if full {
        // Everything the repository has: what is not in it is gone.
        Mode::Replace
    } else {
        Mode::Merge { delete }
    };
    let title = format!("OAI-PMH harvest of {endpoint_str}");
    let source = RecordSource {
        id: source_id.clone(),
        title: title.clone(),
        files: vec![(endpoint_str.clone(), title)],
        records,
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
    blocking(move || {
        store2.transaction(|tx| {
            let run = HarvestRun {
                response_date: &response_date,
                ended: &ended,
                derived: &derived,
            };
            state.remember(tx, &iris2, &source_id, &run)
        })
    })
    .await?;
    Ok(report)
}

/// The repository failed or answered what is not OAI-PMH: upstream's
/// fault (502), and the harvest writes nothing.
fn remote(endpoint: &str, cause: impl Into<crate::error::Cause>) -> Error {
    Error::upstream(
        format!("harvest of {endpoint} stopped, nothing written"),
        cause,
    )
}

/// `harvest-{host}[-{port}]`, as a slug.
pub fn source_id_for(url: &reqwest::Url) -> String {
    let host = url.host_str().unwrap_or("unknown");
    match url.port() {
        Some(p) => slug(&format!("harvest {host} {p}")),
        None => slug(&format!("harvest {host}")),
    }
}

/// `{source}-{local part}`: the part after the last ':' of an
/// `oai:repo:local` identifier, or the last path segment of a URL. A local
/// part that is not already a slug gets a short hash of the whole
/// identifier, so two identifiers never share an id by slugging.
pub fn record_id(source: &str, identifier: &str) -> String {
    let local = match identifier.strip_prefix("oai:") {
        Some(rest) => rest.split_once(':').map_or(rest, |(_, l)| l),
        None => identifier
            .trim_end_matches('/')
            .rsplit(['/', '#', ':'])
            .next()
            .unwrap_or(identifier),
    };
    let s = slug(local);
    if !s.is_empty() && s == local {
        format!("{source}-{s}")
    } else if s.is_empty() {
        format!("{source}-{}", short_hash(identifier))
    } else {
        let cut: String = s.chars().take(60).collect();
        format!(
            "{source}-{}-{}",
            cut.trim_end_matches('-'),
            short_hash(identifier)
        )
    }
}

/// The values of one oai_dc record, element by element.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Dc {
    titles: Vec<String>,
    creators: Vec<String>,
    contributors: Vec<String>,
    sources: Vec<String>,
    subjects: Vec<String>,
    descriptions: Vec<String>,
    publishers: Vec<String>,
    dates: Vec<String>,
    types: Vec<String>,
    languages: Vec<String>,
    coverages: Vec<String>,
}

impl Dc {
    fn read(dc: &Element) -> Dc {
        let all = |name: &str| -> Vec<String> {
            dc.children(DC_NS, name)
                .map(|e| clean_space(&e.text))
                .filter(|v| !v.is_empty())
                .collect()
        };
        Dc {
            titles: all("title"),
            creators: all("creator"),
            contributors: all("contributor"),
            sources: all("source"),
            subjects: all("subject"),
            descriptions: dc
                .children(DC_NS, "description")
                .map(|e| e.text.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect(),
            publishers: all("publisher"),
            dates: all("date"),
            types: all("type"),
            languages: all("language"),
            coverages: all("coverage"),
        }
    }

    /// Map to our model. Values with no concept here (a subject that is no
    /// category, a place we do not know) are kept in the note, never
    /// dropped silently.
    fn to_record(
        &self,
        id: &str,
        source: &str,
        endpoint: &str,
    ) -> Result<(Record, Vec<String>), String> {
        let mut warnings = Vec::new();
        let mut titles = self.titles.iter();
        let title = titles.next().ok_or("no dc:title")?.clone();
        let abstract_text = self.descriptions.first().cloned();
        let description =
            (self.descriptions.len() > 1).then(|| self.descriptions[1..].join("\n\n"));
        let year = self.dates.iter().find_map(|d| {
            d.get(..4)
                .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|y| y.parse().ok())
        });
        let kind = self
            .types
            .iter()
            .find_map(|t| {
                RecordKind::ALL.into_iter().find(|k| {
                    kind_label(*k).is_some_and(|l| l.eq_ignore_ascii_case(t))
                        || k.class_name().eq_ignore_ascii_case(t)
                })
            })
            .unwrap_or_else(|| kind::infer(&title, abstract_text.as_deref()));
        let mut languages = Vec::new();
        for l in &self.languages {
            match parse_language(l) {
                LanguageValue::Code(c) if !languages.contains(&c.to_string()) => {
                    languages.push(c.to_string())
                }
                LanguageValue::Code(_) => {}
                _ => warnings.push(format!("language \"{l}\" is not one we know; skipped")),
            }
        }
        let mut unmapped_subjects = Vec::new();
        let mut categories = Vec::new();
        for s in &self.subjects {
            match CATEGORIES.lookup(s) {
                Some(c) if !categories.contains(&c.key) => categories.push(c.key.clone()),
                Some(_) => {}
                None => unmapped_subjects.push(s.clone()),
            }
        }
        let (mut countries, mut regions, mut unmapped_places) =
            (Vec::new(), Vec::new(), Vec::new());
        for c in &self.coverages {
            if let Some(k) = COUNTRIES.lookup(c) {
                if !countries.contains(&k.key) {
                    countries.push(k.key.clone());
                }
            } else if let Some(k) = REGIONS.lookup(c) {
                if !regions.contains(&k.key) {
                    regions.push(k.key.clone());
                }
            } else {
                unmapped_places.push(c.clone());
            }
        }
        let mut note = Vec::new();
        if !unmapped_subjects.is_empty() {
            note.push(format!("Subjects: {}.", unmapped_subjects.join("; ")));
        }
        if !unmapped_places.is_empty() {
            warnings.push(format!(
                "coverage {} is no country or region we know; kept in the note",
                unmapped_places.join("; ")
            ));
            note.push(format!("Coverage: {}.", unmapped_places.join("; ")));
        }
        let record = Record {
            id: id.to_string(),
            title,
            alternative_titles: titles.cloned().collect(),
            abstract_text,
            description,
            kind,
            year,
            authors: self.creators.iter().map(|c| parse_name(c).0).collect(),
            publishers: self.publishers.iter().map(|p| organization(p)).collect(),
            place: None,
            // A chapter's book and its editors (`oai::formats`); oai_dc
            // has no element for the place of publication.
            container: self
                .sources
                .first()
                .filter(|_| kind == RecordKind::Chapter)
                .map(|title| Container {
                    title: title.clone(),
                    editors: self.contributors.iter().map(|c| parse_name(c).0).collect(),
                }),
            languages,
            countries,
            regions,
            categories,
            citation: None,
            note: (!note.is_empty()).then(|| note.join(" ")),
            // No line in an endpoint: 0 says so.
            editorial_notes: Vec::new(),
            provenance: vec![Provenance {
                source: source.to_string(),
                file: endpoint.to_string(),
                line: 0,
            }],
            repairs: Vec::new(),
        };
        Ok((record, warnings))
    }
}

/// The HTTP side: GET with arguments, 503 and dropped connections retried.
struct Client {
    http: reqwest::Client,
    endpoint: reqwest::Url,
}

impl Client {
    fn new(endpoint: reqwest::Url) -> Result<Self, Error> {
        let http = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("palermo-harvester/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| Error::internal("HTTP client", e))?;
        Ok(Client { http, endpoint })
    }

    /// One OAI request; the parsed `<OAI-PMH>` root.
    async fn get(
        &self,
        args: &[(&str, &str)],
        report: &mut HarvestReport,
    ) -> Result<Element, Error> {
        let mut url = self.endpoint.clone();
        url.query_pairs_mut().extend_pairs(args);
        let (mut busy, mut dropped) = (0, 0);
        loop {
            report.requests += 1;
            let endpoint = self.endpoint.as_str();
            let outcome = match self.http.get(url.clone()).send().await {
                Ok(resp) if resp.status().is_success() => match read_body(resp).await {
                    Ok(body) => {
                        let root = Element::parse(&body)
                            .map_err(|e| remote(endpoint, format!("{url}: {e}")))?;
                        if root.ns != OAI_NS || root.name != "OAI-PMH" {
                            return Err(remote(
                                endpoint,
                                format!("{url}: not an OAI-PMH response"),
                            ));
                        }
                        return Ok(root);
                    }
                    Err(e) => Attempt::Dropped(e),
                },
                // The protocol's flow control (and its common cousin).
                Ok(resp)
                    if resp.status() == reqwest::StatusCode::SERVICE_UNAVAILABLE
                        || resp.status() == reqwest::StatusCode::TOO_MANY_REQUESTS =>
                {
                    Attempt::Busy(retry_after(resp.headers()))
                }
                Ok(resp) => {
                    return Err(remote(endpoint, format!("{url}: HTTP {}", resp.status())));
                }
                Err(e) if describe(&e).contains("scheme is not http") => {
                    return Err(remote(
                        endpoint,
                        "this build harvests http:// endpoints only (https needs reqwest's TLS feature)",
                    ));
                }
                Err(e) if e.is_connect() || e.is_timeout() || e.is_request() || e.is_body() => {
                    Attempt::Dropped(describe(&e))
                }
                Err(e) => return Err(remote(endpoint, format!("{url}: {}", describe(&e)))),
            };
            let wait = match outcome {
                Attempt::Busy(wait) => {
                    if busy >= MAX_RETRIES {
                        return Err(remote(
                            endpoint,
                            format!("{url}: still unavailable after {MAX_RETRIES} retries"),
                        ));
                    }
                    busy += 1;
                    wait
                }
                // A repository that is down is not waited for long: a
                // harvest can simply run again.
                Attempt::Dropped(e) => {
                    if dropped >= MAX_DROPPED {
                        return Err(remote(endpoint, format!("{url}: {e}")));
                    }
                    dropped += 1;
                    Duration::from_secs(1 << (dropped - 1))
                }
            };
            report.retries += 1;
            tokio::time::sleep(wait.min(MAX_WAIT)).await;
        }
    }
}

/// Why a request is tried again.
enum Attempt {
    /// 503 or 429: wait as told.
    Busy(Duration),
    /// Refused, timed out or cut off.
    Dropped(String),
}

/// An error with its causes: reqwest's own message ("error sending
/// request") says least, the innermost ("Connection refused") most.
fn describe(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cause = std::error::Error::source(e);
    while let Some(c) = cause {
        parts.push(c.to_string());
        cause = c.source();
    }
    parts.join(": ")
}

async fn read_body(mut resp: reqwest::Response) -> Result<Vec<u8>, String> {
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        if body.len() + chunk.len() > MAX_RESPONSE {
            return Err(format!("a response larger than {MAX_RESPONSE} bytes"));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Retry-After in seconds or as an HTTP date; 10 seconds if absent or unreadable.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Duration {
    let Some(v) = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
    else {
        return Duration::from_secs(10);
    };
    if let Ok(secs) = v.trim().parse::<u64>() {
        return Duration::from_secs(secs);
    }
    match OffsetDateTime::parse(v.trim(), &time::format_description::well_known::Rfc2822) {
        Ok(at) => {
            let secs = (at - OffsetDateTime::now_utc()).whole_seconds().max(0);
            Duration::from_secs(u64::try_from(secs).unwrap_or(0))
        }
        Err(_) => Duration::from_secs(10),
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
        .response_dates(store.oxigraph(), iris, source)?
        .into_iter()
        .find(|d| parse_datestamp(d).is_some()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_pinned_to_the_remote_identifier() {
        assert_eq!(
            record_id("harvest-x", "oai:palermo.localhost:some-report"),
            "harvest-x-some-report"
        );
        assert_eq!(record_id("h", "oai:zenodo.org:123"), "h-123");
        assert_eq!(record_id("h", "http://e.org/records/abc/"), "h-abc");
        let odd = record_id("h", "oai:e.org:Some_Thing");
        assert!(odd.starts_with("h-some-thing-") && odd.len() == "h-some-thing-".len() + 8);
        assert_ne!(odd, record_id("h", "oai:e.org:some-thing"));
        assert!(record_id("h", "oai:e.org:!!!").starts_with("h-"));
        let url = reqwest::Url::parse("http://127.0.0.1:8081/oai").unwrap();
        assert_eq!(source_id_for(&url), "harvest-127-0-0-1-8081");
    }

    #[test]
    fn oai_dc_maps_to_a_record() {
        let xml = format!(
            r#"<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}">
            <dc:title>A Manual  on Things</dc:title><dc:title>Other title</dc:title>
            <dc:creator>Newton, Paul David</dc:creator>
            <dc:creator>International Organization for Migration (IOM)</dc:creator>
            <dc:subject>Law Enforcement</dc:subject><dc:subject>Kites</dc:subject>
            <dc:description>First.</dc:description><dc:description>Second.</dc:description>
            <dc:date>2015-03-01</dc:date><dc:type>Text</dc:type><dc:type>policy brief</dc:type>
            <dc:language>en</dc:language><dc:language>French</dc:language>
            <dc:coverage>Bosnia and Herzegovina</dc:coverage><dc:coverage>South-Eastern Europe</dc:coverage>
            <dc:coverage>Atlantis</dc:coverage></oai_dc:dc>"#
        );
        let dc = Dc::read(&Element::parse(xml.as_bytes()).unwrap());
        let (r, warnings) = dc.to_record("h-x", "h", "http://e.org/oai").unwrap();
        assert_eq!(r.title, "A Manual on Things");
        assert_eq!(r.alternative_titles, ["Other title"]);
        assert_eq!(r.year, Some(2015));
        assert_eq!(r.kind, RecordKind::PolicyBrief);
        assert_eq!(r.abstract_text.as_deref(), Some("First."));
        assert_eq!(r.description.as_deref(), Some("Second."));
        assert_eq!(r.languages, ["en", "fr"]);
        assert_eq!(r.countries, ["BA"]);
        assert_eq!(r.regions, ["south-eastern-europe"]);
        assert_eq!(r.categories, ["law-enforcement"]);
        assert_eq!(
            r.note.as_deref(),
            Some("Subjects: Kites. Coverage: Atlantis.")
        );
        assert_eq!(r.authors[0].display_name(), "Paul David Newton");
        assert!(r.authors[0].is_person());
        assert!(!r.authors[1].is_person());
        assert_eq!(warnings.len(), 1);
        assert_eq!(r.provenance[0].file, "http://e.org/oai");
    }

    /// `dc:type` is the kind's label in lower case; "audiovisual", which
    /// Palermo wrote for that kind before it had one label, still reads.
    #[test]
    fn dc_type_reads_as_the_kind() {
        for (written, kind) in [
            (
                super::super::formats::kind_label(RecordKind::AudioVisual).unwrap(),
                RecordKind::AudioVisual,
            ),
            ("audiovisual".to_string(), RecordKind::AudioVisual),
            ("book chapter".to_string(), RecordKind::Chapter),
        ] {
            let xml = format!(
                r#"<oai_dc:dc xmlns:oai_dc="{OAI_DC_NS}" xmlns:dc="{DC_NS}">
                <dc:title>A Thing</dc:title><dc:type>{written}</dc:type></oai_dc:dc>"#
            );
            let dc = Dc::read(&Element::parse(xml.as_bytes()).unwrap());
            let (r, _) = dc.to_record("h-x", "h", "http://e.org/oai").unwrap();
            assert_eq!(r.kind, kind, "{written}");
        }
    }
}
