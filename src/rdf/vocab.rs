//! Terms of the vocabularies we write and read, as constants (like oxigraph's
//! `vocab` module), each namespace and each term spelled once.
//!
//! Our own ontology's terms are local names in `pal`: their IRIs live under
//! the configured base (`Iris::vocab`). rdf, rdfs and xsd come from
//! `oxigraph::model::vocab`.

/// One module per vocabulary: its namespace (`NS`) and a `NamedNodeRef`
/// constant per term, the IRI built at compile time.
macro_rules! vocabulary {
    ($(#[$doc:meta])* $module:ident = $ns:literal {
        $($(#[$term_doc:meta])* $name:ident = $local:literal,)*
    }) => {
        $(#[$doc])*
        pub mod $module {
            use oxigraph::model::NamedNodeRef;

            /// The namespace every term below starts with.
            pub const NS: &str = $ns;
            $(
                $(#[$term_doc])*
                #[doc = concat!("`", $ns, $local, "`")]
                pub const $name: NamedNodeRef<'static> =
                    NamedNodeRef::new_unchecked(concat!($ns, $local));
            )*
            /// Every term above, for what lists them (the query page's
            /// autocompletion).
            pub const TERMS: &[NamedNodeRef<'static>] = &[$($name),*];
        }
    };
}

vocabulary! {
    /// DCMI Metadata Terms.
    dcterms = "http://purl.org/dc/terms/" {
        ABSTRACT = "abstract",
        ALTERNATIVE = "alternative",
        BIBLIOGRAPHIC_CITATION = "bibliographicCitation",
        BIBLIOGRAPHIC_RESOURCE = "BibliographicResource",
        CONFORMS_TO = "conformsTo",
        CREATOR = "creator",
        DESCRIPTION = "description",
        IDENTIFIER = "identifier",
        IS_PART_OF = "isPartOf",
        ISSUED = "issued",
        LANGUAGE = "language",
        LICENSE = "license",
        MODIFIED = "modified",
        PUBLISHER = "publisher",
        SOURCE = "source",
        SPATIAL = "spatial",
        SUBJECT = "subject",
        TITLE = "title",
    }
}

vocabulary! {
    /// schema.org, in its `http:` form, which most RDF tooling and JSON-LD
    /// contexts still expect.
    schema = "http://schema.org/" {
        ABOUT = "about",
        ABSTRACT = "abstract",
        ALTERNATE_NAME = "alternateName",
        AUDIO_OBJECT = "AudioObject",
        AUTHOR = "author",
        BOOK = "Book",
        CHAPTER = "Chapter",
        CREATIVE_WORK = "CreativeWork",
        DATE_PUBLISHED = "datePublished",
        DESCRIPTION = "description",
        EDITOR = "editor",
        FAMILY_NAME = "familyName",
        GIVEN_NAME = "givenName",
        IN_LANGUAGE = "inLanguage",
        IS_PART_OF = "isPartOf",
        LEGISLATION = "Legislation",
        NAME = "name",
        ORGANIZATION = "Organization",
        PERSON = "Person",
        PUBLISHER = "publisher",
        REPORT = "Report",
        SCHOLARLY_ARTICLE = "ScholarlyArticle",
        SPATIAL_COVERAGE = "spatialCoverage",
    }
}

vocabulary! {
    /// The Bibliographic Ontology.
    bibo = "http://purl.org/ontology/bibo/" {
        ACADEMIC_ARTICLE = "AcademicArticle",
        AUDIO_DOCUMENT = "AudioDocument",
        AUTHOR_LIST = "authorList",
        BOOK = "Book",
        CHAPTER = "Chapter",
        DOCUMENT = "Document",
        EDITOR = "editor",
        EDITOR_LIST = "editorList",
        LEGAL_DOCUMENT = "LegalDocument",
        MANUAL = "Manual",
        REPORT = "Report",
    }
}

vocabulary! {
    /// Friend of a Friend.
    foaf = "http://xmlns.com/foaf/0.1/" {
        FAMILY_NAME = "familyName",
        GIVEN_NAME = "givenName",
        HOMEPAGE = "homepage",
        NAME = "name",
        ORGANIZATION = "Organization",
        PERSON = "Person",
        PRIMARY_TOPIC = "primaryTopic",
    }
}

vocabulary! {
    /// Simple Knowledge Organization System.
    skos = "http://www.w3.org/2004/02/skos/core#" {
        ALT_LABEL = "altLabel",
        BROADER = "broader",
        CONCEPT_SCHEME = "ConceptScheme",
        EDITORIAL_NOTE = "editorialNote",
        IN_SCHEME = "inScheme",
        NOTATION = "notation",
        NOTE = "note",
        PREF_LABEL = "prefLabel",
        TOP_CONCEPT_OF = "topConceptOf",
    }
}

vocabulary! {
    /// PROV-O, for where records and harvests came from.
    prov = "http://www.w3.org/ns/prov#" {
        ACTIVITY = "Activity",
        ENDED_AT_TIME = "endedAtTime",
        ENTITY = "Entity",
        GENERATED = "generated",
        USED = "used",
        WAS_DERIVED_FROM = "wasDerivedFrom",
    }
}

vocabulary! {
    /// OWL.
    owl = "http://www.w3.org/2002/07/owl#" {
        CLASS = "Class",
        DATATYPE_PROPERTY = "DatatypeProperty",
        OBJECT_PROPERTY = "ObjectProperty",
        SAME_AS = "sameAs",
    }
}

vocabulary! {
    /// Data Catalog Vocabulary, for `/void`.
    dcat = "http://www.w3.org/ns/dcat#" {
        ACCESS_URL = "accessURL",
        COMPRESS_FORMAT = "compressFormat",
        DATA_SERVICE = "DataService",
        DATASET = "Dataset",
        /// The property; the class is `DISTRIBUTION_CLASS`.
        DISTRIBUTION = "distribution",
        DISTRIBUTION_CLASS = "Distribution",
        DOWNLOAD_URL = "downloadURL",
        ENDPOINT_DESCRIPTION = "endpointDescription",
        ENDPOINT_URL = "endpointURL",
        KEYWORD = "keyword",
        LANDING_PAGE = "landingPage",
        MEDIA_TYPE = "mediaType",
        SERVES_DATASET = "servesDataset",
    }
}

vocabulary! {
    /// Vocabulary of Interlinked Datasets, for `/void`.
    void = "http://rdfs.org/ns/void#" {
        CLASS = "class",
        CLASS_PARTITION = "classPartition",
        CLASSES = "classes",
        DATA_DUMP = "dataDump",
        DATASET = "Dataset",
        DATASET_DESCRIPTION = "DatasetDescription",
        DISTINCT_OBJECTS = "distinctObjects",
        DISTINCT_SUBJECTS = "distinctSubjects",
        ENTITIES = "entities",
        EXAMPLE_RESOURCE = "exampleResource",
        PROPERTIES = "properties",
        PROPERTY = "property",
        PROPERTY_PARTITION = "propertyPartition",
        ROOT_RESOURCE = "rootResource",
        SPARQL_ENDPOINT = "sparqlEndpoint",
        SUBSET = "subset",
        TRIPLES = "triples",
        URI_SPACE = "uriSpace",
        VOCABULARY = "vocabulary",
    }
}

vocabulary! {
    /// SPARQL 1.1 Service Description.
    sd = "http://www.w3.org/ns/sparql-service-description#" {
        NAME = "name",
    }
}

vocabulary! {
    /// Linked Data Platform, for the agent index (which has no SKOS scheme).
    ldp = "http://www.w3.org/ns/ldp#" {
        BASIC_CONTAINER = "BasicContainer",
        CONTAINS = "contains",
    }
}

vocabulary! {
    /// SHACL, for the shapes on `/ontology`.
    sh = "http://www.w3.org/ns/shacl#" {
        NODE_SHAPE = "NodeShape",
        PROPERTY = "property",
        TARGET_CLASS = "targetClass",
    }
}

vocabulary! {
    /// RDA unconstrained elements.
    rdau = "http://rdaregistry.info/Elements/u/" {
        /// "has place of publication": schema.org and BIBO have none.
        PLACE_OF_PUBLICATION = "P60163",
    }
}

/// Our own ontology's terms (`ontology/palermo.ttl`), by local name. Their
/// IRIs are under the configured base, so they are built once a base is
/// known: `Iris::vocab(pal::DELETED)`.
pub mod pal {
    /// `pal:deleted`: a record no source graph types any more (meta graph).
    pub const DELETED: &str = "deleted";
    /// `pal:importPending`: a bulk import's journal entry (meta graph).
    pub const IMPORT_PENDING: &str = "importPending";
    /// `pal:generation`: the store's change counter, and each change
    /// log entry's number (meta graph).
    pub const GENERATION: &str = "generation";
    /// `pal:touched`: a record one change log entry changed (meta graph).
    pub const TOUCHED: &str = "touched";
    /// `pal:touchedAll`: a change that may have changed anything derived.
    pub const TOUCHED_ALL: &str = "touchedAll";
    /// `pal:recordCount`: records in the store, kept by every write.
    pub const RECORD_COUNT: &str = "recordCount";
    /// `pal:file`: a source file's path or URL (meta graph).
    pub const FILE: &str = "file";
    /// `pal:oaiResponseDate`: a harvest's first responseDate (meta graph).
    pub const OAI_RESPONSE_DATE: &str = "oaiResponseDate";
    /// `pal:oaiMetadataPrefix`.
    pub const OAI_METADATA_PREFIX: &str = "oaiMetadataPrefix";
    /// `pal:oaiSet`.
    pub const OAI_SET: &str = "oaiSet";
    /// `pal:historic`: a country concept that no longer exists (ISO 3166-3).
    pub const HISTORIC: &str = "historic";
    /// `pal:score`: the SPARQL function of a record's search score.
    pub const SCORE: &str = "score";
    /// `pal:matches`: the SPARQL function that tells a record matches a search.
    pub const MATCHES: &str = "matches";
    /// `pal:sourceLocation`: file:line a record's values came from.
    pub const SOURCE_LOCATION: &str = "sourceLocation";
    /// `pal:repair`.
    pub const REPAIR: &str = "repair";
    /// `pal:Repair`.
    pub const REPAIR_CLASS: &str = "Repair";
    /// `pal:field`.
    pub const FIELD: &str = "field";
    /// `pal:originalValue`.
    pub const ORIGINAL_VALUE: &str = "originalValue";
    /// `pal:repairedValue`.
    pub const REPAIRED_VALUE: &str = "repairedValue";
    /// `pal:isGuess`.
    pub const IS_GUESS: &str = "isGuess";

    /// Every term above, for the test that the ontology declares each.
    #[cfg(test)]
    pub const ALL: &[&str] = &[
        DELETED,
        IMPORT_PENDING,
        GENERATION,
        TOUCHED,
        TOUCHED_ALL,
        RECORD_COUNT,
        FILE,
        OAI_RESPONSE_DATE,
        OAI_METADATA_PREFIX,
        OAI_SET,
        HISTORIC,
        SCORE,
        MATCHES,
        SOURCE_LOCATION,
        REPAIR,
        REPAIR_CLASS,
        FIELD,
        ORIGINAL_VALUE,
        REPAIRED_VALUE,
        IS_GUESS,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_the_namespace_and_the_local_name() {
        assert_eq!(dcterms::TITLE.as_str(), "http://purl.org/dc/terms/title");
        assert_eq!(
            skos::PREF_LABEL.as_str(),
            "http://www.w3.org/2004/02/skos/core#prefLabel"
        );
        assert_eq!(
            rdau::PLACE_OF_PUBLICATION.as_str(),
            "http://rdaregistry.info/Elements/u/P60163"
        );
        assert!(oxigraph::model::NamedNode::new(dcat::DISTRIBUTION_CLASS.as_str()).is_ok());
    }

    /// Every `pal:` term the code writes or reads is declared in the
    /// ontology it serves at `/ontology`.
    #[test]
    fn the_ontology_declares_every_pal_term() {
        let ontology = include_str!("../../ontology/palermo.ttl");
        for term in pal::ALL {
            assert!(
                ontology.contains(&format!("pal:{term} a ")),
                "pal:{term} is not declared in ontology/palermo.ttl"
            );
        }
    }
}
