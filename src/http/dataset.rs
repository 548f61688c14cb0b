//! Dataset-level resources: `/void` (VoID + DCAT with counts from the
//! store), the full dumps `/dump.nq.gz` and `/dump.ttl.gz` streamed from one
//! snapshot, `/sitemap.xml` and `/robots.txt`.

use super::AppState;
use super::negotiate::{self, Negotiated, choose, wants_html};
use super::pages::{self, Doc};
use super::plumbing::{self, Representation, blocking, parse_modified, query_param, streamed};
use crate::error::Error;
use crate::oai::xml::Xml;
use crate::rdf::describe::{self, Kind};
use crate::rdf::vocab::{self, dcat, dcterms, foaf, sd};
use crate::rdf::{Iris, meta, ns, read};
use crate::store::{Answer, Store};
use axum::extract::{RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::vocab::{rdf, xsd};
use oxigraph::model::{Graph, Literal, NamedNode, NamedNodeRef, Term, Triple, TripleRef};
use std::io::Write;
use std::time::Duration;

/// The catalogue's metadata licence: CC0, as bibliographic metadata usually
/// is (Crossref, DataCite, Zenodo), so partners can reuse it freely.
pub const LICENSE: &str = "http://creativecommons.org/publicdomain/zero/1.0/";

/// Namespaces a vocabulary may come from, with the vocabulary's IRI for
/// `void:vocabulary`: the namespace, without the `#` of a hash namespace.
fn vocabularies(iris: &Iris) -> Vec<(String, String)> {
    let ours = format!("{}ontology#", iris.base());
    [
        ns::DCTERMS,
        ns::SCHEMA,
        ns::BIBO,
        ns::FOAF,
        ns::SKOS,
        ns::PROV,
        ns::OWL,
        ns::RDFS,
        &ours,
    ]
    .into_iter()
    .map(|namespace| {
        let vocabulary = namespace.trim_end_matches('#');
        (namespace.to_string(), vocabulary.to_string())
    })
    .collect()
}

/// The SPARQL queries behind `/void`'s numbers (union of all graphs), so
/// anyone can check them at `/sparql`.
pub mod counts {
    pub const TRIPLES: &str =
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o } }";
    pub const ENTITIES: &str =
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o FILTER(isIRI(?s)) }";
    pub const CLASSES: &str = "SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }";
    pub const PROPERTIES: &str = "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }";
    pub const SUBJECTS: &str = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s ?p ?o }";
    pub const OBJECTS: &str = "SELECT (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o }";
    pub const RECORDS: &str = "PREFIX dcterms: <http://purl.org/dc/terms/> SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource }";
    pub const BY_CLASS: &str =
        "SELECT ?k (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s a ?k } GROUP BY ?k ORDER BY ?k";
    pub const BY_PROPERTY: &str = "SELECT ?k (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?k ?o WHERE { ?s ?k ?o } } GROUP BY ?k ORDER BY ?k";
    pub const BY_GRAPH: &str =
        "SELECT ?k (COUNT(*) AS ?n) WHERE { GRAPH ?k { ?s ?p ?o } } GROUP BY ?k ORDER BY ?k";
}

fn number(term: Option<&Term>) -> Result<u64, Error> {
    match term {
        Some(Term::Literal(l)) => l
            .value()
            .parse()
            .map_err(|e| Error::internal("count is not a number", e)),
        _ => Ok(0),
    }
}

/// One number from a one-row `?n` query.
fn count(store: &Store, query: &str, timeout: Duration) -> Result<u64, Error> {
    store.query(query, timeout, |results| match results {
        Answer::Solutions(mut s) => match s.next() {
            Some(row) => number(row?.get("n")),
            None => Ok(0),
        },
        _ => Err(Error::internal(
            "counting",
            "the count query did not select",
        )),
    })
}

