//! The index schema: which parts of a `Record` are searched, filtered,
//! sorted and shown, and the text analysis they go through.

use crate::error::Error;
use crate::record::{Record, RecordKind};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;
use tantivy::Index;
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TantivyDocument,
    TextFieldIndexing, TextOptions,
};
use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer,
};

use super::FacetKind;
use super::labels::label;

/// The field of facet values.
pub(crate) const FACETS: &str = "facets";

/// Name of our analyzer in the index's tokenizer manager.
pub(crate) const ANALYZER: &str = "palermo";

/// Name of the analyzer of the word forms as written (`exact_analyzer`).
pub(crate) const EXACT_ANALYZER: &str = "palermo-exact";

/// Lower case, then fold accents ("Markéta" and "MARKETA" meet at
/// "marketa"), drop English stop words (so that a conjunctive query for
/// "trafficking in persons" does not require "in"), then stem ("exploited"
/// and "exploitation" meet at "exploit"). The catalogue is English with a
/// few names in other languages, so one English pipeline serves it; a
/// multilingual catalogue would add one field per language.
pub(crate) fn analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match StopWordFilter::new(Language::English) {
        Some(stop) => builder
            .filter(stop)
            .filter(Stemmer::new(Language::English))
            .build(),
        None => builder.filter(Stemmer::new(Language::English)).build(),
    }
}

/// `analyzer` without the stemmer: the word forms as written, still
/// case- and accent-insensitive. The `*_exact` fields use it so that a
/// record with the searched form ("trafficked") ranks above one that only
/// shares its stem ("trafficking").
pub(crate) fn exact_analyzer() -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter);
    match StopWordFilter::new(Language::English) {
        Some(stop) => builder.filter(stop).build(),
        None => builder.build(),
    }
}

/// The fields of one indexed record.
#[derive(Clone, Copy)]
pub(crate) struct Fields {
    /// The record id: exact, for replacing a record and reading ids in bulk.
    pub id: Field,
    pub title: Field,
    pub alt_title: Field,
    /// Abstract and description.
    pub body: Field,
    /// Title, alternative titles and body again, unstemmed (`exact_analyzer`).
    pub title_exact: Field,
    pub alt_title_exact: Field,
    pub body_exact: Field,
    /// Authors and publishers, names and acronyms.
    pub agents: Field,
    /// Category, country, region and type labels.
    pub subjects: Field,
    /// Every facet value as `dimension/value` (`country/BA`): indexed for
    /// filters, columnar for counting (`facets::FacetCounter`).
    pub facets: Field,
    pub year: Field,
    /// Folded, lower-cased title: the key of the title sort.
    pub title_sort: Field,
    /// What a result line shows, as JSON: no store read per hit.
    pub display: Field,
    /// Each author as `key` US `name`: an index opened from disk reads the
    /// names of its author facet values from this field's terms.
    pub author_names: Field,
}

impl Fields {
    pub fn schema() -> (Schema, Fields) {
        let mut b = Schema::builder();
        let text = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(ANALYZER)
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let exact = TextOptions::default().set_indexing_options(
            TextFieldIndexing::default()
                .set_tokenizer(EXACT_ANALYZER)
                // Positions too: a quoted phrase is searched here as well.
                .set_index_option(IndexRecordOption::WithFreqsAndPositions),
        );
        let fields = Fields {
            id: b.add_text_field("id", STRING | STORED | FAST),
            title: b.add_text_field("title", text.clone().set_stored()),
            alt_title: b.add_text_field("alt_title", text.clone()),
            body: b.add_text_field("abstract", text.clone().set_stored()),
            title_exact: b.add_text_field("title_exact", exact.clone()),
            alt_title_exact: b.add_text_field("alt_title_exact", exact.clone()),
            body_exact: b.add_text_field("abstract_exact", exact),
            agents: b.add_text_field("authors", text.clone()),
            subjects: b.add_text_field("subjects", text),
            facets: b.add_text_field(FACETS, STRING | FAST),
            year: b.add_i64_field("year", INDEXED | FAST),
            title_sort: b.add_text_field("title_sort", STRING | FAST),
            display: b.add_bytes_field("display", STORED),
            author_names: b.add_text_field("author_names", STRING),
        };
        (b.build(), fields)
    }

