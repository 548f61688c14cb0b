//! The OAI-PMH data provider over real HTTP on 127.0.0.1: every verb's
//! responses validated against the official schemas, every error code,
//! Sickle harvesting through resumption tokens, and tokens that stay correct
//! while records change between pages.

use crate::oai_support;

use oai_support::*;
use palermo::import::{Mode, RecordSource, import, import_records};
use palermo::rdf::Iris;
use palermo::record::{Agent, Provenance, Record, RecordKind};
use palermo::store::Store;
use std::collections::{BTreeMap, BTreeSet};
use time::OffsetDateTime;
use time::macros::datetime;

const T1: OffsetDateTime = datetime!(2026-01-01 00:00:00 UTC);
const T2: OffsetDateTime = datetime!(2026-02-01 00:00:00 UTC);
const REPO: &str = "palermo.localhost";

fn oai_id(id: &str) -> String {
    format!("oai:{REPO}:{id}")
}

/// The shipped catalogue imported at T1 under `iris`.
fn catalogue(iris: &Iris) -> Store {
    let store = Store::memory().unwrap();
    import(&store, iris, &palermo::catalogue::shipped(), T1).unwrap();
    store
}

/// The shipped files with one UNODC publication block removed, by index.
fn unodc_without(block: usize) -> Vec<palermo::import::SourceFile> {
    palermo::catalogue::shipped()
        .into_iter()
        .map(|mut f| {
            if f.path.ends_with("unodc.toml") {
                let parts: Vec<&str> = f.text.split("\n[[publication]]\n").collect();
                let kept: Vec<&str> = parts
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != block)
                    .map(|(_, p)| *p)
                    .collect();
                f.text = kept.join("\n[[publication]]\n");
            }
            f
        })
        .collect()
}

/// A record of the test's own source, with a pinned id.
fn synthetic(n: usize, variant: &str) -> Record {
    Record {
        id: format!("rec-{n:02}"),
        title: format!("Synthetic report number {n}{variant}"),
        alternative_titles: Vec::new(),
        abstract_text: Some(format!("About number {n}.")),
        description: None,
        kind: RecordKind::Report,
        year: Some(2000 + n as i32),
        authors: vec![Agent::Person {
            given: Some("Ada".into()),
            family: format!("Tester{n}"),
        }],
        publishers: Vec::new(),
        place: None,
        container: None,
        languages: vec!["en".into()],
        countries: Vec::new(),
        regions: Vec::new(),
        categories: vec!["trafficking".into()],
        citation: None,
        note: None,
        editorial_notes: Vec::new(),
        provenance: vec![Provenance {
            source: "partner".into(),
            file: "partner.json".into(),
            line: n,
        }],
        repairs: Vec::new(),
    }
}

fn partner(records: Vec<Record>) -> Vec<RecordSource> {
    vec![RecordSource {
        id: "partner".into(),
        title: "A test partner".into(),
        files: vec![("partner.json".into(), "Test records".into())],
        records,
        mode: Mode::Replace,
    }]
}

/// Every header of every page, in order.
fn headers_of(responses: &[Response]) -> Vec<Header> {
    responses.iter().flat_map(|r| r.headers()).collect()
}

fn ids_of(responses: &[Response]) -> Vec<String> {
    headers_of(responses)
        .into_iter()
        .map(|h| h.identifier)
        .collect()
}

/// The record `id` as the store holds it.
fn read_record(store: &Store, iris: &Iris, id: &str) -> Record {
    palermo::rdf::read::record(store, iris, id)
        .unwrap()
        .unwrap()
}

/// GetRecord of the OAI identifier `identifier` in `prefix`.
async fn get_record(oai: &str, prefix: &str, identifier: &str) -> Response {
    get(
        oai,
        &format!(
            "verb=GetRecord&metadataPrefix={prefix}&identifier={}",
            enc(identifier)
        ),
    )
    .await
}

