//! Verbs and arguments of an OAI-PMH request, and the protocol's error codes.
//!
//! Everything a harvester sends is checked here, before the store is touched,
//! so that malformed input always becomes an OAI error response (HTTP 200 with
//! `<error code=...>`, as the protocol wants), never a server error. The
//! checks follow OAI-PMH 2.0 section 3.6 and the per-verb "Error and
//! Exception Conditions".

use std::collections::BTreeMap;
use time::{Date, Month, OffsetDateTime};

/// The error codes of OAI-PMH 2.0, section 3.6.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    BadArgument,
    BadResumptionToken,
    BadVerb,
    CannotDisseminateFormat,
    IdDoesNotExist,
    NoRecordsMatch,
    NoMetadataFormats,
    NoSetHierarchy,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::BadArgument => "badArgument",
            ErrorCode::BadResumptionToken => "badResumptionToken",
            ErrorCode::BadVerb => "badVerb",
            ErrorCode::CannotDisseminateFormat => "cannotDisseminateFormat",
            ErrorCode::IdDoesNotExist => "idDoesNotExist",
            ErrorCode::NoRecordsMatch => "noRecordsMatch",
            ErrorCode::NoMetadataFormats => "noMetadataFormats",
            ErrorCode::NoSetHierarchy => "noSetHierarchy",
        }
    }

    /// After badVerb and badArgument the request element must not echo the
    /// arguments (they are what was wrong); after the others it should.
    pub fn echoes_arguments(self) -> bool {
        !matches!(self, ErrorCode::BadVerb | ErrorCode::BadArgument)
    }
}

/// An OAI-PMH error: a code and a message for the person reading it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OaiError {
    pub code: ErrorCode,
    pub message: String,
}

impl OaiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        OaiError {
            code,
            message: message.into(),
        }
    }
    fn bad_argument(message: impl Into<String>) -> Self {
        OaiError::new(ErrorCode::BadArgument, message)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Identify,
    ListMetadataFormats,
    ListSets,
    GetRecord,
    ListIdentifiers,
    ListRecords,
}

impl Verb {
    pub const ALL: [Verb; 6] = [
        Verb::Identify,
        Verb::ListMetadataFormats,
        Verb::ListSets,
        Verb::GetRecord,
        Verb::ListIdentifiers,
        Verb::ListRecords,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Identify => "Identify",
            Verb::ListMetadataFormats => "ListMetadataFormats",
            Verb::ListSets => "ListSets",
            Verb::GetRecord => "GetRecord",
            Verb::ListIdentifiers => "ListIdentifiers",
            Verb::ListRecords => "ListRecords",
        }
    }

    /// Verbs are case-sensitive (section 3.1.1): "identify" is a bad verb.
    pub fn parse(value: &str) -> Option<Verb> {
        Verb::ALL.into_iter().find(|v| v.as_str() == value)
    }

    /// (required, optional, exclusive) arguments of the verb.
    fn arguments(
        self,
    ) -> (
        &'static [&'static str],
        &'static [&'static str],
        Option<&'static str>,
    ) {
        match self {
            Verb::Identify => (&[], &[], None),
            Verb::ListMetadataFormats => (&[], &["identifier"], None),
            Verb::ListSets => (&[], &[], Some("resumptionToken")),
            Verb::GetRecord => (&["identifier", "metadataPrefix"], &[], None),
            Verb::ListIdentifiers | Verb::ListRecords => (
                &["metadataPrefix"],
                &["from", "until", "set"],
                Some("resumptionToken"),
            ),
        }
    }
}

/// Which of the two list verbs a list request (or token) belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListVerb {
    Identifiers,
    Records,
}

impl ListVerb {
    pub fn verb(self) -> Verb {
        match self {
            ListVerb::Identifiers => Verb::ListIdentifiers,
            ListVerb::Records => Verb::ListRecords,
        }
    }
}

/// Datestamp granularity of an argument (section 3.3.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Granularity {
    Day,
    Second,
}

/// Selective-harvesting arguments of a first list request. Bounds are
/// canonical second-granularity UTC strings, which order as the instants do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListArgs {
    pub prefix: String,
    pub from: Option<String>,
    pub until: Option<String>,
    pub set: Option<String>,
}

