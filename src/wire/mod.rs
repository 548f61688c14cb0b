//! The citation formats' wire shapes, shared by the readers (`ingest`) and
//! the writers (`export`): what a CSL-JSON item and a RIS record are, apart
//! from how a `Record` maps to them (`export`) and back (`ingest`).

pub mod csl;
pub mod ris;
