//! Citation exports: golden files for every format, the defects academics
//! complain about, formatted references, and streaming.

use crate::export_support;

use export_support::*;
use palermo::error::Error;
use palermo::export::formatted::Styles;
use palermo::export::{ExportOptions, Exporter, Format, bibtex};
use palermo::record::{Agent, Record, RecordKind};

fn opts() -> ExportOptions {
    ExportOptions::default()
}

fn style(name: &str) -> ExportOptions {
    ExportOptions {
        style: Some(name.into()),
        ..ExportOptions::default()
    }
}

#[test]
fn bibtex_golden() {
    let text = export(Format::BibTeX, &golden_records(), &opts());
    insta::assert_snapshot!("bibtex", text);
    let special = export(Format::BibTeX, &[record(SPECIAL_ID)], &opts());
    // Each known defect of naive writers, in the synthetic record.
    for expected in [
        "@techreport{Muller2021Sons,",
        r"\textasciitilde{}tilde",
        r"\textasciicircum{}caret",
        r"\$5",
        r"Müller \& {Søn’s}",
        r"100\%",
        r"\#1",
        r"a\_b",
        r"{\{Braced\}}",
        r"\textbackslash{}backslash",
        "-{}-",
        "{<b>UNODC</b> EU-Action} in {Čačak}",
        "author = {Müller, Jürgen and {ACME \\& Sons, Ltd.} and von Hagen, Markéta and {International Organization for Migration}}",
        "institution = {{Institute of Social Sciences, New Delhi}}",
        "type = {Policy Brief}",
        "language = {English and French and Russian}",
        "keywords = {Law Enforcement, Trafficking, Netherlands Antilles, Bosnia and Herzegovina, Trinidad and Tobago, Middle East and North Africa}",
        "url = {http://localhost:8080/records/special-characters}",
    ] {
        assert!(
            special.contains(expected),
            "missing {expected:?} in\n{special}"
        );
    }
    // Never the biblatex crate's `\~` / `\^`, which are accent commands.
    assert!(
        !special.contains(r"\~") && !special.contains(r"\^"),
        "{special}"
    );
}

#[test]
fn bibtex_ascii_golden() {
    let ascii = ExportOptions {
        ascii: true,
        ..opts()
    };
    let text = export(Format::BibTeX, &golden_records(), &ascii);
    insta::assert_snapshot!("bibtex_ascii", text);
    assert!(text.is_ascii(), "legacy BibTeX must be pure ASCII");
    for expected in [
        r#"M{\"u}ller, J{\"u}rgen"#,
        r"von Hagen, Mark{\'e}ta",
        r"S{\o}n's",
        r"{\v{C}}a{\v{c}}ak",
        "``quoted''",
        "en--dash",
        "Rossiia",
    ] {
        assert!(text.contains(expected), "missing {expected:?}");
    }
}

#[test]
fn ris_golden() {
    let text = export(Format::Ris, &golden_records(), &opts());
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    assert!(
        lines.iter().all(|l| l.ends_with("\r\n")),
        "every RIS line ends with CRLF"
    );
    assert_eq!(text.matches("TY  - ").count(), GOLDEN_IDS.len());
    assert_eq!(text.matches("ER  - \r\n").count(), GOLDEN_IDS.len());
    let special = export(Format::Ris, &[record(SPECIAL_ID)], &opts());
    for expected in [
        "TY  - RPRT\r\n",
        "AU  - Müller, Jürgen\r\nAU  - ACME & Sons, Ltd.,\r\nAU  - von Hagen, Markéta\r\nAU  - International Organization for Migration,\r\n",
        "PY  - 2021\r\n",
        "PB  - Institute of Social Sciences, New Delhi\r\n",
        "KW  - Law Enforcement\r\nKW  - Trafficking\r\nKW  - Netherlands Antilles\r\nKW  - Bosnia and Herzegovina\r\n",
        "LA  - English; French; Russian\r\n",
        "M3  - Policy Brief\r\n",
        "UR  - http://localhost:8080/records/special-characters\r\n",
    ] {
        assert!(
            special.contains(expected),
            "missing {expected:?} in\n{special}"
        );
    }
    insta::assert_snapshot!("ris", text.replace("\r\n", "\n"));
}