/// A request whose syntax is valid. What it names (formats, records, sets,
/// tokens) is checked against the repository by the provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    Identify,
    ListMetadataFormats { identifier: Option<String> },
    ListSets { resumption_token: Option<String> },
    GetRecord { identifier: String, prefix: String },
    List { verb: ListVerb, start: ListStart },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListStart {
    New(ListArgs),
    Resume(String),
}

/// Parse the decoded key/value pairs of a request (query string or form body).
pub fn parse(pairs: &[(String, String)]) -> Result<Request, OaiError> {
    let verbs: Vec<&str> = pairs
        .iter()
        .filter(|(k, _)| k == "verb")
        .map(|(_, v)| v.as_str())
        .collect();
    let verb = match verbs.as_slice() {
        [] => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is missing",
            ));
        }
        [v] => Verb::parse(v).ok_or_else(|| {
            OaiError::new(
                ErrorCode::BadVerb,
                format!(
                    "\"{}\" is not an OAI-PMH verb (verbs: {})",
                    shorten(v),
                    Verb::ALL.map(Verb::as_str).join(", ")
                ),
            )
        })?,
        _ => {
            return Err(OaiError::new(
                ErrorCode::BadVerb,
                "the verb argument is repeated",
            ));
        }
    };

    let (required, optional, exclusive) = verb.arguments();
    let mut args: BTreeMap<&str, &str> = BTreeMap::new();
    for (k, v) in pairs.iter().filter(|(k, _)| k != "verb") {
        let known = required.contains(&k.as_str())
            || optional.contains(&k.as_str())
            || exclusive == Some(k.as_str());
        if !known {
            return Err(OaiError::bad_argument(format!(
                "{} does not take the argument \"{}\"",
                verb.as_str(),
                shorten(k)
            )));
        }
        if args.insert(k.as_str(), v.as_str()).is_some() {
            return Err(OaiError::bad_argument(format!(
                "the argument {k} is repeated"
            )));
        }
    }
    if let Some(token_arg) = exclusive
        && let Some(token) = args.get(token_arg)
    {
        if args.len() > 1 {
            return Err(OaiError::bad_argument(format!(
                "{token_arg} is an exclusive argument: send it with the verb only"
            )));
        }
        return Ok(match verb {
            Verb::ListSets => Request::ListSets {
                resumption_token: Some(token.to_string()),
            },
            Verb::ListIdentifiers => Request::List {
                verb: ListVerb::Identifiers,
                start: ListStart::Resume(token.to_string()),
            },
            _ => Request::List {
                verb: ListVerb::Records,
                start: ListStart::Resume(token.to_string()),
            },
        });
    }
    if let Some(missing) = required.iter().find(|r| !args.contains_key(*r)) {
        return Err(OaiError::bad_argument(format!(
            "{} requires the argument {missing}",
            verb.as_str()
        )));
    }
    if let Some(prefix) = args.get("metadataPrefix")
        && !is_metadata_prefix(prefix)
    {
        return Err(OaiError::bad_argument(
            "metadataPrefix must be letters, digits and - _ . ! ~ * ' ( )",
        ));
    }
    if let Some(id) = args.get("identifier")
        && id.is_empty()
    {
        return Err(OaiError::bad_argument("the identifier argument is empty"));
    }

    Ok(match verb {
        Verb::Identify => Request::Identify,
        Verb::ListMetadataFormats => Request::ListMetadataFormats {
            identifier: args.get("identifier").map(|s| s.to_string()),
        },
        Verb::ListSets => Request::ListSets {
            resumption_token: None,
        },
        Verb::GetRecord => Request::GetRecord {
            identifier: args["identifier"].to_string(),
            prefix: args["metadataPrefix"].to_string(),
        },
        Verb::ListIdentifiers | Verb::ListRecords => {
            let from = args.get("from").map(|v| bound("from", v)).transpose()?;
            let until = args.get("until").map(|v| bound("until", v)).transpose()?;
            if let (Some((_, gf)), Some((_, gu))) = (&from, &until)
                && gf != gu
            {
                return Err(OaiError::bad_argument(
                    "from and until must have the same granularity",
                ));
            }
            let from = from.map(|(d, _)| start_of(&d));
            let until = until.map(|(d, g)| end_of(&d, g));
            if let (Some(f), Some(u)) = (&from, &until)
                && f > u
            {
                return Err(OaiError::bad_argument("from is later than until"));
            }
            let set = args.get("set").map(|s| s.to_string());
            if let Some(s) = &set
                && !is_set_spec(s)
            {
                return Err(OaiError::bad_argument(
                    "set must be a setSpec: parts of letters, digits and - _ . ! ~ * ' ( ), joined by ':'",
                ));
            }
            Request::List {
                verb: if verb == Verb::ListIdentifiers {
                    ListVerb::Identifiers
                } else {
                    ListVerb::Records
                },
                start: ListStart::New(ListArgs {
                    prefix: args["metadataPrefix"].to_string(),
                    from,
                    until,
                    set,
                }),
            }
        }
    })
}

