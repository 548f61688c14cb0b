//! Authors and publishers: persons (given + family, in order) or organisations,
//! and the detection of values that are not names at all (pasted citations).

use super::casing::repair_name_casing;
use super::clean_space;
use super::reference::{self, PastedReference};
use crate::record::{Agent, Repair};

/// Words that mark a name as an organisation's.
const ORG_WORDS: &[&str] = &[
    "ministry",
    "organization",
    "organisation",
    "office",
    "centre",
    "center",
    "department",
    "agency",
    "council",
    "commission",
    "institute",
    "institut",
    "university",
    "union",
    "association",
    "foundation",
    "society",
    "societies",
    "programme",
    "program",
    "group",
    "network",
    "committee",
    "secretariat",
    "government",
    "federation",
    "bureau",
    "unit",
    "initiative",
    "project",
    "nations",
    "service",
    "services",
    "court",
    "police",
    "coalition",
    "alliance",
    "fund",
    "bank",
    "partnership",
    "forum",
    "school",
    "college",
    "parliament",
    "republic",
    "cross",
    "crescent",
];

/// Acronyms of organisations that publish in this field, with their full names.
/// Used to merge "IOM" and "International Organization for Migration (IOM)".
pub const KNOWN_ORGS: &[(&str, &str)] = &[
    ("UNODC", "United Nations Office on Drugs and Crime"),
    ("IOM", "International Organization for Migration"),
    (
        "ICMPD",
        "International Centre for Migration Policy Development",
    ),
    (
        "OSCE",
        "Organization for Security and Co-operation in Europe",
    ),
    (
        "ICAT",
        "Inter-Agency Coordination Group against Trafficking in Persons",
    ),
    ("IPU", "Inter-Parliamentary Union"),
    ("ILO", "International Labour Organization"),
    (
        "UNHCR",
        "Office of the United Nations High Commissioner for Refugees",
    ),
    ("UNICEF", "United Nations Children's Fund"),
    (
        "NIMHANS",
        "National Institute of Mental Health and Neuro-Sciences",
    ),
    (
        "IFRC",
        "International Federation of Red Cross and Red Crescent Societies",
    ),
    ("DCAF", "Geneva Centre for Security Sector Governance"),
    ("RMMS", "Regional Mixed Migration Secretariat"),
];

/// Family-name particles that the CMS capitalised ("Von Hagen").
const PARTICLES: &[&str] = &[
    "von", "van", "de", "der", "den", "del", "della", "da", "di", "du", "la", "le", "ten", "ter",
];

/// The result of reading an author field.
#[derive(Debug, Default)]
pub struct Authors {
    pub agents: Vec<Agent>,
    /// A citation found where names should be, rejoined.
    pub citation: Option<String>,
    /// That citation read into fields, when it is a chapter reference.
    pub reference: Option<PastedReference>,
    pub repairs: Vec<Repair>,
    pub warnings: Vec<String>,
}

/// Read the author lines of one entry.
pub fn parse_author_lines(lines: &[String]) -> Authors {
    let mut out = Authors::default();
    if lines.iter().any(|l| looks_like_citation(l)) {
        if let Some(r) = reference::parse(lines) {
            out.repairs.push(Repair {
                field: "authors".into(),
                original: lines.join(" | "),
                repaired: r
                    .authors
                    .iter()
                    .map(Agent::display_name)
                    .collect::<Vec<_>>()
                    .join("; "),
                guess: true,
                reason: "a whole chapter reference was pasted into the author lines; \
                         its authors are the chapter's, the rest is read into the \
                         record's book, editors, publisher and place"
                    .into(),
            });
            out.agents = r.authors.clone();
            out.citation = Some(r.text.clone());
            out.reference = Some(r);
            return out;
        }
        // The CMS split a reference on commas and " and ": rejoining with ", "
        // restores it well enough to read, and to find the first author.
        let joined = lines.join(", ");
        out.citation = Some(joined.clone());
        match first_author_of_citation(&joined) {
            Some(agent) => {
                out.repairs.push(Repair {
                    field: "authors".into(),
                    original: lines.join(" | "),
                    repaired: agent.display_name(),
                    guess: true,
                    reason: "a bibliographic citation was split into author lines; \
                             kept its first author and the citation as a note"
                        .into(),
                });
                out.agents.push(agent);
            }
            None => out.warnings.push(format!(
                "author field holds a citation with no recognisable author: {joined}"
            )),
        }
        return out;
    }
    for line in lines {
        let line = clean_space(line);
        if line.is_empty() {
            continue;
        }
        let (agent, repair) = parse_name(&line);
        if let Some(r) = repair {
            out.repairs.push(r);
        }
        out.agents.push(agent);
    }
    out
}

/// A line that is part of a reference, not a name.
fn looks_like_citation(line: &str) -> bool {
    let has_year_in_parens = line
        .as_bytes()
        .windows(6)
        .any(|w| w[0] == b'(' && w[5] == b')' && w[1..5].iter().all(u8::is_ascii_digit));
    has_year_in_parens
        || line.contains('‘')
        || line.contains('“')
        || line.starts_with("In ")
        || line.contains(": Geneva")
}

/// "Liu, G. (2017) ‘Title’ ..." -> Person { family: Liu, given: G. }
fn first_author_of_citation(citation: &str) -> Option<Agent> {
    let before_year = citation.split(" (").next()?;
    let mut parts = before_year.splitn(2, ',');
    let family = parts.next()?.trim();
    let given = parts.next().map(str::trim).filter(|g| !g.is_empty());
    let plausible = !family.is_empty()
        && family.split_whitespace().count() <= 3
        && family.chars().next().is_some_and(char::is_uppercase);
    plausible.then(|| Agent::Person {
        given: given.map(str::to_string),
        family: family.to_string(),
    })
}

