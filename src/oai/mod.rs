//! OAI-PMH 2.0: the data provider (verbs, arguments, XML) and the harvester.
//!
//! Our own module rather than the `oai-pmh-rs` crate (0.2): its headers have
//! no deleted status (no tombstones, so deletions would vanish silently, the
//! very fault this catalogue must not have), a header carries one setSpec,
//! metadata formats are a closed enum without MODS, its resumption tokens
//! are offsets (a deletion between pages skips a record) and the page size
//! is a constant. It has no harvester either.
//!
//! - `args`: verbs, arguments and error codes, checked before the store is read;
//! - `provider`: one request in, one XML document out;
//! - `repository`: items, datestamps and sets as the store holds them;
//! - `formats`: `oai_dc` and MODS 3.6;
//! - `token`: stateless resumption tokens that survive changes between pages;
//! - `harvest`: the harvester, from any OAI-PMH 2.0 repository into a source graph;
//! - `xml`: escaping and writing.

pub mod args;
pub mod formats;
pub mod harvest;
pub mod provider;
pub mod repository;
pub mod token;
pub mod xml;

pub use harvest::{HarvestOptions, HarvestReport, harvest};
pub use provider::{Provider, Settings};
