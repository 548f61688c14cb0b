//! Command line: `serve`, `import`, `query`, `stats`.

use crate::error::Error;
use crate::import::{self, SourceFile};
use crate::rdf::Iris;
use crate::rdf::vocab::dcterms;
use crate::store::{Answer, QueryOptions};
use crate::store::{Dataset, Store};
use clap::{Parser, Subcommand, ValueEnum};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::NamedNodeRef;
use sparesults::{QueryResultsFormat, QueryResultsSerializer};
use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "palermo",
    version,
    about = "Linked-data catalogue and citation service for publications on human trafficking and migrant smuggling"
)]
pub struct Cli {
    /// Directory of the RocksDB store; with --backend, of derived data
    /// only (the search index).
    #[arg(
        long,
        global = true,
        env = "PALERMO_DATA_DIR",
        default_value = "./palermo-data"
    )]
    pub data_dir: PathBuf,
    /// Base IRI of every IRI the service mints.
    #[arg(
        long,
        global = true,
        env = "PALERMO_BASE_IRI",
        default_value = "http://localhost:8080/"
    )]
    pub base_iri: String,
    /// The SPARQL engine that holds the triples, instead of the store in
    /// --data-dir: oxigraph+http://host:port/ (Oxigraph server),
    /// virtuoso+http://host:port/ (Virtuoso) or sparql+http://host:port/path
    /// (any SPARQL 1.1 query endpoint). Credentials for writes come only
    /// from PALERMO_BACKEND_USER and PALERMO_BACKEND_PASSWORD.
    #[arg(long, global = true, env = "PALERMO_BACKEND", value_name = "URL")]
    pub backend: Option<String>,
    /// SPARQL 1.1 Update endpoint of a sparql+http backend.
    #[arg(long, global = true, value_name = "URL", requires = "backend")]
    pub update_url: Option<String>,
    /// Graph Store Protocol endpoint of a sparql+http backend.
    #[arg(long, global = true, value_name = "URL", requires = "backend")]
    pub gsp_url: Option<String>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the catalogue over HTTP. An empty store first loads the shipped catalogue.
    Serve {
        #[arg(long, env = "PALERMO_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Deadline of one SPARQL query, in seconds.
        #[arg(long, default_value_t = 10.0)]
        query_timeout: f64,
        /// Deadline of one SPARQL update, in seconds; one cut off is rolled
        /// back. Must stay below --request-timeout.
        #[arg(long, env = "PALERMO_UPDATE_TIMEOUT", default_value_t = 20.0)]
        update_timeout: f64,
        /// Most rows (solutions) one SPARQL result returns; more is reported as truncated.
        #[arg(long, default_value_t = 10_000)]
        max_rows: usize,
        /// SPARQL queries evaluated at once in the fast lane.
        #[arg(long, default_value_t = 4)]
        max_concurrent_queries: usize,
        /// Seconds a SPARQL query may run in the fast lane before it must move
        /// to the long-running pool (or get 503 when that is full).
        #[arg(long, default_value_t = 0.5)]
        query_fast_budget: f64,
        /// Seconds a SPARQL query may run on the thread that read the request
        /// before it moves to the blocking pool; 0 always moves it.
        #[arg(long, default_value_t = 0.02)]
        query_inline_budget: f64,
        /// SPARQL queries running past the fast budget at once.
        #[arg(long, default_value_t = 2)]
        max_long_queries: usize,
        /// Largest request body accepted, in bytes.
        #[arg(long, default_value_t = 1 << 20)]
        max_body_bytes: usize,
        /// Largest request head (request line and headers), in bytes; more gets 431.
        #[arg(long, env = "PALERMO_MAX_HEADER_BYTES", default_value_t = 32 << 10)]
        max_header_bytes: usize,
        /// Seconds a client has to send a request head (and to stay idle between requests).
        #[arg(long, env = "PALERMO_HEADER_TIMEOUT", default_value_t = 10.0)]
        header_timeout: f64,
        /// Seconds a client has to send a request body; then 408.
        #[arg(long, env = "PALERMO_BODY_TIMEOUT", default_value_t = 15.0)]
        body_timeout: f64,
        /// Seconds a handler has to start its response; then 503.
        #[arg(long, env = "PALERMO_REQUEST_TIMEOUT", default_value_t = 30.0)]
        request_timeout: f64,
        /// Connections open at once; more wait until one closes.
        #[arg(long, env = "PALERMO_MAX_CONNECTIONS", default_value_t = 1024)]
        max_connections: usize,
        /// IRI prefix SPARQL SERVICE may call (repeatable). None: federation off.
        #[arg(long = "service-allow")]
        service_allow: Vec<String>,
        /// Deadline of one SERVICE call, in seconds.
        #[arg(long, default_value_t = 5.0)]
        service_timeout: f64,
        /// Directory of extra CSL styles (*.csl), offered by file name.
        #[arg(long)]
        styles_dir: Option<PathBuf>,
        /// writer (takes writes with the token) or reader (serves reads,
        /// refuses every write with 503 naming the writer).
        #[arg(long, value_enum, env = "PALERMO_ROLE", default_value_t = crate::http::Role::Writer)]
        role: crate::http::Role,
        /// URL of the writer, named in a reader's refusals of writes.
        #[arg(long, value_name = "URL")]
        writer: Option<String>,
    },
    /// Import source files (listing pages, curated TOML) or directories of them.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Run a SPARQL query against the store and print the results.
    Query {
        query: String,
        #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
        format: OutputFormat,
        /// Deadline, in seconds.
        #[arg(long, default_value_t = 60.0)]
        timeout: f64,
        /// IRI of a graph whose triples make up the default graph
        /// (repeatable), as the protocol's `default-graph-uri`. With this or
        /// `--named-graph`, the query sees exactly the graphs named.
        #[arg(long = "default-graph", value_name = "IRI")]
        default_graphs: Vec<String>,
        /// IRI of a graph the query may name with `GRAPH` (repeatable), as
        /// the protocol's `named-graph-uri`.
        #[arg(long = "named-graph", value_name = "IRI")]
        named_graphs: Vec<String>,
    },
    /// Counts: records, sources, types, categories, triples.
    Stats,
    /// Verify (the default) or rebuild the data derived from the store in
    /// the data directory (the search index, the side file of records),
    /// against the store's generation.
    Index {
        /// Verify: whether the index is sound, of this schema and base, and
        /// how many changes it is behind (exit status 1 when it is unusable).
        #[arg(long, conflicts_with = "rebuild")]
        check: bool,
        /// Rebuild it from the store now, whatever its state.
        #[arg(long)]
        rebuild: bool,
    },
    /// Export records (all, or those matching the filters) to standard output.
    Export {
        /// bibtex, ris, csljson or bibliography.
        #[arg(long)]
        format: String,
        /// Category key (law-enforcement, trafficking, capacity-building).
        #[arg(long)]
        category: Option<String>,
        /// ISO 3166-1 alpha-2 code.
        #[arg(long)]
        country: Option<String>,
        /// Region key (e.g. western-balkans).
        #[arg(long)]
        region: Option<String>,
        /// ISO 639-1 code.
        #[arg(long)]
        language: Option<String>,
        #[arg(long)]
        year_from: Option<i32>,
        #[arg(long)]
        year_to: Option<i32>,
        /// CSL style for --format bibliography (default apa).
        #[arg(long)]
        style: Option<String>,
        /// CSL locale for --format bibliography.
        #[arg(long)]
        locale: Option<String>,
        /// LaTeX-escaped ASCII BibTeX for legacy BibTeX.
        #[arg(long)]
        ascii: bool,
        /// Read every record from the triples, not from the side file of
        /// records (which is used only when it matches the store anyway).
        #[arg(long, hide = true)]
        no_side_file: bool,
    },
    /// Write a synthetic catalogue to stdout, for benchmarks and load tests
    /// (`palermo gen --records 100000 > big.json && palermo import big.json`).
    Gen {
        #[arg(long, default_value_t = 1000)]
        records: usize,
        /// The same seed gives the same records.
        #[arg(long, default_value_t = crate::synthetic::DEFAULT_SEED)]
        seed: u64,
        /// csljson, bibtex or ris (each re-imports with `palermo import`), or
        /// nquads: the quads an import would write, for `oxigraph load` (no
        /// change stamps or provenance; for benchmarks of the store alone).
        #[arg(long, default_value = "csljson")]
        format: String,
    },
    /// Harvest a partner's OAI-PMH repository into a graph of its own
    /// (incremental from the last harvest of the same endpoint, set and format).
    Harvest {
        /// Base URL of the repository (without ?verb=).
        url: String,
        #[arg(long)]
        set: Option<String>,
        /// Harvest from this datestamp instead of where the last harvest ended.
        #[arg(long)]
        from: Option<String>,
        #[arg(long, default_value = "oai_dc")]
        prefix: String,
        /// Source id (graph {base}graph/{id}); derived from the URL when absent.
        #[arg(long)]
        source: Option<String>,
        /// Print the report as JSON.
        #[arg(long)]
        json: bool,
    },
}