/// The attributes the request element may echo after a non-argument error:
/// the verb and those arguments whose values the schema accepts there.
pub fn echo(pairs: &[(String, String)]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (k, v) in pairs {
        let ok = match k.as_str() {
            "verb" => Verb::parse(v).is_some(),
            "metadataPrefix" => is_metadata_prefix(v),
            "set" => is_set_spec(v),
            "from" | "until" => parse_datestamp(v).is_some(),
            "identifier" => is_uri_like(v),
            "resumptionToken" => v.chars().all(super::xml::is_xml_char),
            _ => false,
        };
        if ok && !out.iter().any(|(seen, _): &(String, String)| seen == k) {
            out.push((k.clone(), v.clone()));
        }
    }
    out
}

/// `[A-Za-z0-9\-_\.!~\*'\(\)]+`, the schema's metadataPrefix pattern.
pub fn is_metadata_prefix(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_mark_char)
}

/// The schema's setSpec pattern: marked parts joined by ':'.
pub fn is_set_spec(s: &str) -> bool {
    !s.is_empty() && s.split(':').all(is_metadata_prefix)
}

fn is_mark_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_.!~*'()".contains(c)
}

/// Characters of a URI reference (RFC 3986), so that an echoed identifier
/// is a valid xs:anyURI.
fn is_uri_like(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-._~:/?#[]@!$&'()*+,;=%".contains(c))
}

/// Parse `YYYY-MM-DD` or `YYYY-MM-DDThh:mm:ssZ` strictly: a real date, a
/// real time, UTC. Returns the canonical second-granularity form of its
/// start and the granularity given.
pub fn parse_datestamp(s: &str) -> Option<(String, Granularity)> {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let part = s.get(r)?;
        part.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    if b.len() != 10 && b.len() != 20 {
        return None;
    }
    if b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    let month = Month::try_from(u8::try_from(m).ok()?).ok()?;
    Date::from_calendar_date(i32::try_from(y).ok()?, month, u8::try_from(d).ok()?).ok()?;
    if b.len() == 10 {
        return Some((format!("{}T00:00:00Z", &s[..10]), Granularity::Day));
    }
    if b[10] != b'T' || b[13] != b':' || b[16] != b':' || b[19] != b'Z' {
        return None;
    }
    let (hh, mm, ss) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    (hh < 24 && mm < 60 && ss < 60).then(|| (s.to_string(), Granularity::Second))
}

fn bound(name: &str, value: &str) -> Result<(String, Granularity), OaiError> {
    let (canonical, g) = parse_datestamp(value).ok_or_else(|| {
        OaiError::bad_argument(format!(
            "{name} must be YYYY-MM-DD or YYYY-MM-DDThh:mm:ssZ (UTC), a real date and time"
        ))
    })?;
    Ok((canonical, g))
}

fn start_of(canonical: &str) -> String {
    canonical.to_string()
}

/// `until` is inclusive: a day means its last second.
fn end_of(canonical: &str, g: Granularity) -> String {
    match g {
        Granularity::Day => format!("{}T23:59:59Z", &canonical[..10]),
        Granularity::Second => canonical.to_string(),
    }
}

