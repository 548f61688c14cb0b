//! Synthetic catalogues for benchmarks and load tests (`palermo gen`):
//! records that imitate the real ones at any size.
//!
//! Titles and abstracts are drawn from a domain vocabulary plus a long tail
//! of rarer words, with Zipf-distributed frequencies for words, authors,
//! publishers, countries, regions, categories and languages, accented names
//! ("Markéta", "São Tomé", "Müller"), several languages per record, second-
//! language titles and years 1995–2024.

use crate::rdf::Iris;
use crate::rdf::mapping::{Mapper, Role};
use crate::rdf::schemes::{COUNTRIES, REGIONS};
use crate::record::{Agent, Record, RecordKind};
use oxigraph::io::{RdfFormat, RdfSerializer};
use oxigraph::model::GraphName;

/// SplitMix64: deterministic, so every run measures the same catalogue.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

/// Draws ranks 0..n with probability ∝ 1 / (rank + 1)^s.
pub struct Zipf(Vec<f64>);

impl Zipf {
    pub fn new(n: usize, s: f64) -> Self {
        let mut acc = 0.0;
        Zipf(
            (0..n)
                .map(|k| {
                    acc += 1.0 / ((k + 1) as f64).powf(s);
                    acc
                })
                .collect(),
        )
    }
    pub fn draw(&self, rng: &mut Rng) -> usize {
        let total = self.0.last().copied().unwrap_or(1.0);
        let x = rng.unit() * total;
        self.0.partition_point(|c| *c < x).min(self.0.len() - 1)
    }
}

const DOMAIN: &[&str] = &[
    "trafficking",
    "persons",
    "human",
    "migrants",
    "smuggling",
    "exploitation",
    "labour",
    "victims",
    "protection",
    "law",
    "enforcement",
    "criminal",
    "justice",
    "training",
    "manual",
    "toolkit",
    "report",
    "assessment",
    "children",
    "women",
    "forced",
    "sexual",
    "border",
    "identification",
    "referral",
    "prosecution",
    "investigation",
    "cooperation",
    "national",
    "regional",
    "international",
    "policy",
    "prevention",
    "assistance",
    "survivors",
    "asylum",
    "refugees",
    "routes",
    "organised",
    "crime",
    "corruption",
    "demand",
    "supply",
    "chains",
    "domestic",
    "servitude",
    "begging",
    "organ",
    "removal",
    "marriage",
    "debt",
    "bondage",
    "recruitment",
    "agencies",
    "online",
    "technology",
    "data",
    "evidence",
    "indicators",
    "capacity",
    "building",
    "guidelines",
    "framework",
    "protocol",
    "convention",
    "rights",
    "gender",
    "violence",
    "conflict",
    "humanitarian",
    "emergency",
    "compensation",
    "remedies",
    "inspection",
    "prosecutors",
    "judges",
    "police",
    "social",
    "workers",
    "shelters",
];

/// Accented names and places, so folding is exercised at scale.
const ACCENTED: &[&str] = &[
    "Markéta",
    "Müller",
    "São",
    "Tomé",
    "Côte",
    "d'Ivoire",
    "Bogotá",
    "Kraków",
    "Ñuñoa",
    "Zürich",
    "Şanlıurfa",
    "Łódź",
    "Émilie",
    "Øresund",
    "Ağrı",
    "Málaga",
];

const GIVEN: &[&str] = &[
    "Anna", "Markéta", "José", "Amina", "Li", "Olga", "Fatima", "John", "Maria", "Ahmed", "Sofía",
    "Chen", "Ivana", "Kwame", "Priya", "Lars", "Zoë", "Ines", "Dmitri", "Aisha",
];

fn pseudo_word(rng: &mut Rng) -> String {
    const SYL: &[&str] = &[
        "ka", "ro", "mi", "tel", "san", "vor", "lu", "dre", "pa", "nis", "go", "ber", "ti", "ral",
        "se", "dom", "qua", "fen", "hu", "lix",
    ];
    (0..2 + rng.below(3))
        .map(|_| SYL[rng.below(SYL.len())])
        .collect()
}