/// `palermo query --format`: a table or a SPARQL results format for SELECT
/// and ASK; CONSTRUCT and DESCRIBE print N-Triples unless Turtle is asked for.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OutputFormat {
    Table,
    Json,
    Xml,
    Csv,
    Tsv,
    Ntriples,
    Turtle,
}

/// Run the CLI; returns the process exit code.
pub fn run(cli: Cli) -> Result<(), Error> {
    let iris = Iris::new(&cli.base_iri);
    oxigraph::model::NamedNode::new(iris.base()).map_err(|e| {
        Error::BadRequest(format!(
            "--base-iri {} is not an absolute IRI: {e}",
            cli.base_iri
        ))
    })?;
    let backend = backend(&cli)?;
    match cli.command {
        Command::Serve {
            bind,
            query_timeout,
            update_timeout,
            max_rows,
            max_concurrent_queries,
            query_fast_budget,
            query_inline_budget,
            max_long_queries,
            max_body_bytes,
            max_header_bytes,
            header_timeout,
            body_timeout,
            request_timeout,
            max_connections,
            service_allow,
            service_timeout,
            styles_dir,
            role,
            writer,
        } => {
            let update_timeout = duration(update_timeout, "--update-timeout")?;
            let request_timeout = duration(request_timeout, "--request-timeout")?;
            if update_timeout >= request_timeout {
                // The request limit answers 503 but cannot stop the update,
                // which could then commit after all.
                return Err(Error::BadRequest(format!(
                    "--update-timeout ({} s) must be below --request-timeout ({} s)",
                    update_timeout.as_secs_f32(),
                    request_timeout.as_secs_f32()
                )));
            }
            if backend.is_some() && role == crate::http::Role::Writer {
                return Err(Error::BadRequest(
                    "serve --backend runs only as a reader for now (--role reader): a writer on a remote engine is not yet supported (#24); load the engine with `palermo export`'s N-Quads or the Graph Store Protocol".into(),
                ));
            }
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let config = crate::http::Config {
                bind,
                iris,
                query_timeout: duration(query_timeout, "--query-timeout")?,
                update_timeout,
                max_rows,
                max_concurrent_queries,
                query_fast_budget: duration(query_fast_budget, "--query-fast-budget")?,
                query_inline_budget: Duration::try_from_secs_f64(query_inline_budget).map_err(
                    |_| Error::BadRequest("--query-inline-budget must be 0 or more seconds".into()),
                )?,
                max_long_queries,
                query_queue_wait: crate::http::Config::default().query_queue_wait,
                max_body_bytes,
                max_header_bytes,
                header_timeout: duration(header_timeout, "--header-timeout")?,
                body_timeout: duration(body_timeout, "--body-timeout")?,
                request_timeout,
                max_connections,
                // From the environment only, so it never shows in `ps`.
                token: std::env::var("PALERMO_TOKEN")
                    .ok()
                    .and_then(crate::http::Secret::new),
                service_allow,
                service_timeout: duration(service_timeout, "--service-timeout")?,
                styles_dir,
                derived_dir: Some(cli.data_dir.join(crate::http::DERIVED)),
                role,
                writer,
            };
            let runtime = tokio::runtime::Runtime::new()?;
            runtime.block_on(crate::http::serve(store, config))
        }
        Command::Import { files, json } => {
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let now = time::OffsetDateTime::now_utc();
            if let Some(report) = stream_import(&store, &iris, &files, now)? {
                store.flush()?;
                return print_report(&report, json);
            }
            let sources = collect_files(&files)?;
            // Citation files (.bib, .ris, .json) each become a source of their
            // own; listing pages and curated files go through the importer
            // that merges and repairs them.
            let (citations, pages): (Vec<SourceFile>, Vec<SourceFile>) = sources
                .into_iter()
                .partition(|f| crate::ingest::citations::is_citation_file(&f.path));
            if !citations.is_empty() && !pages.is_empty() {
                return Err(Error::BadRequest(
                    "import citation files (.bib, .ris, .json) separately from listing pages and curated files".into(),
                ));
            }
            let report = if citations.is_empty() {
                import::import(&store, &iris, &pages, now)?
            } else {
                let sources = citations
                    .iter()
                    .map(|f| crate::ingest::citations::citation_source(&f.path, &f.text, &iris))
                    .collect::<Result<Vec<_>, _>>()?;
                import::import_records_with(
                    &store,
                    &iris,
                    sources,
                    now,
                    import::Strategy::BulkWhenNew,
                )?
            };
            store.flush()?;
            print_report(&report, json)
        }
        Command::Query {
            query,
            format,
            timeout,
            default_graphs,
            named_graphs,
        } => {
            let dataset = Dataset::from_request(
                &default_graphs,
                &named_graphs,
                ["--default-graph", "--named-graph"],
            )?;
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let out = std::io::stdout().lock();
            let timeout = duration(timeout, "--timeout")?;
            print_query(&store, &iris, &query, &dataset, format, timeout, out)
        }
        Command::Harvest {
            url,
            set,
            from,
            prefix,
            source,
            json,
        } => {
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let opts = crate::oai::HarvestOptions {
                set,
                from,
                prefix,
                source_id: source,
                ..crate::oai::HarvestOptions::new(url)
            };
            let runtime = tokio::runtime::Runtime::new()?;
            let report = runtime.block_on(crate::oai::harvest(&store, &iris, opts))?;
            store.flush()?;
            print_report(&report, json)
        }
        Command::Export {
            format,
            category,
            country,
            region,
            language,
            year_from,
            year_to,
            style,
            locale,
            ascii,
            no_side_file,
        } => {
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let format = export_format(&format)?;
            let filter = Filter {
                category,
                country,
                region,
                language,
                year_from,
                year_to,
            };
            let ids = filter.ids(&store, &iris)?;
            let opts = crate::export::ExportOptions {
                ascii,
                style,
                locale,
                html: false,
            };
            let side = if no_side_file {
                crate::side::SideFile::disabled(&iris)
            } else {
                crate::side::SideFile::open_for_reading(
                    &cli.data_dir.join(crate::http::DERIVED),
                    &iris,
                )
            };
            let source = side.source(&store)?;
            let out = std::io::stdout().lock();
            let n = crate::export::Exporter::new(iris.clone()).write_records(
                format,
                source.records(ids),
                &opts,
                out,
            )?;
            let reads = side.reads();
            eprintln!(
                "exported {n} records ({} read from the side file, {} from the triples)",
                reads.hits(),
                reads.fallbacks()
            );
            Ok(())
        }
        Command::Gen {
            records,
            seed,
            format,
        } => {
            let out = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            if format == "nquads" {
                let n = crate::synthetic::write_nquads(&iris, seed, records, out)?;
                eprintln!("generated {n} records");
                return Ok(());
            }
            let format = export_format(&format)?;
            let n = crate::export::Exporter::new(iris.clone()).write_records(
                format,
                crate::synthetic::records(seed, records).map(Ok),
                &crate::export::ExportOptions::default(),
                out,
            )?;
            eprintln!("generated {n} records");
            Ok(())
        }
        Command::Stats => {
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            print!("{}", crate::stats::Stats::compute(&store, &iris)?);
            Ok(())
        }
        Command::Index { check: _, rebuild } => {
            let store = open_store(&cli.data_dir, backend.as_ref(), &iris)?;
            let derived = cli.data_dir.join(crate::http::DERIVED);
            let dir = derived.join(crate::http::SEARCH);
            if rebuild {
                let started = std::time::Instant::now();
                let n = crate::search::SearchIndex::rebuild_in(&dir, &store, &iris)?;
                println!(
                    "search index rebuilt in {}: {n} records, generation {}, {:.1} s",
                    dir.display(),
                    crate::rdf::meta::generation(&store, &iris)?,
                    started.elapsed().as_secs_f64()
                );
                let started = std::time::Instant::now();
                let n = crate::side::SideFile::rebuild_in(&derived, &store, &iris)?;
                println!(
                    "side file rebuilt in {}: {n} records, generation {}, {:.1} s",
                    derived.join(crate::side::FILE).display(),
                    crate::rdf::meta::generation(&store, &iris)?,
                    started.elapsed().as_secs_f64()
                );
                return Ok(());
            }
            let check = crate::search::SearchIndex::check(&dir, &store, &iris)?;
            print!("{check}");
            let side = crate::side::SideFile::check(&derived, &store, &iris)?;
            print!("{side}");
            if !check.usable() {
                Err(Error::BadRequest(format!(
                    "the search index in {} is not usable; `palermo index --rebuild` rebuilds it (serve also does, at start)",
                    dir.display()
                )))
            } else if !side.usable() {
                Err(Error::BadRequest(format!(
                    "the side file {} is not usable (exports read the triples meanwhile); `palermo index --rebuild` rebuilds it (serve also does, at start)",
                    side.path.display()
                )))
            } else {
                Ok(())
            }
        }
    }
}

