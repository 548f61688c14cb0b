//! The checks behind each fuzz target (`fuzz_targets/*.rs` call one
//! function each). `tests/fuzz_regressions.rs` includes this same file, so
//! a saved crashing input goes through exactly the code that found it.
//!
//! Every check goes further than "no panic": it asserts what the parser
//! promises (errors name the file and a line inside it, parsed values obey
//! the documented rules, what we export re-imports, negotiation picks an
//! offer the request allows). A failed assertion is a finding like a crash.

use palermo::Error;
use palermo::export::types::CitationType;
use palermo::export::{self, ExportOptions, Format};
use palermo::ingest::{ParseError, SourceLayout, bibtex, csljson, curated, listing, ris};
use palermo::rdf::Iris;
use palermo::record::Record;

/// What a check made of an input, for the regression test's expectations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Not UTF-8: the importers read files as strings and stop earlier.
    Skipped,
    /// Accepted, with the number of entries (or requests) read.
    Ok(usize),
    /// Refused with this message (`file:line: problem` for sources).
    Err(String),
}

/// The file name every source target passes: errors must name it.
pub const LISTING_FILE: &str = "fuzz-listing.txt";
pub const CURATED_FILE: &str = "fuzz-curated.toml";
pub const BIBTEX_FILE: &str = "fuzz.bib";
pub const RIS_FILE: &str = "fuzz.ris";
pub const CSLJSON_FILE: &str = "fuzz.json";

/// The base the importers compare landing-page URLs with (the seeds'
/// exports use it).
pub fn iris() -> Iris {
    Iris::new("http://localhost:8080/")
}

/// An error names the file and a line of it (`min_line` 0 for readers
/// that may not know the line).
fn check_error(e: &ParseError, file: &str, text: &str, min_line: usize) -> Outcome {
    let lines = text.lines().count();
    assert_eq!(e.file, file, "error names another file: {e}");
    assert!(
        (min_line..=lines + 1).contains(&e.line),
        "error line {} outside 1..={}: {e}",
        e.line,
        lines + 1
    );
    assert!(!e.message.trim().is_empty(), "empty error message");
    let shown = e.to_string();
    assert!(shown.starts_with(&format!("{file}:")), "{shown}");
    Outcome::Err(shown)
}

/// `fuzz_targets/listing.rs`: the knowledge-portal listing reader and the
/// layout detection that picks it.
pub fn listing(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    let looks = listing::looks_like_listing(text);
    match SourceLayout::detect(LISTING_FILE, text) {
        Ok(layout) => assert_eq!(layout, SourceLayout::Listing),
        Err(e) => {
            assert!(!looks, "a listing-looking page was not detected");
            check_error(&e, LISTING_FILE, text, 1);
        }
    }
    // A `.toml` name always means the curated reader.
    assert_eq!(
        SourceLayout::detect("X.TOML", text).ok(),
        Some(SourceLayout::Curated)
    );
    match listing::parse(LISTING_FILE, text) {
        Ok(page) => {
            assert!(looks, "a page that parses must be detected as a listing");
            assert!(!page.entries.is_empty());
            assert!(!page.heading.is_empty());
            let lines = text.lines().count();
            for e in &page.entries {
                assert!(!e.title.is_empty());
                assert!(!e.countries.is_empty() && !e.regions.is_empty());
                assert!((1800..=2100).contains(&e.year), "year {}", e.year);
                assert!((1..=lines).contains(&e.line), "line {}", e.line);
                assert_eq!(e.category, page.heading);
            }
            Outcome::Ok(page.entries.len())
        }
        Err(e) => check_error(&e, LISTING_FILE, text, 1),
    }
}

/// `fuzz_targets/curated.rs`: the curated TOML reader and its checks.
pub fn curated(data: &[u8]) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    match curated::parse(CURATED_FILE, text) {
        Ok(file) => {
            let id = &file.source.id;
            assert!(!id.is_empty() && palermo::normalize::slug(id) == *id);
            for p in &file.publications {
                assert!(!p.title.trim().is_empty());
                assert!(p.year.is_none_or(|y| (1800..=2100).contains(&y)));
                assert!(p.title_basis.as_deref().is_none_or(|b| {
                    ["title-line", "named-in-text", "from-description"].contains(&b)
                }));
            }
            Outcome::Ok(file.publications.len())
        }
        // The TOML parser may report an error without a position: line 0.
        Err(e) => check_error(&e, CURATED_FILE, text, 0),
    }
}

