//! RIS records as tags and values, in order: what the RIS writer emits and
//! the RIS reader returns, one shape for both.

/// One RIS record: its tags and values, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RisRecord {
    pub tags: Vec<(String, String)>,
}

impl RisRecord {
    /// Values of a tag, in order.
    pub fn values<'a>(&'a self, tag: &str) -> impl Iterator<Item = &'a str> + use<'a> {
        let tag = tag.to_string();
        self.tags
            .iter()
            .filter(move |(t, _)| *t == tag)
            .map(|(_, v)| v.as_str())
    }

    /// The first value of the first of `tags` that has one.
    pub fn first(&self, tags: &[&str]) -> Option<&str> {
        tags.iter().find_map(|t| self.values(t).next())
    }
}
