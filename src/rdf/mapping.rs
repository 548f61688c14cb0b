//! Record -> triples: Dublin Core terms, schema.org and BIBO, as DESIGN.md maps them.

use super::vocab::{bibo, dcterms, foaf, prov, schema, skos};
use super::{Iris, container};
use crate::rdf::vocab::pal;
use crate::record::{Agent, Record, RecordKind};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedNodeRef, NamedOrBlankNode, Quad, Term};

/// How a source describes a record: as its main description, or as extra
/// facts about a record another source holds (a title under other wording,
/// languages, publishers). Only the primary source states the title, type and
/// abstract, so the union of graphs never holds two of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Primary,
    Contribution,
}

/// BIBO class and schema.org type of a kind.
pub fn kind_classes(kind: RecordKind) -> (NamedNodeRef<'static>, NamedNodeRef<'static>) {
    match kind {
        RecordKind::Report | RecordKind::PolicyBrief | RecordKind::IssuePaper => {
            (bibo::REPORT, schema::REPORT)
        }
        RecordKind::Manual | RecordKind::Toolkit => (bibo::MANUAL, schema::BOOK),
        RecordKind::Article => (bibo::ACADEMIC_ARTICLE, schema::SCHOLARLY_ARTICLE),
        RecordKind::Book => (bibo::BOOK, schema::BOOK),
        RecordKind::ModelLaw => (bibo::LEGAL_DOCUMENT, schema::LEGISLATION),
        RecordKind::AudioVisual => (bibo::AUDIO_DOCUMENT, schema::AUDIO_OBJECT),
        RecordKind::Chapter => (bibo::CHAPTER, schema::CHAPTER),
        RecordKind::Document => (bibo::DOCUMENT, schema::CREATIVE_WORK),
    }
}

/// Builds the quads of records into one named graph.
pub struct Mapper<'a> {
    pub iris: &'a Iris,
    pub graph: GraphName,
    pub quads: Vec<Quad>,
}

