//! Reader for the knowledge portal's listing pages (`data/portal/*.txt`).
//!
//! Layout, per page: a "Skip to main content" line, the category heading,
//! then entries: title, blank line, abstract, `Country` + values, `Region` +
//! values, optional `Authors` + one name per line, `Year` + value, and an
//! optional bare `Category` line.

use super::{Normalised, ParseError};
use crate::normalize::agents::parse_author_lines;
use crate::normalize::casing::repair_title_casing;
use crate::normalize::places::{PlaceField, parse_places};
use crate::normalize::reference::PastedReference;
use crate::normalize::sentences::repair_glued_sentences;
use crate::normalize::{clean_space, kind, slug, title_key};
use crate::record::{Agent, Container, Provenance, Record, RecordKind, Repair};

/// Source id of the knowledge portal's listing pages: they form one source.
pub const PORTAL_SOURCE: &str = "portal";

/// One entry as the page shows it, before normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListingEntry {
    pub title: String,
    pub abstract_text: String,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub authors: Vec<String>,
    pub year: i32,
    /// The page heading: every entry of a page is in its category.
    pub category: String,
    /// 1-based line of the title.
    pub line: usize,
}

/// A parsed page.
#[derive(Debug, Clone)]
pub struct ListingPage {
    pub heading: String,
    pub entries: Vec<ListingEntry>,
}

const LABELS: [&str; 5] = ["Country", "Region", "Authors", "Year", "Category"];

/// True when `text` has the listing layout (used to pick a reader for `.txt` files).
pub fn looks_like_listing(text: &str) -> bool {
    let mut lines = text.lines().map(str::trim).filter(|l| !l.is_empty());
    lines.next() == Some("Skip to main content") && text.lines().any(|l| l.trim() == "Country")
}

/// Parse one page. `file` only names the page in errors.
pub fn parse(file: &str, text: &str) -> Result<ListingPage, ParseError> {
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    let err = |line: usize, message: String| ParseError {
        file: file.to_string(),
        line,
        message,
    };
    let mut i = 0;
    let skip_blank = |i: &mut usize| {
        while *i < lines.len() && lines[*i].trim().is_empty() {
            *i += 1;
        }
    };
    skip_blank(&mut i);
    if lines.get(i).map(|l| l.trim()) != Some("Skip to main content") {
        return Err(err(
            i + 1,
            "not a listing page: expected \"Skip to main content\" first".into(),
        ));
    }
    i += 1;
    skip_blank(&mut i);
    let heading = match lines.get(i) {
        Some(h) if !LABELS.contains(&h.trim()) => h.trim().to_string(),
        _ => return Err(err(i + 1, "listing page has no category heading".into())),
    };
    i += 1;

    let mut entries = Vec::new();
    loop {
        skip_blank(&mut i);
        if i >= lines.len() {
            break;
        }
        let start = i;
        let title = lines[i].trim().to_string();
        if LABELS.contains(&title.as_str()) {
            return Err(err(
                i + 1,
                format!("expected an entry title, found the field label \"{title}\""),
            ));
        }
        i += 1;
        // The abstract runs up to the `Country` label; it may wrap over lines.
        let mut abstract_lines = Vec::new();
        while i < lines.len() && lines[i].trim() != "Country" {
            if LABELS[1..].contains(&lines[i].trim()) {
                return Err(err(
                    i + 1,
                    format!(
                        "entry \"{title}\" (line {}): field \"{}\" before \"Country\"",
                        start + 1,
                        lines[i].trim()
                    ),
                ));
            }
            if !lines[i].trim().is_empty() {
                abstract_lines.push(lines[i].trim());
            }
            i += 1;
        }
        if i >= lines.len() {
            return Err(err(
                i,
                format!(
                    "truncated entry \"{title}\" (line {}): no \"Country\" field",
                    start + 1
                ),
            ));
        }
        i += 1;
        let countries = values_until(&lines, &mut i, &["Region"]);
        if lines.get(i).map(|l| l.trim()) != Some("Region") {
            return Err(err(
                i.min(lines.len()),
                format!(
                    "truncated entry \"{title}\" (line {}): no \"Region\" field",
                    start + 1
                ),
            ));
        }
        i += 1;
        let regions = values_until(&lines, &mut i, &["Authors", "Year"]);
        let mut authors = Vec::new();
        if lines.get(i).map(|l| l.trim()) == Some("Authors") {
            i += 1;
            authors = values_until(&lines, &mut i, &["Year"]);
        }
        if lines.get(i).map(|l| l.trim()) != Some("Year") {
            return Err(err(
                i.min(lines.len()),
                format!(
                    "truncated entry \"{title}\" (line {}): no \"Year\" field",
                    start + 1
                ),
            ));
        }
        i += 1;
        let year_line = i + 1;
        let year_text = lines.get(i).map(|l| l.trim()).unwrap_or("");
        let year: i32 = year_text
            .parse()
            .ok()
            .filter(|y| (1800..=2100).contains(y))
            .ok_or_else(|| {
                err(
                    year_line,
                    format!("entry \"{title}\": year \"{year_text}\" is not a year"),
                )
            })?;
        i += 1;
        if lines.get(i).map(|l| l.trim()) == Some("Category") {
            i += 1;
        }
        if countries.is_empty() {
            return Err(err(
                start + 1,
                format!("entry \"{title}\": empty \"Country\" field"),
            ));
        }
        if regions.is_empty() {
            return Err(err(
                start + 1,
                format!("entry \"{title}\": empty \"Region\" field"),
            ));
        }
        entries.push(ListingEntry {
            title,
            abstract_text: abstract_lines.join(" "),
            countries,
            regions,
            authors,
            year,
            category: heading.clone(),
            line: start + 1,
        });
    }
    if entries.is_empty() {
        return Err(err(lines.len(), "listing page has no entries".into()));
    }
    Ok(ListingPage { heading, entries })
}

