//! Record -> triples: Dublin Core terms, schema.org and BIBO, as DESIGN.md maps them.

use super::{Iris, container, ns, term};
use crate::record::{Agent, Record, RecordKind};
use oxigraph::model::vocab::{rdf, rdfs, xsd};
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNode, Quad, Term};

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
pub fn kind_classes(kind: RecordKind) -> (NamedNode, NamedNode) {
    let (bibo, schema) = match kind {
        RecordKind::Report | RecordKind::PolicyBrief | RecordKind::IssuePaper => {
            ("Report", "Report")
        }
        RecordKind::Manual | RecordKind::Toolkit => ("Manual", "Book"),
        RecordKind::Article => ("AcademicArticle", "ScholarlyArticle"),
        RecordKind::Book => ("Book", "Book"),
        RecordKind::ModelLaw => ("LegalDocument", "Legislation"),
        RecordKind::AudioVisual => ("AudioDocument", "AudioObject"),
        RecordKind::Chapter => ("Chapter", "Chapter"),
        RecordKind::Document => ("Document", "CreativeWork"),
    };
    (term(ns::BIBO, bibo), term(ns::SCHEMA, schema))
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

    fn add(&mut self, s: impl Into<NamedOrBlankNode>, p: NamedNode, o: impl Into<Term>) {
        self.quads.push(Quad::new(s, p, o, self.graph.clone()));
    }

    fn dc(local: &str) -> NamedNode {
        term(ns::DCTERMS, local)
    }
    fn schema(local: &str) -> NamedNode {
        term(ns::SCHEMA, local)
    }

    /// Map one record (or a source's contribution to it).
    pub fn record(&mut self, r: &Record, role: Role) {
        let s = self.iris.record(&r.id);
        let text = |v: &str| Literal::new_simple_literal(v);
        if role == Role::Primary {
            let (bibo, schema) = kind_classes(r.kind);
            self.add(
                s.clone(),
                rdf::TYPE.into(),
                Self::dc("BibliographicResource"),
            );
            self.add(s.clone(), rdf::TYPE.into(), bibo);
            self.add(s.clone(), rdf::TYPE.into(), schema);
            self.add(
                s.clone(),
                rdf::TYPE.into(),
                self.iris.vocab(r.kind.class_name()),
            );
            self.add(s.clone(), Self::dc("title"), text(&r.title));
            self.add(s.clone(), Self::schema("name"), text(&r.title));
            self.add(s.clone(), Self::dc("identifier"), text(&r.id));
            if let Some(a) = &r.abstract_text {
                self.add(s.clone(), Self::dc("abstract"), text(a));
                self.add(s.clone(), Self::schema("abstract"), text(a));
            }
            if let Some(y) = r.year {
                let year = Literal::new_typed_literal(y.to_string(), xsd::G_YEAR);
                self.add(s.clone(), Self::dc("issued"), year.clone());
                self.add(s.clone(), Self::schema("datePublished"), year);
            }
            self.authors(&r.id, &s, &r.authors);
            if let Some(c) = &r.container {
                self.container(&r.id, &s, c);
            }
        } else {
            self.add(s.clone(), Self::dc("alternative"), text(&r.title));
            self.add(s.clone(), Self::schema("alternateName"), text(&r.title));
            if let Some(a) = &r.abstract_text {
                self.add(s.clone(), Self::dc("description"), text(a));
                self.add(s.clone(), Self::schema("description"), text(a));
            }
        }
        for alt in &r.alternative_titles {
            self.add(s.clone(), Self::dc("alternative"), text(alt));
            self.add(s.clone(), Self::schema("alternateName"), text(alt));
        }
        if let Some(d) = &r.description {
            self.add(s.clone(), Self::dc("description"), text(d));
            self.add(s.clone(), Self::schema("description"), text(d));
        }
        for p in &r.publishers {
            let agent = self.iris.agent(&p.key());
            self.add(s.clone(), Self::dc("publisher"), agent.clone());
            self.add(s.clone(), Self::schema("publisher"), agent);
        }
        if let Some(place) = &r.place {
            let (ns, local) = container::PLACE;
            self.add(s.clone(), term(ns, local), text(place));
        }
        for code in &r.languages {
            self.add(s.clone(), Self::dc("language"), self.iris.language(code));
            self.add(s.clone(), Self::schema("inLanguage"), text(code));
        }
        for code in &r.countries {
            self.add(s.clone(), Self::dc("spatial"), self.iris.country(code));
            self.add(
                s.clone(),
                Self::schema("spatialCoverage"),
                self.iris.country(code),
            );
        }
        for key in &r.regions {
            self.add(s.clone(), Self::dc("spatial"), self.iris.region(key));
            self.add(
                s.clone(),
                Self::schema("spatialCoverage"),
                self.iris.region(key),
            );
        }
        for key in &r.categories {
            self.add(s.clone(), Self::dc("subject"), self.iris.category(key));
            self.add(s.clone(), Self::schema("about"), self.iris.category(key));
        }
        if let Some(c) = &r.citation {
            self.add(s.clone(), Self::dc("bibliographicCitation"), text(c));
        }
        if let Some(n) = &r.note {
            self.add(s.clone(), term(ns::SKOS, "note"), text(n));
        }
        for n in &r.editorial_notes {
            self.add(s.clone(), term(ns::SKOS, "editorialNote"), text(n));
        }
        for p in &r.provenance {
            let stem = file_stem(&p.file);
            let file = self.iris.source_file(&p.source, stem);
            self.add(s.clone(), Self::dc("source"), file.clone());
            self.add(s.clone(), term(ns::PROV, "wasDerivedFrom"), file);
            self.add(
                s.clone(),
                self.iris.vocab("sourceLocation"),
                text(&format!("{}:{}", p.file, p.line)),
            );
        }
        for (i, repair) in r.repairs.iter().enumerate() {
            let node = self
                .iris
                .record_part(&r.id, &format!("repair-{}-{}", self.graph_key(), i + 1));
            self.add(s.clone(), self.iris.vocab("repair"), node.clone());
            self.add(node.clone(), rdf::TYPE.into(), self.iris.vocab("Repair"));
            self.add(node.clone(), self.iris.vocab("field"), text(&repair.field));
            self.add(
                node.clone(),
                self.iris.vocab("originalValue"),
                text(&repair.original),
            );
            self.add(
                node.clone(),
                self.iris.vocab("repairedValue"),
                text(&repair.repaired),
            );
            self.add(
                node.clone(),
                self.iris.vocab("isGuess"),
                Literal::from(repair.guess),
            );
            self.add(node, rdfs::COMMENT.into(), text(&repair.reason));
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
            self.add(s.clone(), Self::dc("creator"), agent.clone());
            self.add(s.clone(), Self::schema("author"), agent);
        }
        self.agent_list(id, "authors", s, term(ns::BIBO, "authorList"), authors);
    }

    /// A chapter's book: a node of the record's document with its title
    /// and editors (`rdf::container`).
    fn container(&mut self, id: &str, s: &NamedNode, c: &crate::record::Container) {
        let book = self.iris.record_part(id, container::FRAGMENT);
        for (ns, local) in container::IS_PART_OF {
            self.add(s.clone(), term(ns, local), book.clone());
        }
        for (ns, local) in container::BOOK {
            self.add(book.clone(), rdf::TYPE.into(), term(ns, local));
        }
        let title = Literal::new_simple_literal(&c.title);
        self.add(book.clone(), Self::dc("title"), title.clone());
        self.add(book.clone(), Self::schema("name"), title);
        for e in &c.editors {
            let agent = self.iris.agent(&e.key());
            for (ns, local) in container::EDITOR {
                self.add(book.clone(), term(ns, local), agent.clone());
            }
        }
        let (ns, local) = container::EDITOR_LIST;
        self.agent_list(id, "editors", &book, term(ns, local), &c.editors);
    }

    /// Agents in order: `s predicate` the head of an RDF list whose cells
    /// are `{record}#{name}-N`.
    fn agent_list(
        &mut self,
        id: &str,
        name: &str,
        s: &NamedNode,
        predicate: NamedNode,
        agents: &[Agent],
    ) {
        if agents.is_empty() {
            return;
        }
        let cell = |i: usize| self.iris.record_part(id, &format!("{name}-{}", i + 1));
        self.add(s.clone(), predicate, cell(0));
        for (i, a) in agents.iter().enumerate() {
            let agent = self.iris.agent(&a.key());
            self.add(cell(i), rdf::FIRST.into(), agent);
            let rest: Term = if i + 1 < agents.len() {
                cell(i + 1).into()
            } else {
                rdf::NIL.into()
            };
            self.add(cell(i), rdf::REST.into(), rest);
        }
    }

    /// Describe an agent (into the shared vocabulary graph).
    pub fn agent(&mut self, a: &Agent) {
        let s = self.iris.agent(&a.key());
        let text = |v: &str| Literal::new_simple_literal(v);
        let name = a.display_name();
        self.add(s.clone(), rdfs::LABEL.into(), text(&name));
        self.add(s.clone(), term(ns::FOAF, "name"), text(&name));
        self.add(s.clone(), Self::schema("name"), text(&name));
        match a {
            Agent::Person { given, family } => {
                self.add(s.clone(), rdf::TYPE.into(), term(ns::FOAF, "Person"));
                self.add(s.clone(), rdf::TYPE.into(), Self::schema("Person"));
                if let Some(g) = given {
                    self.add(s.clone(), term(ns::FOAF, "givenName"), text(g));
                    self.add(s.clone(), Self::schema("givenName"), text(g));
                }
                self.add(s.clone(), term(ns::FOAF, "familyName"), text(family));
                self.add(s, Self::schema("familyName"), text(family));
            }
            Agent::Organization { acronym, .. } => {
                self.add(s.clone(), rdf::TYPE.into(), term(ns::FOAF, "Organization"));
                self.add(s.clone(), rdf::TYPE.into(), Self::schema("Organization"));
                if let Some(acr) = acronym {
                    self.add(s.clone(), term(ns::SKOS, "altLabel"), text(acr));
                    self.add(s, Self::schema("alternateName"), text(acr));
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
