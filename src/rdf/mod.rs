//! RDF vocabulary constants and the IRIs Palermo mints under its base.

pub mod describe;
pub mod jsonld;
pub mod mapping;
pub mod meta;
pub mod read;
pub mod schemes;
pub mod vocab;

use oxigraph::model::{GraphName, NamedNode};

/// Namespaces, for prefix declarations (Turtle, SPARQL examples, VoID).
pub mod ns {
    use super::vocab;
    pub const RDF: &str = "http://www.w3.org/1999/02/22-rdf-syntax-ns#";
    pub const RDFS: &str = "http://www.w3.org/2000/01/rdf-schema#";
    pub const XSD: &str = "http://www.w3.org/2001/XMLSchema#";
    pub const OWL: &str = vocab::owl::NS;
    pub const DCTERMS: &str = vocab::dcterms::NS;
    pub const SCHEMA: &str = vocab::schema::NS;
    pub const BIBO: &str = vocab::bibo::NS;
    pub const FOAF: &str = vocab::foaf::NS;
    pub const SKOS: &str = vocab::skos::NS;
    pub const PROV: &str = vocab::prov::NS;
    pub const DCAT: &str = vocab::dcat::NS;
    pub const VOID: &str = vocab::void::NS;
    pub const RDAU: &str = vocab::rdau::NS;
}

/// A chapter's book (`Record::container`) and a work's place of
/// publication in RDF: declared once, for `mapping` (writing) and `read`.
/// The book is a node of the record's document (`{record}#book`), not a
/// record of the catalogue: `schema:Book` and `bibo:Book`, never
/// `dcterms:BibliographicResource`.
pub mod container {
    use super::vocab::{bibo, dcterms, rdau, schema};
    use oxigraph::model::NamedNodeRef;

    /// Record -> its book (each written, the first read).
    pub const IS_PART_OF: [NamedNodeRef<'static>; 2] = [dcterms::IS_PART_OF, schema::IS_PART_OF];
    /// The book's classes.
    pub const BOOK: [NamedNodeRef<'static>; 2] = [bibo::BOOK, schema::BOOK];
    /// Book -> each editor (agent IRIs; each written, the first read).
    pub const EDITOR: [NamedNodeRef<'static>; 2] = [bibo::EDITOR, schema::EDITOR];
    /// Book -> its editors in order, an RDF list like `bibo:authorList`.
    pub const EDITOR_LIST: NamedNodeRef<'static> = bibo::EDITOR_LIST;
    /// The fragment of the book node in the record's document.
    pub const FRAGMENT: &str = "book";
    /// Record -> its place of publication, a literal as the source writes
    /// it (RDA "has place of publication"; schema.org and BIBO have none).
    pub const PLACE: NamedNodeRef<'static> = rdau::PLACE_OF_PUBLICATION;
}

/// Prefixes for Turtle output and for SPARQL examples.
/// A serialiser that declares these prefixes (N-Triples ignores them).
pub fn with_prefixes<P: AsRef<str>>(
    mut serializer: oxigraph::io::RdfSerializer,
    prefixes: impl IntoIterator<Item = (&'static str, P)>,
) -> Result<oxigraph::io::RdfSerializer, crate::error::Error> {
    for (p, iri) in prefixes {
        serializer = serializer
            .with_prefix(p, iri.as_ref())
            .map_err(|e| crate::error::Error::internal(format!("the prefix {p}:"), e))?;
    }
    Ok(serializer)
}

pub fn prefixes(base: &str) -> Vec<(&'static str, String)> {
    vec![
        ("rdf", ns::RDF.into()),
        ("rdfs", ns::RDFS.into()),
        ("xsd", ns::XSD.into()),
        ("owl", ns::OWL.into()),
        ("dcterms", ns::DCTERMS.into()),
        ("schema", ns::SCHEMA.into()),
        ("bibo", ns::BIBO.into()),
        ("foaf", ns::FOAF.into()),
        ("skos", ns::SKOS.into()),
        ("prov", ns::PROV.into()),
        ("rdau", ns::RDAU.into()),
        ("pal", format!("{base}ontology#")),
    ]
}

/// Every IRI Palermo mints, derived from the configured base.
#[derive(Debug, Clone)]
pub struct Iris {
    base: String,
}

impl Iris {
    /// `base` must end with '/'; one is added if missing.
    pub fn new(base: &str) -> Self {
        let mut base = base.to_string();
        if !base.ends_with('/') {
            base.push('/');
        }
        Iris { base }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn node(&self, path: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{}{path}", self.base))
    }

    pub fn record(&self, id: &str) -> NamedNode {
        self.node(&format!("records/{id}"))
    }

    /// A node inside a record's document (author list cells, repairs).
    pub fn record_part(&self, id: &str, fragment: &str) -> NamedNode {
        self.node(&format!("records/{id}#{fragment}"))
    }

    /// The record id of a record IRI (or of one of its parts).
    pub fn record_id<'a>(&self, iri: &'a str) -> Option<&'a str> {
        let rest = iri.strip_prefix(&self.base)?.strip_prefix("records/")?;
        let id = rest.split('#').next()?;
        (!id.is_empty() && !id.contains('/')).then_some(id)
    }

    pub fn agent(&self, key: &str) -> NamedNode {
        self.node(&format!("id/agent/{key}"))
    }
    pub fn country(&self, code: &str) -> NamedNode {
        self.node(&format!("id/country/{code}"))
    }
    pub fn region(&self, key: &str) -> NamedNode {
        self.node(&format!("id/region/{key}"))
    }
    pub fn category(&self, key: &str) -> NamedNode {
        self.node(&format!("id/category/{key}"))
    }
    pub fn language(&self, code: &str) -> NamedNode {
        self.node(&format!("id/language/{code}"))
    }
    pub fn scheme(&self, kind: &str) -> NamedNode {
        self.node(&format!("id/{kind}/"))
    }
    /// A term of our own vocabulary, served at `/ontology`.
    pub fn vocab(&self, local: &str) -> NamedNode {
        self.node(&format!("ontology#{local}"))
    }
    pub fn graph(&self, source: &str) -> NamedNode {
        self.node(&format!("graph/{source}"))
    }
    /// One file of a source (a listing page), described in the meta graph.
    pub fn source_file(&self, source: &str, file_stem: &str) -> NamedNode {
        self.node(&format!("graph/{source}#{file_stem}"))
    }
    /// Descriptions of agents and the SKOS schemes: shared by all sources.
    pub fn vocab_graph(&self) -> GraphName {
        self.graph("vocab").into()
    }
    /// Modification dates, deletions and source descriptions.
    pub fn meta_graph(&self) -> GraphName {
        self.meta_node().into()
    }
    /// The meta graph's IRI as a subject: what Palermo says of the whole
    /// store (its generation, record count, last change).
    pub fn meta_node(&self) -> NamedNode {
        self.graph("meta")
    }
    /// The change log entry of one generation (`rdf::meta::commit`).
    pub fn change_entry(&self, generation: u64) -> NamedNode {
        self.node(&format!("graph/meta/change/{generation}"))
    }
    /// The ontology itself (classes and properties).
    pub fn ontology_graph(&self) -> GraphName {
        self.graph("ontology").into()
    }
    /// Graphs managed by Palermo itself, never by an import of records.
    pub fn is_system_graph(&self, graph: &str) -> bool {
        ["vocab", "meta", "ontology"]
            .iter()
            .any(|g| graph == self.graph(g).as_str())
    }
}