#[test]
fn csljson_golden() {
    let text = export(Format::CslJson, &golden_records(), &opts());
    insta::assert_snapshot!("csljson", text);
    let items: Vec<serde_json::Value> = serde_json::from_str(&text).expect("valid JSON");
    assert_eq!(items.len(), GOLDEN_IDS.len());
    let special = items
        .iter()
        .find(|i| i["id"] == SPECIAL_ID)
        .expect("synthetic item");
    assert_eq!(special["type"], "report");
    assert_eq!(special["genre"], "Policy Brief");
    assert_eq!(
        special["issued"],
        serde_json::json!({"date-parts": [[2021]]})
    );
    assert_eq!(
        special["author"][1],
        serde_json::json!({"literal": "ACME & Sons, Ltd."})
    );
    assert_eq!(
        special["author"][0],
        serde_json::json!({"family": "Müller", "given": "Jürgen"})
    );
    assert_eq!(special["language"], "en");
    assert!(!text.contains("null"), "no null fields");
}

const STYLES: &[&str] = &[
    "apa",
    "chicago-author-date",
    "modern-language-association",
    "ieee",
    "harvard-cite-them-right",
    "vancouver",
];

#[test]
fn formatted_golden() {
    let records = golden_records();
    let mut all = String::new();
    for s in STYLES {
        all.push_str(&format!("== {s}\n"));
        all.push_str(&export(Format::Bibliography, &records, &style(s)));
    }
    let html = ExportOptions {
        html: true,
        ..style("apa")
    };
    all.push_str("== apa, html\n");
    all.push_str(&export(Format::Bibliography, &records, &html));
    insta::assert_snapshot!("formatted", all);
    assert!(!all.contains('\u{1b}'), "no terminal colour codes");
    // Text that FormatString::from_str would read as math or verbatim.
    assert!(all.contains("$5") && all.contains("{Braced}"), "{all}");
}

#[test]
fn formatted_html_is_escaped() {
    let html = ExportOptions {
        html: true,
        ..style("apa")
    };
    let out = export(Format::Bibliography, &[record(SPECIAL_ID)], &html);
    assert!(out.contains("&lt;b&gt;UNODC&lt;/b&gt;"), "{out}");
    assert!(!out.contains("<b>UNODC"), "{out}");
    assert!(out.starts_with("<div class=\"csl-bib-body\">\n<div class=\"csl-entry\">"));
    assert!(out.contains("<i>"), "titles in italics: {out}");
}