/// Read one name: a person or an organisation. Returns the repair made, if any.
pub fn parse_name(raw: &str) -> (Agent, Option<Repair>) {
    if is_organization(raw) {
        let repaired = repair_name_casing(raw);
        let name = repaired.clone().unwrap_or_else(|| raw.to_string());
        let repair = repaired.map(|r| Repair {
            field: "authors".into(),
            original: raw.to_string(),
            repaired: r,
            guess: false,
            reason: "title-casing damage".into(),
        });
        (organization(&name), repair)
    } else {
        person(raw)
    }
}

/// An organisation, with its acronym split off ("... (IOM)") or looked up.
pub fn organization(name: &str) -> Agent {
    let name = clean_space(name);
    if let Some(full) = KNOWN_ORGS
        .iter()
        .find(|(a, _)| a.eq_ignore_ascii_case(&name))
    {
        return Agent::Organization {
            name: full.1.to_string(),
            acronym: Some(full.0.to_string()),
        };
    }
    if let Some(open) = name.rfind(" (")
        && name.ends_with(')')
    {
        let acronym = &name[open + 2..name.len() - 1];
        if is_acronym(acronym) {
            return Agent::Organization {
                name: name[..open].to_string(),
                acronym: Some(acronym.to_string()),
            };
        }
    }
    if let Some(known) = KNOWN_ORGS
        .iter()
        .find(|(_, full)| full.eq_ignore_ascii_case(&name))
    {
        return Agent::Organization {
            name: known.1.to_string(),
            acronym: Some(known.0.to_string()),
        };
    }
    Agent::Organization {
        name,
        acronym: None,
    }
}

fn is_acronym(s: &str) -> bool {
    s.len() >= 2
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c == '-' || c == '.' || c.is_ascii_digit())
}

pub fn is_organization(name: &str) -> bool {
    let lower = name.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().any(|w| ORG_WORDS.contains(w))
        || name
            .split_whitespace()
            .any(|w| is_acronym(w) && w.len() >= 3)
        || KNOWN_ORGS
            .iter()
            .any(|(a, _)| a.eq_ignore_ascii_case(name.trim()))
        || name.contains('(')
}

/// "Paul David Newton" -> given "Paul David", family "Newton";
/// "Markéta Von Hagen" -> family "von Hagen" (a repaired particle).
fn person(raw: &str) -> (Agent, Option<Repair>) {
    if let Some((family, given)) = raw.split_once(',') {
        return (
            Agent::Person {
                given: Some(given.trim().to_string()).filter(|g| !g.is_empty()),
                family: family.trim().to_string(),
            },
            None,
        );
    }
    let words: Vec<&str> = raw.split_whitespace().collect();
    if words.len() == 1 {
        return (
            Agent::Person {
                given: None,
                family: words[0].to_string(),
            },
            None,
        );
    }
    // The family name starts at the first particle after the first word, or
    // is the last word.
    let start = (1..words.len() - 1)
        .find(|&i| PARTICLES.contains(&words[i].to_lowercase().as_str()))
        .unwrap_or(words.len() - 1);
    let mut repaired = false;
    let family_words: Vec<String> = words[start..]
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let lower = w.to_lowercase();
            if i + 1 < words.len() - start && PARTICLES.contains(&lower.as_str()) && *w != lower {
                repaired = true;
                lower
            } else {
                w.to_string()
            }
        })
        .collect();
    let agent = Agent::Person {
        given: Some(words[..start].join(" ")),
        family: family_words.join(" "),
    };
    let repair = repaired.then(|| Repair {
        field: "authors".into(),
        original: raw.to_string(),
        repaired: agent.display_name(),
        guess: false,
        reason: "title-casing damage on a name particle".into(),
    });
    (agent, repair)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn persons_keep_order_and_particles() {
        let a = parse_author_lines(&lines(&[
            "Paul David Newton",
            "Markéta Von Hagen",
            "Lori J. Mann",
        ]));
        assert_eq!(
            a.agents,
            vec![
                Agent::Person {
                    given: Some("Paul David".into()),
                    family: "Newton".into()
                },
                Agent::Person {
                    given: Some("Markéta".into()),
                    family: "von Hagen".into()
                },
                Agent::Person {
                    given: Some("Lori J.".into()),
                    family: "Mann".into()
                },
            ]
        );
        assert_eq!(a.repairs.len(), 1);
    }

    #[test]
    fn organisations_stay_whole() {
        let a = parse_author_lines(&lines(&[
            "Sweden'S Ministry Of Justice",
            "International Organization For Migration (IOM)",
        ]));
        assert_eq!(
            a.agents,
            vec![
                Agent::Organization {
                    name: "Sweden's Ministry of Justice".into(),
                    acronym: None
                },
                Agent::Organization {
                    name: "International Organization for Migration".into(),
                    acronym: Some("IOM".into())
                },
            ]
        );
        assert_eq!(a.repairs.len(), 2);
        assert_eq!(organization("IOM"), a.agents[1]);
    }

    #[test]
    fn citation_does_not_become_people() {
        let a = parse_author_lines(&lines(&crate::normalize::reference::PORTAL_SPLIT_REFERENCE));
        assert_eq!(
            a.agents,
            vec![Agent::Person {
                given: Some("G.".into()),
                family: "Liu".into()
            }]
        );
        assert!(a.citation.unwrap().starts_with("Liu, G. (2017)"));
        assert!(a.repairs[0].guess);
    }
}
