//! The shipped catalogue, record by record, as the store holds it.

use crate::common;

use common::*;
use palermo::rdf::read;
use palermo::record::{Agent, Record};

fn records(store: &palermo::store::Store) -> Vec<Record> {
    let iris = iris();
    read::record_ids(store, &iris)
        .unwrap()
        .iter()
        .map(|id| read::record(store, &iris, id).unwrap().unwrap())
        .collect()
}

fn by_id<'a>(records: &'a [Record], id: &str) -> &'a Record {
    records
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("no record {id}"))
}

fn org(name: &str, acronym: Option<&str>) -> Agent {
    Agent::Organization {
        name: name.into(),
        acronym: acronym.map(Into::into),
    }
}

fn person(given: &str, family: &str) -> Agent {
    Agent::Person {
        given: Some(given.into()),
        family: family.into(),
    }
}

/// Every field of every record, as a reviewable golden file.
#[test]
fn golden_records() {
    let (store, _) = catalogue();
    let records = records(&store);
    insta::assert_json_snapshot!("records", records);
}

#[test]
fn counts_follow_from_the_sources() {
    let (store, report) = catalogue();
    // 39 portal entries, 5 of them repeats of another page's entry: 34.
    // 71 curated UNODC entries, 2 of them the same works as portal records: 69.
    assert_eq!(report.entries_read, 39 + 71);
    assert_eq!(report.merged.len(), 5);
    assert_eq!(report.contributions.len(), 2);
    assert_eq!(report.records, 34 + 69);
    assert_eq!(records(&store).len(), 103);
    let n = store
        .query(
            "SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }",
            std::time::Duration::from_secs(10),
            |r| match r {
                palermo::store::Answer::Solutions(mut s) => {
                    Ok(s.next().unwrap()?.get("n").unwrap().to_string())
                }
                _ => unreachable!(),
            },
        )
        .unwrap();
    assert_eq!(n, "\"103\"^^<http://www.w3.org/2001/XMLSchema#integer>");
}

#[test]
fn pages_merge_and_categories_unite() {
    let (store, _) = catalogue();
    let records = records(&store);
    let r = by_id(
        &records,
        "human-trafficking-how-to-investigate-it-training-manual",
    );
    assert_eq!(r.categories, vec!["law-enforcement", "trafficking"]);
    assert_eq!(r.provenance.len(), 2);
    let r = by_id(
        &records,
        "capacity-building-for-combating-trafficking-for-labour",
    );
    assert_eq!(r.categories, vec!["law-enforcement", "trafficking"]);
}

#[test]
fn the_same_work_in_both_sources_is_one_record() {
    let (store, _) = catalogue();
    let records = records(&store);
    let r = by_id(&records, "first-aid-kit-for-use-by-law-enforcement");
    assert_eq!(
        r.title,
        "First Aid Kit for Use by Law Enforcement First Responders in Addressing Human Trafficking"
    );
    assert_eq!(
        r.alternative_titles,
        vec!["UNODC Human Trafficking First Aid Kit for Law Enforcement First Responders"]
    );
    let sources: Vec<&str> = r.provenance.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(sources, vec!["portal", "unodc"]);
    assert!(
        r.publishers
            .iter()
            .any(|p| matches!(p, Agent::Organization { acronym: Some(a), .. } if a == "UNODC"))
    );
    assert!(
        !records
            .iter()
            .any(|r| r.title.starts_with("UNODC Human Trafficking First Aid Kit"))
    );
}

#[test]
fn countries_are_codes_and_no_split_name_is_left() {
    let (store, _) = catalogue();
    let records = records(&store);
    for r in &records {
        for c in &r.countries {
            assert!(
                c.len() == 2 && c.chars().all(|c| c.is_ascii_uppercase()),
                "{}: {c}",
                r.id
            );
        }
        for repair in &r.repairs {
            assert!(
                !repair.repaired.is_empty(),
                "{}: unmapped {:?}",
                r.id,
                repair
            );
        }
    }
    let balkans = by_id(
        &records,
        "needs-assessment-human-trafficking-in-the-western-balkans",
    );
    assert_eq!(balkans.countries, vec!["AL", "BA", "ME", "MK", "RS", "XK"]);
    let caribbean = by_id(&records, "legal-review-on-trafficking-in-persons-in-the");
    assert_eq!(
        caribbean.countries,
        vec!["AN", "BB", "BS", "GY", "JM", "LC", "SR", "TT"]
    );
    assert_eq!(
        caribbean.regions,
        vec!["caribbean", "central-and-north-america"]
    );
    let lebanon = by_id(
        &records,
        "training-of-trainers-curriculum-on-standard-operating",
    );
    assert_eq!(lebanon.regions, vec!["middle-east-and-north-africa"]);
    // Worldwide is coverage, not a country.
    let worldwide = by_id(&records, "understanding-human-trafficking-in-conflict");
    assert!(worldwide.countries.is_empty());
    assert_eq!(worldwide.regions, vec!["worldwide"]);
}

#[test]
fn authors_keep_order_and_kind() {
    let (store, _) = catalogue();
    let records = records(&store);
    let names = |id: &str| -> Vec<String> {
        by_id(&records, id)
            .authors
            .iter()
            .map(Agent::display_name)
            .collect()
    };
    assert_eq!(
        names("needs-assessment-human-trafficking-in-the-western-balkans"),
        vec!["Jacqueline Berman", "Donatella Bradic", "Phil Marshal"]
    );
    assert_eq!(
        names("sexual-violence-in-armed-conflict-global-overview-and"),
        vec!["Megan Bastick", "Karim Grimm", "Rahel Kunz"]
    );
    let eu = by_id(
        &records,
        "towards-global-eu-action-against-trafficking-in-human",
    );
    assert_eq!(
        eu.authors,
        vec![
            org("Sweden's Ministry of Justice", None),
            org("International Organization for Migration", Some("IOM")),
        ]
    );
    // A citation pasted into the author field gives its one real author, not seven fake people.
    let liu = by_id(
        &records,
        "national-referral-mechanisms-for-victims-of-human",
    );
    assert_eq!(liu.authors, vec![person("G.", "Liu")]);
    assert!(liu.citation.as_deref().unwrap().contains("Klein Solomon"));
    assert!(
        liu.repairs
            .iter()
            .any(|r| r.guess && r.original.contains("Regular Migration"))
    );
    let vh = by_id(
        &records,
        "training-of-trainers-curriculum-on-standard-operating",
    );
    assert_eq!(vh.authors, vec![person("Markéta", "von Hagen")]);
}

#[test]
fn languages_are_iso_639_1() {
    let (store, _) = catalogue();
    let records = records(&store);
    let with_languages: Vec<&Record> = records.iter().filter(|r| !r.languages.is_empty()).collect();
    assert!(
        with_languages.len() >= 10,
        "only {} records have languages",
        with_languages.len()
    );
    for r in with_languages {
        for l in &r.languages {
            assert!(
                l.len() == 2 && l.chars().all(|c| c.is_ascii_lowercase()),
                "{}: {l}",
                r.id
            );
        }
    }
    // "French (coming soon)" is not a language of the work.
    let som = by_id(&records, "toolkit-to-combat-smuggling-of-migrants");
    assert_eq!(som.languages, vec!["ar", "en", "es", "ru"]);
}
