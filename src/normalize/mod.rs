//! Normalisation: turn the free text of the sources into codes and clean names.
//!
//! Every function that changes a value returns the repair alongside it, so
//! the importer can keep the original (provenance) and list it in its report.

pub mod agents;
pub mod casing;
pub mod kind;
pub mod languages;
pub mod places;
pub mod reference;
pub mod sentences;
pub mod subjects;

use deunicode::deunicode;

/// A lowercase ASCII slug: "Markéta von Hagen" -> "marketa-von-hagen".
///
/// Transliterates instead of dropping non-ASCII letters, so that keys stay
/// readable (the `M_ller2021` complaint about other services).
pub fn slug(text: &str) -> String {
    let ascii = deunicode(text).to_lowercase();
    let mut out = String::with_capacity(ascii.len());
    let mut dash = false;
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
            dash = false;
        } else if !out.is_empty() && !dash {
            out.push('-');
            dash = true;
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// A slug of at most `max_words` words and `max_len` bytes, cut at a word.
pub fn short_slug(text: &str, max_words: usize, max_len: usize) -> String {
    let full = slug(text);
    let mut out = String::new();
    for (i, word) in full.split('-').enumerate() {
        if i >= max_words || out.len() + word.len() + 1 > max_len {
            break;
        }
        if !out.is_empty() {
            out.push('-');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        full.chars().take(max_len).collect()
    } else {
        out
    }
}

/// Key used to decide that two titles name the same publication: case,
/// accents, punctuation and spacing do not count.
/// Eight hex digits of SHA-256: a short, stable tag for a longer key (a
/// remote identifier, a harvest's endpoint and set), where a slug would be
/// too long or would clash.
pub fn short_hash(s: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(s.as_bytes())[..4]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn title_key(title: &str) -> String {
    slug(title).replace('-', "")
}

/// Collapse runs of whitespace and trim.
pub fn clean_space(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Control characters (NUL, ESC, ...; `split_whitespace` keeps those that
/// are not whitespace) as spaces: line-based citation formats cannot carry
/// them, so their writers and readers agree on this one rule.
pub fn controls_to_spaces(text: &str) -> String {
    text.replace(|c: char| c.is_control(), " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_transliterate() {
        assert_eq!(slug("Markéta Von Hagen"), "marketa-von-hagen");
        assert_eq!(
            slug("  Human Trafficking - How To Investigate It? "),
            "human-trafficking-how-to-investigate-it"
        );
        assert_eq!(
            short_slug("One two three four five six", 3, 60),
            "one-two-three"
        );
    }

    #[test]
    fn title_keys_ignore_punctuation() {
        assert_eq!(
            title_key("Action to Assist and Protect Trafficked Persons.Guidance"),
            title_key("Action to assist and protect trafficked persons. Guidance")
        );
    }
}