/// A deterministic source of synthetic records: the same seed gives the
/// same catalogue, so runs on different days measure the same data.
pub struct Generator {
    rng: Rng,
    words: Vec<String>,
    word_rank: Zipf,
    authors: Vec<Agent>,
    author_rank: Zipf,
    publishers: Vec<Agent>,
    publisher_rank: Zipf,
    countries: Vec<String>,
    country_rank: Zipf,
    regions: Vec<String>,
    region_rank: Zipf,
    language_rank: Zipf,
}

const PUBLISHERS: &[(&str, &str)] = &[
    ("United Nations Office on Drugs and Crime", "UNODC"),
    (
        "International Centre for Migration Policy Development",
        "ICMPD",
    ),
    ("International Organization for Migration", "IOM"),
    (
        "Organization for Security and Co-operation in Europe",
        "OSCE",
    ),
    ("Council of Europe", "CoE"),
];

const LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "ru", "zh", "pt", "de", "it", "tr"];
const CATEGORIES: &[&str] = &["trafficking", "law-enforcement", "capacity-building"];

/// The seed of the catalogue the benchmarks measure.
pub const DEFAULT_SEED: u64 = 0x5EED_2026;

impl Default for Generator {
    fn default() -> Self {
        Generator::new(DEFAULT_SEED)
    }
}

impl Generator {
    pub fn new(seed: u64) -> Self {
        let mut rng = Rng(seed);
        // The domain words are the most frequent; then accented words and a
        // long tail of 20k rarer ones.
        let mut words: Vec<String> = DOMAIN.iter().map(|w| w.to_string()).collect();
        words.extend(ACCENTED.iter().map(|w| w.to_string()));
        while words.len() < 20_000 {
            words.push(pseudo_word(&mut rng));
        }
        let mut authors = Vec::new();
        for i in 0..5_000 {
            if i % 10 == 0 {
                authors.push(Agent::Organization {
                    name: format!(
                        "{} Institute for {}",
                        title_case(&pseudo_word(&mut rng)),
                        DOMAIN[i % DOMAIN.len()]
                    ),
                    acronym: Some(format!("I{i}")),
                });
            } else {
                authors.push(Agent::Person {
                    given: Some(GIVEN[rng.below(GIVEN.len())].to_string()),
                    family: title_case(&pseudo_word(&mut rng)),
                });
            }
        }
        // Publishers are few and very skewed, as in the real catalogue (UNODC
        // publishes most of it).
        let mut publishers: Vec<Agent> = PUBLISHERS
            .iter()
            .map(|(name, acronym)| Agent::Organization {
                name: name.to_string(),
                acronym: Some(acronym.to_string()),
            })
            .collect();
        for _ in 0..200 {
            publishers.push(Agent::Organization {
                name: format!("{} Foundation", title_case(&pseudo_word(&mut rng))),
                acronym: None,
            });
        }
        let countries: Vec<String> = COUNTRIES.concepts.iter().map(|c| c.key.clone()).collect();
        let regions: Vec<String> = REGIONS.concepts.iter().map(|c| c.key.clone()).collect();
        Generator {
            word_rank: Zipf::new(words.len(), 1.0),
            author_rank: Zipf::new(authors.len(), 1.0),
            publisher_rank: Zipf::new(publishers.len(), 1.5),
            country_rank: Zipf::new(countries.len(), 1.1),
            region_rank: Zipf::new(regions.len(), 1.1),
            language_rank: Zipf::new(LANGUAGES.len(), 1.2),
            rng,
            words,
            authors,
            publishers,
            countries,
            regions,
        }
    }

