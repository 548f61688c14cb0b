//! Countries (ISO 3166-1, from `ontology/countries.ttl`) and regions (our own
//! SKOS scheme, `ontology/regions.ttl`), including re-joining names the
//! source split on " and " ("Bosnia" / "Herzegovina").

use super::clean_space;
use crate::rdf::schemes::{COUNTRIES, REGIONS};
use crate::record::Repair;

/// The result of reading a `Country` or `Region` field.
#[derive(Debug, Default, PartialEq)]
pub struct Places {
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
}

/// Which scheme a field is meant to hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceField {
    Country,
    Region,
}

impl PlaceField {
    fn name(self) -> &'static str {
        match self {
            PlaceField::Country => "countries",
            PlaceField::Region => "regions",
        }
    }
}

/// Normalise the lines of one `Country` or `Region` field.
pub fn parse_places(lines: &[String], field: PlaceField) -> Places {
    let mut out = Places::default();
    let values: Vec<String> = lines
        .iter()
        .map(|l| clean_space(l))
        .filter(|l| !l.is_empty())
        .collect();
    let mut i = 0;
    while i < values.len() {
        // The CMS split names on " and ": a pair that is a known name when
        // rejoined is one place, whatever its halves mean alone.
        if let Some(next) = values.get(i + 1) {
            let joined = [
                format!("{} and {}", values[i], next),
                format!("{} and the {}", values[i], next),
            ];
            if let Some((text, key, is_country)) = joined
                .iter()
                .find_map(|j| resolve(j, field).map(|(k, c)| (j.clone(), k, c)))
            {
                out.repairs.push(Repair {
                    field: field.name().into(),
                    original: format!("{} | {}", values[i], next),
                    repaired: text,
                    guess: false,
                    reason: "name split on \" and \" by the source; rejoined".into(),
                });
                push_place(&mut out, key, is_country);
                i += 2;
                continue;
            }
        }
        let value = &values[i];
        match resolve(value, field) {
            Some((key, is_country)) => {
                if is_country != (field == PlaceField::Country) {
                    out.repairs.push(Repair {
                        field: field.name().into(),
                        original: value.clone(),
                        repaired: format!(
                            "{} {key}",
                            if is_country { "country" } else { "region" }
                        ),
                        guess: false,
                        reason: format!(
                            "\"{value}\" is not a {}",
                            if is_country { "region" } else { "country" }
                        ),
                    });
                }
                push_place(&mut out, key, is_country);
            }
            None => {
                out.warnings.push(format!(
                    "unknown {} name \"{value}\": kept unmapped",
                    field.name()
                ));
                out.repairs.push(Repair {
                    field: field.name().into(),
                    original: value.clone(),
                    repaired: String::new(),
                    guess: true,
                    reason: "no matching concept; the value is kept here and not mapped".into(),
                });
            }
        }
        i += 1;
    }
    out
}

fn push_place(out: &mut Places, key: String, is_country: bool) {
    let list = if is_country {
        &mut out.countries
    } else {
        &mut out.regions
    };
    if !list.contains(&key) {
        list.push(key);
    }
}

/// Find a value in the field's own scheme first, then in the other one
/// ("Worldwide" in a Country field is a region). Returns (key, is_country).
fn resolve(value: &str, field: PlaceField) -> Option<(String, bool)> {
    let country = || COUNTRIES.lookup(value).map(|c| (c.key.clone(), true));
    let region = || REGIONS.lookup(value).map(|c| (c.key.clone(), false));
    match field {
        PlaceField::Country => country().or_else(region),
        PlaceField::Region => region().or_else(country),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rejoins_split_countries() {
        let p = parse_places(
            &lines(&[
                "Albania",
                "Macedonia",
                "UNSC Resolution 1244 Administered Kosovo",
                "Bosnia",
                "Herzegovina",
                "St. Lucia",
                "Trinidad",
                "Tobago",
                "Netherlands Antilles",
            ]),
            PlaceField::Country,
        );
        assert_eq!(p.countries, vec!["AL", "MK", "XK", "BA", "LC", "TT", "AN"]);
        assert_eq!(p.repairs.len(), 2);
        assert!(p.warnings.is_empty());
    }

    #[test]
    fn worldwide_is_a_region() {
        let p = parse_places(&lines(&["Worldwide"]), PlaceField::Country);
        assert!(p.countries.is_empty());
        assert_eq!(p.regions, vec!["worldwide"]);
    }

    #[test]
    fn rejoins_split_regions() {
        let p = parse_places(&lines(&["Middle East", "North Africa"]), PlaceField::Region);
        assert_eq!(p.regions, vec!["middle-east-and-north-africa"]);
        let p = parse_places(
            &lines(&["Central", "North America", "Caribbean"]),
            PlaceField::Region,
        );
        assert_eq!(p.regions, vec!["central-and-north-america", "caribbean"]);
        let p = parse_places(&lines(&["Horn Of Africa"]), PlaceField::Region);
        assert_eq!(p.regions, vec!["horn-of-africa"]);
    }

    #[test]
    fn unknown_names_are_reported_not_lost() {
        let p = parse_places(&lines(&["Atlantis"]), PlaceField::Country);
        assert!(p.countries.is_empty());
        assert_eq!(p.warnings.len(), 1);
        assert_eq!(p.repairs[0].original, "Atlantis");
    }
}