fn export_format(name: &str) -> Result<crate::export::Format, Error> {
    crate::export::Format::from_name(name).ok_or_else(|| {
        Error::BadRequest(format!(
            "unknown --format {name}; known: {}",
            crate::export::Format::ALL.map(|f| f.name()).join(", ")
        ))
    })
}

/// Record filters of `palermo export`, evaluated with SPARQL.
struct Filter {
    category: Option<String>,
    country: Option<String>,
    region: Option<String>,
    language: Option<String>,
    year_from: Option<i32>,
    year_to: Option<i32>,
}

impl Filter {
    fn ids(&self, store: &Store, iris: &Iris) -> Result<Vec<String>, Error> {
        let key = |k: &str, what: &str| -> Result<String, Error> {
            if k.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !k.is_empty() {
                Ok(k.to_string())
            } else {
                Err(Error::BadRequest(format!("--{what} {k:?} is not a key")))
            }
        };
        let mut pattern = format!("?r a {} .\n", dcterms::BIBLIOGRAPHIC_RESOURCE);
        // Each option: its name, the property, the concept's IRI from its key.
        type Concept = fn(&Iris, &str) -> oxigraph::model::NamedNode;
        let facets: [(&str, NamedNodeRef<'_>, Concept); 4] = [
            ("category", dcterms::SUBJECT, Iris::category),
            ("country", dcterms::SPATIAL, Iris::country),
            ("region", dcterms::SPATIAL, Iris::region),
            ("language", dcterms::LANGUAGE, Iris::language),
        ];
        let values = [
            self.category.clone(),
            self.country.as_ref().map(|c| c.to_uppercase()),
            self.region.clone(),
            self.language.as_ref().map(|l| l.to_lowercase()),
        ];
        for ((what, property, concept), value) in facets.into_iter().zip(values) {
            if let Some(v) = value {
                pattern += &format!("?r {property} {} .\n", concept(iris, &key(&v, what)?));
            }
        }
        if self.year_from.is_some() || self.year_to.is_some() {
            pattern += &format!("?r {} ?y .\n", dcterms::ISSUED);
            if let Some(y) = self.year_from {
                pattern += &format!("FILTER(YEAR(?y) >= {y})\n");
            }
            if let Some(y) = self.year_to {
                pattern += &format!("FILTER(YEAR(?y) <= {y})\n");
            }
        }
        let query = format!("SELECT DISTINCT ?r WHERE {{ {pattern} }} ORDER BY ?r");
        store.query(&query, Duration::from_secs(600), |results| {
            let mut ids = Vec::new();
            if let Answer::Solutions(solutions) = results {
                for s in solutions {
                    if let Some(oxigraph::model::Term::NamedNode(n)) = s?.get("r")
                        && let Some(id) = iris.record_id(n.as_str())
                    {
                        ids.push(id.to_string());
                    }
                }
            }
            Ok(ids)
        })
    }
}

/// An import or harvest report, for people or (`--json`) for scripts.
fn print_report(
    report: &(impl std::fmt::Display + serde::Serialize),
    json: bool,
) -> Result<(), Error> {
    if json {
        let text = serde_json::to_string_pretty(report)
            .map_err(|e| Error::internal("the JSON report", e))?;
        println!("{text}");
    } else {
        print!("{report}");
    }
    Ok(())
}

/// `--backend` with `--update-url` and `--gsp-url`, parsed.
fn backend(cli: &Cli) -> Result<Option<crate::remote::Backend>, Error> {
    let Some(url) = &cli.backend else {
        return Ok(None);
    };
    let bad = |e: crate::remote::BadBackend| Error::BadRequest(e.to_string());
    let mut backend: crate::remote::Backend = url.parse().map_err(bad)?;
    if let Some(u) = &cli.update_url {
        backend = backend.with_update_url(u).map_err(bad)?;
    }
    if let Some(u) = &cli.gsp_url {
        backend = backend.with_gsp_url(u).map_err(bad)?;
    }
    Ok(Some(backend))
}

/// Open the store (in `dir`, or the remote engine of `backend`), refuse a
/// base IRI it was not written with (`meta::check_base`), and finish any
/// bulk import a crash interrupted, before anything reads it. On a remote
/// engine, which this process only reads, recovery is the writer's.
fn open_store(
    dir: &std::path::Path,
    backend: Option<&crate::remote::Backend>,
    iris: &Iris,
) -> Result<Store, Error> {
    let store = match backend {
        Some(backend) => Store::remote(
            crate::remote::Client::from_env(backend.clone())
                .map_err(|e| Error::BadRequest(e.to_string()))?,
        ),
        None => Store::open(dir)?,
    };
    crate::rdf::meta::check_base(&store, iris)?;
    if !store.is_remote() {
        import::bulk::recover(&store, iris)?;
    }
    Ok(store)
}

fn duration(seconds: f64, flag: &str) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::BadRequest(format!("{flag} must be a positive number of seconds")))
}

