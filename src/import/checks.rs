//! Checks across a whole import, before anything is written: every
//! contribution finds its record, and likely duplicates across sources are
//! reported for a curator.

use super::{SourceBatch, SourceFile};
use crate::error::Error;
use crate::ingest::ParseError;
use crate::normalize::slug;
use crate::rdf::Iris;
use crate::rdf::mapping::Role;
use crate::rdf::vocab::dcterms;
use crate::record::Record;
use crate::report::ImportReport;
use crate::store::Store;
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// A contribution must point at a record that exists after this import.
pub(super) fn check_contributions(
    store: &Store,
    iris: &Iris,
    batches: &[SourceBatch],
    files: &[SourceFile],
) -> Result<(), Error> {
    let primary: BTreeSet<&str> = batches
        .iter()
        .flat_map(|b| b.records.iter())
        .filter(|(_, role)| *role == Role::Primary)
        .map(|(r, _)| r.id.as_str())
        .collect();
    let batch_graphs: BTreeSet<String> = batches
        .iter()
        .map(|b| iris.graph(&b.id).as_str().to_string())
        .collect();
    for batch in batches {
        for (r, role) in &batch.records {
            if *role != Role::Contribution || primary.contains(r.id.as_str()) {
                continue;
            }
            let titles = store.quads_for_pattern(
                Some(iris.record(&r.id).as_ref().into()),
                Some(dcterms::TITLE),
                None,
                None,
            );
            let in_store = itertools::process_results(titles, |mut titles| {
                titles.any(|q| {
                    !batch_graphs.contains(
                        q.graph_name
                            .to_string()
                            .trim_matches(|c| c == '<' || c == '>'),
                    )
                })
            })?;
            if !in_store {
                let p = &r.provenance[0];
                let line = files
                    .iter()
                    .find(|f| f.path == p.file)
                    .and_then(|f| {
                        f.text
                            .find(&format!("same_as = \"{}\"", r.id))
                            .map(|pos| f.text[..pos].matches('\n').count() + 1)
                    })
                    .unwrap_or(0);
                return Err(Error::Parse(ParseError {
                    file: p.file.clone(),
                    line,
                    message: format!(
                        "same_as = \"{}\": no such record in this import or in the store",
                        r.id
                    ),
                }));
            }
        }
    }
    Ok(())
}

/// Titles that share most of their words across sources, but are not
/// linked by `same_as`: a curator should look.
pub(super) fn warn_possible_duplicates(batches: &[SourceBatch], report: &mut ImportReport) {
    let words = |t: &str| -> BTreeSet<String> {
        slug(t)
            .split('-')
            .filter(|w| w.len() > 3)
            .map(str::to_string)
            .collect()
    };
    let primaries: Vec<(&str, &Record)> = batches
        .iter()
        .flat_map(|b| {
            b.records
                .iter()
                .filter(|(_, role)| *role == Role::Primary)
                .map(move |(r, _)| (b.id.as_str(), r))
        })
        .collect();
    let word_sets: Vec<BTreeSet<String>> = primaries.iter().map(|(_, r)| words(&r.title)).collect();
    // Only pairs across sources count, so index each source's words apart:
    // an import of one large file then costs one pass, not n² comparisons.
    let mut postings: BTreeMap<&str, HashMap<&str, Vec<usize>>> = BTreeMap::new();
    for (j, ((source, _), ws)) in primaries.iter().zip(&word_sets).enumerate() {
        let index = postings.entry(source).or_default();
        for w in ws {
            index.entry(w.as_str()).or_default().push(j);
        }
    }
    for (i, (sa, a)) in primaries.iter().enumerate() {
        let wa = &word_sets[i];
        let mut common: BTreeMap<usize, usize> = BTreeMap::new();
        for (_, index) in postings.iter().filter(|(sb, _)| *sb != sa) {
            for w in wa {
                for &j in index.get(w.as_str()).into_iter().flatten() {
                    if j > i {
                        *common.entry(j).or_default() += 1;
                    }
                }
            }
        }
        for (j, common) in common {
            let (sb, b) = primaries[j];
            let smaller = wa.len().min(word_sets[j].len()).max(1);
            if common * 4 >= smaller * 3 && common >= 3 {
                report.warnings.push(format!(
                    "possible duplicate across sources: \"{}\" ({sa}) and \"{}\" ({sb}); link them with same_as if they are one work",
                    a.id, b.id
                ));
            }
        }
    }
}