/// Format an instant as an OAI datestamp (seconds, UTC, `Z`).
pub fn datestamp(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// A stored `xsd:dateTime` (any offset, maybe fractional, maybe without a
/// zone, then taken as UTC) as an OAI datestamp, or `None` if it is none.
pub fn canonical_datestamp(value: &str) -> Option<String> {
    use time::format_description::well_known::Rfc3339;
    let t = OffsetDateTime::parse(value, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(&format!("{value}Z"), &Rfc3339))
        .ok()?;
    // Found by the fuzz checks (FUZZING.md): an offset can move a year-9999 or
    // year-0000 value out of 0000..=9999 in UTC. `datestamp`'s `to_offset`
    // panicked on year 10000, and year -1 gave "-001-12-31T23:00:00Z", which
    // is no datestamp: convert with a check, keep only valid datestamps.
    let utc = t.checked_to_offset(time::UtcOffset::UTC)?;
    Some(datestamp(utc)).filter(|d| parse_datestamp(d).is_some())
}

/// Echo at most 80 characters of a value in a message.
fn shorten(s: &str) -> String {
    let cut: String = s.chars().take(80).collect();
    if cut.len() < s.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn code(v: &[(&str, &str)]) -> ErrorCode {
        parse(&pairs(v)).unwrap_err().code
    }

    #[test]
    fn verbs_and_their_errors() {
        assert_eq!(code(&[]), ErrorCode::BadVerb);
        assert_eq!(code(&[("verb", "identify")]), ErrorCode::BadVerb);
        assert_eq!(
            code(&[("verb", "Identify"), ("verb", "Identify")]),
            ErrorCode::BadVerb
        );
        assert_eq!(
            parse(&pairs(&[("verb", "Identify")])),
            Ok(Request::Identify)
        );
        assert_eq!(
            code(&[("verb", "Identify"), ("set", "x")]),
            ErrorCode::BadArgument
        );
        assert_eq!(
            code(&[("verb", "GetRecord"), ("identifier", "x")]),
            ErrorCode::BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("metadataPrefix", "oai_dc"),
                ("metadataPrefix", "oai_dc")
            ]),
            ErrorCode::BadArgument
        );
        assert_eq!(
            code(&[
                ("verb", "ListRecords"),
                ("resumptionToken", "t"),
                ("metadataPrefix", "oai_dc")
            ]),
            ErrorCode::BadArgument
        );
        assert_eq!(
            parse(&pairs(&[
                ("verb", "ListIdentifiers"),
                ("resumptionToken", "t")
            ])),
            Ok(Request::List {
                verb: ListVerb::Identifiers,
                start: ListStart::Resume("t".into())
            })
        );
    }

    #[test]
    fn dates_are_strict_and_inclusive() {
        let list = |from: &str, until: &str| {
            parse(&pairs(&[
                ("verb", "ListIdentifiers"),
                ("metadataPrefix", "oai_dc"),
                ("from", from),
                ("until", until),
            ]))
        };
        let Ok(Request::List {
            start: ListStart::New(a),
            ..
        }) = list("2020-01-01", "2020-01-31")
        else {
            panic!("valid dates were refused");
        };
        assert_eq!(a.from.as_deref(), Some("2020-01-01T00:00:00Z"));
        assert_eq!(a.until.as_deref(), Some("2020-01-31T23:59:59Z"));
        for (f, u) in [
            ("2020-02-30", "2020-03-01"),
            ("2020-01-01", "2020-01-01T00:00:00Z"),
            ("2020-01-02", "2020-01-01"),
            ("2020-01-01T24:00:00Z", "2020-01-02T00:00:00Z"),
            ("2020-01-01T00:00:00+01:00", "2020-01-02T00:00:00Z"),
            ("20-01-01", "2020-01-02"),
            ("2020-01-01T00:00:00.5Z", "2020-01-02T00:00:00Z"),
        ] {
            assert_eq!(
                list(f, u).unwrap_err().code,
                ErrorCode::BadArgument,
                "{f} {u}"
            );
        }
    }

    #[test]
    fn stored_datestamps_become_utc_seconds() {
        assert_eq!(
            canonical_datestamp("2026-01-01T01:30:00.75+01:00").as_deref(),
            Some("2026-01-01T00:30:00Z")
        );
        assert_eq!(
            canonical_datestamp("2026-01-01T00:00:00").as_deref(),
            Some("2026-01-01T00:00:00Z")
        );
        assert_eq!(canonical_datestamp("yesterday"), None);
    }

    #[test]
    fn echo_keeps_only_schema_valid_values() {
        let e = echo(&pairs(&[
            ("verb", "GetRecord"),
            ("identifier", "not a uri"),
            ("metadataPrefix", "mods"),
        ]));
        assert_eq!(
            e,
            pairs(&[("verb", "GetRecord"), ("metadataPrefix", "mods")])
        );
    }
}