/// The region keys of Europe's set: itself and every region below it.
const EUROPE: [&str; 6] = [
    "europe",
    "eastern-europe",
    "south-eastern-europe",
    "western-balkans",
    "western-europe",
    "central-europe",
];

/// The provider the verb tests harvest: the shipped catalogue imported at
/// T1, then one UNODC publication withdrawn at T2 (a re-import without it,
/// so a tombstone), served with pages of 10. Every response a test saves is
/// validated against the schemas at its end (`validate_all`).
struct Provider {
    server: Server,
    oai: String,
    iris: Iris,
    /// The live records.
    all_ids: Vec<String>,
    /// The OAI identifier of the withdrawn record.
    gone: String,
    /// A live record with persons, countries and regions.
    rich: Record,
    saved: Saved,
}

async fn provider() -> Provider {
    let (listener, iris) = bind().await;
    let store = catalogue(&iris);
    let before = palermo::rdf::read::record_ids(&store, &iris).unwrap();
    import(&store, &iris, &unodc_without(3), T2).unwrap();
    let all_ids = palermo::rdf::read::record_ids(&store, &iris).unwrap();
    assert_eq!(all_ids.len(), 102);
    let gone: Vec<&String> = before.iter().filter(|i| !all_ids.contains(i)).collect();
    assert_eq!(gone.len(), 1);
    let gone = oai_id(gone[0]);
    let rich = all_ids
        .iter()
        .map(|id| read_record(&store, &iris, id))
        .find(|r| {
            r.authors
                .iter()
                .any(|a| matches!(a, Agent::Person { given: Some(_), .. }))
                && !r.countries.is_empty()
                && !r.regions.is_empty()
        })
        .expect("the catalogue has a record with persons and places");
    let server = serve(listener, iris.clone(), store, 10, |r| r).await;
    Provider {
        oai: server.oai(),
        server,
        iris,
        all_ids,
        gone,
        rich,
        saved: Saved::new(),
    }
}

impl Provider {
    /// Every saved response is valid OAI-PMH (and oai_dc, MODS,
    /// oai-identifier).
    fn validate_all(&self) {
        let (ok, out) = validate(&self.saved.files);
        assert!(ok, "{out}");
        assert!(
            out.contains(&format!("{} passed, 0 failed", self.saved.files.len())),
            "{out}"
        );
    }
}

/// Identify, ListMetadataFormats and ListSets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identify_formats_and_sets_answer_and_validate() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    let all_ids = p.all_ids.clone();
    let saved = &mut p.saved;
    // Identify.
    let r = get(&oai, "verb=Identify").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.content_type, "text/xml; charset=utf-8");
    let id = r.verb("Identify");
    let field = |n: &str| id.child(OAI, n).unwrap().value();
    assert_eq!(field("baseURL"), oai);
    assert_eq!(field("protocolVersion"), "2.0");
    assert_eq!(field("deletedRecord"), "persistent");
    assert_eq!(field("granularity"), "YYYY-MM-DDThh:mm:ssZ");
    assert_eq!(field("earliestDatestamp"), "2026-01-01T00:00:00Z");
    assert_eq!(field("adminEmail"), "admin@palermo.localhost");
    assert!(
        r.body
            .contains("<repositoryIdentifier>palermo.localhost</repositoryIdentifier>")
    );
    saved.add("identify", &r);

    // ListMetadataFormats, for the repository and for one item.
    for q in [
        "verb=ListMetadataFormats".to_string(),
        format!(
            "verb=ListMetadataFormats&identifier={}",
            enc(&oai_id(&all_ids[0]))
        ),
    ] {
        let r = get(&oai, &q).await;
        let prefixes: Vec<String> = r
            .verb("ListMetadataFormats")
            .children(OAI, "metadataFormat")
            .map(|f| f.child(OAI, "metadataPrefix").unwrap().value())
            .collect();
        assert_eq!(prefixes, ["oai_dc", "mods"]);
        saved.add("formats", &r);
    }

    // ListSets: categories and regions, regions nested along skos:broader.
    let r = get(&oai, "verb=ListSets").await;
    let specs: BTreeSet<String> = r
        .verb("ListSets")
        .children(OAI, "set")
        .map(|s| s.child(OAI, "setSpec").unwrap().value())
        .collect();
    for s in [
        "category",
        "category:law-enforcement",
        "category:capacity-building",
        "region",
        "region:worldwide",
        "region:europe",
        "region:europe:south-eastern-europe",
        "region:europe:south-eastern-europe:western-balkans",
        "region:africa:east-africa:horn-of-africa",
    ] {
        assert!(specs.contains(s), "{s} missing from {specs:?}");
    }
    assert!(
        r.body.contains("<setName>Law Enforcement</setName>"),
        "{}",
        r.body
    );
    saved.add("sets", &r);

    p.validate_all();
}