/// (?k, ?n) rows of a grouped count.
fn grouped(store: &Store, query: &str, timeout: Duration) -> Result<Vec<(NamedNode, u64)>, Error> {
    store.query(query, timeout, |results| match results {
        Answer::Solutions(s) => {
            let mut out = Vec::new();
            for row in s {
                let row = row?;
                if let Some(Term::NamedNode(k)) = row.get("k") {
                    out.push((k.clone(), number(row.get("n"))?));
                }
            }
            Ok(out)
        }
        _ => Err(Error::internal(
            "counting",
            "the count query did not select",
        )),
    })
}

/// Build the VoID + DCAT description.
pub fn void_graph(store: &Store, iris: &Iris, timeout: Duration) -> Result<Graph, Error> {
    let base = iris.base();
    let node = |s: &str| NamedNode::new_unchecked(format!("{base}{s}"));
    use vocab::void as v;
    let en = |s: &str| Literal::new_language_tagged_literal_unchecked(s, "en");
    let int = |n: u64| Literal::new_typed_literal(n.to_string(), xsd::INTEGER);
    let mut g = Graph::new();
    let mut add = |s: &NamedNode, p: NamedNodeRef<'_>, o: Term| {
        g.insert(&Triple::new(s.clone(), p, o));
    };

    let doc = node("void");
    let ds = node("void#dataset");
    let sparql = node("sparql");
    add(&doc, rdf::TYPE, v::DATASET_DESCRIPTION.into());
    add(
        &doc,
        dcterms::TITLE,
        en("Description of the Palermo dataset").into(),
    );
    add(&doc, foaf::PRIMARY_TOPIC, ds.clone().into());

    add(&ds, rdf::TYPE, v::DATASET.into());
    add(&ds, rdf::TYPE, dcat::DATASET.into());
    add(&ds, dcterms::TITLE, en("Palermo").into());
    add(&ds, dcterms::DESCRIPTION, en("A linked-data catalogue of publications on human trafficking and migrant smuggling: manuals, reports, policy briefs and toolkits from UNODC, ICMPD, IOM, OSCE and others.").into());
    add(
        &ds,
        dcterms::LICENSE,
        NamedNode::new_unchecked(LICENSE).into(),
    );
    add(&ds, dcat::LANDING_PAGE, node("").into());
    add(&ds, foaf::HOMEPAGE, node("").into());
    for k in [
        "human trafficking",
        "migrant smuggling",
        "trafficking in persons",
        "bibliography",
    ] {
        add(&ds, dcat::KEYWORD, en(k).into());
    }
    if let Some(m) = meta::last_modified(store, iris)? {
        add(
            &ds,
            dcterms::MODIFIED,
            Literal::new_typed_literal(m, xsd::DATE_TIME).into(),
        );
    }
    add(&ds, v::URI_SPACE, Literal::new_simple_literal(base).into());
    add(&ds, v::SPARQL_ENDPOINT, sparql.clone().into());
    add(&ds, v::ROOT_RESOURCE, node("id/category/").into());

    for (p, q) in [
        (v::TRIPLES, counts::TRIPLES),
        (v::ENTITIES, counts::ENTITIES),
        (v::CLASSES, counts::CLASSES),
        (v::PROPERTIES, counts::PROPERTIES),
        (v::DISTINCT_SUBJECTS, counts::SUBJECTS),
        (v::DISTINCT_OBJECTS, counts::OBJECTS),
    ] {
        add(&ds, p, int(count(store, q, timeout)?).into());
    }

    let classes = grouped(store, counts::BY_CLASS, timeout)?;
    for (i, (class, n)) in classes.iter().enumerate() {
        let part = node(&format!("void#class-{}", i + 1));
        add(&ds, v::CLASS_PARTITION, part.clone().into());
        add(&part, v::CLASS, class.clone().into());
        add(&part, v::ENTITIES, int(*n).into());
    }
    let properties = grouped(store, counts::BY_PROPERTY, timeout)?;
    for (i, (property, n)) in properties.iter().enumerate() {
        let part = node(&format!("void#property-{}", i + 1));
        add(&ds, v::PROPERTY_PARTITION, part.clone().into());
        add(&part, v::PROPERTY, property.clone().into());
        add(&part, v::TRIPLES, int(*n).into());
    }
    for (graph, n) in grouped(store, counts::BY_GRAPH, timeout)? {
        let name = graph
            .as_str()
            .strip_prefix(&format!("{base}graph/"))
            .unwrap_or(graph.as_str());
        let part = node(&format!("void#graph-{}", crate::normalize::slug(name)));
        add(&ds, v::SUBSET, part.clone().into());
        add(&part, rdf::TYPE, v::DATASET.into());
        add(&part, sd::NAME, graph.clone().into());
        add(&part, v::TRIPLES, int(n).into());
    }
    for (namespace, vocabulary) in vocabularies(iris) {
        let used = classes
            .iter()
            .chain(&properties)
            .any(|(t, _)| t.as_str().starts_with(&namespace));
        if used {
            add(
                &ds,
                v::VOCABULARY,
                NamedNode::new_unchecked(vocabulary).into(),
            );
        }
    }
    let ids = read::record_ids(store, iris)?;
    for id in ids.iter().take(3) {
        add(&ds, v::EXAMPLE_RESOURCE, iris.record(id).into());
    }
    if let Some((country, _)) = describe::counts(store, iris, Kind::Country)?
        .into_iter()
        .max_by_key(|(_, n)| *n)
    {
        add(&ds, v::EXAMPLE_RESOURCE, iris.country(&country).into());
    }

    for (file, media, title) in [
        (
            "dump.nq.gz",
            RdfFormat::NQuads.media_type(),
            "Every named graph, as N-Quads (gzip)",
        ),
        (
            "dump.ttl.gz",
            RdfFormat::Turtle.media_type(),
            "The union of all graphs, as Turtle (gzip)",
        ),
    ] {
        let url = node(file);
        let dist = node(&format!("void#{}", file.replace('.', "-")));
        add(&ds, v::DATA_DUMP, url.clone().into());
        add(&ds, dcat::DISTRIBUTION, dist.clone().into());
        add(&dist, rdf::TYPE, dcat::DISTRIBUTION_CLASS.into());
        add(&dist, dcterms::TITLE, en(title).into());
        add(&dist, dcat::DOWNLOAD_URL, url.clone().into());
        add(&dist, dcat::ACCESS_URL, url.into());
        add(
            &dist,
            dcat::MEDIA_TYPE,
            NamedNode::new_unchecked(format!(
                "http://www.iana.org/assignments/media-types/{media}"
            ))
            .into(),
        );
        add(
            &dist,
            dcat::COMPRESS_FORMAT,
            NamedNode::new_unchecked(
                "http://www.iana.org/assignments/media-types/application/gzip",
            )
            .into(),
        );
        add(
            &dist,
            dcterms::LICENSE,
            NamedNode::new_unchecked(LICENSE).into(),
        );
    }
    let service = node("void#sparql-service");
    add(&service, rdf::TYPE, dcat::DATA_SERVICE.into());
    add(
        &service,
        dcterms::TITLE,
        en("Palermo SPARQL endpoint").into(),
    );
    add(&service, dcat::ENDPOINT_URL, sparql.clone().into());
    add(&service, dcat::ENDPOINT_DESCRIPTION, sparql.into());
    add(&service, dcat::SERVES_DATASET, ds.clone().into());
    add(
        &service,
        dcterms::CONFORMS_TO,
        NamedNode::new_unchecked("https://www.w3.org/TR/sparql11-protocol/").into(),
    );
    Ok(g)
}