/// Collect non-blank lines until one of `stops` (or a blank line followed by
/// a new entry, or the end).
fn values_until(lines: &[&str], i: &mut usize, stops: &[&str]) -> Vec<String> {
    let mut values = Vec::new();
    while *i < lines.len() {
        let l = lines[*i].trim();
        if stops.contains(&l) || l.is_empty() {
            break;
        }
        values.push(l.to_string());
        *i += 1;
    }
    values
}

/// One entry of a page (with the page's path) as a record: the title's
/// casing repaired, places and author lines parsed, and a chapter reference
/// pasted into the author lines read into the chapter's book.
impl From<(&str, &ListingEntry)> for Normalised {
    fn from((path, entry): (&str, &ListingEntry)) -> Self {
        let mut repairs = Vec::new();
        let mut warnings = Vec::new();
        let raw_title = clean_space(&entry.title);
        let title = match repair_title_casing(&raw_title) {
            Some(fixed) => {
                repairs.push(Repair {
                    field: "title".into(),
                    original: raw_title.clone(),
                    repaired: fixed.clone(),
                    guess: false,
                    reason: "title-casing damage".into(),
                });
                fixed
            }
            None => raw_title,
        };
        let title = unglued("title", title, &mut repairs);
        let countries = parse_places(&entry.countries, PlaceField::Country);
        let regions = parse_places(&entry.regions, PlaceField::Region);
        let authors = parse_author_lines(&entry.authors);
        let mut all_countries = countries.countries;
        let mut all_regions = countries.regions;
        for c in regions.countries {
            if !all_countries.contains(&c) {
                all_countries.push(c);
            }
        }
        for r in regions.regions {
            if !all_regions.contains(&r) {
                all_regions.push(r);
            }
        }
        repairs.extend(countries.repairs);
        repairs.extend(regions.repairs);
        repairs.extend(authors.repairs);
        warnings.extend(countries.warnings);
        warnings.extend(regions.warnings);
        warnings.extend(authors.warnings);
        let abstract_text = Some(clean_space(&entry.abstract_text))
            .filter(|a| !a.is_empty())
            .map(|a| unglued("abstract", a, &mut repairs));
        let pasted = authors.reference.map(|r| {
            pasted_reference(
                r,
                &entry.authors,
                &title,
                entry.year,
                &mut repairs,
                &mut warnings,
            )
        });
        let mut record = Record {
            id: String::new(),
            kind: kind::infer(&title, abstract_text.as_deref()),
            title,
            alternative_titles: Vec::new(),
            abstract_text,
            description: None,
            year: Some(entry.year),
            authors: authors.agents,
            publishers: Vec::new(),
            place: None,
            container: None,
            languages: Vec::new(),
            countries: all_countries,
            regions: all_regions,
            categories: vec![slug(&entry.category)],
            citation: authors.citation,
            note: None,
            editorial_notes: Vec::new(),
            provenance: vec![Provenance {
                source: PORTAL_SOURCE.into(),
                file: path.to_string(),
                line: entry.line,
            }],
            repairs,
        };
        if let Some(p) = pasted {
            record.kind = RecordKind::Chapter;
            record.container = Some(p.container);
            record.publishers = p.publishers;
            record.place = p.place;
            record.editorial_notes.push(p.note);
        }
        Normalised { record, warnings }
    }
}