/// ListIdentifiers and ListRecords through every page, the tombstone too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lists_page_through_every_item_and_validate() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    let gone = p.gone.clone();
    let saved = &mut p.saved;
    // ListIdentifiers through every page: each item once, the tombstone too.
    let list = pages(&oai, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    assert_eq!(list.len(), 11);
    let listed = ids_of(&list);
    assert_eq!(listed.len(), 103);
    assert_eq!(listed.iter().collect::<BTreeSet<_>>().len(), 103);
    let headers = headers_of(&list);
    let deleted: Vec<&Header> = headers.iter().filter(|h| h.deleted).collect();
    assert_eq!(deleted.len(), 1);
    assert_eq!(deleted[0].datestamp, "2026-02-01T00:00:00Z");
    assert!(deleted[0].sets.is_empty());
    assert_eq!(deleted[0].identifier, gone);
    // Ordered by (datestamp, id): the tombstone of T2 comes last.
    assert_eq!(headers.last().unwrap().identifier, gone);
    for (i, r) in list.iter().enumerate() {
        let (token, size, cursor) = r.token().unwrap();
        assert_eq!((size, cursor), (103, i * 10));
        assert_eq!(token.is_empty(), i == 10);
        saved.add("identifiers", r);
    }
    // Live headers carry their sets.
    assert!(
        headers
            .iter()
            .any(|h| h.sets.iter().any(|s| s.starts_with("category:")))
    );

    // ListRecords in both formats, every page validated.
    for prefix in ["oai_dc", "mods"] {
        let list = pages(&oai, &format!("verb=ListRecords&metadataPrefix={prefix}")).await;
        assert_eq!(ids_of(&list).len(), 103);
        for r in &list {
            saved.add(prefix, r);
        }
    }

    p.validate_all();
}