#[test]
fn numeric_styles_number_entries_in_request_order() {
    let records = golden_records();
    let out = export(Format::Bibliography, &records[..3], &style("ieee"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3);
    for (i, (line, r)) in lines.iter().zip(&records).enumerate() {
        assert!(line.starts_with(&format!("[{}] ", i + 1)), "{line}");
        let first_word = r.title.split_whitespace().next().unwrap_or_default();
        assert!(line.contains(first_word), "{line} / {}", r.title);
    }
    let single = Exporter::new(iris())
        .render(Format::Bibliography, &records[2], &style("vancouver"))
        .expect("renders");
    assert!(single.starts_with("1. "), "{single}");
}

#[test]
fn author_date_styles_are_sorted() {
    let out = export(Format::Bibliography, &golden_records(), &style("apa"));
    let keys: Vec<String> = out
        .lines()
        .map(|l| {
            deunicode::deunicode(l)
                .to_lowercase()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == ' ')
                .collect::<String>()
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert_eq!(keys.len(), GOLDEN_IDS.len());
}

#[test]
fn unknown_style_or_locale_is_a_bad_request_naming_the_known_ones() {
    let e = Exporter::new(iris());
    let r = record("vita");
    match e.render(Format::Bibliography, &r, &style("apa-7th-fantasy")) {
        Err(Error::BadRequest(m)) => {
            assert!(m.contains("unknown style \"apa-7th-fantasy\""), "{m}");
            for s in STYLES {
                assert!(m.contains(s), "{m} should list {s}");
            }
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    let bad_locale = ExportOptions {
        locale: Some("tlh-KLINGON".into()),
        ..style("apa")
    };
    match e.write_records(
        Format::Bibliography,
        std::iter::once(Ok(r.clone())),
        &bad_locale,
        &mut Vec::new(),
    ) {
        Err(Error::BadRequest(m)) => {
            assert!(m.contains("fr-FR") && m.contains("tlh-KLINGON"), "{m}")
        }
        other => panic!("expected BadRequest, got {other:?}"),
    }
    // Checked before anything is written: no 200 with half a body.
    let mut out = Vec::new();
    assert!(
        e.write_records(
            Format::Bibliography,
            std::iter::once(Ok(r.clone())),
            &style("nope"),
            &mut out
        )
        .is_err()
    );
    assert!(out.is_empty());
    let fr = ExportOptions {
        locale: Some("fr".into()),
        ..style("chicago-author-date")
    };
    let text = e
        .render(Format::Bibliography, &r, &fr)
        .expect("French renders");
    assert!(text.contains("VITA"), "{text}");
}

const TITLE_ONLY_CSL: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info>
    <title>Title only</title>
    <id>http://example.org/styles/title-only</id>
    <updated>2024-01-01T00:00:00+00:00</updated>
  </info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography><layout><text value="TITLE: "/><text variable="title"/></layout></bibliography>
</style>
"#;

#[test]
fn styles_directory_adds_csl_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("Title-Only.csl"), TITLE_ONLY_CSL).expect("write");
    std::fs::write(dir.path().join("README.txt"), "not a style").expect("write");
    let styles = Styles::new(Some(dir.path()), 16).expect("styles load");
    assert!(styles.names().contains(&"title-only".to_string()));
    let e = Exporter::with_styles(iris(), styles);
    let out = e
        .render(Format::Bibliography, &record("vita"), &style("title-only"))
        .expect("renders");
    assert_eq!(out, "TITLE: VITA\n");
    std::fs::write(dir.path().join("broken.csl"), "<style>").expect("write");
    let err = Styles::new(Some(dir.path()), 16)
        .err()
        .map(|e| e.to_string());
    assert!(err.is_some_and(|e| e.contains("broken.csl")));
}

#[test]
fn rendered_references_are_cached_per_record_version() {
    let styles = Styles::new(None, 100).expect("styles");
    let e = Exporter::with_styles(iris(), styles.clone());
    let mut r = record("vita");
    let first = e
        .render(Format::Bibliography, &r, &style("apa"))
        .expect("renders");
    let again = e
        .render(Format::Bibliography, &r, &style("apa"))
        .expect("renders");
    assert_eq!(first, again);
    let stats = styles.cache_stats();
    assert_eq!((stats.hits, stats.misses), (1, 1));
    r.title = "VITA, second edition".into();
    let edited = e
        .render(Format::Bibliography, &r, &style("apa"))
        .expect("renders");
    assert!(
        edited.contains("second edition"),
        "a new version is rendered anew"
    );
    assert_eq!(styles.cache_stats().misses, 2);
    // Another format or style is another entry.
    let html = ExportOptions {
        html: true,
        ..style("apa")
    };
    e.render(Format::Bibliography, &r, &html).expect("renders");
    assert_eq!(styles.cache_stats().misses, 3);
}

#[test]
fn cite_keys_are_ascii_and_disambiguated() {
    let mut r = record(SPECIAL_ID);
    assert_eq!(bibtex::cite_key(&r), "Muller2021Sons");
    r.authors.remove(0);
    r.authors.remove(0);
    assert_eq!(bibtex::cite_key(&r), "Hagen2021Muller");
    r.authors.clear();
    // No author: the first publisher's first significant word.
    assert_eq!(bibtex::cite_key(&r), "Institute2021Muller");
    let unodc = record("united-nations-anti-human-trafficking-manual-for-criminal");
    assert_eq!(bibtex::cite_key(&unodc), "UNODCUnited");
    let twice = export(
        Format::BibTeX,
        &[unodc.clone(), unodc.clone(), unodc],
        &opts(),
    );
    let keys: Vec<&str> = twice.lines().filter(|l| l.starts_with('@')).collect();
    assert_eq!(
        keys,
        vec![
            "@manual{UNODCUnited,",
            "@manual{UNODCUniteda,",
            "@manual{UNODCUnitedb,"
        ]
    );
}

#[test]
fn organisations_are_never_split() {
    let r = record("towards-global-eu-action-against-trafficking-in-human");
    assert_eq!(
        r.authors[0],
        Agent::Organization {
            name: "Sweden's Ministry of Justice".into(),
            acronym: None
        }
    );
    let bib = export(Format::BibTeX, std::slice::from_ref(&r), &opts());
    assert!(bib.contains(
        "author = {{Sweden's Ministry of Justice} and {International Organization for Migration}}"
    ));
    let csl = export(Format::CslJson, std::slice::from_ref(&r), &opts());
    assert!(csl.contains(r#""literal": "Sweden's Ministry of Justice""#));
    let apa = export(Format::Bibliography, &[r], &style("apa"));
    assert!(
        apa.starts_with(
            "Sweden’s Ministry of Justice, & International Organization for Migration."
        ) || apa.starts_with(
            "Sweden's Ministry of Justice, & International Organization for Migration."
        ),
        "{apa}"
    );
}

/// A million records must stream: records are produced lazily here and
/// never collected, and every format writes as it reads.
#[test]
fn exports_stream_lazily_produced_records() {
    let base = record("needs-assessment-human-trafficking-in-the-western-balkans");
    let make = |i: usize| -> Result<Record, Error> {
        let mut r = base.clone();
        r.id = format!("generated-{i}");
        Ok(r)
    };
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0 += b.len();
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let e = Exporter::new(iris());
    for format in [Format::BibTeX, Format::Ris, Format::CslJson] {
        let mut sink = Count(0);
        let n = e
            .write_records(format, (0..20_000).map(make), &opts(), &mut sink)
            .expect("streams");
        assert_eq!(n, 20_000);
        assert!(sink.0 > 20_000 * 500, "{format}: {} bytes", sink.0);
    }
    // An error mid-stream stops the export with that error.
    let failing = (0..3).map(|i| {
        if i == 2 {
            Err(Error::Store("gone".into()))
        } else {
            make(i)
        }
    });
    let r = e.write_records(Format::Ris, failing, &opts(), &mut Count(0));
    assert!(matches!(r, Err(Error::Store(_))));
}

#[test]
fn no_records_is_a_valid_empty_document() {
    let e = Exporter::new(iris());
    let mut out = Vec::new();
    let n = e
        .write_records(Format::CslJson, std::iter::empty(), &opts(), &mut out)
        .expect("writes");
    assert_eq!((n, out.as_slice()), (0, b"[]\n".as_slice()));
}

#[test]
fn kinds_map_to_one_type_per_format() {
    let mut r = record("vita");
    let mut seen = Vec::new();
    for kind in RecordKind::ALL {
        r.kind = kind;
        let bib = export(Format::BibTeX, std::slice::from_ref(&r), &opts());
        let ris = export(Format::Ris, std::slice::from_ref(&r), &opts());
        let csl = export(Format::CslJson, std::slice::from_ref(&r), &opts());
        let bib_type = bib.split('{').next().unwrap_or_default().to_string();
        let ris_type = ris.lines().next().unwrap_or_default().to_string();
        let csl_type = serde_json::from_str::<serde_json::Value>(&csl).expect("json")[0]["type"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        seen.push(format!("{kind:?}: {bib_type} {ris_type} {csl_type}"));
    }
    insta::assert_snapshot!("kinds", seen.join("\n"));
}

/// Curators' remarks about the source ("Line 90 calls it …") are
/// provenance: the records keep them (30 from the UNODC transcription, and
/// the reference pasted into a portal record's author lines), and no
/// citation in any format, nor a formatted reference, carries one.
#[test]
fn no_export_carries_a_curator_remark() {
    let records = catalogue_records();
    let remarks: Vec<&str> = records
        .iter()
        .flat_map(|r| r.editorial_notes.iter().map(String::as_str))
        .collect();
    assert_eq!(remarks.len(), 31, "the catalogue's remarks are kept");
    // A remark's opening words, as a format would write them (ASCII
    // BibTeX escapes characters further on).
    let probes: Vec<String> = remarks
        .iter()
        .map(|n| n.split_whitespace().take(6).collect::<Vec<_>>().join(" "))
        .collect();
    let mut outputs = vec![
        ("bibtex", export(Format::BibTeX, &records, &opts())),
        (
            "bibtex ascii",
            export(
                Format::BibTeX,
                &records,
                &ExportOptions {
                    ascii: true,
                    ..opts()
                },
            ),
        ),
        ("ris", export(Format::Ris, &records, &opts())),
        ("csljson", export(Format::CslJson, &records, &opts())),
    ];
    for s in ["apa", "chicago-author-date", "ieee"] {
        outputs.push((s, export(Format::Bibliography, &records, &style(s))));
    }
    for (name, text) in &outputs {
        for p in &probes {
            assert!(
                !text.contains(p.as_str()),
                "{name} carries the remark {p:?}"
            );
        }
        for word in [
            "Line 90 calls it",
            "The page gives only",
            "language line at",
        ] {
            assert!(!text.contains(word), "{name} carries {word:?}");
        }
    }
}