type Reader = fn(&str, &str, &Iris) -> Result<Vec<Record>, ParseError>;

/// A citation reader: what it accepts has titles and provenance inside
/// the file, and every record it reads exports to the same format and
/// reads back as one record with the same title and kind of item.
fn citations(data: &[u8], file: &str, read: Reader, format: Format) -> Outcome {
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    let iris = iris();
    let records = match read(file, text, &iris) {
        Ok(records) => records,
        Err(e) => return check_error(&e, file, text, 1),
    };
    let lines = text.lines().count();
    for r in &records {
        assert!(!r.title.trim().is_empty(), "empty title");
        let p = r.provenance.last().expect("a record without provenance");
        assert_eq!(p.file, file);
        assert!((1..=lines.max(1)).contains(&p.line), "line {}", p.line);
        let exported = export::render(format, r, &iris, &ExportOptions::default())
            .unwrap_or_else(|e| panic!("{format} export of {:?} failed: {e}", r.title));
        let back = read("again", &exported, &iris)
            .unwrap_or_else(|e| panic!("our own {format} does not re-import: {e}\n{exported}"));
        assert_eq!(back.len(), 1, "{exported}");
        assert_eq!(back[0].title, r.title, "title changed:\n{exported}");
        // The kind it is cited as survives; a format without a genre for
        // it may read a finer kind back as its type's plain one (a RIS
        // manual as a book, a generic document as a report).
        assert_eq!(
            CitationType::from(back[0].kind),
            CitationType::from(r.kind),
            "kind changed:\n{exported}"
        );
    }
    Outcome::Ok(records.len())
}

/// `fuzz_targets/bibtex.rs`
pub fn bibtex(data: &[u8]) -> Outcome {
    citations(data, BIBTEX_FILE, bibtex::parse, Format::BibTeX)
}

/// `fuzz_targets/ris.rs`
pub fn ris(data: &[u8]) -> Outcome {
    citations(data, RIS_FILE, ris::parse, Format::Ris)
}

/// `fuzz_targets/csljson.rs`
pub fn csljson(data: &[u8]) -> Outcome {
    citations(data, CSLJSON_FILE, csljson::parse, Format::CslJson)
}

/// The media types of one `Accept` header, lowercased, without parameters.
fn ranges(accept: &str) -> Vec<String> {
    accept
        .split(',')
        .filter_map(|r| r.split(';').next())
        .map(|m| m.trim().to_ascii_lowercase())
        .collect()
}

/// `choose` against one list of offers, with what it must guarantee.
fn negotiate_with<T: palermo::http::negotiate::Offer + PartialEq + std::fmt::Debug>(
    accept: Option<&str>,
    format: Option<&str>,
    offers: &[T],
) {
    use palermo::http::negotiate::choose;
    let chosen = choose(accept, format, offers);
    let types = |o: &T| {
        std::iter::once(o.media_type())
            .chain(o.aliases().iter().copied())
            .collect::<Vec<_>>()
    };
    if let Some(name) = format.filter(|f| !f.is_empty()) {
        let lower = name.to_ascii_lowercase();
        let known =
            |o: &T| o.names().contains(&lower.as_str()) || types(o).contains(&lower.as_str());
        match chosen {
            Ok(c) => assert!(known(&c.offer), "format={name} chose {:?}", c.offer),
            Err(Error::BadRequest(m)) => {
                assert!(!offers.iter().any(known), "known format={name} refused");
                assert!(m.contains("unknown format="), "{m}");
            }
            Err(e) => panic!("format={name}: unexpected error {e:?}"),
        }
        return;
    }
    let Some(accept) = accept.map(str::trim).filter(|a| !a.is_empty()) else {
        let c = chosen.expect("no Accept must give the default");
        assert_eq!(c.offer, offers[0]);
        assert!(c.params.is_empty());
        return;
    };
    match chosen {
        Ok(c) => {
            // Some range of the header allows the chosen offer.
            let media = c.offer.media_type();
            let kind = media.split('/').next().unwrap_or_default();
            let allowed = ranges(accept).iter().any(|r| {
                r == "*/*" || *r == format!("{kind}/*") || types(&c.offer).contains(&r.as_str())
            });
            assert!(allowed, "Accept {accept:?} chose {media}");
            assert!(c.params.iter().all(|(k, _)| k != "q"), "{:?}", c.params);
            // Asking for exactly that type gets it.
            let again = choose(Some(media), None, offers).map(|c| c.offer).ok();
            assert_eq!(again, Some(c.offer));
        }
        Err(Error::NotAcceptable(offered)) => {
            assert_eq!(offered.len(), offers.len());
            // A header without parameters (so every q is 1) that names a
            // media type of ours is never refused.
            let plain = !accept.contains(';')
                && accept.split(',').any(|r| {
                    offers
                        .iter()
                        .any(|o| r.trim().eq_ignore_ascii_case(o.media_type()))
                });
            assert!(!plain, "Accept {accept:?} names an offer but got 406");
        }
        Err(e) => panic!("Accept {accept:?}: unexpected error {e:?}"),
    }
}

