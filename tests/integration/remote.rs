//! `palermo::remote::Client` against real engines (a private Oxigraph
//! server and a private Virtuoso, `engines`): each engine's quirks are made
//! one behaviour, and every failure is our error, never a wrong answer.

use crate::engines::{self, Engine, PASSWORD, USER, VirtuosoConfig};
use oxigraph::model::{BlankNode, Literal, NamedNode, Term, Triple};
use palermo::Error;
use palermo::remote::{Answer, Backend, Client, Credentials, Payload};
use palermo::store::Dataset;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const T: Duration = Duration::from_secs(30);
const G: &str = "http://example.org/graph/one";
const S: &str = "http://example.org/s";

fn nn(iri: &str) -> NamedNode {
    NamedNode::new(iri).unwrap()
}

/// The solutions of `query` as sorted lines `?var=term …`.
fn select(client: &Client, query: &str, dataset: &Dataset) -> Vec<String> {
    let answer = client.query(query, dataset, T).unwrap();
    let Answer::Solutions { variables, rows } = answer else {
        panic!("{query}: not solutions: {answer:?}")
    };
    let mut lines: Vec<String> = rows
        .iter()
        .map(|r| {
            variables
                .iter()
                .map(|v| match r.get(v) {
                    Some(Term::BlankNode(_)) => format!("{}=_:b", v.as_str()),
                    Some(t) => format!("{}={t}", v.as_str()),
                    None => format!("{}=UNDEF", v.as_str()),
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect();
    lines.sort();
    lines
}

fn count(client: &Client, query: &str, dataset: &Dataset) -> i64 {
    let rows = client
        .query(query, dataset, T)
        .unwrap()
        .into_rows()
        .unwrap();
    assert_eq!(rows.len(), 1, "{query}");
    match rows[0].get("n") {
        Some(Term::Literal(l)) => l.value().parse().unwrap(),
        other => panic!("{query}: ?n is {other:?}"),
    }
}

/// Triples as N-Triples lines, blank nodes written `_:b`, sorted.
fn lines(triples: &[Triple]) -> Vec<String> {
    let mut l: Vec<String> = triples
        .iter()
        .map(|t| {
            let s = match &t.subject {
                oxigraph::model::NamedOrBlankNode::BlankNode(_) => "_:b".to_string(),
                s => s.to_string(),
            };
            let o = match &t.object {
                Term::BlankNode(_) => "_:b".to_string(),
                o => o.to_string(),
            };
            format!("{s} {} {o}", t.predicate)
        })
        .collect();
    l.sort();
    l
}

/// The same writes, queries and Graph Store calls give the same answers on
/// every engine: typed literals, language tags, characters beyond the BMP
/// and blank nodes survive the round trip through update, SELECT, ASK,
/// CONSTRUCT and the Graph Store Protocol.
fn round_trips(engine: &Engine) {
    let client = engine.client();
    // Virtuoso refuses blank nodes in INSERT DATA: INSERT … WHERE {}.
    client
        .update(
            &format!(
                r#"PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
                INSERT {{ GRAPH <{G}> {{
                  <{S}> <http://example.org/int> 42 ;
                        <http://example.org/year> "2021"^^xsd:gYear ;
                        <http://example.org/date> "2024-02-29"^^xsd:date ;
                        <http://example.org/title> "Tráfico de pessoas 𝄞 😀 \"q\""@pt-br ;
                        <http://example.org/flag> true ;
                        <http://example.org/plain> "line\nbreak" ;
                        <http://example.org/by> _:a .
                  _:a <http://example.org/name> "Ana" .
                }} }} WHERE {{}}"#
            ),
            T,
        )
        .unwrap_or_else(|e| panic!("{e}\n{}", engine.log()));
    let got = select(
        &client,
        &format!("SELECT ?p ?o WHERE {{ GRAPH <{G}> {{ <{S}> ?p ?o }} }}"),
        &Dataset::Service,
    );
    assert_eq!(
        got,
        [
            "p=<http://example.org/by> o=_:b",
            "p=<http://example.org/date> o=\"2024-02-29\"^^<http://www.w3.org/2001/XMLSchema#date>",
            "p=<http://example.org/flag> o=\"true\"^^<http://www.w3.org/2001/XMLSchema#boolean>",
            "p=<http://example.org/int> o=\"42\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "p=<http://example.org/plain> o=\"line\\nbreak\"",
            "p=<http://example.org/title> o=\"Tráfico de pessoas 𝄞 😀 \\\"q\\\"\"@pt-br",
            "p=<http://example.org/year> o=\"2021\"^^<http://www.w3.org/2001/XMLSchema#gYear>",
        ]
    );
    // A blank node's identity holds within one answer.
    let got = select(
        &client,
        &format!(
            "SELECT ?name WHERE {{ GRAPH <{G}> {{ <{S}> <http://example.org/by> ?b . ?b <http://example.org/name> ?name }} }}"
        ),
        &Dataset::Service,
    );
    assert_eq!(got, ["name=\"Ana\""]);
    let ask = |q: &str| {
        client
            .query(q, &Dataset::Service, T)
            .unwrap()
            .into_boolean()
            .unwrap()
    };
    assert!(ask(&format!(
        "ASK {{ GRAPH <{G}> {{ <{S}> <http://example.org/flag> true }} }}"
    )));
    assert!(!ask(&format!(
        "ASK {{ GRAPH <{G}> {{ <{S}> <http://example.org/flag> false }} }}"
    )));
    let triples = client
        .query(
            &format!("CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{G}> {{ ?s ?p ?o }} }}"),
            &Dataset::Service,
            T,
        )
        .unwrap()
        .into_triples()
        .unwrap();
    let l = lines(&triples);
    assert_eq!(l.len(), 8, "{l:#?}");
    assert!(
        l.contains(&"_:b <http://example.org/name> \"Ana\"".to_string()),
        "{l:#?}"
    );
    assert!(
        l.contains(&format!(
            "<{S}> <http://example.org/title> \"Tráfico de pessoas 𝄞 😀 \\\"q\\\"\"@pt-br"
        )),
        "{l:#?}"
    );
    let bnodes: HashSet<&BlankNode> = triples
        .iter()
        .filter_map(|t| match &t.object {
            Term::BlankNode(b) => Some(b),
            _ => None,
        })
        .collect();
    assert!(
        triples.iter().any(|t| matches!(&t.subject, oxigraph::model::NamedOrBlankNode::BlankNode(b) if bnodes.contains(b))),
        "the blank node links its two triples: {l:#?}"
    );

    // An update, then a query sees it.
    client
        .update(
            &format!(
                "DELETE {{ GRAPH <{G}> {{ <{S}> <http://example.org/int> ?i }} }}
                 INSERT {{ GRAPH <{G}> {{ <{S}> <http://example.org/int> ?j }} }}
                 WHERE {{ GRAPH <{G}> {{ <{S}> <http://example.org/int> ?i }} BIND(?i + 1 AS ?j) }}"
            ),
            T,
        )
        .unwrap();
    assert_eq!(
        select(
            &client,
            &format!("SELECT ?i WHERE {{ GRAPH <{G}> {{ <{S}> <http://example.org/int> ?i }} }}"),
            &Dataset::Service
        ),
        ["i=\"43\"^^<http://www.w3.org/2001/XMLSchema#integer>"]
    );

    // The Graph Store Protocol: PUT from memory, POST streamed, GET, DELETE.
    let g2 = nn("http://example.org/graph/two");
    let nt = "<http://example.org/a> <http://example.org/b> \"x 😀\"@de .\n_:z <http://example.org/b> <http://example.org/c> .\n";
    client
        .put_graph(&g2, Payload::Bytes(nt.as_bytes()), T)
        .unwrap();
    let mut more: &[u8] = b"<http://example.org/a> <http://example.org/n> \"7\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n";
    client
        .post_graph(&g2, Payload::Reader(&mut more), T)
        .unwrap();
    let got = client.get_graph(&g2, T).unwrap().expect("the graph exists");
    assert_eq!(
        lines(&got),
        [
            "<http://example.org/a> <http://example.org/b> \"x 😀\"@de",
            "<http://example.org/a> <http://example.org/n> \"7\"^^<http://www.w3.org/2001/XMLSchema#integer>",
            "_:b <http://example.org/b> <http://example.org/c>",
        ]
    );
    // PUT replaces.
    client
        .put_graph(
            &g2,
            Payload::Bytes(b"<http://example.org/only> <http://example.org/b> \"1\" .\n"),
            T,
        )
        .unwrap();
    assert_eq!(client.get_graph(&g2, T).unwrap().unwrap().len(), 1);

    // The dataset: explicit graphs replace the service's; with none, the
    // default graph is every graph, unless the query names its own (on
    // Oxigraph `union-default-graph` would override FROM: not sent then).
    let all = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o FILTER(STRSTARTS(STR(?p), \"http://example.org/\")) }";
    assert_eq!(count(&client, all, &Dataset::Service), 9);
    let only_g2 = Dataset::Explicit {
        default: vec![g2.clone()],
        named: vec![],
    };
    assert_eq!(count(&client, all, &only_g2), 1);
    let from = format!(
        "SELECT (COUNT(*) AS ?n) FROM <{}> WHERE {{ ?s ?p ?o }}",
        g2.as_str()
    );
    assert_eq!(count(&client, &from, &Dataset::Service), 1);

    assert!(client.delete_graph(&g2, T).unwrap());
    assert_eq!(client.get_graph(&g2, T).unwrap(), None);
    assert!(!client.delete_graph(&g2, T).unwrap());

    // The engine's syntax error is the query's.
    let e = client
        .query("SELECT * WHERE { ?s ?p }", &Dataset::Service, T)
        .unwrap_err();
    assert!(matches!(e, Error::BadQuery(_)), "{e:?}");
    let e = client.update("INSERT DATA { <a> }", T).unwrap_err();
    assert!(matches!(e, Error::BadQuery(_)), "{e:?}");
}

#[test]
fn oxigraph_round_trips() {
    round_trips(&engines::oxigraph());
}

#[test]
fn virtuoso_round_trips() {
    round_trips(&engines::virtuoso());
}

/// `count` subjects, each with one `<http://example.org/n>` integer, in G.
fn numbers(client: &Client, count: u32) {
    let values: String = (0..count).map(|i| format!("{i} ")).collect();
    client
        .update(
            &format!(
                "INSERT {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}
                 WHERE {{ VALUES ?n {{ {values} }} BIND(IRI(CONCAT(\"http://example.org/i\", STR(?n))) AS ?s) }}"
            ),
            T,
        )
        .unwrap();
}

/// A cross product no engine finishes in a second: over 10^9 rows.
fn cross_product() -> String {
    format!(
        "SELECT ?x ?y ?z WHERE {{ GRAPH <{G}> {{ ?a <http://example.org/n> ?x . ?b <http://example.org/n> ?y . ?c <http://example.org/n> ?z FILTER(?x + ?y + ?z > 2990) }} }}"
    )
}

/// Oxigraph server has no timeout parameter: the client stops waiting at
/// the deadline and says so.
#[test]
fn oxigraph_query_past_its_deadline_is_a_timeout() {
    let engine = engines::oxigraph();
    let client = engine.client();
    numbers(&client, 1000);
    let started = Instant::now();
    let e = client
        .query(&cross_product(), &Dataset::Service, Duration::from_secs(1))
        .unwrap_err();
    assert!(
        matches!(e, Error::Timeout(d) if d == Duration::from_secs(1)),
        "{e:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

/// Virtuoso's `timeout=` answers 200 with the rows found so far, marked by
/// `X-SQL-State: S1TAT` or not at all, or 500 SR203 for an aggregate: each
/// is our timeout, never a short answer.
#[test]
fn virtuoso_timeout_is_our_timeout_not_partial_rows() {
    let engine = engines::virtuoso();
    let client = engine.client();
    numbers(&client, 1000);
    let deadline = Duration::from_secs(2);
    // An aggregate over the same: Virtuoso answers COUNT(*) of a bare
    // cross product at once (1000^3, from the counts), not with a filter.
    let count = cross_product().replace("SELECT ?x ?y ?z", "SELECT (COUNT(*) AS ?n)");
    for query in [cross_product(), count] {
        let started = Instant::now();
        let e = client
            .query(&query, &Dataset::Service, deadline)
            .unwrap_err();
        assert!(
            matches!(e, Error::Timeout(d) if d == deadline),
            "{query}: {e:?}"
        );
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }
    // A query within its deadline is answered in full (a longer one: an
    // answer after the deadline is taken as cut, and this machine is busy).
    assert_eq!(
        client
            .query(
                &format!("SELECT ?n WHERE {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}"),
                &Dataset::Service,
                T
            )
            .unwrap()
            .into_rows()
            .unwrap()
            .len(),
        1000
    );
}

/// Virtuoso cuts a result at `ResultSetMaxRows` and says so only in
/// `X-SPARQL-MaxRows`: that is `Error::Truncated`, never a complete answer.
#[test]
fn virtuoso_row_cap_is_reported_as_truncated() {
    let engine = engines::virtuoso_with(VirtuosoConfig { max_rows: 100 });
    let client = engine.client();
    numbers(&client, 150);
    let all = format!("SELECT ?n WHERE {{ GRAPH <{G}> {{ ?s <http://example.org/n> ?n }} }}");
    let e = client.query(&all, &Dataset::Service, T).unwrap_err();
    assert!(matches!(e, Error::Truncated { cap: 100, .. }), "{e:?}");
    assert!(e.to_string().contains("row cap (100 rows)"), "{e}");
    // Virtuoso marks a result of exactly the cap too (LIMIT 100 of 150):
    // it cannot be told from a cut one, and is not taken as complete.
    let e = client
        .query(
            &format!("{all} ORDER BY ?n LIMIT 100"),
            &Dataset::Service,
            T,
        )
        .unwrap_err();
    assert!(matches!(e, Error::Truncated { cap: 100, .. }), "{e:?}");
    // A page under the cap is whole.
    let page = format!("{all} ORDER BY ?n LIMIT 99");
    let rows = client
        .query(&page, &Dataset::Service, T)
        .unwrap()
        .into_rows()
        .unwrap();
    assert_eq!(rows.len(), 99);
    assert_eq!(rows[98].get("n"), Some(&Term::from(Literal::from(98))));
}

/// Virtuoso takes writes with Digest only; a wrong password, no
/// credentials, or an update sent where it takes none (500 SR186) are each
/// a clear credentials error, and nothing is written.
#[test]
fn virtuoso_digest_auth_and_clear_credential_errors() {
    let engine = engines::virtuoso();
    let insert = format!("INSERT DATA {{ GRAPH <{G}> {{ <{S}> <http://example.org/p> \"v\" }} }}");
    let written = |client: &Client| {
        client
            .query(
                &format!("ASK {{ GRAPH <{G}> {{ <{S}> <http://example.org/p> \"v\" }} }}"),
                &Dataset::Service,
                T,
            )
            .unwrap()
            .into_boolean()
            .unwrap()
    };
    let wrong = Client::new(engine.backend(), Some(Credentials::new(USER, "not-it")));
    let e = wrong.update(&insert, T).unwrap_err();
    assert!(matches!(e, Error::Backend(_)), "{e:?}");
    assert!(
        e.to_string()
            .contains("refused the credentials of PALERMO_BACKEND_USER=palermo"),
        "{e}"
    );
    let none = Client::new(engine.backend(), None);
    let e = none.update(&insert, T).unwrap_err();
    assert!(e.to_string().contains("asks for credentials"), "{e}");
    // A generic backend sending updates to Virtuoso's open /sparql.
    let open: Backend = format!("sparql+{}/sparql", engine.http).parse().unwrap();
    let open = open
        .with_update_url(&format!("{}/sparql", engine.http))
        .unwrap();
    let e = Client::new(open, None).update(&insert, T).unwrap_err();
    assert!(e.to_string().contains("SR186"), "{e}");
    assert!(e.to_string().contains("asks for credentials"), "{e}");
    assert!(!written(&none));
    // The right password writes, a Graph Store PUT too.
    let client = engine.client();
    client.update(&insert, T).unwrap();
    assert!(written(&none));
    let e = wrong.put_graph(&nn(G), Payload::Bytes(b""), T).unwrap_err();
    assert!(e.to_string().contains("refused the credentials"), "{e}");
    assert!(written(&none), "a refused PUT changed nothing");
}

/// A closed port: a clear, quick error naming the engine, for every call.
#[test]
fn a_down_engine_is_a_clear_backend_error_quickly() {
    let port = engines::free_port();
    for url in [
        format!("oxigraph+http://127.0.0.1:{port}/"),
        format!("virtuoso+http://127.0.0.1:{port}/"),
    ] {
        let client = Client::new(url.parse().unwrap(), Some(Credentials::new(USER, PASSWORD)));
        let started = Instant::now();
        let q = client.query("ASK {}", &Dataset::Service, T).unwrap_err();
        let u = client.update("INSERT DATA {}", T).unwrap_err();
        let g = client.get_graph(&nn(G), T).unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
        for e in [q, u, g] {
            assert!(matches!(e, Error::BackendUnavailable(_)), "{e:?}");
            let m = e.to_string();
            assert!(
                m.contains("cannot reach the") && m.contains(&format!("127.0.0.1:{port}")),
                "{m}"
            );
        }
    }
}
