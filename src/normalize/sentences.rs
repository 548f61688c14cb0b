//! Repair of sentences the source pages glued together: the listing pages
//! join paragraphs without a space ("…over the past four years.The key
//! objective…").

/// Words that end with a period without ending a sentence; a capital after
/// them may be a name ("Dr.Smith", "et al.Smith").
const ABBREVIATIONS: &[&str] = &[
    "al", "approx", "art", "cf", "co", "dr", "etc", "fig", "inc", "jr", "ltd", "mr", "mrs", "ms",
    "no", "nos", "para", "pp", "prof", "sr", "st", "vol", "vs",
];

/// Insert the missing space after a sentence's end glued to the next
/// sentence's start: `.`, `!` or `?` after a lowercase letter, a digit or a
/// closing bracket, and before a capital followed by a lowercase letter
/// ("years.The", "(SEE).Geographically").
///
/// Left alone: initials and acronyms ("J.Smith", "U.S.The": a capital
/// before the period), abbreviations ("e.g.The", "Dr.Smith", `ABBREVIATIONS`),
/// domain names, addresses and paths ("www.Example.org", "unodc.org/Data":
/// a word with `://`, `@`, `/` or starting `www.`), and version numbers
/// ("2.0", "v1.2": a digit after the period). Returns `None` when nothing
/// needed repair.
pub fn repair_glued_sentences(text: &str) -> Option<String> {
    let mut changed = false;
    let words: Vec<String> = text
        .split(' ')
        .map(|word| match unglue(word) {
            Some(fixed) => {
                changed = true;
                fixed
            }
            None => word.to_string(),
        })
        .collect();
    changed.then(|| words.join(" "))
}

/// One space-separated word with its glued sentence ends split.
fn unglue(word: &str) -> Option<String> {
    let lower = word.to_lowercase();
    if lower.contains("://")
        || lower.contains('@')
        || word.contains('/')
        || lower.starts_with("www.")
    {
        return None;
    }
    // More than one period inside the word: an abbreviation ("e.g.", "i.e.")
    // or a dotted name, not two sentences.
    if word.trim_end_matches(['.', '!', '?']).matches('.').count() > 1 {
        return None;
    }
    let chars: Vec<(usize, char)> = word.char_indices().collect();
    let mut out = String::with_capacity(word.len() + 2);
    let mut last = 0;
    for i in 1..chars.len().saturating_sub(2) {
        let (at, c) = chars[i];
        let before = chars[i - 1].1;
        let (next, after) = (chars[i + 1].1, chars[i + 2].1);
        let ends = matches!(c, '.' | '!' | '?')
            && (before.is_lowercase() || before.is_ascii_digit() || matches!(before, ')' | ']'))
            && next.is_uppercase()
            && after.is_lowercase();
        if !ends || is_abbreviation(&word[..at]) {
            continue;
        }
        let split = at + c.len_utf8();
        out.push_str(&word[last..split]);
        out.push(' ');
        last = split;
    }
    (last > 0).then(|| {
        out.push_str(&word[last..]);
        out
    })
}

/// Whether the text before a period ends with an abbreviation (a whole
/// word of `ABBREVIATIONS`).
fn is_abbreviation(before: &str) -> bool {
    let tail: String = before
        .chars()
        .rev()
        .take_while(|c| c.is_alphabetic())
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    ABBREVIATIONS.contains(&tail.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glued_sentences_get_their_space() {
        assert_eq!(
            repair_glued_sentences("documented over the past four years.The key objective")
                .as_deref(),
            Some("documented over the past four years. The key objective")
        );
        assert_eq!(
            repair_glued_sentences(
                "Action to Assist and Protect Trafficked Persons.Guidance for European Red Cross"
            )
            .as_deref(),
            Some(
                "Action to Assist and Protect Trafficked Persons. Guidance for European Red Cross"
            )
        );
        assert_eq!(
            repair_glued_sentences("in South-Eastern Europe (SEE).Geographically, the region")
                .as_deref(),
            Some("in South-Eastern Europe (SEE). Geographically, the region")
        );
        assert_eq!(
            repair_glued_sentences("adopted in 2015.The plan").as_deref(),
            Some("adopted in 2015. The plan")
        );
        assert_eq!(
            repair_glued_sentences("Why now?Because. Stop!Then").as_deref(),
            Some("Why now? Because. Stop! Then")
        );
        assert_eq!(
            repair_glued_sentences("experts.Law enforcement first. incidents.The kind").as_deref(),
            Some("experts. Law enforcement first. incidents. The kind")
        );
    }

    #[test]
    fn what_is_not_a_glued_sentence_stays() {
        for text in [
            // Initials and acronyms.
            "J.Smith and A.B.Jones",
            "the U.S.Department",
            "by the U.N.Office",
            // Abbreviations.
            "e.g.The first",
            "i.e.Member States",
            "Dr.Smith and Prof.Jones",
            "Smith et al.Traffickers",
            "Vol.Two",
            // Domain names, addresses and paths.
            "see www.Unodc.org",
            "at https://example.org/Human.Trafficking",
            "write to info@Example.org",
            "unodc.org/Data.Portal",
            // Version numbers.
            "version 2.0 of the tool",
            "v1.2.Beta",
            // Sentences already spaced, and the end of a text.
            "Over four years. The key objective.",
            "An acronym.UNODC",
        ] {
            assert_eq!(repair_glued_sentences(text), None, "{text}");
        }
    }
}