/// A field's text with the sentences the page glued together spaced again,
/// the original kept as a repair.
fn unglued(field: &str, text: String, repairs: &mut Vec<Repair>) -> String {
    match repair_glued_sentences(&text) {
        Some(fixed) => {
            repairs.push(Repair {
                field: field.into(),
                original: text,
                repaired: fixed.clone(),
                guess: false,
                reason: "sentences glued together by the source page".into(),
            });
            fixed
        }
        None => text,
    }
}

/// What a chapter reference pasted into the author lines gives the record
/// (`normalize::reference`): its book, publisher and place, with a repair
/// for each and the pasted lines as a curator's note.
struct Pasted {
    container: Container,
    publishers: Vec<Agent>,
    place: Option<String>,
    note: String,
}

fn pasted_reference(
    r: PastedReference,
    lines: &[String],
    title: &str,
    year: i32,
    repairs: &mut Vec<Repair>,
    warnings: &mut Vec<String>,
) -> Pasted {
    if title_key(&r.title) != title_key(title) {
        warnings.push(format!(
            "the pasted reference names the chapter \"{}\", the entry \"{title}\"",
            r.title
        ));
    }
    if r.year != Some(year) {
        warnings.push(format!(
            "the pasted reference gives the year {:?}, the entry {year}",
            r.year
        ));
    }
    let restored = r.restored.join("; ");
    let editors: Vec<String> = r
        .container
        .editors
        .iter()
        .map(Agent::display_name)
        .collect();
    repairs.push(Repair {
        field: "isPartOf".into(),
        original: lines.join(" | "),
        repaired: format!("{} (editors: {})", r.container.title, editors.join("; ")),
        guess: true,
        reason: format!(
            "the book the chapter appears in, from the pasted reference; restored: {restored}"
        ),
    });
    let publishers: Vec<String> = r.publishers.iter().map(Agent::display_name).collect();
    repairs.push(Repair {
        field: "publisher".into(),
        original: lines.join(" | "),
        repaired: format!(
            "{}{}",
            publishers.join("; "),
            r.place
                .as_deref()
                .map(|p| format!(", {p}"))
                .unwrap_or_default()
        ),
        guess: false,
        reason: "the book's publisher and place, from the pasted reference".into(),
    });
    Pasted {
        container: r.container,
        publishers: r.publishers,
        place: r.place,
        note: format!(
            "The portal's author lines held a whole reference, split on commas and \"and\": {}",
            lines.join(" | ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "Skip to main content\n\nTrafficking\n\nA Title\n\nAn abstract.\nCountry\nBosnia\nHerzegovina\nRegion\nWorldwide\nAuthors\nA Person\nYear\n2019\nCategory\n\nSecond\n\nText\nCountry\nWorldwide\nRegion\nWorldwide\nYear\n2020";

    #[test]
    fn parses_entries() {
        let page = parse("p.txt", PAGE).unwrap();
        assert_eq!(page.heading, "Trafficking");
        assert_eq!(page.entries.len(), 2);
        let e = &page.entries[0];
        assert_eq!(e.countries, vec!["Bosnia", "Herzegovina"]);
        assert_eq!(e.authors, vec!["A Person"]);
        assert_eq!(e.line, 5);
        assert_eq!(page.entries[1].year, 2020);
        assert!(page.entries[1].authors.is_empty());
    }

    #[test]
    fn truncated_page_names_file_line_and_problem() {
        let cut = &PAGE[..PAGE.find("Year\n2020").unwrap()];
        let e = parse("p.txt", cut).unwrap_err();
        assert_eq!(e.file, "p.txt");
        assert!(e.message.contains("truncated entry \"Second\""), "{e}");
        assert!(e.message.contains("Year"), "{e}");
    }

    #[test]
    fn bad_year_is_an_error() {
        let e = parse("p.txt", &PAGE.replace("2019", "20x9")).unwrap_err();
        assert_eq!(e.line, 16);
        assert!(e.message.contains("20x9"));
    }
}
