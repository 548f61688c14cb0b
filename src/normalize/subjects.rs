//! Subject categories inferred from what a record says of itself, for a
//! source that gives none (UNODC's page): each inference is a guessed
//! repair, so a curator can review it.

use crate::record::{Record, Repair};

/// Words of the title or abstract, and the category they name. UNODC's page
/// is about trafficking in persons and the smuggling of migrants, and its
/// items say which; the portal's other headings follow from how a work
/// describes its use.
const RULES: &[(&[&str], &str)] = &[
    (&["traffick"], "trafficking"),
    (&["smuggl"], "smuggling-of-migrants"),
    (
        &[
            "law enforcement",
            "criminal justice",
            "investigat",
            "prosecut",
            "police",
        ],
        "law-enforcement",
    ),
    (
        &[
            "training",
            "capacity building",
            "capacity-building",
            "curriculum",
        ],
        "capacity-building",
    ),
];

/// Give a record without categories the ones its title and abstract name,
/// recorded as a guessed repair. A record that names none of them gets the
/// page's two topics, also as a guess.
pub fn infer(record: &mut Record) {
    if !record.categories.is_empty() {
        return;
    }
    let text = format!(
        "{} {}",
        record.title,
        record.abstract_text.as_deref().unwrap_or_default()
    )
    .to_lowercase();
    let mut found: Vec<String> = RULES
        .iter()
        .filter(|(words, _)| words.iter().any(|w| text.contains(w)))
        .map(|(_, key)| key.to_string())
        .collect();
    let reason = if found.is_empty() {
        found = vec!["trafficking".into(), "smuggling-of-migrants".into()];
        "the source gives no category and the text names none: the topics of the page it is listed on"
    } else {
        "the source gives no category: inferred from the words of the title and abstract"
    };
    record.repairs.push(Repair {
        field: "categories".into(),
        original: String::new(),
        repaired: found.join("; "),
        guess: true,
        reason: reason.into(),
    });
    record.categories = found;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_come_from_the_words() {
        let mut r: Record = serde_json::from_value(serde_json::json!({
            "id": "x", "title": "Toolkit to Combat Smuggling of Migrants", "kind": "toolkit",
            "abstract_text": "Training for police and prosecutors."
        }))
        .expect("record");
        infer(&mut r);
        assert_eq!(
            r.categories,
            [
                "smuggling-of-migrants",
                "law-enforcement",
                "capacity-building"
            ]
        );
        assert!(r.repairs[0].guess);
        let before = r.clone();
        infer(&mut r);
        assert_eq!(r, before, "a record with categories is left alone");
    }
}