/// Expand directories (sorted, recursively) and read every file.
/// One CSL-JSON or RIS file that starts a new source is read as a stream
/// and written by the bulk loader, so its size is not bounded by memory
/// (`csljson::Stream`, `import::bulk::import_stream`). Anything else is read
/// whole; `None` says so.
fn stream_import(
    store: &Store,
    iris: &Iris,
    files: &[PathBuf],
    now: time::OffsetDateTime,
) -> Result<Option<crate::report::ImportReport>, Error> {
    use crate::ingest::citations::{citation_header, record_stream};
    let [file] = files else {
        return Ok(None);
    };
    if file.is_dir() {
        return Ok(None);
    }
    let path = provenance_path(file);
    let Ok((format, source)) = citation_header(&path) else {
        return Ok(None);
    };
    if !import::bulk::is_new(store, iris, &iris.graph(&source.id))? {
        return Ok(None);
    }
    let reader = std::fs::File::open(file)
        .map(|f| std::io::BufReader::with_capacity(1 << 20, f))
        .map_err(|e| Error::internal(file.display().to_string(), e))?;
    let Some(records) = record_stream(format, &path, reader, iris) else {
        return Ok(None);
    };
    import::bulk::import_stream(store, iris, &source, records, now).map(Some)
}

/// Provenance records the path relative to where the import runs, so the
/// same files give the same triples from any checkout.
fn provenance_path(file: &Path) -> String {
    let cwd = std::env::current_dir().ok();
    let path = match cwd.as_ref().and_then(|c| file.strip_prefix(c).ok()) {
        Some(rel) => rel.display().to_string(),
        None => file.display().to_string(),
    };
    path.trim_start_matches("./").to_string()
}