/// GET `/void`: VoID and DCAT, in an RDF syntax (Turtle by default).
pub async fn void(
    State(state): State<AppState>,
    Negotiated(method, query, headers): Negotiated,
) -> Result<Response, Error> {
    let accept = negotiate::accept(&headers);
    let browser = wants_html(accept);
    // Browsers get Turtle too (as text), rather than a 406.
    let accept = if browser { None } else { accept };
    let format = query_param(query.as_deref(), "format");
    let doc = choose(accept, format.as_deref(), &Doc::RDF)?.offer;
    let (store, iris, timeout) = (
        state.store.clone(),
        state.config.iris.clone(),
        state.config.query_timeout,
    );
    let built = blocking(move || {
        let graph = void_graph(&store, &iris, timeout)?;
        let body = pages::serialize(&graph, doc, &iris)?;
        let modified = meta::last_modified(&store, &iris)?;
        let content_type = if browser && doc == Doc::Turtle {
            crate::media::PLAIN_UTF8.into()
        } else {
            doc.content_type()
        };
        Ok(Representation::new(content_type, body)
            .modified(modified.as_deref().and_then(parse_modified)))
    })
    .await?;
    Ok(built.respond(&method, &headers))
}

/// Bytes per chunk of a dump.
const CHUNK: usize = 64 * 1024;

