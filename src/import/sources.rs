//! From parsed files to sources: the portal's pages as one source (one
//! record per distinct title), and a curated file as its own source.

use super::{Mode, SourceBatch};
use crate::error::Error;
use crate::ingest::listing::{self, PORTAL_SOURCE};
use crate::ingest::{Normalised, ParseError, curated};
use crate::normalize::title_key;
use crate::rdf::mapping::Role;
use crate::record::Record;
use crate::report::ImportReport;
use std::collections::HashMap;

/// The portal's pages: one record per distinct title, categories united.
pub(super) fn portal_batch(
    pages: &[(String, listing::ListingPage)],
    report: &mut ImportReport,
) -> SourceBatch {
    let mut records: Vec<Record> = Vec::new();
    let mut by_key: HashMap<String, usize> = HashMap::new();
    for (path, page) in pages {
        for entry in &page.entries {
            report.entries_read += 1;
            let Normalised {
                record: rec,
                warnings,
            } = (path.as_str(), entry).into();
            let where_ = format!("{path}:{}", entry.line);
            report
                .warnings
                .extend(warnings.into_iter().map(|w| format!("{where_}: {w}")));
            match by_key.get(&title_key(&rec.title)) {
                Some(&i) => {
                    let target = &mut records[i];
                    for (field, same) in [
                        ("year", target.year == rec.year),
                        ("authors", target.authors == rec.authors),
                        ("countries", target.countries == rec.countries),
                        ("regions", target.regions == rec.regions),
                        ("abstract", target.abstract_text == rec.abstract_text),
                    ] {
                        if !same {
                            report.warnings.push(format!(
                                "{where_}: \"{}\" appears on several pages with a different {field}; kept the first page's",
                                rec.title
                            ));
                        }
                    }
                    for c in rec.categories {
                        if !target.categories.contains(&c) {
                            target.categories.push(c);
                        }
                    }
                    target.provenance.extend(rec.provenance);
                }
                None => {
                    by_key.insert(title_key(&rec.title), records.len());
                    records.push(rec);
                }
            }
        }
    }
    SourceBatch {
        id: PORTAL_SOURCE.into(),
        title: "Anti-trafficking knowledge portal: listing pages".into(),
        files: pages
            .iter()
            .map(|(p, page)| (p.clone(), format!("Listing page: {}", page.heading)))
            .collect(),
        records: records.into_iter().map(|r| (r, Role::Primary)).collect(),
        mode: Mode::Replace,
    }
}

/// A curated file: one record per publication, or a contribution to a
/// record of another source (`same_as`).
pub(super) fn curated_batch(
    path: &str,
    file: &curated::CuratedFile,
    report: &mut ImportReport,
) -> Result<SourceBatch, Error> {
    let mut records = Vec::new();
    let mut keys = HashMap::new();
    for e in &file.publications {
        report.entries_read += 1;
        let where_ = format!("{path}:{}", e.toml_line);
        if let Some(prev) = keys.insert(title_key(&e.title), e.toml_line) {
            return Err(Error::Parse(ParseError {
                file: path.to_string(),
                line: e.toml_line,
                message: format!(
                    "publication \"{}\" is listed twice (also at line {prev})",
                    e.title
                ),
            }));
        }
        let Normalised { record, warnings } = (&file.source, path, e).into();
        report
            .warnings
            .extend(warnings.into_iter().map(|w| format!("{where_}: {w}")));
        let role = if e.same_as.is_some() {
            Role::Contribution
        } else {
            Role::Primary
        };
        records.push((record, role));
    }
    Ok(SourceBatch {
        id: file.source.id.clone(),
        title: file.source.title.clone(),
        files: vec![(path.to_string(), file.source.title.clone())],
        records,
        mode: Mode::Replace,
    })
}
