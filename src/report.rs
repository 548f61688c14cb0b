//! The import report: what was read, merged, repaired and warned about.

use crate::record::Repair;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub files: Vec<FileReport>,
    /// Entries read from all files, before merging.
    pub entries_read: usize,
    /// Distinct records the imported sources describe.
    pub records: usize,
    pub sources: Vec<SourceReport>,
    /// Records built from several entries (the same publication on several pages).
    pub merged: Vec<Merge>,
    /// Entries that add to a record of another source (`same_as`).
    pub contributions: Vec<Merge>,
    /// (record id, repair)
    pub repairs: Vec<(String, Repair)>,
    pub warnings: Vec<String>,
    /// Written by the bulk loader (new sources, `palermo import`) rather
    /// than in one transaction.
    pub bulk: bool,
}

#[derive(Debug, Serialize)]
pub struct FileReport {
    pub path: String,
    pub layout: String,
    pub entries: usize,
}

#[derive(Debug, Default, Serialize)]
pub struct SourceReport {
    pub id: String,
    pub records: usize,
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    pub removed: usize,
}

#[derive(Debug, Serialize)]
pub struct Merge {
    pub id: String,
    pub from: Vec<String>,
}

/// A record and the source lines it was made from.
impl From<&crate::record::Record> for Merge {
    fn from(r: &crate::record::Record) -> Self {
        Merge {
            id: r.id.clone(),
            from: r
                .provenance
                .iter()
                .map(|p| format!("{}:{}", p.file, p.line))
                .collect(),
        }
    }
}

impl ImportReport {
    pub fn file(&mut self, path: &str, layout: &str, entries: usize) {
        self.files.push(FileReport {
            path: path.to_string(),
            layout: layout.to_string(),
            entries,
        });
    }
}

impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Read {} entries from {} files:",
            self.entries_read,
            self.files.len()
        )?;
        for file in &self.files {
            writeln!(
                f,
                "  {} ({}): {} entries",
                file.path, file.layout, file.entries
            )?;
        }
        writeln!(
            f,
            "Records: {}{}",
            self.records,
            if self.bulk {
                " (new sources, written by the bulk loader)"
            } else {
                ""
            }
        )?;
        for s in &self.sources {
            writeln!(
                f,
                "  source {}: {} records ({} added, {} changed, {} unchanged, {} removed)",
                s.id, s.records, s.added, s.changed, s.unchanged, s.removed
            )?;
        }
        writeln!(
            f,
            "Merged: {} records from several entries",
            self.merged.len()
        )?;
        for m in &self.merged {
            writeln!(f, "  {} <- {}", m.id, m.from.join(", "))?;
        }
        writeln!(f, "Linked across sources: {}", self.contributions.len())?;
        for m in &self.contributions {
            writeln!(f, "  {} <- {}", m.id, m.from.join(", "))?;
        }
        let guesses = self.repairs.iter().filter(|(_, r)| r.guess).count();
        writeln!(
            f,
            "Repairs: {} ({} guesses to review)",
            self.repairs.len(),
            guesses
        )?;
        for (id, r) in &self.repairs {
            writeln!(
                f,
                "  {id} [{}]{} {:?} -> {:?}: {}",
                r.field,
                if r.guess { " GUESS" } else { "" },
                r.original,
                r.repaired,
                r.reason
            )?;
        }
        writeln!(f, "Warnings: {}", self.warnings.len())?;
        for w in &self.warnings {
            writeln!(f, "  {w}")?;
        }
        Ok(())
    }
}