fn collect_files(paths: &[PathBuf]) -> Result<Vec<SourceFile>, Error> {
    let mut files = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found = Vec::new();
            walk(p, &mut found)?;
            found.sort();
            files.extend(found);
        } else {
            files.push(p.clone());
        }
    }
    files
        .iter()
        .map(|f| {
            let mut source = SourceFile::read(f)?;
            source.path = provenance_path(f);
            Ok(source)
        })
        .collect()
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            walk(&path, out)?;
        } else if path.extension().is_some_and(|e| {
            ["txt", "toml", "bib", "ris", "json"]
                .iter()
                .any(|x| e == *x)
        }) {
            out.push(path);
        }
    }
    Ok(())
}

/// Print query results: a table for people, or a standard SPARQL results format.
/// The options of a query: with `pal:score` and `pal:matches` over the
/// search index the server builds from the same store, so that a query
/// copied from the query page runs here too. The index is built only for a
/// query that names them: indexing reads every record (seconds for a large
/// store).
fn options_for(
    store: &Store,
    iris: &Iris,
    query: &spargebra::Query,
) -> Result<QueryOptions, Error> {
    use crate::rdf::vocab::pal;
    let text = query.to_string();
    let calls_search = [pal::SCORE, pal::MATCHES]
        .iter()
        .any(|f| text.contains(&iris.vocab(f).to_string()));
    if !calls_search {
        return Ok(QueryOptions::default());
    }
    let index = crate::search::SearchIndex::build(store, iris)?;
    Ok(crate::search::sparql::register(
        QueryOptions::default(),
        &index,
        iris,
    ))
}

