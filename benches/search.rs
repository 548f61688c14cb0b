//! Search latency on a synthetic 100k-record catalogue.
//!
//! The records imitate the real ones at scale: titles and abstracts drawn
//! from a domain vocabulary plus a long tail of rarer words, with Zipf-ish
//! (s ≈ 1) frequencies for words, authors, countries, regions, categories
//! and languages, accented names ("Markéta", "São Tomé", "Müller"), several
//! languages per record and years 1995–2024. Each measured call is what
//! `GET /records` does: parse, filter, count the six facets over the whole
//! result, sort, fetch a page of 20 hits with highlighted snippets.
//!
//! `cargo bench --bench search -- --quick` (about a minute after the
//! build); `PALERMO_BENCH_RECORDS=10000` for a smaller catalogue.

use criterion::{Criterion, criterion_group, criterion_main};
use palermo::normalize::places::{COUNTRIES, REGIONS};
use palermo::rdf::Iris;
use palermo::record::{Agent, Record, RecordKind};
use palermo::search::{FacetKind, SearchIndex, SearchRequest, Sort};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// SplitMix64: deterministic, so every run measures the same catalogue.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Draws ranks 0..n with probability ∝ 1 / (rank + 1)^s.
struct Zipf(Vec<f64>);

impl Zipf {
    fn new(n: usize, s: f64) -> Self {
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
    fn draw(&self, rng: &mut Rng) -> usize {
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

struct Generator {
    rng: Rng,
    words: Vec<String>,
    word_rank: Zipf,
    authors: Vec<Agent>,
    author_rank: Zipf,
    countries: Vec<String>,
    country_rank: Zipf,
    regions: Vec<String>,
    region_rank: Zipf,
    language_rank: Zipf,
}

const LANGUAGES: &[&str] = &["en", "fr", "es", "ar", "ru", "zh", "pt", "de", "it", "tr"];
const CATEGORIES: &[&str] = &["trafficking", "law-enforcement", "capacity-building"];

impl Generator {
    fn new() -> Self {
        let mut rng = Rng(0x5EED_2026);
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
        let countries: Vec<String> = COUNTRIES.concepts.iter().map(|c| c.key.clone()).collect();
        let regions: Vec<String> = REGIONS.concepts.iter().map(|c| c.key.clone()).collect();
        Generator {
            word_rank: Zipf::new(words.len(), 1.0),
            author_rank: Zipf::new(authors.len(), 1.0),
            country_rank: Zipf::new(countries.len(), 1.1),
            region_rank: Zipf::new(regions.len(), 1.1),
            language_rank: Zipf::new(LANGUAGES.len(), 1.2),
            rng,
            words,
            authors,
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

    fn record(&mut self, i: usize) -> Record {
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
        let categories = vec![CATEGORIES[[0, 0, 0, 1, 1, 2][self.rng.below(6)]].to_string()];
        let year = (self.rng.below(20) != 0).then(|| 1995 + self.rng.below(30) as i32);
        Record {
            id: format!("synthetic-{i:06}"),
            title,
            alternative_titles: Vec::new(),
            abstract_text: Some(abstract_text),
            description: None,
            kind: RecordKind::ALL[self.rng.below(RecordKind::ALL.len())],
            year,
            authors,
            publishers: Vec::new(),
            languages,
            countries,
            regions,
            categories,
            citation: None,
            note: None,
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

fn search(c: &mut Criterion) {
    let n: usize = std::env::var("PALERMO_BENCH_RECORDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let iris = Iris::new("http://localhost:8080/");
    let mut generator = Generator::new();
    let t = Instant::now();
    let records: Vec<Record> = (0..n).map(|i| generator.record(i)).collect();
    let generated = t.elapsed();
    let index = SearchIndex::empty(&iris).expect("index");
    let t = Instant::now();
    for chunk in records.chunks(10_000) {
        index.index_records(chunk).expect("indexes");
    }
    eprintln!(
        "synthetic catalogue: {} records generated in {:.1?}, indexed in {:.1?}, index {:.1} MB",
        index.len(),
        generated,
        t.elapsed(),
        index.size_bytes() as f64 / 1e6
    );
    drop(records);

    let page = |q: &str| SearchRequest {
        q: q.to_string(),
        limit: 20,
        ..SearchRequest::default()
    };
    let cases: Vec<(&str, SearchRequest)> = vec![
        ("browse-all-newest", page("")),
        ("common-word", page("trafficking")),
        ("two-words", page("labour exploitation")),
        ("accented-name", page("MARKETA")),
        ("phrase", page("\"forced labour\"")),
        (
            "words+country+year",
            SearchRequest {
                filters: vec![(FacetKind::Country, "DE".into())],
                year_from: Some(2010),
                year_to: Some(2020),
                ..page("victims protection")
            },
        ),
        (
            "facets-only-category",
            SearchRequest {
                filters: vec![(FacetKind::Category, "law-enforcement".into())],
                ..page("")
            },
        ),
        (
            "common-word-by-title",
            SearchRequest {
                sort: Some(Sort::Title),
                ..page("trafficking")
            },
        ),
        (
            "deep-page-500",
            SearchRequest {
                offset: 10_000,
                ..page("trafficking")
            },
        ),
    ];
    let mut g = c.benchmark_group("search");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(3));
    for (name, req) in &cases {
        let total = index.search(req).expect("searches").total;
        eprintln!("{name}: {total} hits");
        g.bench_function(*name, |b| {
            b.iter(|| black_box(index.search(black_box(req)).expect("searches")))
        });
    }
    // The cursor of an export: every id of a large result, in order.
    let export = SearchRequest {
        filters: vec![(FacetKind::Category, "capacity-building".into())],
        ..SearchRequest::default()
    };
    g.bench_function("export-ids-capacity-building", |b| {
        b.iter(|| {
            let (_, ids) = index.ids(&export).expect("ids");
            black_box(ids.count())
        })
    });
    g.bench_function("sparql-scores-two-words", |b| {
        b.iter(|| black_box(index.scores("labour exploitation").expect("scores").len()))
    });
    g.finish();
}

criterion_group!(benches, search);
criterion_main!(benches);
