//! The shipped catalogue, embedded in the binary so that `serve` on an empty
//! data directory needs nothing else on disk.

use crate::import::SourceFile;

/// (path as recorded in provenance, text). Paths are relative to the repository.
const FILES: [(&str, &str); 5] = [
    (
        "data/portal/000_e23c9f4de82e5c68.txt",
        include_str!("../data/portal/000_e23c9f4de82e5c68.txt"),
    ),
    (
        "data/portal/001_640d2a1d6da21558.txt",
        include_str!("../data/portal/001_640d2a1d6da21558.txt"),
    ),
    (
        "data/portal/002_7dcb1351ec7842b8.txt",
        include_str!("../data/portal/002_7dcb1351ec7842b8.txt"),
    ),
    (
        "data/portal/003_f0068be67fa4eb83.txt",
        include_str!("../data/portal/003_f0068be67fa4eb83.txt"),
    ),
    ("data/unodc.toml", include_str!("../data/unodc.toml")),
];

/// The shipped sources, ready for `import::import`.
pub fn shipped() -> Vec<SourceFile> {
    FILES
        .iter()
        .map(|(path, text)| SourceFile {
            path: path.to_string(),
            text: text.to_string(),
        })
        .collect()
}
