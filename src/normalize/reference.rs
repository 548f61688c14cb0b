//! A whole reference pasted into a record's author lines, read back into
//! the record's own fields: a chapter, its book (title, editors), publisher
//! and place.
//!
//! The portal's CMS split the pasted text on ", " and " and " into author
//! lines, title-cased each line, and moved the "Publisher: Place" part up
//! among them. So the lines are rejoined with ", " (every line break was a
//! split point, and "’ and In …" is not English), the publisher line is put
//! back at the end, the small words the title-casing capitalised are
//! lowered again, and a series of three or more parts gets back the "and"
//! before its last part, which the split on " and " took away. What had to
//! be guessed is listed in `PastedReference::restored`, for the repair the
//! importer reports.
//!
//! The form read is the author-date chapter reference: `Family, I. (Year)
//! ‘Chapter’, in Editors (Eds.) (Year) Book, Publisher: Place` (or `Place:
//! Publisher`); anything else is left to `agents`, which keeps the first
//! author and the text.

use super::agents::{KNOWN_ORGS, organization};
use super::casing::repair_name_casing;
use super::clean_space;
use crate::record::{Agent, Container};

/// Words that name the role of a book's editors in a reference.
const EDITOR_ROLES: &[&str] = &[
    "eds.",
    "eds",
    "ed.",
    "ed",
    "editor",
    "editors",
    "convener",
    "conveners",
    "compiler",
    "compilers",
];

/// Quotation marks a chapter title is set in: (opening, closing).
const QUOTES: &[(char, char)] = &[('‘', '’'), ('“', '”'), ('\'', '\''), ('"', '"')];

/// A pasted reference, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastedReference {
    pub authors: Vec<Agent>,
    pub year: Option<i32>,
    /// The chapter's title.
    pub title: String,
    pub container: Container,
    pub publishers: Vec<Agent>,
    pub place: Option<String>,
    /// The reference as it read before the split.
    pub text: String,
    /// What the restoration put back ("the \"and\" before …").
    pub restored: Vec<String>,
}

/// Read author lines that hold a split chapter reference; `None` when
/// they do not have that form.
pub fn parse(lines: &[String]) -> Option<PastedReference> {
    let mut lines: Vec<String> = lines
        .iter()
        .map(|l| clean_space(l))
        .filter(|l| !l.is_empty())
        .collect();
    let mut restored = Vec::new();
    let publisher_at = lines.iter().position(|l| publisher_place(l).is_some())?;
    let publisher_line = lines.remove(publisher_at);
    let (publisher, place) = publisher_place(&publisher_line)?;
    if publisher_at != lines.len() {
        restored.push(format!(
            "\"{publisher_line}\" moved back to the end, where a reference names its publisher"
        ));
    }
    let joined = lines.join(", ");

    let (authors_text, year, rest) = split_year(&joined)?;
    let (title, rest) = quoted(rest)?;
    let rest = rest.trim_start_matches([',', ' ']);
    let rest = strip_prefix_ci(rest, "in ")?;
    let (editors_text, role, rest) = editors_and_role(rest)?;
    let (book_year, rest) = match split_year(rest) {
        Some(("", y, after)) => (Some(y), after),
        _ => (None, rest),
    };
    let book_parts: Vec<&str> = rest
        .trim()
        .trim_end_matches('.')
        .split(", ")
        .filter(|p| !p.is_empty())
        .collect();
    let book = match book_parts.as_slice() {
        [] => return None,
        [first, middle @ .., last] if !middle.is_empty() => {
            restored.push(format!(
                "the \"and\" before \"{last}\", the last part of a series, which the split on \" and \" removed"
            ));
            let head: Vec<&str> = std::iter::once(*first)
                .chain(middle.iter().copied())
                .collect();
            format!("{} and {last}", head.join(", "))
        }
        parts => parts.join(", "),
    };

    let mut lowered = false;
    let mut lower = |s: &str| match repair_name_casing(s) {
        Some(fixed) => {
            lowered = true;
            fixed
        }
        None => s.to_string(),
    };
    let title = lower(title);
    let book = lower(&book);
    let editors_text = lower(editors_text);
    if lowered {
        restored
            .push("small words the title-casing capitalised (\"For\", \"And\"), lowered".into());
    }
    let authors = names(authors_text);
    let editors = names(&editors_text);
    if authors.is_empty() || editors.is_empty() {
        return None;
    }
    let book_year = book_year.map(|y| format!(" ({y})")).unwrap_or_default();
    let text = format!(
        "{authors_text} ({year}) ‘{title}’, in {editors_text} ({role}){book_year} {book}, {publisher_line}."
    );
    Some(PastedReference {
        authors,
        year: Some(year),
        title,
        container: Container {
            title: book,
            editors,
        },
        publishers: vec![organization(&publisher)],
        place: Some(place),
        text,
        restored,
    })
}