    /// The fields a free-text query searches, with their weight: a word in
    /// the title says more about the record than the same word in the abstract.
    pub fn searched(&self) -> [(Field, f32); 5] {
        [
            (self.title, 3.0),
            (self.alt_title, 2.0),
            (self.agents, 2.0),
            (self.subjects, 1.5),
            (self.body, 1.0),
        ]
    }

    /// What ranks a hit above plain BM25, each searched for any of the
    /// query's words: a bonus on top of `searched`, never a condition.
    /// Ranking is meant as (word form as written in a title, any form in a
    /// title, BM25 with forms as written counting extra): a title says
    /// what a work is about and the form a user typed is the one meant,
    /// while an abstract's words, and a common word's stem in a title,
    /// would otherwise be outweighed by a rare word in an abstract
    /// (BM25's IDF). So the two title tiers add constants far above what
    /// BM25 gives a query here, and the unstemmed abstract adds its BM25
    /// score (`tests/search_http.rs`, `exact_forms_and_titles_rank_first`).
    pub fn bonuses(&self) -> [Bonus; 3] {
        [
            Bonus {
                fields: vec![(self.title_exact, 1.0), (self.alt_title_exact, 1.0)],
                constant: Some(TITLE_FORM_BONUS),
            },
            Bonus {
                fields: vec![(self.title, 1.0), (self.alt_title, 1.0)],
                constant: Some(TITLE_BONUS),
            },
            Bonus {
                fields: vec![(self.body_exact, 1.0)],
                constant: None,
            },
        ]
    }
}

/// Added when a word of the query appears in a title as written.
pub(crate) const TITLE_FORM_BONUS: f32 = 100.0;
/// Added when a word of the query appears in a title in any form.
pub(crate) const TITLE_BONUS: f32 = 100.0;

/// A query over some fields that adds to a hit's score (`Fields::bonuses`):
/// a constant when `constant` is set, else the fields' BM25 score.
pub(crate) struct Bonus {
    pub fields: Vec<(Field, f32)>,
    pub constant: Option<f32>,
}

/// A new in-memory index with our analyzers registered.
pub(crate) fn ram_index() -> (Index, Fields) {
    let (schema, fields) = Fields::schema();
    with_analyzers(Index::create_in_ram(schema), fields)
}

/// A new index in the (empty) directory `dir`, memory-mapped.
pub(crate) fn dir_index(dir: &Path) -> Result<(Index, Fields), Error> {
    let (schema, fields) = Fields::schema();
    let index = Index::create_in_dir(dir, schema).map_err(|e| {
        Error::internal(format!("creating the search index in {}", dir.display()), e)
    })?;
    Ok(with_analyzers(index, fields))
}

/// The index in `dir`, if it has exactly our schema.
pub(crate) fn open_dir_index(dir: &Path) -> Result<(Index, Fields), Error> {
    let (schema, fields) = Fields::schema();
    let index = Index::open_in_dir(dir).map_err(|e| {
        Error::internal(format!("opening the search index in {}", dir.display()), e)
    })?;
    if index.schema() != schema {
        return Err(Error::Store(format!(
            "the search index in {} has another schema",
            dir.display()
        )));
    }
    Ok(with_analyzers(index, fields))
}

fn with_analyzers(index: Index, fields: Fields) -> (Index, Fields) {
    index.tokenizers().register(ANALYZER, analyzer());
    index
        .tokenizers()
        .register(EXACT_ANALYZER, exact_analyzer());
    (index, fields)
}

/// Separates an author's key from their name in `Fields::author_names`.
const KEY_NAME: char = '\u{1f}';