/// from, until, set, and the set hierarchy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selective_harvesting_by_date_and_set() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    let gone = p.gone.clone();
    let all_ids = p.all_ids.clone();
    let iris = p.iris.clone();
    let store = p.server.store.clone();
    let saved = &mut p.saved;
    // Selective harvesting: from, until, set, and set hierarchy.
    let only_t2 = pages(
        &oai,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&from=2026-01-15",
    )
    .await;
    assert_eq!(ids_of(&only_t2), std::slice::from_ref(&gone));
    assert!(only_t2[0].token().is_none(), "a complete list has no token");
    saved.add("from", &only_t2[0]);
    for (name, q) in [
        (
            "until",
            "verb=ListIdentifiers&metadataPrefix=oai_dc&until=2026-01-01T00:00:00Z",
        ),
        (
            "from-until",
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-01-01",
        ),
    ] {
        let list = pages(&oai, q).await;
        assert_eq!(ids_of(&list).len(), 102);
        saved.add(name, &list[0]);
    }

    let europe = pages(
        &oai,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=region:europe",
    )
    .await;
    let see = pages(
        &oai,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=region:europe:south-eastern-europe",
    )
    .await;
    let europe_h = headers_of(&europe);
    let see_h = headers_of(&see);
    let in_see = all_ids
        .iter()
        .filter(|id| {
            read_record(&store, &iris, id)
                .regions
                .iter()
                .any(|k| k == "south-eastern-europe" || k == "western-balkans")
        })
        .count();
    assert!(in_see >= 2);
    assert_eq!(
        see_h.iter().filter(|h| !h.deleted).count(),
        in_see,
        "{see_h:?}"
    );
    let in_europe = all_ids
        .iter()
        .filter(|id| {
            read_record(&store, &iris, id)
                .regions
                .iter()
                .any(|k| EUROPE.contains(&k.as_str()))
        })
        .count();
    assert_eq!(europe_h.iter().filter(|h| !h.deleted).count(), in_europe);
    for h in &see_h {
        assert!(
            europe_h.contains(h),
            "{h:?} is in a subset but not in the set"
        );
        assert!(
            h.deleted
                || h.sets
                    .iter()
                    .any(|s| s.starts_with("region:europe:south-eastern-europe"))
        );
    }
    // The tombstone is in every set's list: a harvester by set learns of it.
    assert!(see_h.iter().any(|h| h.deleted && h.identifier == gone));
    saved.add("set", &see[0]);
    let law = pages(
        &oai,
        "verb=ListRecords&metadataPrefix=mods&set=category:law-enforcement&from=2026-01-01",
    )
    .await;
    let law_live: Vec<Header> = headers_of(&law)
        .into_iter()
        .filter(|h| !h.deleted)
        .collect();
    let expected_law = all_ids
        .iter()
        .filter(|id| {
            read_record(&store, &iris, id)
                .categories
                .contains(&"law-enforcement".to_string())
        })
        .count();
    assert_eq!(law_live.len(), expected_law);
    for r in &law {
        saved.add("set-mods", r);
    }

    p.validate_all();
}