/// "IOM: Geneva" or "Geneva: IOM": (publisher, place), when one side is
/// an organisation we know and the other a short name.
fn publisher_place(line: &str) -> Option<(String, String)> {
    let (a, b) = line.split_once(": ")?;
    let short = |s: &str| {
        !s.is_empty()
            && s.split_whitespace().count() <= 4
            && s.chars()
                .all(|c| c.is_alphabetic() || c == ' ' || c == '.' || c == '-')
    };
    if !short(a) || !short(b) {
        return None;
    }
    let known = |s: &str| {
        KNOWN_ORGS
            .iter()
            .any(|(acr, name)| s.eq_ignore_ascii_case(acr) || s.eq_ignore_ascii_case(name))
    };
    match (known(a), known(b)) {
        (true, false) => Some((a.to_string(), b.to_string())),
        (false, true) => Some((b.to_string(), a.to_string())),
        _ => None,
    }
}

/// "Liu, G. (2017) rest" -> ("Liu, G.", 2017, "rest").
fn split_year(text: &str) -> Option<(&str, i32, &str)> {
    let bytes = text.as_bytes();
    let at = (0..bytes.len().saturating_sub(5)).find(|&i| {
        bytes[i] == b'('
            && bytes.get(i + 5) == Some(&b')')
            && bytes[i + 1..i + 5].iter().all(u8::is_ascii_digit)
    })?;
    let year = text[at + 1..at + 5].parse().ok()?;
    Some((text[..at].trim(), year, text[at + 6..].trim_start()))
}

/// "‘Title’ rest" -> ("Title", " rest").
fn quoted(text: &str) -> Option<(&str, &str)> {
    let (open, close) = QUOTES.iter().find(|(o, _)| text.starts_with(*o))?;
    let inner = &text[open.len_utf8()..];
    let end = inner.rfind(*close)?;
    Some((inner[..end].trim(), &inner[end + close.len_utf8()..]))
}

fn strip_prefix_ci<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// "McAuliffe, M. And M. Klein Solomon (Conveners) rest" ->
/// ("McAuliffe, M. And M. Klein Solomon", "Conveners", "rest").
fn editors_and_role(text: &str) -> Option<(&str, &str, &str)> {
    let mut from = 0;
    while let Some(open) = text[from..].find(" (").map(|i| i + from) {
        let close = text[open..].find(')')? + open;
        let role = &text[open + 2..close];
        if EDITOR_ROLES.contains(&role.to_lowercase().as_str()) {
            return Some((text[..open].trim(), role, text[close + 1..].trim_start()));
        }
        from = close;
    }
    None
}

/// Names as a reference writes them: the first "Family, I.", the others
/// "I. Family", joined by " and " (any case) or ", ".
fn names(text: &str) -> Vec<Agent> {
    let mut out = Vec::new();
    let lower = text.to_lowercase();
    let mut parts = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find(" and ").map(|i| i + at) {
        parts.push(&text[at..i]);
        at = i + 5;
    }
    parts.push(&text[at..]);
    for (i, part) in parts.iter().enumerate() {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (given, family) = match part.split_once(", ") {
            // Only the first name is inverted.
            Some((family, given)) if i == 0 => (Some(given.trim()), family.trim()),
            _ => {
                // Leading initials are the given name; all the rest, the
                // family name ("M. Klein Solomon").
                let words: Vec<&str> = part.split_whitespace().collect();
                let n = words.iter().take_while(|w| is_initial(w)).count();
                let given = words[..n].join(" ");
                let family = words[n..].join(" ");
                if family.is_empty() {
                    return Vec::new();
                }
                out.push(Agent::Person {
                    given: (!given.is_empty()).then_some(given),
                    family,
                });
                continue;
            }
        };
        out.push(Agent::Person {
            given: given.filter(|g| !g.is_empty()).map(str::to_string),
            family: family.to_string(),
        });
    }
    out
}