    fn text(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| self.words[self.word_rank.draw(&mut self.rng)].as_str())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Record number `i` (`synthetic-{i:07}`); call in order for a catalogue.
    pub fn record(&mut self, i: usize) -> Record {
        let words = 6 + self.rng.below(8);
        let title = title_case(&self.text(words));
        let words = 60 + self.rng.below(100);
        let abstract_text = self.text(words);
        let authors = pick(&mut self.rng, &self.authors, &self.author_rank, 3);
        let countries = pick(&mut self.rng, &self.countries, &self.country_rank, 3);
        let regions = pick(&mut self.rng, &self.regions, &self.region_rank, 2);
        let languages: Vec<String> = pick(&mut self.rng, LANGUAGES, &self.language_rank, 4)
            .into_iter()
            .map(str::to_string)
            .collect();
        let publishers = pick(&mut self.rng, &self.publishers, &self.publisher_rank, 2);
        // One record in eight also carries its title in a second language.
        let alternative_titles = if self.rng.below(8) == 0 {
            vec![title_case(&self.text(5))]
        } else {
            Vec::new()
        };
        let categories = vec![CATEGORIES[[0, 0, 0, 1, 1, 2][self.rng.below(6)]].to_string()];
        let year = (self.rng.below(20) != 0).then(|| 1995 + self.rng.below(30) as i32);
        Record {
            id: format!("synthetic-{i:07}"),
            title,
            alternative_titles,
            abstract_text: Some(abstract_text),
            description: None,
            kind: RecordKind::ALL[self.rng.below(RecordKind::ALL.len())],
            year,
            authors,
            publishers,
            place: None,
            container: None,
            languages,
            countries,
            regions,
            categories,
            citation: None,
            note: None,
            editorial_notes: Vec::new(),
            provenance: Vec::new(),
            repairs: Vec::new(),
        }
    }
}

/// Up to `max` distinct values, by rank.
fn pick<T: Clone + PartialEq>(rng: &mut Rng, pool: &[T], rank: &Zipf, max: usize) -> Vec<T> {
    let n = 1 + rng.below(max);
    let mut out = Vec::new();
    for _ in 0..n {
        let v = &pool[rank.draw(rng)];
        if !out.contains(v) {
            out.push(v.clone());
        }
    }
    out
}

fn title_case(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// `n` records, numbered from 0, as a stream (nothing is held in memory).
pub fn records(seed: u64, n: usize) -> impl Iterator<Item = Record> {
    let mut generator = Generator::new(seed);
    (0..n).map(move |i| generator.record(i))
}

/// `n` records as the quads an import maps them to (records in the graph
/// of a source named `synthetic`, agents in the vocabulary graph), as
/// N-Quads, a chunk at a time. Returns the number of records.
pub fn write_nquads<W: std::io::Write>(
    iris: &Iris,
    seed: u64,
    n: usize,
    w: W,
) -> Result<usize, crate::Error> {
    let mut serializer = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(w);
    let graph: GraphName = iris.graph("synthetic").into();
    let mut records = records(seed, n).peekable();
    let mut written = 0;
    while records.peek().is_some() {
        let mut mapper = Mapper::new(iris, graph.clone());
        let mut agents = Mapper::new(iris, iris.vocab_graph());
        for r in records.by_ref().take(10_000) {
            mapper.record(&r, Role::Primary);
            for a in r.agents() {
                agents.agent(a);
            }
            written += 1;
        }
        for q in mapper.quads.iter().chain(&agents.quads) {
            serializer.serialize_quad(q)?;
        }
    }
    serializer.finish()?.flush()?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_catalogue() {
        let a: Vec<Record> = records(7, 50).collect();
        let b: Vec<Record> = records(7, 50).collect();
        assert_eq!(a, b);
        let c: Vec<Record> = records(8, 50).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn frequencies_are_skewed_and_accents_appear() {
        let recs: Vec<Record> = records(DEFAULT_SEED, 2_000).collect();
        let unodc = recs
            .iter()
            .filter(|r| {
                r.publishers.iter().any(
                    |p| matches!(p, Agent::Organization { acronym: Some(a), .. } if a == "UNODC"),
                )
            })
            .count();
        // Zipf s=1.5 over ~205 publishers puts roughly 40% on the first.
        assert!(unodc > 500 && unodc < 1_500, "UNODC on {unodc} of 2000");
        assert!(recs.iter().any(|r| r.title.contains('é')
            || r.abstract_text.as_deref().is_some_and(|a| a.contains('é'))));
        assert!(recs.iter().any(|r| r.languages.len() > 1));
        assert!(
            recs.iter()
                .all(|r| !r.title.is_empty() && !r.authors.is_empty())
        );
        assert_eq!(recs[42].id, "synthetic-0000042");
    }
}
