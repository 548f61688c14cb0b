//! Facet values and their labels: codes in the index, names on the page,
//! and either accepted in a filter (`country=BA` or `country=Bosnia and
//! Herzegovina`).

use super::FacetKind;
use crate::normalize::languages::{LanguageValue, language_name, parse_language};
use crate::rdf::schemes::{CATEGORIES, COUNTRIES, REGIONS, Scheme};
use std::collections::HashMap;

fn scheme(kind: FacetKind) -> Option<&'static Scheme> {
    match kind {
        FacetKind::Category => Some(&CATEGORIES),
        FacetKind::Country => Some(&COUNTRIES),
        FacetKind::Region => Some(&REGIONS),
        _ => None,
    }
}

/// The label of a facet value; authors are labelled by the index, which
/// knows their names (`SearchIndex::author_label`).
pub fn label(kind: FacetKind, key: &str) -> String {
    if let Some(s) = scheme(kind) {
        return s
            .get(key)
            .map(|c| c.pref_label.clone())
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| key.to_string());
    }
    match kind {
        FacetKind::Language => language_name(key)
            .map(str::to_string)
            .unwrap_or_else(|| key.to_string()),
        _ => key.to_string(),
    }
}

/// A filter value as the index holds it: a key of ours, whether the user
/// gave the key or a label, in any case. `authors` maps author keys to
/// names, for authors given by name.
pub fn normalize(kind: FacetKind, value: &str, authors: &HashMap<String, String>) -> String {
    let value = value.trim();
    if let Some(s) = scheme(kind) {
        // Country codes are upper case; region and category keys lower case.
        for candidate in [
            value.to_string(),
            value.to_ascii_uppercase(),
            value.to_ascii_lowercase(),
        ] {
            if let Some(c) = s.get(&candidate) {
                return c.key.clone();
            }
        }
        return match s.lookup(value) {
            Some(c) => c.key.clone(),
            None => value.to_string(),
        };
    }
    match kind {
        FacetKind::Language => match parse_language(value) {
            LanguageValue::Code(c) | LanguageValue::NotYetAvailable(c) => c.to_string(),
            LanguageValue::Unknown(v) => v.to_ascii_lowercase(),
        },
        FacetKind::Author => {
            // Keys are slugs of the name (or of an organisation's acronym),
            // so "Claire Healy" and "claire-healy" find the same person.
            let slug = crate::normalize::slug(value);
            if authors.contains_key(&slug) {
                return slug;
            }
            authors
                .iter()
                .find(|(_, name)| crate::normalize::slug(name) == slug)
                .map(|(k, _)| k.clone())
                .unwrap_or(slug)
        }
        _ => value.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_labels_both_name_a_value() {
        let none = HashMap::new();
        assert_eq!(normalize(FacetKind::Country, "ba", &none), "BA");
        assert_eq!(
            normalize(FacetKind::Country, "Bosnia and Herzegovina", &none),
            "BA"
        );
        assert_eq!(
            normalize(FacetKind::Region, "Western Balkans", &none),
            "western-balkans"
        );
        assert_eq!(
            normalize(FacetKind::Category, "Law Enforcement", &none),
            "law-enforcement"
        );
        assert_eq!(normalize(FacetKind::Language, "French", &none), "fr");
        let authors = HashMap::from([("unodc".to_string(), "UNODC".to_string())]);
        assert_eq!(normalize(FacetKind::Author, "UNODC", &authors), "unodc");
        assert_eq!(label(FacetKind::Country, "BA"), "Bosnia and Herzegovina");
        assert_eq!(label(FacetKind::Language, "fr"), "French");
    }
}