/// "M." or "J.-P.": an initial.
fn is_initial(word: &str) -> bool {
    word.ends_with('.')
        && word
            .split(['.', '-'])
            .filter(|p| !p.is_empty())
            .all(|p| p.chars().count() == 1 && p.chars().all(char::is_uppercase))
}

/// The author lines of the portal's record that holds a whole chapter
/// reference (data/portal/003_…txt, line 106), as the page splits them.
#[cfg(test)]
pub(crate) const PORTAL_SPLIT_REFERENCE: [&str; 7] = [
    "Liu",
    "G. (2017) ‘National Referral Mechanisms For Victims Of Human Trafficking: Deficiencies And Future Development’",
    "In McAuliffe",
    "IOM: Geneva",
    "M. And M. Klein Solomon (Conveners) (2017) Ideas To Inform International Cooperation On Safe",
    "Orderly",
    "Regular Migration",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn person(given: &str, family: &str) -> Agent {
        Agent::Person {
            given: Some(given.into()),
            family: family.into(),
        }
    }

    /// The portal's record (data/portal/003_…txt, line 106).
    #[test]
    fn the_portals_split_chapter_reference() {
        let r = parse(&lines(&PORTAL_SPLIT_REFERENCE)).expect("a chapter reference");
        assert_eq!(r.authors, vec![person("G.", "Liu")]);
        assert_eq!(r.year, Some(2017));
        assert_eq!(
            r.title,
            "National Referral Mechanisms for Victims of Human Trafficking: Deficiencies and Future Development"
        );
        assert_eq!(
            r.container,
            Container {
                title: "Ideas to Inform International Cooperation on Safe, Orderly and Regular Migration".into(),
                editors: vec![person("M.", "McAuliffe"), person("M.", "Klein Solomon")],
            }
        );
        assert_eq!(r.publishers, vec![organization("IOM")]);
        assert_eq!(r.place.as_deref(), Some("Geneva"));
        assert_eq!(
            r.text,
            "Liu, G. (2017) ‘National Referral Mechanisms for Victims of Human Trafficking: Deficiencies and Future Development’, in McAuliffe, M. and M. Klein Solomon (Conveners) (2017) Ideas to Inform International Cooperation on Safe, Orderly and Regular Migration, IOM: Geneva."
        );
        assert_eq!(r.restored.len(), 3, "{:?}", r.restored);
    }

    /// Harvard's "Place: Publisher", already at the end, with "(Eds.)":
    /// nothing moved, no series, nothing lowered.
    #[test]
    fn a_reference_that_was_not_damaged_is_read_as_written() {
        let r = parse(&lines(&[
            "Doe",
            "J. (2019) ‘A chapter’",
            "in Roe",
            "R. (Eds.) (2019) A book",
            "Geneva: UNODC",
        ]))
        .expect("a chapter reference");
        assert_eq!(r.container.title, "A book");
        assert_eq!(r.container.editors, vec![person("R.", "Roe")]);
        assert_eq!(r.publishers, vec![organization("UNODC")]);
        assert_eq!(r.place.as_deref(), Some("Geneva"));
        assert!(r.restored.is_empty(), "{:?}", r.restored);
        assert_eq!(
            r.text,
            "Doe, J. (2019) ‘A chapter’, in Roe, R. (Eds.) (2019) A book, Geneva: UNODC."
        );
    }

    #[test]
    fn other_text_is_not_a_chapter_reference() {
        assert_eq!(parse(&lines(&["Paul David Newton", "Lori J. Mann"])), None);
        // A publisher line alone does not make a reference.
        assert_eq!(parse(&lines(&["Liu", "IOM: Geneva"])), None);
        assert_eq!(
            names("Doe, J. and A. B. van Berg"),
            vec![person("J.", "Doe"), person("A. B.", "van Berg")]
        );
    }
}
