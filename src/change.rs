//! The change feed: what each committed write changed, numbered by one
//! generation counter, so that everything derived from the store (the search
//! index, cached answers, rendered references, counts) catches up by the
//! change instead of by a rebuild.
//!
//! Every writer (import, bulk import, harvest, SPARQL Update, Graph Store)
//! describes its write as one [`ChangeSet`] and commits it in the write's own
//! transaction (`rdf::meta::commit`): the generation goes up by one and a
//! log entry names the records touched. Stamps alone would not do: they are
//! whole seconds, and a write to the vocabulary or ontology graphs stamps no
//! record. A follower that reflects generation `g` asks for the changes
//! after `g` (`rdf::meta::changes_since`) and applies their union.

use std::collections::BTreeSet;

/// What one write changed, as the things derived from the store see it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeSet {
    /// Records whose triples changed (added, edited or deleted).
    pub records: BTreeSet<String>,
    /// Something besides records changed (vocabularies, ontology, a bulk
    /// load, a graph cleared): derive everything again.
    pub everything: bool,
    /// How many more (or fewer) live records the store holds afterwards.
    pub live_delta: i64,
}

impl ChangeSet {
    /// A change of these records.
    pub fn records(records: impl IntoIterator<Item = String>) -> Self {
        ChangeSet {
            records: records.into_iter().collect(),
            ..ChangeSet::default()
        }
    }

    /// A change that may have changed anything.
    pub fn everything() -> Self {
        ChangeSet {
            everything: true,
            ..ChangeSet::default()
        }
    }

    /// Whether the write changed nothing: it is not committed to the feed,
    /// so a re-import of unchanged sources leaves the store as it was.
    pub fn is_empty(&self) -> bool {
        !self.everything && self.records.is_empty()
    }

    /// Fold a later change into this one.
    pub fn merge(&mut self, later: ChangeSet) {
        self.everything |= later.everything;
        self.live_delta += later.live_delta;
        if self.everything {
            self.records.clear();
        } else {
            self.records.extend(later.records);
        }
    }
}

/// The changes between two generations, as one follower applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Changes {
    /// The generation the follower reflected.
    pub from: u64,
    /// The generation it reflects once these are applied.
    pub to: u64,
    /// Their union (`everything` when the log no longer holds one of them).
    pub set: ChangeSet,
}

impl Changes {
    /// Whether there is nothing to apply.
    pub fn is_empty(&self) -> bool {
        self.from >= self.to
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn merging_keeps_the_union_and_everything_wins() {
        let mut a = ChangeSet::records(["a".to_string()]);
        a.live_delta = 1;
        a.merge(ChangeSet::records(["b".to_string()]));
        assert_eq!(a.records.len(), 2);
        assert_eq!(a.live_delta, 1);
        a.merge(ChangeSet::everything());
        assert!(a.everything && a.records.is_empty());
        a.merge(ChangeSet::records(["c".to_string()]));
        assert!(a.everything && a.records.is_empty());
        assert!(ChangeSet::default().is_empty());
        assert!(!ChangeSet::everything().is_empty());
    }
}
