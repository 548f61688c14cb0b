//! Palermo: a linked-data catalogue and citation service for publications on
//! human trafficking and migrant smuggling.
#![forbid(unsafe_code)]

pub mod catalogue;
pub mod change;
pub mod cli;
pub mod error;
pub mod export;
pub mod http;
pub mod import;
pub mod ingest;
pub mod media;
pub mod metrics;
pub mod normalize;
pub mod oai;
pub mod rdf;
pub mod record;
pub mod remote;
pub mod report;
pub mod search;
pub mod side;
pub mod stats;
pub mod store;
pub mod synthetic;
pub mod update;
pub mod wire;

pub use error::Error;