/// Write the whole store, from one snapshot, gzipped into `w`. N-Quads keeps
/// every graph; Turtle holds the union, so a triple two graphs share
/// appears twice (Turtle readers merge them) rather than holding the whole
/// store in memory to remove them.
pub fn write_dump<W: Write>(store: &Store, iris: &Iris, quads: bool, w: W) -> Result<W, Error> {
    let gz = flate2::write::GzEncoder::new(w, flate2::Compression::default());
    let mut ser = RdfSerializer::from_format(if quads {
        RdfFormat::NQuads
    } else {
        RdfFormat::Turtle
    });
    if !quads {
        ser = crate::rdf::with_prefixes(ser, crate::rdf::prefixes(iris.base()))?;
    }
    let mut ser = ser.for_writer(gz);
    // `iter` reads one snapshot: concurrent writes never tear the dump.
    for q in store.iter() {
        let q = q?;
        if quads {
            ser.serialize_quad(&q)?;
        } else {
            ser.serialize_triple(TripleRef::from(q.as_ref()))?;
        }
    }
    let gz = ser.finish()?;
    gz.finish().map_err(Error::from)
}

fn dump(state: &AppState, quads: bool) -> Result<Response, Error> {
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let modified = meta::last_modified(&state.store, &iris)?;
    let body = streamed(CHUNK, move |writer| {
        write_dump(&store, &iris, quads, writer)?;
        Ok(())
    });
    let name = if quads {
        "palermo.nq.gz"
    } else {
        "palermo.ttl.gz"
    };
    let mut r = Response::new(body);
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(crate::media::GZIP),
    );
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    if let Some(v) = modified
        .as_deref()
        .and_then(parse_modified)
        .and_then(|t| HeaderValue::from_str(&plumbing::http_date(t)).ok())
    {
        h.insert(header::LAST_MODIFIED, v);
    }
    Ok(r)
}

/// GET `/dump.nq.gz`: every quad, every graph.
pub async fn dump_nquads(State(state): State<AppState>) -> Result<Response, Error> {
    dump(&state, true)
}

/// GET `/dump.ttl.gz`: the union of the graphs, as Turtle.
pub async fn dump_turtle(State(state): State<AppState>) -> Result<Response, Error> {
    dump(&state, false)
}

/// Most URLs in one sitemap file (sitemaps.org).
const SITEMAP_LIMIT: usize = 50_000;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";