/// GetRecord (no curator remark, persons and places in both formats, the
/// tombstone), and POST with a form body.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn get_record_in_both_formats_and_of_a_tombstone() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    let gone = p.gone.clone();
    let iris = p.iris.clone();
    let rich = p.rich.clone();
    let saved = &mut p.saved;
    // A curator's remark about the source ("Line 90 calls it …") is
    // provenance: never in an OAI record, in either format.
    for prefix in ["oai_dc", "mods"] {
        let r = get_record(&oai, prefix, &oai_id("global-report-2012")).await;
        assert_eq!(r.status, 200);
        assert!(r.body.contains("Global Report 2012"), "{}", r.body);
        assert!(!r.body.contains("Line 90 calls it"), "{prefix}: {}", r.body);
    }

    // GetRecord: a record with persons, countries and regions, in both formats.
    let r = get_record(&oai, "oai_dc", &oai_id(&rich.id)).await;
    let dc = r
        .verb("GetRecord")
        .child(OAI, "record")
        .unwrap()
        .child(OAI, "metadata")
        .unwrap()
        .child(OAI_DC, "dc")
        .unwrap();
    let values = |n: &str| -> Vec<String> { dc.children(DC, n).map(|e| e.value()).collect() };
    assert_eq!(values("title")[0], rich.title);
    let Agent::Person {
        given: Some(given),
        family,
    } = rich
        .authors
        .iter()
        .find(|a| matches!(a, Agent::Person { given: Some(_), .. }))
        .unwrap()
    else {
        unreachable!()
    };
    assert!(values("creator").contains(&format!("{family}, {given}")));
    assert_eq!(values("date"), [rich.year.unwrap().to_string()]);
    assert!(values("identifier").contains(&format!("{}records/{}", iris.base(), rich.id)));
    assert!(values("coverage").len() >= rich.countries.len() + rich.regions.len());
    saved.add("getrecord-dc", &r);
    let r = get_record(&oai, "mods", &oai_id(&rich.id)).await;
    let mods = r
        .verb("GetRecord")
        .child(OAI, "record")
        .unwrap()
        .child(OAI, "metadata")
        .unwrap()
        .child(MODS, "mods")
        .unwrap();
    let person = mods
        .children(MODS, "name")
        .find(|n| n.attr("type") == Some("personal"))
        .unwrap();
    let parts: Vec<(Option<&str>, String)> = person
        .children(MODS, "namePart")
        .map(|p| (p.attr("type"), p.value()))
        .collect();
    assert!(
        parts.contains(&(Some("family"), family.clone())),
        "{parts:?}"
    );
    assert!(parts.contains(&(Some("given"), given.clone())), "{parts:?}");
    assert!(
        person
            .attr("valueURI")
            .unwrap()
            .starts_with(&format!("{}id/agent/", iris.base()))
    );
    assert!(r.body.contains(r#"<geographicCode authority="iso3166">"#));
    saved.add("getrecord-mods", &r);

    // GetRecord of the tombstone: a header with status="deleted", no metadata.
    let r = get_record(&oai, "mods", &gone).await;
    let rec = r.verb("GetRecord").child(OAI, "record").unwrap();
    assert!(rec.child(OAI, "metadata").is_none());
    assert!(r.headers()[0].deleted);
    saved.add("getrecord-deleted", &r);
    // Its formats are still listed: a deleted item still exists, and
    // noMetadataFormats never applies here (every item has both formats).
    let r = get(
        &oai,
        &format!("verb=ListMetadataFormats&identifier={}", enc(&gone)),
    )
    .await;
    assert!(r.errors().is_empty());

    // POST with a form body answers as GET does.
    let r = post(
        &oai,
        "verb=ListIdentifiers&metadataPrefix=oai_dc&set=category%3Alaw-enforcement",
        "application/x-www-form-urlencoded",
    )
    .await;
    assert!(r.errors().is_empty(), "{}", r.body);
    assert!(!r.headers().is_empty());
    saved.add("post", &r);

    p.validate_all();
}

/// Every error code, and a POST that is not a form.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_error_code_in_its_place() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    let saved = &mut p.saved;
    // Every error code, in its place.
    let rec_token = get(&oai, "verb=ListRecords&metadataPrefix=oai_dc")
        .await
        .token()
        .unwrap()
        .0;
    let cases: Vec<(String, &str)> = vec![
        (String::new(), "badVerb"),
        ("verb=Frobnicate".into(), "badVerb"),
        ("verb=identify".into(), "badVerb"),
        ("verb=Identify&verb=ListSets".into(), "badVerb"),
        ("verb=Identify&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListRecords".into(), "badArgument"),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=mods".into(),
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-13-01".into(),
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=yesterday".into(),
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-01-01&until=2026-02-01T00:00:00Z"
                .into(),
            "badArgument",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2026-02-01&until=2026-01-01".into(),
            "badArgument",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai_dc&set=not%20a%20set".into(),
            "badArgument",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai%20dc".into(),
            "badArgument",
        ),
        (
            format!(
                "verb=ListRecords&metadataPrefix=oai_dc&resumptionToken={}",
                enc(&rec_token)
            ),
            "badArgument",
        ),
        (
            format!("verb=GetRecord&identifier={}", enc(&oai_id(&p.rich.id))),
            "badArgument",
        ),
        ("verb=GetRecord&metadataPrefix=oai_dc".into(), "badArgument"),
        ("verb=ListSets&set=category".into(), "badArgument"),
        (
            "verb=ListRecords&resumptionToken=garbage".into(),
            "badResumptionToken",
        ),
        (
            format!("verb=ListRecords&resumptionToken={}", enc(&rec_token[1..])),
            "badResumptionToken",
        ),
        (
            format!("verb=ListIdentifiers&resumptionToken={}", enc(&rec_token)),
            "badResumptionToken",
        ),
        (
            "verb=ListSets&resumptionToken=anything".into(),
            "badResumptionToken",
        ),
        (
            "verb=ListRecords&metadataPrefix=marc21".into(),
            "cannotDisseminateFormat",
        ),
        (
            format!(
                "verb=GetRecord&metadataPrefix=marc21&identifier={}",
                enc(&oai_id(&p.rich.id))
            ),
            "cannotDisseminateFormat",
        ),
        (
            format!(
                "verb=GetRecord&metadataPrefix=oai_dc&identifier={}",
                enc(&oai_id("no-such-record"))
            ),
            "idDoesNotExist",
        ),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=oai%3Aother.org%3Ax".into(),
            "idDoesNotExist",
        ),
        (
            "verb=GetRecord&metadataPrefix=oai_dc&identifier=not%20a%20uri%20%3C%3E".into(),
            "idDoesNotExist",
        ),
        (
            format!(
                "verb=ListMetadataFormats&identifier={}",
                enc(&oai_id("no-such-record"))
            ),
            "idDoesNotExist",
        ),
        (
            "verb=ListRecords&metadataPrefix=oai_dc&from=2030-01-01".into(),
            "noRecordsMatch",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=mods&until=2025-01-01".into(),
            "noRecordsMatch",
        ),
        (
            "verb=ListIdentifiers&metadataPrefix=oai_dc&set=category:no-such".into(),
            "noRecordsMatch",
        ),
    ];
    for (q, code) in &cases {
        let r = get(&oai, q).await;
        assert_eq!(r.status, 200, "{q}");
        assert_eq!(r.content_type, "text/xml; charset=utf-8");
        assert_eq!(r.errors(), [code.to_string()], "{q}: {}", r.body);
        let attrs = r.request_attrs();
        if *code == "badVerb" || *code == "badArgument" {
            assert!(attrs.is_empty(), "{q}: {attrs:?}");
        } else {
            assert!(attrs.iter().any(|(k, _)| k == "verb"), "{q}: {attrs:?}");
        }
        saved.add(code, &r);
    }
    // A POST that is not a form is refused in the protocol's terms.
    let r = post(&oai, "verb=Identify", "text/plain").await;
    assert_eq!(r.errors(), ["badArgument"]);
    saved.add("post-text", &r);

    p.validate_all();
}