impl<'a> Mapper<'a> {
    pub fn new(iris: &'a Iris, graph: GraphName) -> Self {
        Mapper {
            iris,
            graph,
            quads: Vec::new(),
        }
    }

    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: impl Into<NamedNode>, o: impl Into<Term>) {
        self.quads.push(Quad::new(s, p, o, self.graph.clone()));
    }

    /// Map one record (or a source's contribution to it).
    pub fn record(&mut self, r: &Record, role: Role) {
        let s = self.iris.record(&r.id);
        let text = |v: &str| Literal::new_simple_literal(v);
        if role == Role::Primary {
            let (bibo_class, schema_type) = kind_classes(r.kind);
            self.add(s.clone(), rdf::TYPE, dcterms::BIBLIOGRAPHIC_RESOURCE);
            self.add(s.clone(), rdf::TYPE, bibo_class);
            self.add(s.clone(), rdf::TYPE, schema_type);
            self.add(s.clone(), rdf::TYPE, self.iris.vocab(r.kind.class_name()));
            self.add(s.clone(), dcterms::TITLE, text(&r.title));
            self.add(s.clone(), schema::NAME, text(&r.title));
            self.add(s.clone(), dcterms::IDENTIFIER, text(&r.id));
            if let Some(a) = &r.abstract_text {
                self.add(s.clone(), dcterms::ABSTRACT, text(a));
                self.add(s.clone(), schema::ABSTRACT, text(a));
            }
            if let Some(y) = r.year {
                let year = Literal::new_typed_literal(y.to_string(), xsd::G_YEAR);
                self.add(s.clone(), dcterms::ISSUED, year.clone());
                self.add(s.clone(), schema::DATE_PUBLISHED, year);
            }
            self.authors(&r.id, &s, &r.authors);
            if let Some(c) = &r.container {
                self.container(&r.id, &s, c);
            }
        } else {
            self.add(s.clone(), dcterms::ALTERNATIVE, text(&r.title));
            self.add(s.clone(), schema::ALTERNATE_NAME, text(&r.title));
            if let Some(a) = &r.abstract_text {
                self.add(s.clone(), dcterms::DESCRIPTION, text(a));
                self.add(s.clone(), schema::DESCRIPTION, text(a));
            }
        }
        for alt in &r.alternative_titles {
            self.add(s.clone(), dcterms::ALTERNATIVE, text(alt));
            self.add(s.clone(), schema::ALTERNATE_NAME, text(alt));
        }
        if let Some(d) = &r.description {
            self.add(s.clone(), dcterms::DESCRIPTION, text(d));
            self.add(s.clone(), schema::DESCRIPTION, text(d));
        }
        for p in &r.publishers {
            let agent = self.iris.agent(&p.key());
            self.add(s.clone(), dcterms::PUBLISHER, agent.clone());
            self.add(s.clone(), schema::PUBLISHER, agent);
        }
        if let Some(place) = &r.place {
            self.add(s.clone(), container::PLACE, text(place));
        }
        for code in &r.languages {
            self.add(s.clone(), dcterms::LANGUAGE, self.iris.language(code));
            self.add(s.clone(), schema::IN_LANGUAGE, text(code));
        }
        for code in &r.countries {
            self.add(s.clone(), dcterms::SPATIAL, self.iris.country(code));
            self.add(s.clone(), schema::SPATIAL_COVERAGE, self.iris.country(code));
        }
        for key in &r.regions {
            self.add(s.clone(), dcterms::SPATIAL, self.iris.region(key));
            self.add(s.clone(), schema::SPATIAL_COVERAGE, self.iris.region(key));
        }
        for key in &r.categories {
            self.add(s.clone(), dcterms::SUBJECT, self.iris.category(key));
            self.add(s.clone(), schema::ABOUT, self.iris.category(key));
        }
        if let Some(c) = &r.citation {
            self.add(s.clone(), dcterms::BIBLIOGRAPHIC_CITATION, text(c));
        }
        if let Some(n) = &r.note {
            self.add(s.clone(), skos::NOTE, text(n));
        }
        for n in &r.editorial_notes {
            self.add(s.clone(), skos::EDITORIAL_NOTE, text(n));
        }
        for p in &r.provenance {
            let stem = file_stem(&p.file);
            let file = self.iris.source_file(&p.source, stem);
            self.add(s.clone(), dcterms::SOURCE, file.clone());
            self.add(s.clone(), prov::WAS_DERIVED_FROM, file);
            self.add(
                s.clone(),
                self.iris.vocab(pal::SOURCE_LOCATION),
                text(&format!("{}:{}", p.file, p.line)),
            );
        }
        for (i, repair) in r.repairs.iter().enumerate() {
            let node = self
                .iris
                .record_part(&r.id, &format!("repair-{}-{}", self.graph_key(), i + 1));
            self.add(s.clone(), self.iris.vocab(pal::REPAIR), node.clone());
            self.add(node.clone(), rdf::TYPE, self.iris.vocab(pal::REPAIR_CLASS));
            self.add(
                node.clone(),
                self.iris.vocab(pal::FIELD),
                text(&repair.field),
            );
            self.add(
                node.clone(),
                self.iris.vocab(pal::ORIGINAL_VALUE),
                text(&repair.original),
            );
            self.add(
                node.clone(),
                self.iris.vocab(pal::REPAIRED_VALUE),
                text(&repair.repaired),
            );
            self.add(
                node.clone(),
                self.iris.vocab(pal::IS_GUESS),
                Literal::from(repair.guess),
            );
            self.add(node, rdfs::COMMENT, text(&repair.reason));
        }
    }

    /// Short key of this mapper's graph, so repair nodes of two sources never collide.
    fn graph_key(&self) -> String {
        match &self.graph {
            GraphName::NamedNode(n) => n.as_str().rsplit('/').next().unwrap_or("g").to_string(),
            _ => "default".into(),
        }
    }

    /// Creators, plus their order as an RDF list with IRIs for its cells,
    /// so that re-imports produce identical triples (blank nodes would not).
    fn authors(&mut self, id: &str, s: &NamedNode, authors: &[Agent]) {
        if authors.is_empty() {
            return;
        }
        for a in authors {
            let agent = self.iris.agent(&a.key());
            self.add(s.clone(), dcterms::CREATOR, agent.clone());
            self.add(s.clone(), schema::AUTHOR, agent);
        }
        self.agent_list(id, "authors", s, bibo::AUTHOR_LIST, authors);
    }

    /// A chapter's book: a node of the record's document with its title
    /// and editors (`rdf::container`).
    fn container(&mut self, id: &str, s: &NamedNode, c: &crate::record::Container) {
        let book = self.iris.record_part(id, container::FRAGMENT);
        for p in container::IS_PART_OF {
            self.add(s.clone(), p, book.clone());
        }
        for class in container::BOOK {
            self.add(book.clone(), rdf::TYPE, class);
        }
        let title = Literal::new_simple_literal(&c.title);
        self.add(book.clone(), dcterms::TITLE, title.clone());
        self.add(book.clone(), schema::NAME, title);
        for e in &c.editors {
            let agent = self.iris.agent(&e.key());
            for p in container::EDITOR {
                self.add(book.clone(), p, agent.clone());
            }
        }
        self.agent_list(id, "editors", &book, container::EDITOR_LIST, &c.editors);
    }

    /// Agents in order: `s predicate` the head of an RDF list whose cells
    /// are `{record}#{name}-N`.
    fn agent_list(
        &mut self,
        id: &str,
        name: &str,
        s: &NamedNode,
        predicate: NamedNodeRef<'static>,
        agents: &[Agent],
    ) {
        if agents.is_empty() {
            return;
        }
        let cell = |i: usize| self.iris.record_part(id, &format!("{name}-{}", i + 1));
        self.add(s.clone(), predicate, cell(0));
        for (i, a) in agents.iter().enumerate() {
            let agent = self.iris.agent(&a.key());
            self.add(cell(i), rdf::FIRST, agent);
            let rest: Term = if i + 1 < agents.len() {
                cell(i + 1).into()
            } else {
                rdf::NIL.into()
            };
            self.add(cell(i), rdf::REST, rest);
        }
    }

    /// Describe an agent (into the shared vocabulary graph).
    pub fn agent(&mut self, a: &Agent) {
        let s = self.iris.agent(&a.key());
        let text = |v: &str| Literal::new_simple_literal(v);
        let name = a.display_name();
        self.add(s.clone(), rdfs::LABEL, text(&name));
        self.add(s.clone(), foaf::NAME, text(&name));
        self.add(s.clone(), schema::NAME, text(&name));
        match a {
            Agent::Person { given, family } => {
                self.add(s.clone(), rdf::TYPE, foaf::PERSON);
                self.add(s.clone(), rdf::TYPE, schema::PERSON);
                if let Some(g) = given {
                    self.add(s.clone(), foaf::GIVEN_NAME, text(g));
                    self.add(s.clone(), schema::GIVEN_NAME, text(g));
                }
                self.add(s.clone(), foaf::FAMILY_NAME, text(family));
                self.add(s, schema::FAMILY_NAME, text(family));
            }
            Agent::Organization { acronym, .. } => {
                self.add(s.clone(), rdf::TYPE, foaf::ORGANIZATION);
                self.add(s.clone(), rdf::TYPE, schema::ORGANIZATION);
                if let Some(acr) = acronym {
                    self.add(s.clone(), skos::ALT_LABEL, text(acr));
                    self.add(s, schema::ALTERNATE_NAME, text(acr));
                }
            }
        }
    }
}

/// "data/portal/000_x.txt" -> "000_x".
pub fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}
