//! oai_dc, element by element, and its mapping to a record
//! (`TryFrom<Received>` for `Normalised`), and the ids harvested records get.

use crate::ingest::Normalised;
use crate::normalize::agents::{organization, parse_name};
use crate::normalize::languages::{LanguageValue, parse_language};
use crate::normalize::{clean_space, kind, short_hash, slug};
use crate::oai::formats::{DC_NS, OAI_DC_NS, kind_label};
use crate::oai::provider::OAI_NS;
use crate::oai::xml::Element;
use crate::rdf::schemes::{CATEGORIES, COUNTRIES, REGIONS};
use crate::record::{Container, Provenance, Record, RecordKind};

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
pub(super) struct Dc {
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

    /// The oai_dc metadata of a `<record>`, if it has any.
    pub(super) fn of_record(record: &Element) -> Option<Dc> {
        record
            .child(OAI_NS, "metadata")
            .and_then(|m| m.child(OAI_DC_NS, "dc"))
            .map(Dc::read)
    }
}

/// One oai_dc record as received, with the id and source it lands in.
pub(super) struct Received<'a> {
    pub dc: &'a Dc,
    pub id: &'a str,
    pub source: &'a str,
    pub endpoint: &'a str,
}

/// Map to our model. Values with no concept here (a subject that is no
/// category, a place we do not know) are kept in the note, never dropped
/// silently; a record without a title is refused.
impl TryFrom<Received<'_>> for Normalised {
    type Error = String;

    fn try_from(received: Received<'_>) -> Result<Self, String> {
        let Received {
            dc,
            id,
            source,
            endpoint,
        } = received;
        let mut warnings = Vec::new();
        let mut titles = dc.titles.iter();
        let title = titles.next().ok_or("no dc:title")?.clone();
        let abstract_text = dc.descriptions.first().cloned();
        let description = (dc.descriptions.len() > 1).then(|| dc.descriptions[1..].join("\n\n"));
        let year = dc.dates.iter().find_map(|d| {
            d.get(..4)
                .filter(|y| y.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|y| y.parse().ok())
        });
        let kind = dc
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
        for l in &dc.languages {
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
        for s in &dc.subjects {
            match CATEGORIES.lookup(s) {
                Some(c) if !categories.contains(&c.key) => categories.push(c.key.clone()),
                Some(_) => {}
                None => unmapped_subjects.push(s.clone()),
            }
        }
        let (mut countries, mut regions, mut unmapped_places) =
            (Vec::new(), Vec::new(), Vec::new());
        for c in &dc.coverages {
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
            authors: dc.creators.iter().map(|c| parse_name(c).0).collect(),
            publishers: dc.publishers.iter().map(|p| organization(p)).collect(),
            place: None,
            // A chapter's book and its editors (`oai::formats`); oai_dc
            // has no element for the place of publication.
            container: dc
                .sources
                .first()
                .filter(|_| kind == RecordKind::Chapter)
                .map(|title| Container {
                    title: title.clone(),
                    editors: dc.contributors.iter().map(|c| parse_name(c).0).collect(),
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
        Ok(Normalised { record, warnings })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oai::formats::{DC_NS, OAI_DC_NS};

    fn received(dc: &Dc) -> Received<'_> {
        Received {
            dc,
            id: "h-x",
            source: "h",
            endpoint: "http://e.org/oai",
        }
    }

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
        let Normalised {
            record: r,
            warnings,
        } = Normalised::try_from(received(&dc)).unwrap();
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
                kind_label(RecordKind::AudioVisual).unwrap(),
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
            let r = Normalised::try_from(received(&dc)).unwrap().record;
            assert_eq!(r.kind, kind, "{written}");
        }
    }
}