pub fn print_query(
    store: &Store,
    iris: &Iris,
    query: &str,
    dataset: &Dataset,
    format: OutputFormat,
    timeout: Duration,
    mut out: impl Write,
) -> Result<(), Error> {
    crate::store::guard::check_depth(query)?;
    let parsed = spargebra::SparqlParser::new()
        .parse_query(query)
        .map_err(|e| Error::BadQuery(e.to_string()))?;
    let options = options_for(store, iris, &parsed)?;
    store.evaluate(&options, parsed, dataset, timeout, |results| {
        let results_format = match format {
            OutputFormat::Table => None,
            OutputFormat::Json => Some(QueryResultsFormat::Json),
            OutputFormat::Xml => Some(QueryResultsFormat::Xml),
            OutputFormat::Csv => Some(QueryResultsFormat::Csv),
            OutputFormat::Tsv => Some(QueryResultsFormat::Tsv),
            OutputFormat::Ntriples | OutputFormat::Turtle => {
                if !matches!(results, Answer::Graph(_)) {
                    return Err(Error::BadRequest(
                        "--format ntriples and turtle are for CONSTRUCT and DESCRIBE; use table, json, xml, csv or tsv".into(),
                    ));
                }
                None
            }
        };
        match (results, results_format) {
            (Answer::Boolean(b), None) => writeln!(out, "{b}").map_err(Error::from),
            (Answer::Boolean(b), Some(f)) => {
                QueryResultsSerializer::from_format(f)
                    .serialize_boolean_to_writer(&mut out, b)
                    ?;
                Ok(())
            }
            (Answer::Solutions(solutions), None) => {
                let vars: Vec<String> = solutions
                    .variables()
                    .iter()
                    .map(|v| v.as_str().to_string())
                    .collect();
                let mut rows = Vec::new();
                for s in solutions {
                    let s = s?;
                    rows.push(
                        vars.iter()
                            .map(|v| s.get(v.as_str()).map(|t| t.to_string()).unwrap_or_default())
                            .collect::<Vec<_>>(),
                    );
                }
                write_table(&mut out, &vars, &rows).map_err(Error::from)
            }
            (Answer::Solutions(solutions), Some(f)) => {
                let mut ser = QueryResultsSerializer::from_format(f)
                    .serialize_solutions_to_writer(&mut out, solutions.variables().to_vec())
                    ?;
                for s in solutions {
                    ser.serialize(&s?)?;
                }
                ser.finish()?;
                Ok(())
            }
            (Answer::Graph(triples), _) => {
                let rdf = match format {
                    OutputFormat::Turtle => RdfFormat::Turtle,
                    _ => RdfFormat::NTriples,
                };
                let mut ser = RdfSerializer::from_format(rdf).for_writer(&mut out);
                for t in triples {
                    ser.serialize_triple(&t?)?;
                }
                ser.finish()?;
                Ok(())
            }
        }
    })
}

fn write_table(out: &mut impl Write, vars: &[String], rows: &[Vec<String>]) -> std::io::Result<()> {
    let widths: Vec<usize> = (0..vars.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([vars[i].len() + 1])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join(" | ")
            .trim_end()
            .to_string()
    };
    writeln!(
        out,
        "{}",
        line(vars.iter().map(|v| format!("?{v}")).collect())
    )?;
    writeln!(
        out,
        "{}",
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .join("-+-")
    )?;
    for r in rows {
        writeln!(out, "{}", line(r.clone()))?;
    }
    writeln!(out, "({} rows)", rows.len())
}