/// Author key -> name, from the terms of every segment (terms of deleted
/// documents included: a name is never wrong, only perhaps unused).
pub(crate) fn author_names(
    searcher: &tantivy::Searcher,
    fields: &Fields,
) -> Result<HashMap<String, String>, Error> {
    let mut names = HashMap::new();
    let error =
        |e: std::io::Error| Error::internal("reading author names from the search index", e);
    for segment in searcher.segment_readers() {
        let inverted = segment
            .inverted_index(fields.author_names)
            .map_err(|e| Error::internal("reading author names from the search index", e))?;
        let mut terms = inverted.terms().stream().map_err(error)?;
        while terms.advance() {
            if let Some((key, name)) = std::str::from_utf8(terms.key())
                .ok()
                .and_then(|t| t.split_once(KEY_NAME))
            {
                names.insert(key.to_string(), name.to_string());
            }
        }
    }
    Ok(names)
}

/// What a result line needs besides title and abstract.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct Display {
    pub kind: Option<RecordKind>,
    pub year: Option<i32>,
    pub authors: Vec<String>,
    pub categories: Vec<String>,
    pub countries: Vec<String>,
    pub regions: Vec<String>,
    pub languages: Vec<String>,
}

/// The sort key of a title: case and accents do not count, and neither do
/// leading quotes or brackets ("“Prague Process”" sorts under P).
pub(crate) fn title_key(title: &str) -> String {
    let folded = deunicode::deunicode(title).to_lowercase();
    folded
        .trim_start_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_string()
}

/// One record as an index document; `author_keys` receives the display
/// name of every author key, for facet labels.
pub(crate) fn document(
    fields: &Fields,
    record: &Record,
    mut author_key: impl FnMut(String, String),
) -> Result<TantivyDocument, Error> {
    let mut doc = TantivyDocument::default();
    doc.add_text(fields.id, &record.id);
    doc.add_text(fields.title, &record.title);
    doc.add_text(fields.title_exact, &record.title);
    doc.add_text(fields.title_sort, title_key(&record.title));
    for t in &record.alternative_titles {
        doc.add_text(fields.alt_title, t);
        doc.add_text(fields.alt_title_exact, t);
    }
    for t in record.abstract_text.iter().chain(record.description.iter()) {
        doc.add_text(fields.body, t);
        doc.add_text(fields.body_exact, t);
    }
    for agent in record.authors.iter().chain(record.publishers.iter()) {
        doc.add_text(fields.agents, agent.display_name());
        if let crate::record::Agent::Organization {
            acronym: Some(a), ..
        } = agent
        {
            doc.add_text(fields.agents, a);
        }
    }
    let mut facet = |kind: FacetKind, value: &str| {
        doc.add_text(fields.facets, super::facets::term(kind.name(), value));
    };
    for k in &record.categories {
        facet(FacetKind::Category, k);
    }
    for k in &record.countries {
        facet(FacetKind::Country, k);
    }
    for k in &record.regions {
        facet(FacetKind::Region, k);
    }
    for k in &record.languages {
        facet(FacetKind::Language, k);
    }
    let mut author_names = Vec::new();
    let mut author_terms = Vec::new();
    for a in &record.authors {
        let key = a.key();
        if key.is_empty() {
            continue;
        }
        facet(FacetKind::Author, &key);
        author_terms.push(format!("{key}{KEY_NAME}{}", a.display_name()));
        author_key(key, a.display_name());
        author_names.push(a.display_name());
    }
    if let Some(y) = record.year {
        facet(FacetKind::Year, &y.to_string());
        doc.add_i64(fields.year, i64::from(y));
    }
    for t in author_terms {
        doc.add_text(fields.author_names, t);
    }
    let subjects = record
        .categories
        .iter()
        .map(|k| label(FacetKind::Category, k))
        .chain(
            record
                .countries
                .iter()
                .map(|k| label(FacetKind::Country, k)),
        )
        .chain(record.regions.iter().map(|k| label(FacetKind::Region, k)))
        .chain(std::iter::once(record.kind.title_label().to_string()));
    for s in subjects {
        doc.add_text(fields.subjects, s);
    }
    let display = Display {
        kind: Some(record.kind),
        year: record.year,
        authors: author_names,
        categories: record.categories.clone(),
        countries: record.countries.clone(),
        regions: record.regions.clone(),
        languages: record.languages.clone(),
    };
    let bytes =
        serde_json::to_vec(&display).map_err(|e| Error::internal("a result's summary", e))?;
    doc.add_bytes(fields.display, &bytes);
    Ok(doc)
}
