//! Every imported record conforms to ontology/shapes.ttl, checked by pyshacl.

use crate::common;

use oxigraph::io::{RdfFormat, RdfSerializer};
use std::process::Command;

/// Dump the store (minus quads `drop` rejects) and run pyshacl on it.
fn validate(
    store: &palermo::store::Store,
    drop: impl Fn(&oxigraph::model::Quad) -> bool,
) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let dump = dir.path().join("catalogue.nq");
    let mut ser = RdfSerializer::from_format(RdfFormat::NQuads).for_writer(Vec::new());
    for q in store.iter() {
        let q = q.unwrap();
        if !drop(&q) {
            ser.serialize_quad(&q).unwrap();
        }
    }
    std::fs::write(&dump, ser.finish().unwrap()).unwrap();
    Command::new("python3")
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/python/shacl_check.py"
        ))
        .arg(&dump)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/ontology/shapes.ttl"))
        .output()
        .expect("python3 is needed: run scripts/install-test-deps.sh")
}

#[test]
fn catalogue_conforms_to_shapes() {
    let (store, _) = common::catalogue();
    let out = validate(&store, |_| false);
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "SHACL validation failed:\n{stdout}\n{stderr}"
    );
    assert!(stdout.contains("conforms: True"), "{stdout}");
    assert!(stdout.contains("records: 103"), "{stdout}");
}

#[test]
fn ontology_files_parse_and_agree() {
    for f in [
        "palermo.ttl",
        "countries.ttl",
        "regions.ttl",
        "categories.ttl",
        "languages.ttl",
        "shapes.ttl",
    ] {
        let text = std::fs::read_to_string(format!("{}/ontology/{f}", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
        let n = oxigraph::io::RdfParser::from_format(RdfFormat::Turtle)
            .for_slice(text.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("{f}: {e}"))
            .len();
        assert!(n > 10, "{f}");
    }
    let ctx: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/ontology/context.jsonld"
        ))
        .unwrap(),
    )
    .unwrap();
    assert!(ctx["@context"]["title"].is_string());
    // languages.ttl lists exactly the codes the normaliser knows.
    let ttl = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/ontology/languages.ttl"
    ))
    .unwrap();
    for (code, name) in palermo::normalize::languages::LANGUAGES {
        assert!(
            ttl.contains(&format!("<id/language/{code}>"))
                && ttl.contains(&format!("\"{name}\"@en")),
            "{code}"
        );
    }
    assert_eq!(
        ttl.matches("a skos:Concept,").count(),
        palermo::normalize::languages::LANGUAGES.len()
    );
}

/// The shapes do reject a broken record: a record without a title, and a
/// creator that is neither a person nor an organisation.
#[test]
fn shapes_reject_broken_records() {
    let (store, _) = common::catalogue();
    let out = validate(&store, |q| {
        q.predicate.as_str() == "http://purl.org/dc/terms/title"
            && q.subject
                .to_string()
                .contains("records/understanding-human-trafficking-in-conflict")
    });
    assert!(!out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("conforms: False")
            && stdout.contains("understanding-human-trafficking-in-conflict"),
        "{stdout}"
    );

    let out = validate(&store, |q| {
        q.predicate.as_str() == "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
            && q.subject.to_string().contains("id/agent/rachel-vogelstein")
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("conforms: False") && stdout.contains("rachel-vogelstein"),
        "{stdout}"
    );
}