fn sitemap_urls(store: &Store, iris: &Iris) -> Result<Vec<(String, Option<String>)>, Error> {
    let base = iris.base();
    let mut urls: Vec<(String, Option<String>)> = vec![
        (base.to_string(), None),
        (format!("{base}ontology"), None),
        (format!("{base}query"), None),
    ];
    let ids = read::record_ids(store, iris)?;
    let modified = meta::modified_each(store, iris, &ids)?;
    for (id, modified) in ids.iter().zip(modified) {
        urls.push((iris.record(id).into_string(), modified));
    }
    for kind in Kind::ALL {
        urls.push((iris.scheme(kind.segment()).into_string(), None));
        for key in describe::counts(store, iris, kind)?.into_keys() {
            urls.push((kind.iri(iris, &key).into_string(), None));
        }
    }
    Ok(urls)
}

/// GET `/sitemap.xml`: the home page, every record, every resource with
/// records and the index pages; a sitemap index past 50,000 URLs.
pub async fn sitemap(
    State(state): State<AppState>,
    RawQuery(query): RawQuery,
) -> Result<Response, Error> {
    let page: Option<usize> = query_param(query.as_deref(), "page").and_then(|p| p.parse().ok());
    let (store, iris) = (state.store.clone(), state.config.iris.clone());
    let xml = blocking(move || {
        let urls = sitemap_urls(&store, &iris)?;
        let pages = urls.len().div_ceil(SITEMAP_LIMIT).max(1);
        let mut xml = Xml::new();
        match page {
            None if pages > 1 => {
                xml.open("sitemapindex", &[("xmlns", SITEMAP_NS)]);
                for p in 1..=pages {
                    xml.open("sitemap", &[])
                        .text("loc", &[], &format!("{}sitemap.xml?page={p}", iris.base()))
                        .close();
                }
                return Ok(Some(xml.finish()));
            }
            Some(p) if p == 0 || p > pages => return Ok(None),
            _ => {}
        }
        let p = page.unwrap_or(1);
        xml.open("urlset", &[("xmlns", SITEMAP_NS)]);
        for (loc, modified) in urls
            .iter()
            .skip((p - 1) * SITEMAP_LIMIT)
            .take(SITEMAP_LIMIT)
        {
            xml.open("url", &[]).text("loc", &[], loc);
            if let Some(m) = modified {
                xml.text("lastmod", &[], m);
            }
            xml.close();
        }
        Ok(Some(xml.finish()))
    })
    .await?
    .ok_or_else(|| Error::NotFound("no such sitemap page".into()))?;
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, crate::media::XML_UTF8)],
        xml,
    )
        .into_response())
}

/// GET `/robots.txt`: crawl the pages, not the endpoints or the dumps.
pub async fn robots(State(state): State<AppState>) -> Response {
    let base = state.config.iris.base();
    let body = format!(
        "# Pages and linked data are for everyone; query endpoints and dumps are not for crawlers.\n\
         User-agent: *\n\
         Disallow: /sparql\n\
         Disallow: /store\n\
         Disallow: /oai\n\
         Disallow: /unapi\n\
         Disallow: /query?\n\
         Disallow: /records?\n\
         Disallow: /dump.nq.gz\n\
         Disallow: /dump.ttl.gz\n\
         Allow: /\n\
         \n\
         Sitemap: {base}sitemap.xml\n"
    );
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, crate::media::PLAIN_UTF8)],
        body,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vocabulary_is_its_namespace_without_the_hash() {
        let vocabularies = vocabularies(&Iris::new("https://example.org/"));
        let of = |namespace: &str| {
            vocabularies
                .iter()
                .find(|(n, _)| n == namespace)
                .map(|(_, v)| v.as_str())
        };
        assert_eq!(of(ns::DCTERMS), Some("http://purl.org/dc/terms/"));
        assert_eq!(of(ns::SKOS), Some("http://www.w3.org/2004/02/skos/core"));
        assert_eq!(of(ns::RDFS), Some("http://www.w3.org/2000/01/rdf-schema"));
        assert_eq!(
            of("https://example.org/ontology#"),
            Some("https://example.org/ontology")
        );
        assert_eq!(vocabularies.len(), 9);
    }
}
