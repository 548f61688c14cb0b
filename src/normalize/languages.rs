//! Language names (as sources write them) to ISO 639-1 codes.

use super::clean_space;

/// ISO 639-1 code, English name. The names double as labels in `ontology/languages.ttl`.
pub const LANGUAGES: &[(&str, &str)] = &[
    ("ar", "Arabic"),
    ("bg", "Bulgarian"),
    ("bn", "Bengali"),
    ("bs", "Bosnian"),
    ("cs", "Czech"),
    ("de", "German"),
    ("el", "Greek"),
    ("en", "English"),
    ("es", "Spanish"),
    ("fa", "Persian"),
    ("fr", "French"),
    ("hi", "Hindi"),
    ("hr", "Croatian"),
    ("hu", "Hungarian"),
    ("hy", "Armenian"),
    ("id", "Indonesian"),
    ("it", "Italian"),
    ("ja", "Japanese"),
    ("ka", "Georgian"),
    ("kk", "Kazakh"),
    ("ko", "Korean"),
    ("ky", "Kyrgyz"),
    ("mk", "Macedonian"),
    ("nl", "Dutch"),
    ("pl", "Polish"),
    ("ps", "Pashto"),
    ("pt", "Portuguese"),
    ("ro", "Romanian"),
    ("ru", "Russian"),
    ("sq", "Albanian"),
    ("sr", "Serbian"),
    ("sw", "Swahili"),
    ("th", "Thai"),
    ("tg", "Tajik"),
    ("tr", "Turkish"),
    ("uk", "Ukrainian"),
    ("ur", "Urdu"),
    ("uz", "Uzbek"),
    ("vi", "Vietnamese"),
    ("zh", "Chinese"),
];

/// How a source's language value was read.
#[derive(Debug, PartialEq, Eq)]
pub enum LanguageValue {
    Code(&'static str),
    /// Announced but not yet available ("French (coming soon)"): not a language of the work.
    NotYetAvailable(&'static str),
    Unknown(String),
}

/// Read a language name or code: "Arabic", "arabic", "ar", "French (coming soon)".
pub fn parse_language(raw: &str) -> LanguageValue {
    let value = clean_space(raw);
    let (name, qualifier) = match value.split_once('(') {
        Some((n, q)) => (
            n.trim().to_string(),
            Some(q.trim_end_matches(')').trim().to_lowercase()),
        ),
        None => (value.clone(), None),
    };
    let code = LANGUAGES
        .iter()
        .find(|(code, label)| label.eq_ignore_ascii_case(&name) || code.eq_ignore_ascii_case(&name))
        .map(|(code, _)| *code);
    match (code, qualifier.as_deref()) {
        (Some(c), Some(q)) if q.contains("coming soon") || q.contains("forthcoming") => {
            LanguageValue::NotYetAvailable(c)
        }
        (Some(c), _) => LanguageValue::Code(c),
        (None, _) => LanguageValue::Unknown(value),
    }
}

/// English name of a code.
pub fn language_name(code: &str) -> Option<&'static str> {
    LANGUAGES.iter().find(|(c, _)| *c == code).map(|(_, n)| *n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_names_and_codes() {
        assert_eq!(parse_language("Arabic"), LanguageValue::Code("ar"));
        assert_eq!(parse_language(" chinese "), LanguageValue::Code("zh"));
        assert_eq!(parse_language("pt"), LanguageValue::Code("pt"));
        assert_eq!(
            parse_language("French (coming soon)"),
            LanguageValue::NotYetAvailable("fr")
        );
        assert_eq!(
            parse_language("Klingon"),
            LanguageValue::Unknown("Klingon".into())
        );
    }
}