/// The validator is not vacuous: a response missing a required element,
/// and MODS with a misplaced element, both fail.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_validator_is_not_vacuous() {
    let mut p = provider().await;
    let oai = p.oai.clone();
    // The validator is not vacuous: a response missing a required element,
    // and MODS with a misplaced element, both fail.
    let identify = get(&oai, "verb=Identify").await.body;
    let broken = p.saved.add_text(
        "broken-identify",
        &identify.replace("<protocolVersion>2.0</protocolVersion>", ""),
    );
    let mods_page = get_record(&oai, "mods", &oai_id(&p.rich.id)).await.body;
    let broken_mods = p.saved.add_text(
        "broken-mods",
        &mods_page.replacen("<titleInfo>", "<titleInfo><frobnicate/>", 1),
    );
    for f in [broken, broken_mods] {
        let (ok, out) = validate(std::slice::from_ref(&f));
        assert!(!ok && out.contains("0 passed, 1 failed"), "{out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sickle_harvests_the_whole_catalogue_through_small_pages() {
    let (listener, iris) = bind().await;
    let store = catalogue(&iris);
    let server = serve(listener, iris.clone(), store.clone(), 7, |r| r).await;
    let oai = server.oai();
    let expected: BTreeMap<String, Record> = palermo::rdf::read::record_ids(&store, &iris)
        .unwrap()
        .into_iter()
        .map(|id| (oai_id(&id), read_record(&store, &iris, &id)))
        .collect();
    assert_eq!(expected.len(), 103);

    for prefix in ["oai_dc", "mods"] {
        let oai2 = oai.clone();
        let out = tokio::task::spawn_blocking(move || sickle(&oai2, prefix, None))
            .await
            .unwrap();
        // 103 records, 7 a page: 15 requests, one per token.
        assert_eq!(out["requests"], 15, "{prefix}");
        let records = out["records"].as_array().unwrap();
        assert_eq!(records.len(), 103, "{prefix}");
        let mut seen = BTreeSet::new();
        for rec in records {
            let id = rec["identifier"].as_str().unwrap();
            assert!(seen.insert(id.to_string()), "{id} twice");
            let want = &expected[id];
            assert_eq!(rec["titles"][0], want.title.as_str(), "{id}");
            assert_eq!(rec["deleted"], false);
            if prefix == "oai_dc" {
                let creators: Vec<String> = rec["creators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap().to_string())
                    .collect();
                let want_creators: Vec<String> = want
                    .authors
                    .iter()
                    .map(palermo::oai::formats::dc_name)
                    .collect();
                assert_eq!(creators, want_creators, "{id}");
                let dates: Vec<String> = want.year.iter().map(|y| y.to_string()).collect();
                assert_eq!(rec["dates"], serde_json::json!(dates), "{id}");
            } else {
                assert_eq!(
                    rec["names"].as_array().unwrap().len(),
                    want.authors.len(),
                    "{id}"
                );
            }
        }
    }

    // A set, harvested by Sickle: exactly the records in its subtree.
    let oai2 = oai.clone();
    let out = tokio::task::spawn_blocking(move || sickle(&oai2, "oai_dc", Some("region:europe")))
        .await
        .unwrap();
    let in_europe = expected
        .values()
        .filter(|r| r.regions.iter().any(|k| EUROPE.contains(&k.as_str())))
        .count();
    assert!(in_europe > 0);
    assert_eq!(out["records"].as_array().unwrap().len(), in_europe);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokens_stay_correct_when_records_change_between_pages() {
    let (listener, iris) = bind().await;
    let store = Store::memory().unwrap();
    import_records(
        &store,
        &iris,
        partner((1..=25).map(|n| synthetic(n, "")).collect()),
        T1,
    )
    .unwrap();
    let server = serve(listener, iris.clone(), store.clone(), 10, |r| r).await;
    let oai = server.oai();

    let first = get(&oai, "verb=ListIdentifiers&metadataPrefix=oai_dc").await;
    let page1: Vec<String> = first.headers().into_iter().map(|h| h.identifier).collect();
    let want: Vec<String> = (1..=10).map(|n| oai_id(&format!("rec-{n:02}"))).collect();
    assert_eq!(page1, want);
    let (token, size, cursor) = first.token().unwrap();
    assert_eq!((size, cursor), (25, 0));
    let response_date = first.doc.child(OAI, "responseDate").unwrap().value();

    // While the harvester pages: rec-05 (delivered) and rec-15 (not yet)
    // change, rec-20 (not yet) is deleted, rec-26 is new. A second later, so
    // the changes are stamped after the list's frozen until.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let mut changed: Vec<Record> = (1..=26)
        .filter(|n| *n != 20)
        .map(|n| synthetic(n, if n == 5 || n == 15 { " (revised)" } else { "" }))
        .collect();
    changed.sort_by(|a, b| a.id.cmp(&b.id));
    let report =
        import_records(&store, &iris, partner(changed), OffsetDateTime::now_utc()).unwrap();
    assert_eq!(
        (
            report.sources[0].added,
            report.sources[0].changed,
            report.sources[0].removed
        ),
        (1, 2, 1)
    );

    // The rest of the list: every unchanged record exactly once, nothing
    // skipped, and the records that changed moved out of this list.
    let mut rest = Vec::new();
    let mut t = token;
    let mut cursors = Vec::new();
    loop {
        let r = get(
            &oai,
            &format!("verb=ListIdentifiers&resumptionToken={}", enc(&t)),
        )
        .await;
        assert!(r.errors().is_empty(), "{}", r.body);
        rest.extend(r.headers().into_iter().map(|h| h.identifier));
        let (next, size, cursor) = r.token().unwrap();
        assert_eq!(size, 22, "completeListSize follows what the list now holds");
        cursors.push(cursor);
        if next.is_empty() {
            break;
        }
        t = next;
    }
    assert_eq!(cursors, [10, 20]);
    let want_rest: Vec<String> = (11..=25)
        .filter(|n| *n != 15 && *n != 20)
        .map(|n| oai_id(&format!("rec-{n:02}")))
        .collect();
    assert_eq!(rest, want_rest);

    // The next incremental harvest, from this list's responseDate, gets
    // exactly what changed: the two revisions, the deletion, the new one.
    let next = pages(
        &oai,
        &format!("verb=ListIdentifiers&metadataPrefix=oai_dc&from={response_date}"),
    )
    .await;
    let got: BTreeMap<String, bool> = headers_of(&next)
        .into_iter()
        .map(|h| (h.identifier, h.deleted))
        .collect();
    let want: BTreeMap<String, bool> = [(5, false), (15, false), (20, true), (26, false)]
        .into_iter()
        .map(|(n, d)| (oai_id(&format!("rec-{n:02}")), d))
        .collect();
    assert_eq!(got, want);

    // An offset would have got this wrong: in the list as it now stands,
    // the 11th item is rec-12 (rec-05 moved to the end), so "skip 10" would
    // have lost rec-11, which the token delivered.
    let fresh = ids_of(&pages(&oai, "verb=ListIdentifiers&metadataPrefix=oai_dc").await);
    assert_eq!(fresh.len(), 26, "live and deleted records are all listed");
    assert_eq!(fresh[10], oai_id("rec-12"));
    assert!(rest.contains(&oai_id("rec-11")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_repository_answers_in_protocol_terms() {
    let (listener, iris) = bind().await;
    let server = serve(listener, iris, Store::memory().unwrap(), 10, |r| r).await;
    let oai = server.oai();
    let mut saved = Saved::new();
    let r = get(&oai, "verb=Identify").await;
    assert!(r.errors().is_empty());
    saved.add("identify", &r);
    // No vocabulary, so no sets: the one place noSetHierarchy applies.
    let r = get(&oai, "verb=ListSets").await;
    assert_eq!(r.errors(), ["noSetHierarchy"]);
    saved.add("sets", &r);
    let r = get(&oai, "verb=ListRecords&metadataPrefix=oai_dc").await;
    assert_eq!(r.errors(), ["noRecordsMatch"]);
    saved.add("records", &r);
    let (ok, out) = validate(&saved.files);
    assert!(ok, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_deleted_behind_the_importers_back_is_still_listed_as_deleted() {
    let (listener, iris) = bind().await;
    let store = Store::memory().unwrap();
    import_records(
        &store,
        &iris,
        partner((1..=3).map(|n| synthetic(n, "")).collect()),
        T1,
    )
    .unwrap();
    // A writer that removes a record's triples and nothing else (no
    // pal:deleted, no new dcterms:modified), as a bare SPARQL DELETE would.
    let subject = iris.record("rec-02");
    store
        .transaction(|tx| {
            let quads: Vec<oxigraph::model::Quad> = tx
                .quads_for_pattern(Some(subject.as_ref().into()), None, None, None)
                .collect::<Result<_, _>>()?;
            for q in quads.iter().filter(|q| q.graph_name != iris.meta_graph()) {
                tx.remove(q);
            }
            Ok(())
        })
        .unwrap();
    let server = serve(listener, iris.clone(), store.clone(), 10, |r| r).await;
    let r = get(&server.oai(), "verb=ListRecords&metadataPrefix=oai_dc").await;
    let status: Vec<(String, bool)> = r
        .headers()
        .into_iter()
        .map(|h| (h.identifier, h.deleted))
        .collect();
    assert_eq!(
        status,
        [
            (oai_id("rec-01"), false),
            (oai_id("rec-02"), true),
            (oai_id("rec-03"), false)
        ]
    );
    let mut saved = Saved::new();
    saved.add("records", &r);
    let (ok, out) = validate(&saved.files);
    assert!(ok, "{out}");
}