/// `fuzz_targets/negotiate.rs`: content negotiation and the query-string
/// helpers. The input is up to four lines: an `Accept` header, a
/// `format=` value, a raw query string, a path segment (`{id}.{ext}`).
pub fn negotiate(data: &[u8]) -> Outcome {
    use palermo::http::pages::Doc;
    use palermo::http::plumbing::{
        http_date, parse_modified, query_param, split_extension, valid_key,
    };
    use palermo::http::records::RecordDoc;
    use palermo::http::search::{Params, ResultsDoc};
    use palermo::http::sparql::{GraphFormat, ResultsFormat};
    let Ok(text) = std::str::from_utf8(data) else {
        return Outcome::Skipped;
    };
    let mut parts = text.splitn(4, '\n');
    let accept = parts.next();
    let format = parts.next();
    let query = parts.next().unwrap_or_default();
    let segment = parts.next().unwrap_or_default();

    for format in [None, format] {
        for accept in [None, accept] {
            negotiate_with(accept, format, &RecordDoc::ALL);
            negotiate_with(accept, format, &Doc::ALL);
            negotiate_with(accept, format, &ResultsDoc::ALL);
            negotiate_with(accept, format, &ResultsFormat::ALL);
            negotiate_with(accept, format, &GraphFormat::ALL);
        }
    }
    if let Some(a) = accept {
        if palermo::http::negotiate::wants_html(Some(a)) {
            assert!(a.to_ascii_lowercase().contains("text/html"), "{a:?}");
        }
        // Parameters of a formatted reference's range: those already set
        // win; what is taken is non-empty and was in the header.
        let opts = ExportOptions::default().with_media_type_params(a);
        for v in [&opts.style, &opts.locale].into_iter().flatten() {
            assert!(!v.is_empty() && a.contains(v.as_str()), "{v:?} from {a:?}");
        }
        let preset = ExportOptions {
            style: Some("apa".into()),
            locale: Some("en-US".into()),
            ..ExportOptions::default()
        };
        let kept = preset.clone().with_media_type_params(a);
        assert_eq!(kept, preset);
    }

    for name in ["format", "style", "locale", "ascii", "id", "page", "q"] {
        if let Some(v) = query_param(Some(query), name) {
            assert!(!v.trim().is_empty(), "{name}={v:?}");
        }
    }
    let params = Params::parse(query);
    if let Ok(p) = &params {
        assert!(p.page >= 1 && p.per_page >= 1);
        let _ = p.request(false);
        // The links a results page makes ask for the same search.
        let href = p.href();
        // (`ascii` only matters to exports, which links do not carry.)
        let again =
            Params::parse(href.strip_prefix("/records?").unwrap_or_default()).map(|again| Params {
                ascii: p.ascii,
                ..again
            });
        assert_eq!(again.ok().as_ref(), Some(p), "{href}");
    }

    let (id, ext) = split_extension(segment);
    assert!(!id.contains('.'));
    match ext {
        Some(ext) => assert_eq!(format!("{id}.{ext}"), segment),
        None => assert_eq!(id, segment),
    }
    if let Some(ext) = ext
        && let Some(doc) = RecordDoc::from_extension(ext)
    {
        // Citation suffixes are read in any case and after extra dots
        // (`.BIB`, `..bib`: `Format::from_extension`), RDF ones exactly.
        let lenient = ext.trim_start_matches('.');
        assert!(doc.extension().eq_ignore_ascii_case(lenient), "{ext}");
    }
    if valid_key(id) {
        assert!(id.len() <= 200);
        assert!(id.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
    // A stored `dcterms:modified` becomes a Last-Modified header.
    if let Some(t) = parse_modified(segment.trim()) {
        let date = http_date(t);
        assert!(date.len() == 29 && date.ends_with(" GMT"), "{date:?}");
    }
    // The query string decides the outcome: refused ones are 400s.
    match params {
        Ok(_) => Outcome::Ok(1),
        Err(e) => Outcome::Err(e.to_string()),
    }
}

/// `fuzz_targets/oai.rs`: the OAI-PMH argument parser on pairs decoded as
/// the HTTP handler decodes them, the datestamp parsers, and resumption
/// tokens (the raw input as a token, and as the body of a token with a
/// valid checksum, which random bytes would never reach).
pub fn oai(data: &[u8]) -> Outcome {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use palermo::oai::args::{
        ErrorCode, Granularity, ListStart, Request, canonical_datestamp, echo, parse,
        parse_datestamp,
    };
    use palermo::oai::token::Token;
    use sha2::Digest;

    let pairs: Vec<(String, String)> = form_urlencoded::parse(data)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();

    let token = |t: &str| {
        if let Some(decoded) = Token::decode(t) {
            let encoded = decoded.encode();
            assert!(
                encoded
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)),
                "{encoded}"
            );
            assert_eq!(Token::decode(&encoded).as_ref(), Some(&decoded));
        }
    };
    let datestamp = |v: &str| {
        if let Some((canonical, g)) = parse_datestamp(v) {
            assert_eq!(canonical.len(), 20, "{canonical}");
            assert_eq!(
                parse_datestamp(&canonical),
                Some((canonical.clone(), Granularity::Second))
            );
            if g == Granularity::Second {
                assert_eq!(canonical, v);
            }
        }
        if let Some(d) = canonical_datestamp(v) {
            assert_eq!(parse_datestamp(&d), Some((d.clone(), Granularity::Second)));
        }
    };
    for (k, v) in &pairs {
        datestamp(k);
        datestamp(v);
        token(v);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        datestamp(text);
        token(text);
    }
    let body = URL_SAFE_NO_PAD.encode(data);
    let digest = sha2::Sha256::digest(body.as_bytes());
    let check: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    token(&format!("{body}.{check}"));

    for (k, v) in echo(&pairs) {
        assert!(pairs.iter().any(|(pk, pv)| *pk == k && *pv == v));
    }
    match parse(&pairs) {
        Ok(request) => {
            if let Request::List {
                start: ListStart::New(a),
                ..
            } = &request
            {
                let second =
                    |d: &String| parse_datestamp(d) == Some((d.clone(), Granularity::Second));
                assert!(a.from.as_ref().is_none_or(second), "{a:?}");
                assert!(a.until.as_ref().is_none_or(second), "{a:?}");
                if let (Some(f), Some(u)) = (&a.from, &a.until) {
                    assert!(f <= u, "{a:?}");
                }
                assert!(palermo::oai::args::is_metadata_prefix(&a.prefix));
                assert!(a.set.as_deref().is_none_or(palermo::oai::args::is_set_spec));
            }
            Outcome::Ok(1)
        }
        Err(e) => {
            assert!(
                matches!(e.code, ErrorCode::BadVerb | ErrorCode::BadArgument),
                "{e:?}"
            );
            assert!(!e.message.is_empty());
            Outcome::Err(format!("{}: {}", e.code.as_str(), e.message))
        }
    }
}
