//! Repair of title-casing damage done by the source CMS ("Sweden'S Ministry Of Justice").

/// Words that stay lowercase inside a name unless they start it.
const SMALL_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to",
    "with", "de", "del", "der", "des", "du", "la", "le", "van", "von", "y", "und", "et",
];

/// Fix "'S" after an apostrophe and capitalised small words inside a name.
/// Returns `None` when nothing needed repair.
pub fn repair_name_casing(text: &str) -> Option<String> {
    let mut out = Vec::new();
    let mut changed = false;
    for (i, word) in text.split(' ').enumerate() {
        let mut w = fix_apostrophe_s(word);
        if i > 0 {
            let lower = w.to_lowercase();
            // Only a word in title case ("Of") is damage; "OF" may be an acronym.
            let title_cased = w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().skip(1).all(|c| !c.is_uppercase());
            if title_cased && SMALL_WORDS.contains(&lower.as_str()) {
                w = lower;
            }
        }
        if w != word {
            changed = true;
        }
        out.push(w);
    }
    changed.then(|| out.join(" "))
}

/// Repair only the apostrophe damage, which is never a style choice.
/// Titles keep their headline capitals.
pub fn repair_title_casing(text: &str) -> Option<String> {
    let fixed: Vec<String> = text.split(' ').map(fix_apostrophe_s).collect();
    let fixed = fixed.join(" ");
    (fixed != text).then_some(fixed)
}

fn fix_apostrophe_s(word: &str) -> String {
    let mut s = word.to_string();
    for apostrophe in ['\'', '’'] {
        let damaged = format!("{apostrophe}S");
        if let Some(pos) = s.find(&damaged) {
            let after = pos + damaged.len();
            let rest_is_end = s[after..].chars().all(|c| !c.is_alphanumeric());
            let before_is_lower = s[..pos].chars().last().is_some_and(char::is_lowercase);
            if rest_is_end && before_is_lower {
                s.replace_range(pos..after, &format!("{apostrophe}s"));
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repairs_cms_damage() {
        assert_eq!(
            repair_name_casing("Sweden'S Ministry Of Justice").as_deref(),
            Some("Sweden's Ministry of Justice")
        );
        assert_eq!(
            repair_name_casing("International Organization For Migration (IOM)").as_deref(),
            Some("International Organization for Migration (IOM)")
        );
        assert_eq!(
            repair_name_casing("Horn Of Africa").as_deref(),
            Some("Horn of Africa")
        );
        assert_eq!(
            repair_name_casing("Of Mice"),
            None,
            "first word keeps its capital"
        );
        assert_eq!(repair_name_casing("UNITED STATES OF AMERICA"), None);
        assert_eq!(repair_title_casing("Hope For the Future"), None);
        assert_eq!(
            repair_title_casing("Sweden'S Report").as_deref(),
            Some("Sweden's Report")
        );
        assert_eq!(
            repair_title_casing("IOM'S"),
            None,
            "acronym possessive is ambiguous"
        );
    }
}
