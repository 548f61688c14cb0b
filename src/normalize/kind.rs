//! Inference of the publication type from the title and the abstract.

use crate::record::RecordKind;

/// Title phrases, most specific first: the first match wins.
const TITLE_RULES: &[(&str, RecordKind)] = &[
    ("policy brief", RecordKind::PolicyBrief),
    ("issue brief", RecordKind::IssuePaper),
    ("issue paper", RecordKind::IssuePaper),
    ("model law", RecordKind::ModelLaw),
    ("first aid kit", RecordKind::Toolkit),
    ("toolkit", RecordKind::Toolkit),
    ("tool kit", RecordKind::Toolkit),
    ("manual", RecordKind::Manual),
    ("handbook", RecordKind::Manual),
    ("guide", RecordKind::Manual),
    ("guidance", RecordKind::Manual),
    ("curriculum", RecordKind::Manual),
    ("yearbook", RecordKind::Report),
    ("report", RecordKind::Report),
    ("needs assessment", RecordKind::Report),
    ("legal review", RecordKind::Report),
    ("case digest", RecordKind::Report),
    ("case data analysis", RecordKind::Report),
];

/// How an abstract refers to its own document ("This policy brief summarises ...").
const SELF_REFERENCES: &[(&str, RecordKind)] = &[
    ("this policy brief", RecordKind::PolicyBrief),
    ("this issue paper", RecordKind::IssuePaper),
    ("the issue paper", RecordKind::IssuePaper),
    ("this article", RecordKind::Article),
    ("this toolkit", RecordKind::Toolkit),
    ("the toolkit", RecordKind::Toolkit),
    ("this manual", RecordKind::Manual),
    ("this handbook", RecordKind::Manual),
    ("the handbook", RecordKind::Manual),
    ("this guide", RecordKind::Manual),
    ("this guidance note", RecordKind::Manual),
    ("this training material", RecordKind::Manual),
    ("this report", RecordKind::Report),
    ("the report", RecordKind::Report),
    ("this briefing paper", RecordKind::Report),
    ("briefing paper", RecordKind::Report),
    ("the yearbook", RecordKind::Report),
    ("this analysis", RecordKind::Report),
    ("this research", RecordKind::Report),
    ("research study", RecordKind::Report),
    ("audio tool", RecordKind::AudioVisual),
    // "… is a technical assistance tool that supports Member States"
    ("technical assistance tool", RecordKind::Toolkit),
    ("policy paper", RecordKind::PolicyBrief),
    ("this study", RecordKind::Report),
    ("carried out a study", RecordKind::Report),
    ("this annotated bibliography", RecordKind::Report),
    ("this paper", RecordKind::Report),
    ("the paper", RecordKind::Report),
];

/// Title words that say the work is grey literature of the report kind,
/// but less surely than an abstract naming itself: tried after the
/// abstract ("Review" titles a handbook's chapter as often as a report).
const WEAK_TITLE_RULES: &[(&str, RecordKind)] = &[
    ("study", RecordKind::Report),
    ("review", RecordKind::Report),
    ("bibliography", RecordKind::Report),
    ("assessment of", RecordKind::Report),
    ("strategy", RecordKind::Report),
    ("strategic approach", RecordKind::Report),
    ("paper", RecordKind::Report),
];

/// Infer the type. The title is the stronger signal; the abstract counts
/// only when it names the document it describes; then the title's weaker
/// words. Otherwise: generic.
pub fn infer(title: &str, abstract_text: Option<&str>) -> RecordKind {
    let title = title.to_lowercase();
    if let Some((_, kind)) = TITLE_RULES.iter().find(|(p, _)| title.contains(p)) {
        return *kind;
    }
    if let Some(text) = abstract_text {
        let text = text.to_lowercase();
        // The earliest self-reference names the document itself; later ones
        // may be about something else it mentions.
        if let Some((_, kind)) = SELF_REFERENCES
            .iter()
            .filter_map(|(p, k)| text.find(p).map(|pos| (pos, *k)))
            .min_by_key(|(pos, _)| *pos)
        {
            return kind;
        }
    }
    if let Some((_, kind)) = WEAK_TITLE_RULES.iter().find(|(p, _)| title.contains(p)) {
        return *kind;
    }
    RecordKind::Document
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn infers_from_title_then_abstract() {
        assert_eq!(
            infer(
                "Caring for Trafficked Persons Guidance for Health Providers",
                None
            ),
            RecordKind::Manual
        );
        assert_eq!(
            infer(
                "The Demand-Side in Anti-Trafficking",
                Some("... This policy brief summarises main results")
            ),
            RecordKind::PolicyBrief
        );
        assert_eq!(
            infer(
                "Understanding Human Trafficking In Conflict",
                Some("Human trafficking occurs")
            ),
            RecordKind::Document
        );
        assert_eq!(
            infer("X", Some("This article analyses")),
            RecordKind::Article
        );
        assert_eq!(
            infer(
                "International Framework for Action",
                Some("The International Framework for Action is a technical assistance tool")
            ),
            RecordKind::Toolkit
        );
        assert_eq!(
            infer(
                "ICAT: Preventing Trafficking in Persons by Addressing Demand",
                Some("ICAT published its second policy paper entitled … The paper provides")
            ),
            RecordKind::PolicyBrief
        );
        assert_eq!(
            infer("Thematic paper on the exploitation of migrants", None),
            RecordKind::Report
        );
        // The abstract naming itself wins over a weak title word.
        assert_eq!(
            infer("A review of practice", Some("This handbook sets out")),
            RecordKind::Manual
        );
    }
}
