//! Every integration test, in one crate: one binary links the store once
//! instead of once per file. Each module is one surface or concern, tested
//! from outside through the library, the CLI or a real server on 127.0.0.1;
//! run one with `cargo test --test integration <module>::`.

// Shared by several modules; not every module uses every helper.
#[allow(dead_code)]
mod cdp;
#[allow(dead_code)]
mod common;
#[allow(dead_code)]
mod engines;
#[allow(dead_code)]
mod export_support;
#[allow(dead_code)]
mod fault_proxy;
#[allow(dead_code)]
mod oai_support;

mod backend;
mod browser_query;
mod bulk_import;
mod capture;
mod catalogue;
mod cli;
mod derived;
mod export;
mod export_memory;
mod export_parsers;
mod export_roundtrip;
mod export_types;
mod faults;
mod fuzz_regressions;
mod hostile;
mod http;
mod import;
mod latex;
mod linked_data;
mod linked_data_browser;
mod metrics;
mod oai;
mod oai_harvest;
mod query_browser;
mod query_page_api;
mod remote;
mod responses;
mod search;
mod search_browser;
mod search_http;
mod shacl;
mod side_file;
mod sparql;
mod w3c;
