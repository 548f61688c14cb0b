//! The OAI-PMH 2.0 data provider: one request in, one XML document out.
//!
//! Transport-free (the axum handler in `http::oai` only decodes arguments and
//! runs this off the async runtime), and blocking, since every answer reads
//! the store. Protocol errors are documents too (HTTP 200); only a failing
//! store is an `Err`.

use super::args::{self, ErrorCode, ListArgs, ListStart, ListVerb, OaiError, Request, Verb};
use super::formats::{Context, Format, XSI_NS};
use super::repository::{self, Item, Labels, Sets, in_set};
use super::token::Token;
use super::xml::Xml;
use crate::error::Error;
use crate::rdf::Iris;
use crate::store::Store;
use time::OffsetDateTime;

pub const OAI_NS: &str = "http://www.openarchives.org/OAI/2.0/";
const OAI_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd";
const OAI_ID_NS: &str = "http://www.openarchives.org/OAI/2.0/oai-identifier";
const OAI_ID_SCHEMA: &str = "http://www.openarchives.org/OAI/2.0/oai-identifier.xsd";

/// How the repository presents itself. Derived from the base IRI by
/// `Settings::for_iris`; every field is public so a deployment can set its
/// own name and contact (and tests a small page size).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub repository_name: String,
    pub admin_email: String,
    /// The `repositoryIdentifier` of the oai-identifier scheme: a domain name.
    pub repository_identifier: String,
    /// Items per page of ListIdentifiers and ListRecords.
    pub page_size: usize,
}

pub const DEFAULT_PAGE_SIZE: usize = 100;

impl Settings {
    /// Defaults for a deployment at `iris.base()`: the identifier is the
    /// base's host when it is a domain name the oai-identifier scheme
    /// accepts, else `palermo.localhost` (a development instance on
    /// localhost or an IP address has no domain to claim).
    pub fn for_iris(iris: &Iris) -> Self {
        let host = host_of(iris.base());
        let repository_identifier = if is_repository_identifier(&host) {
            host
        } else {
            "palermo.localhost".to_string()
        };
        Settings {
            repository_name: "Palermo: publications on human trafficking and migrant smuggling"
                .into(),
            admin_email: format!("admin@{repository_identifier}"),
            repository_identifier,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

/// The host of an http(s) IRI, lowercased, without port or user info.
fn host_of(base: &str) -> String {
    let rest = base.split_once("://").map_or(base, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    let host = if host.starts_with('[') {
        host.split(']').next().unwrap_or_default()
    } else {
        host.split(':').next().unwrap_or_default()
    };
    host.to_ascii_lowercase()
}

/// The oai-identifier schema's pattern for repositoryIdentifier: dotted
/// labels, each starting with a letter, at least two of them.
pub fn is_repository_identifier(s: &str) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    labels.len() >= 2
        && labels.iter().all(|l| {
            l.starts_with(|c: char| c.is_ascii_alphabetic())
                && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        })
}

/// The data provider over one store.
#[derive(Clone)]
pub struct Provider {
    store: Store,
    iris: Iris,
    settings: Settings,
    /// Where records are read from when it is current (`crate::side`).
    side: crate::side::SideFile,
}

impl Provider {
    pub fn new(store: Store, iris: Iris, settings: Settings) -> Self {
        let mut settings = settings;
        settings.page_size = settings.page_size.max(1);
        Provider {
            side: crate::side::SideFile::disabled(&iris),
            store,
            iris,
            settings,
        }
    }

    /// Read records from this side file while it is current.
    pub fn with_side_file(mut self, side: crate::side::SideFile) -> Self {
        self.side = side;
        self
    }

    /// The protocol's base URL: `{base}oai`.
    pub fn base_url(&self) -> String {
        format!("{}oai", self.iris.base())
    }

    /// `oai:{repository}:{record id}`.
    pub fn oai_identifier(&self, id: &str) -> String {
        format!("oai:{}:{id}", self.settings.repository_identifier)
    }

    /// The record id an OAI identifier names, if it is one of ours.
    pub fn record_id<'a>(&self, identifier: &'a str) -> Option<&'a str> {
        let id = identifier
            .strip_prefix("oai:")?
            .strip_prefix(self.settings.repository_identifier.as_str())?
            .strip_prefix(':')?;
        (!id.is_empty()).then_some(id)
    }

    /// Answer one request, given as decoded (name, value) pairs, at `now`.
    pub fn respond(
        &self,
        pairs: &[(String, String)],
        now: OffsetDateTime,
    ) -> Result<String, Error> {
        let response_date = args::datestamp(now);
        let outcome = match args::parse(pairs) {
            Ok(request) => self.answer(&request, &response_date)?,
            Err(e) => Err(e),
        };
        Ok(self.document(pairs, &response_date, outcome))
    }

    /// An error document for a request that could not even be read (a POST
    /// body that is not a form).
    pub fn reject(&self, error: OaiError, now: OffsetDateTime) -> String {
        self.document(&[], &args::datestamp(now), Err(error))
    }

    fn document(
        &self,
        pairs: &[(String, String)],
        response_date: &str,
        outcome: Result<Body, OaiError>,
    ) -> String {
        let mut x = Xml::new();
        let location = format!("{OAI_NS} {OAI_SCHEMA}");
        x.open(
            "OAI-PMH",
            &[
                ("xmlns", OAI_NS),
                ("xmlns:xsi", XSI_NS),
                ("xsi:schemaLocation", &location),
            ],
        );
        x.text("responseDate", &[], response_date);
        let base_url = self.base_url();
        match outcome {
            Ok(body) => {
                let echo = args::echo(pairs);
                let attrs: Vec<(&str, &str)> =
                    echo.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                x.text("request", &attrs, &base_url);
                body.write(&mut x);
            }
            Err(e) => {
                let echo = if e.code.echoes_arguments() {
                    args::echo(pairs)
                } else {
                    Vec::new()
                };
                let attrs: Vec<(&str, &str)> =
                    echo.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                x.text("request", &attrs, &base_url);
                x.text("error", &[("code", e.code.as_str())], &e.message);
            }
        }
        x.finish()
    }

    fn answer(
        &self,
        request: &Request,
        response_date: &str,
    ) -> Result<Result<Body, OaiError>, Error> {
        match request {
            Request::Identify => self.identify().map(Ok),
            Request::ListMetadataFormats { identifier } => {
                if let Some(identifier) = identifier
                    && self.find(identifier)?.is_none()
                {
                    return Ok(Err(unknown_id(identifier)));
                }
                Ok(Ok(Body::Formats))
            }
            Request::ListSets { resumption_token } => {
                if resumption_token.is_some() {
                    return Ok(Err(OaiError::new(
                        ErrorCode::BadResumptionToken,
                        "this repository lists all sets at once and issues no ListSets tokens",
                    )));
                }
                let labels = Labels::load(&self.store, &self.iris)?;
                let sets = Sets::load(&self.store, &self.iris, &labels)?;
                if sets.sets.is_empty() {
                    return Ok(Err(OaiError::new(
                        ErrorCode::NoSetHierarchy,
                        "the vocabulary holds no categories or regions yet",
                    )));
                }
                Ok(Ok(Body::Sets(sets.sets)))
            }
            Request::GetRecord { identifier, prefix } => {
                let Some(format) = Format::parse(prefix) else {
                    return Ok(Err(cannot_disseminate(prefix)));
                };
                let Some(item) = self.find(identifier)? else {
                    return Ok(Err(unknown_id(identifier)));
                };
                let labels = Labels::load(&self.store, &self.iris)?;
                let sets = Sets::load(&self.store, &self.iris, &labels)?;
                let entry = self.entry(&item, format, &sets, &labels)?;
                Ok(Ok(Body::Record(Box::new(entry))))
            }
            Request::List { verb, start } => self.list(*verb, start, response_date),
        }
    }

    fn identify(&self) -> Result<Body, Error> {
        Ok(Body::Identify {
            repository_name: self.settings.repository_name.clone(),
            base_url: self.base_url(),
            admin_email: self.settings.admin_email.clone(),
            earliest: repository::earliest_datestamp(&self.store, &self.iris)?,
            repository_identifier: self.settings.repository_identifier.clone(),
            sample: self.oai_identifier("sample-record"),
        })
    }

    fn find(&self, identifier: &str) -> Result<Option<Item>, Error> {
        match self.record_id(identifier) {
            Some(id) => repository::item(&self.store, &self.iris, id),
            None => Ok(None),
        }
    }

    fn list(
        &self,
        verb: ListVerb,
        start: &ListStart,
        response_date: &str,
    ) -> Result<Result<Body, OaiError>, Error> {
        let (token, resumed) = match start {
            ListStart::New(ListArgs {
                prefix,
                from,
                until,
                set,
            }) => (
                Token {
                    verb,
                    prefix: prefix.clone(),
                    set: set.clone(),
                    from: from.clone(),
                    until: until.clone().unwrap_or_else(|| response_date.to_string()),
                    after: (String::new(), String::new()),
                    cursor: 0,
                },
                false,
            ),
            ListStart::Resume(s) => match Token::decode(s) {
                Some(t) if t.verb == verb && Format::parse(&t.prefix).is_some() => (t, true),
                Some(_) => {
                    return Ok(Err(OaiError::new(
                        ErrorCode::BadResumptionToken,
                        format!(
                            "this resumptionToken belongs to another verb than {}",
                            verb.verb().as_str()
                        ),
                    )));
                }
                None => {
                    return Ok(Err(OaiError::new(
                        ErrorCode::BadResumptionToken,
                        "this resumptionToken is not one this repository issued, or it was damaged",
                    )));
                }
            },
        };
        let Some(format) = Format::parse(&token.prefix) else {
            return Ok(Err(cannot_disseminate(&token.prefix)));
        };
        let labels = Labels::load(&self.store, &self.iris)?;
        let sets = Sets::load(&self.store, &self.iris, &labels)?;
        if let Some(set) = &token.set
            && !sets.exists(set)
        {
            return Ok(Err(OaiError::new(
                ErrorCode::NoRecordsMatch,
                format!("there is no set \"{set}\" (ListSets lists them)"),
            )));
        }
        // Set memberships are read only where needed: for every candidate
        // when filtering by set, else for the page's records alone.
        let in_range: Vec<Item> = repository::items(&self.store, &self.iris)?
            .into_iter()
            .filter(|item| {
                token.from.as_ref().is_none_or(|f| &item.datestamp >= f)
                    && item.datestamp <= token.until
            })
            .collect();
        let mut matching: Vec<(Item, Option<Vec<String>>)> = Vec::new();
        match &token.set {
            None => matching.extend(in_range.into_iter().map(|item| (item, None))),
            Some(set) => {
                // Every live candidate's sets in one batched read.
                let live: Vec<String> = in_range
                    .iter()
                    .filter(|item| !item.deleted)
                    .map(|item| item.id.clone())
                    .collect();
                let mut specs = sets.of_records(&self.store, &self.iris, &live)?.into_iter();
                for item in in_range {
                    // A deleted record's sets are gone with its triples. It
                    // stays in every set's list, so that harvesters by set
                    // learn of the deletion too (they may get deletions of
                    // records they never had, which costs them nothing).
                    if item.deleted {
                        matching.push((item, Some(Vec::new())));
                        continue;
                    }
                    let specs = specs.next().unwrap_or_default();
                    if in_set(&specs, set) {
                        matching.push((item, Some(specs)));
                    }
                }
            }
        }
        let total = matching.len();
        let after = &token.after;
        let mut rest = matching
            .into_iter()
            .filter(|(i, _)| !resumed || (&i.datestamp, &i.id) > (&after.0, &after.1))
            .peekable();
        let mut page = Vec::new();
        while page.len() < self.settings.page_size {
            match rest.next() {
                Some(entry) => page.push(entry),
                None => break,
            }
        }
        let more = rest.peek().is_some();
        if page.is_empty() {
            let message = if resumed {
                "every remaining record changed after this list began; harvest again from its responseDate"
            } else {
                "no records match these from, until and set arguments"
            };
            return Ok(Err(OaiError::new(ErrorCode::NoRecordsMatch, message)));
        }
        let resumption = if more || resumed {
            let next = page.last().map(|(i, _)| Token {
                after: (i.datestamp.clone(), i.id.clone()),
                cursor: token.cursor + page.len(),
                ..token.clone()
            });
            Some(Resumption {
                token: if more { next.map(|t| t.encode()) } else { None },
                complete_list_size: total,
                cursor: token.cursor,
            })
        } else {
            None
        };
        // The sets of the page's live records not read yet, in one batched read.
        let unread: Vec<String> = page
            .iter()
            .filter(|(item, specs)| specs.is_none() && !item.deleted)
            .map(|(item, _)| item.id.clone())
            .collect();
        let mut read = sets
            .of_records(&self.store, &self.iris, &unread)?
            .into_iter();
        let mut entries = Vec::with_capacity(page.len());
        // One look at the store's generation for the page.
        let source = self.side.source(&self.store)?;
        let mut reader = source.reader();
        for (item, specs) in page {
            let specs = match specs {
                Some(s) => s,
                None if item.deleted => Vec::new(),
                None => read.next().unwrap_or_default(),
            };
            let entry = match verb {
                ListVerb::Identifiers => Entry {
                    header: self.header(&item, specs),
                    metadata: None,
                },
                ListVerb::Records => {
                    self.entry_with_sets(&item, specs, format, &labels, &source, &mut reader)?
                }
            };
            entries.push(entry);
        }
        Ok(Ok(Body::List {
            verb,
            entries,
            resumption,
        }))
    }

    fn header(&self, item: &Item, sets: Vec<String>) -> Header {
        Header {
            identifier: self.oai_identifier(&item.id),
            datestamp: item.datestamp.clone(),
            deleted: item.deleted,
            sets,
        }
    }

    fn entry(
        &self,
        item: &Item,
        format: Format,
        sets: &Sets,
        labels: &Labels,
    ) -> Result<Entry, Error> {
        let specs = if item.deleted {
            Vec::new()
        } else {
            sets.of_record(&self.store, &self.iris, &item.id)?
        };
        let source = self.side.source(&self.store)?;
        self.entry_with_sets(item, specs, format, labels, &source, &mut source.reader())
    }

    fn entry_with_sets(
        &self,
        item: &Item,
        specs: Vec<String>,
        format: Format,
        labels: &Labels,
        source: &crate::side::RecordSource<'_>,
        reader: &mut crate::rdf::read::Reader<'_>,
    ) -> Result<Entry, Error> {
        let mut header = self.header(item, specs);
        if item.deleted {
            return Ok(Entry {
                header,
                metadata: None,
            });
        }
        let metadata = match source.record(reader, &item.id)? {
            Some(record) => {
                let mut x = Xml::default();
                format.write(
                    &mut x,
                    &record,
                    &Context {
                        iris: &self.iris,
                        labels,
                        datestamp: &item.datestamp,
                        repository_name: &self.settings.repository_name,
                    },
                );
                Some(x)
            }
            // Typed but without a title: nothing to disseminate, which to a
            // harvester is a deletion.
            None => {
                header.deleted = true;
                header.sets.clear();
                None
            }
        };
        Ok(Entry { header, metadata })
    }
}

fn unknown_id(identifier: &str) -> OaiError {
    OaiError::new(
        ErrorCode::IdDoesNotExist,
        format!(
            "no item has the identifier \"{}\"",
            identifier.chars().take(200).collect::<String>()
        ),
    )
}

fn cannot_disseminate(prefix: &str) -> OaiError {
    OaiError::new(
        ErrorCode::CannotDisseminateFormat,
        format!(
            "metadataPrefix \"{prefix}\" is not offered; offered: {}",
            Format::ALL.map(Format::prefix).join(", ")
        ),
    )
}

struct Header {
    identifier: String,
    datestamp: String,
    deleted: bool,
    sets: Vec<String>,
}

struct Entry {
    header: Header,
    /// The metadata element, as the format wrote it.
    metadata: Option<Xml>,
}

struct Resumption {
    /// `None` on the last page: an empty element closes the list.
    token: Option<String>,
    complete_list_size: usize,
    cursor: usize,
}

/// A successful answer, written into the envelope.
enum Body {
    Identify {
        repository_name: String,
        base_url: String,
        admin_email: String,
        earliest: String,
        repository_identifier: String,
        sample: String,
    },
    Formats,
    Sets(Vec<repository::Set>),
    Record(Box<Entry>),
    List {
        verb: ListVerb,
        entries: Vec<Entry>,
        resumption: Option<Resumption>,
    },
}

impl Body {
    fn write(self, x: &mut Xml) {
        match self {
            Body::Identify {
                repository_name,
                base_url,
                admin_email,
                earliest,
                repository_identifier,
                sample,
            } => {
                x.open(Verb::Identify.as_str(), &[])
                    .text("repositoryName", &[], &repository_name)
                    .text("baseURL", &[], &base_url)
                    .text("protocolVersion", &[], "2.0")
                    .text("adminEmail", &[], &admin_email)
                    .text("earliestDatestamp", &[], &earliest)
                    .text("deletedRecord", &[], "persistent")
                    .text("granularity", &[], "YYYY-MM-DDThh:mm:ssZ");
                // The oai-identifier description only for an identifier its
                // schema accepts (settings may come from a deployment).
                if !is_repository_identifier(&repository_identifier) {
                    x.close();
                    return;
                }
                let location = format!("{OAI_ID_NS} {OAI_ID_SCHEMA}");
                x.open("description", &[])
                    .open(
                        "oai-identifier",
                        &[
                            ("xmlns", OAI_ID_NS),
                            ("xmlns:xsi", XSI_NS),
                            ("xsi:schemaLocation", &location),
                        ],
                    )
                    .text("scheme", &[], "oai")
                    .text("repositoryIdentifier", &[], &repository_identifier)
                    .text("delimiter", &[], ":")
                    .text("sampleIdentifier", &[], &sample)
                    .close()
                    .close();
                x.close();
            }
            Body::Formats => {
                x.open(Verb::ListMetadataFormats.as_str(), &[]);
                for f in Format::ALL {
                    x.open("metadataFormat", &[])
                        .text("metadataPrefix", &[], f.prefix())
                        .text("schema", &[], f.schema())
                        .text("metadataNamespace", &[], f.namespace())
                        .close();
                }
                x.close();
            }
            Body::Sets(sets) => {
                x.open(Verb::ListSets.as_str(), &[]);
                for s in sets {
                    x.open("set", &[])
                        .text("setSpec", &[], &s.spec)
                        .text("setName", &[], &s.name);
                    // The concept's IRI, so a harvester can link the set
                    // to our SKOS scheme.
                    let location =
                        format!("{} {}", super::formats::OAI_DC_NS, Format::OaiDc.schema());
                    x.open("setDescription", &[])
                        .open(
                            "oai_dc:dc",
                            &[
                                ("xmlns:oai_dc", super::formats::OAI_DC_NS),
                                ("xmlns:dc", super::formats::DC_NS),
                                ("xmlns:xsi", XSI_NS),
                                ("xsi:schemaLocation", &location),
                            ],
                        )
                        .text("dc:title", &[], &s.name)
                        .text("dc:identifier", &[], &s.iri)
                        .close()
                        .close();
                    x.close();
                }
                x.close();
            }
            Body::Record(entry) => {
                x.open(Verb::GetRecord.as_str(), &[]);
                write_record(x, *entry);
                x.close();
            }
            Body::List {
                verb,
                entries,
                resumption,
            } => {
                x.open(verb.verb().as_str(), &[]);
                for entry in entries {
                    match verb {
                        ListVerb::Identifiers => write_header(x, &entry.header),
                        ListVerb::Records => write_record(x, entry),
                    }
                }
                if let Some(r) = resumption {
                    let size = r.complete_list_size.to_string();
                    let cursor = r.cursor.to_string();
                    let attrs = [
                        ("completeListSize", size.as_str()),
                        ("cursor", cursor.as_str()),
                    ];
                    match r.token {
                        Some(t) => x.text("resumptionToken", &attrs, &t),
                        None => x.empty("resumptionToken", &attrs),
                    };
                }
                x.close();
            }
        }
    }
}

fn write_header(x: &mut Xml, h: &Header) {
    if h.deleted {
        x.open("header", &[("status", "deleted")]);
    } else {
        x.open("header", &[]);
    }
    x.text("identifier", &[], &h.identifier)
        .text("datestamp", &[], &h.datestamp);
    for s in &h.sets {
        x.text("setSpec", &[], s);
    }
    x.close();
}

fn write_record(x: &mut Xml, entry: Entry) {
    x.open("record", &[]);
    write_header(x, &entry.header);
    if let Some(m) = entry.metadata {
        x.open("metadata", &[]);
        x.fragment(m);
        x.close();
    }
    x.close();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_identifiers_come_from_the_base() {
        let s = Settings::for_iris(&Iris::new("https://palermo.example.org/"));
        assert_eq!(s.repository_identifier, "palermo.example.org");
        assert_eq!(s.admin_email, "admin@palermo.example.org");
        for base in [
            "http://localhost:8080/",
            "http://127.0.0.1:9/",
            "http://[::1]:80/",
        ] {
            assert_eq!(
                Settings::for_iris(&Iris::new(base)).repository_identifier,
                "palermo.localhost",
                "{base}"
            );
        }
        assert_eq!(host_of("http://u@Example.ORG:8080/x"), "example.org");
    }
}
