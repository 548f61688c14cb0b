//! `GET /records` over real HTTP: the HTML page and its escaping, the JSON
//! shape, parameter errors, exports of whole result sets in every format,
//! the index following writes made through the API, and the SPARQL
//! full-text functions on `/sparql`.

use crate::common;

use palermo::http::{Config, Secret};
use reqwest::{Client, Response};
use serde_json::Value;

const TOKEN: &str = "search-test-token";

async fn server() -> (String, tokio::sync::oneshot::Sender<()>) {
    let (store, _) = common::catalogue();
    common::serve(
        store,
        Config {
            iris: common::iris(),
            token: Secret::new(TOKEN.into()),
            ..Config::default()
        },
    )
    .await
}

use common::form;

async fn get(base: &str, pairs: &[(&str, &str)], accept: Option<&str>) -> Response {
    common::get_form(base, "/records", pairs, accept).await
}

async fn json(base: &str, pairs: &[(&str, &str)]) -> Value {
    let r = get(base, pairs, Some("application/json")).await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("application/json"));
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

/// The HTML page `/records?{pairs}` as a browser without an `Accept` gets it.
async fn page(base: &str, pairs: &[(&str, &str)]) -> String {
    get(base, pairs, None).await.text().await.unwrap()
}

fn header(r: &Response, name: &str) -> String {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn result_ids(v: &Value) -> Vec<String> {
    v["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn json_shape() {
    let (base, _stop) = server().await;
    let v = json(&base, &[("q", "labour exploitation"), ("per_page", "2")]).await;
    assert_eq!(v["total"], 5);
    assert_eq!(
        (
            v["page"].as_u64(),
            v["per_page"].as_u64(),
            v["pages"].as_u64()
        ),
        (Some(1), Some(2), Some(3))
    );
    assert_eq!(v["sort"], "relevance");
    assert_eq!(v["query"]["q"], "labour exploitation");
    let results = v["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    let first = &results[0];
    for key in [
        "id",
        "iri",
        "url",
        "title",
        "title_html",
        "snippet",
        "snippet_html",
        "type",
        "year",
        "authors",
        "categories",
        "countries",
        "regions",
        "languages",
        "score",
    ] {
        assert!(first.get(key).is_some(), "results[0] has no {key}: {first}");
    }
    assert_eq!(
        first["iri"],
        format!("{}records/{}", common::BASE, first["id"].as_str().unwrap())
    );
    assert!(first["snippet_html"].as_str().unwrap().contains("<mark>"));
    assert!(first["score"].as_f64().unwrap() > 0.0);
    assert_eq!(first["regions"][0]["label"], "Worldwide");
    for facet in [
        "category", "country", "region", "author", "language", "year",
    ] {
        let values = v["facets"][facet]["values"]
            .as_array()
            .unwrap_or_else(|| panic!("facet {facet}"));
        for x in values {
            assert!(
                x["value"].is_string()
                    && x["label"].is_string()
                    && x["count"].as_u64().unwrap() > 0,
                "{x}"
            );
            assert_eq!(x["selected"], false);
        }
    }
    assert_eq!(v["links"]["prev"], Value::Null);
    let next = v["links"]["next"].as_str().unwrap();
    assert!(
        next.starts_with("/records?") && next.contains("page=2"),
        "{next}"
    );
    // Following `next` gives the next results.
    let r = common::get(&format!("{base}{next}"), Some("application/json")).await;
    let page2: Value = serde_json::from_str(&r.text().await.unwrap()).unwrap();
    assert_eq!(page2["page"], 2);
    assert!(
        result_ids(&page2)
            .iter()
            .all(|id| !result_ids(&v).contains(id))
    );
    // format=json says the same without Accept.
    let r = get(
        &base,
        &[("q", "labour exploitation"), ("format", "json")],
        None,
    )
    .await;
    assert!(header(&r, "content-type").starts_with("application/json"));
    assert_eq!(header(&r, "vary"), "accept");
}

/// How a hit matched `word`, by what the server answers: 0 the word as
/// written in the title, 1 another form of it in the title (the title is
/// highlighted, `title_html`), 2 elsewhere only (abstract, subjects).
fn match_tier(hit: &Value, word: &str) -> u8 {
    let title = hit["title"].as_str().unwrap().to_lowercase();
    if title
        .split(|c: char| !c.is_alphanumeric())
        .any(|w| w == word)
    {
        0
    } else if hit["title_html"].as_str().unwrap().contains("<mark>") {
        1
    } else {
        2
    }
}

/// README, "Search": the word form as written in a title ranks first, then
/// other forms in a title (stem-only), then matches elsewhere only.
#[tokio::test]
async fn exact_forms_and_titles_rank_first() {
    let (base, _stop) = server().await;
    for word in ["trafficked", "manuals", "smuggled", "migrants", "exploited"] {
        let v = json(&base, &[("q", word), ("per_page", "100")]).await;
        let tiers: Vec<u8> = v["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| match_tier(h, word))
            .collect();
        assert_eq!(tiers.len() as u64, v["total"].as_u64().unwrap(), "{word}");
        assert!(
            tiers.windows(2).all(|w| w[0] <= w[1]),
            "{word}: ranking by tier {tiers:?}\n{:#}",
            v["results"]
        );
        // The query tells the tiers apart: stem-only title matches and
        // matches outside titles exist, so the order above is a result.
        assert!(
            tiers.contains(&1) && tiers.contains(&2),
            "{word}: {tiers:?}"
        );
        if word != "exploited" {
            assert_eq!(tiers[0], 0, "{word}: an exact title match is first");
        }
    }
}

#[tokio::test]
async fn filters_by_key_or_label() {
    let (base, _stop) = server().await;
    let by_key = json(&base, &[("country", "BA")]).await;
    let by_label = json(&base, &[("country", "Bosnia and Herzegovina")]).await;
    assert_eq!(by_key["total"], 1);
    assert_eq!(result_ids(&by_key), result_ids(&by_label));
    assert_eq!(by_label["query"]["filters"]["country"][0], "BA");
    let selected = by_key["facets"]["country"]["values"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["value"] == "BA")
        .unwrap();
    assert_eq!(selected["selected"], true);
    let years = json(
        &base,
        &[
            ("year_from", "2019"),
            ("year_to", "2020"),
            ("per_page", "100"),
        ],
    )
    .await;
    assert_eq!(years["total"], 9);
    assert!(years["results"].as_array().unwrap().iter().all(|r| {
        let y = r["year"].as_i64().unwrap();
        (2019..=2020).contains(&y)
    }));
    let author = json(&base, &[("author", "Claire Healy")]).await;
    assert_eq!(author["total"], 2);
}

#[tokio::test]
async fn the_page_escapes_everything_it_echoes() {
    let (base, _stop) = server().await;
    let hostile = "<script>alert('q')</script>\"><img src=x onerror=alert(1)>";
    let r = get(
        &base,
        &[
            ("q", hostile),
            ("country", hostile),
            ("region", "\"onmouseover=\"alert(2)"),
            ("year_from", "2000"),
        ],
        Some("text/html"),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(header(&r, "content-type").starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "{html}");
    assert!(!html.contains("<img src=x"), "{html}");
    assert!(!html.contains("\"onmouseover=\"alert"), "{html}");
    assert!(html.contains("&lt;script&gt;alert(&#39;q&#39;)&lt;/script&gt;"));
    // Even when the echoed text is a filter value shown as a label.
    assert!(html.contains("Country: <strong>&lt;script&gt;"));
    // Text from the store is escaped too, with the highlighting around it.
    let (store, _) = common::catalogue();
    palermo::update::sparql_update(
        &store,
        &common::iris(),
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             INSERT DATA {{ GRAPH <{b}graph/test> {{
               <{b}records/hostile> a dcterms:BibliographicResource ;
                 dcterms:title \"Zebra <b onmouseover=alert(3)>stripes</b> & trafficking\" ;
                 dcterms:abstract \"<script>alert(4)</script> zebra\" .
             }} }}",
            b = common::BASE
        ),
        common::T2,
        common::UPDATE_TIMEOUT,
    )
    .unwrap();
    let (base2, _stop2) = common::serve(store, Config::default()).await;
    let html = page(&base2, &[("q", "zebra")]).await;
    assert!(
        html.contains(
            "<mark>Zebra</mark> &lt;b onmouseover=alert(3)&gt;stripes&lt;/b&gt; &amp; trafficking"
        ),
        "{html}"
    );
    assert!(
        html.contains("&lt;script&gt;alert(4)&lt;/script&gt; <mark>zebra</mark>"),
        "{html}"
    );
    assert!(!html.contains("<script>alert(4)"));
}

#[tokio::test]
async fn the_page_has_a_search_box_facet_links_and_pages() {
    let (base, _stop) = server().await;
    let html = page(&base, &[("q", "trafficking")]).await;
    assert!(html.contains("<form method=\"get\" action=\"/records\" role=\"search\""));
    assert!(html.contains("name=\"q\" value=\"trafficking\""));
    // Facet links add the value to the current search, back on page 1.
    assert!(html.contains("<a href=\"/records?q=trafficking&amp;category=law-enforcement\" data-facet=\"category\" data-value=\"law-enforcement\">Law Enforcement</a>"), "{html}");
    assert!(
        html.contains("<a href=\"/records?q=trafficking&amp;year_from=2017&amp;year_to=2017\"")
    );
    assert!(html.contains("rel=\"next\""));
    assert_eq!(html.matches("<li class=\"result\"").count(), 20);
    assert!(html.contains("<mark>"));
    assert!(html.contains("data-format=\"bibtex\""));
    // A selected filter shows with a link that removes it.
    let html = page(
        &base,
        &[("q", "trafficking"), ("category", "law-enforcement")],
    )
    .await;
    assert!(
        html.contains(
            "Category: <strong>Law Enforcement</strong> <a href=\"/records?q=trafficking\""
        ),
        "{html}"
    );
    // Long facets fold their tail away (19 countries, 12 shown).
    let html = page(&base, &[]).await;
    assert!(
        html.contains("<details><summary>7 more</summary>"),
        "{html}"
    );
    // The home page has the search box and facets to browse.
    let home = common::get_text(&format!("{base}/"), None).await;
    assert!(home.contains("action=\"/records\"") && home.contains("name=\"q\""));
    assert!(
        home.contains("<a href=\"/records?category=trafficking\">Trafficking</a>"),
        "{home}"
    );
}

#[tokio::test]
async fn bad_parameters_are_400s_naming_them() {
    let (base, _stop) = server().await;
    for (pairs, name) in [
        (vec![("year_from", "abc")], "year_from"),
        (vec![("year_to", "2020.5")], "year_to"),
        (vec![("page", "0")], "page"),
        (vec![("page", "two")], "page"),
        (vec![("per_page", "1000")], "per_page"),
        (vec![("per_page", "-5")], "per_page"),
        (vec![("sort", "random")], "sort"),
        (
            vec![("year_from", "2020"), ("year_to", "2010")],
            "year_from",
        ),
        (vec![("format", "yaml")], "format"),
    ] {
        let r = get(&base, &pairs, None).await;
        assert_eq!(r.status(), 400, "{pairs:?}");
        let body = r.text().await.unwrap();
        assert!(body.contains(name), "{pairs:?}: {body}");
    }
    let long = "x ".repeat(400);
    let r = get(&base, &[("q", &long)], None).await;
    assert_eq!(r.status(), 400);
    let r = get(&base, &[], Some("image/png")).await;
    assert_eq!(r.status(), 406);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("application/json") && body.contains("application/x-bibtex"),
        "{body}"
    );
    // A page past the end is an empty page, not an error.
    let v = json(&base, &[("page", "99")]).await;
    assert_eq!(v["total"], 103);
    assert_eq!(v["results"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn exports_the_whole_result_set_in_every_format() {
    let (base, _stop) = server().await;
    // 38 records in the category (10 from the portal, 28 UNODC records it is
    // inferred for); the page size does not limit an export.
    let filter = [
        ("category", "law-enforcement"),
        ("per_page", "3"),
        ("sort", "title"),
    ];
    let listed = json(
        &base,
        &[
            ("category", "law-enforcement"),
            ("per_page", "100"),
            ("sort", "title"),
        ],
    )
    .await;
    assert_eq!(listed["total"], 38);
    let expected = result_ids(&listed);

    let fetch = |format: &'static str| {
        let base = base.clone();
        async move {
            let mut pairs = filter.to_vec();
            pairs.push(("format", format));
            let r = get(&base, &pairs, None).await;
            assert_eq!(r.status(), 200, "{format}");
            assert_eq!(header(&r, "palermo-total-results"), "38");
            (
                header(&r, "content-type"),
                header(&r, "content-disposition"),
                r.text().await.unwrap(),
            )
        }
    };
    let (ct, cd, bib) = fetch("bibtex").await;
    assert!(ct.starts_with("application/x-bibtex"));
    assert!(
        cd.starts_with("attachment; filename=\"palermo-law-enforcement.bib\""),
        "{cd}"
    );
    assert_eq!(
        bib.lines().filter(|l| l.starts_with('@')).count(),
        38,
        "{bib}"
    );
    let (ct, _, ris) = fetch("ris").await;
    assert!(ct.starts_with("application/x-research-info-systems"));
    assert_eq!(ris.matches("TY  - ").count(), 38);
    assert_eq!(ris.matches("ER  - ").count(), 38);
    let (ct, _, csl) = fetch("csljson").await;
    assert!(ct.starts_with("application/vnd.citationstyles.csl+json"));
    let items: Value = serde_json::from_str(&csl).unwrap();
    let ids: Vec<String> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ids, expected, "the export keeps the order of the search");
    let (ct, _, text) = fetch("bibliography").await;
    assert!(ct.starts_with("text/x-bibliography"));
    assert_eq!(
        text.lines().filter(|l| !l.trim().is_empty()).count(),
        38,
        "{text}"
    );

    // By Accept, with the style as a media type parameter.
    let r = get(
        &base,
        &[("q", "smuggling of migrants")],
        Some("text/x-bibliography; style=ieee"),
    )
    .await;
    assert_eq!(r.status(), 200);
    let total: usize = header(&r, "palermo-total-results").parse().unwrap();
    let text = r.text().await.unwrap();
    assert!(text.starts_with("[1] "), "{text}");
    assert_eq!(text.lines().filter(|l| l.starts_with('[')).count(), total);
    let r = get(&base, &[], Some("application/x-research-info-systems")).await;
    assert_eq!(r.text().await.unwrap().matches("ER  - ").count(), 103);

    // The whole catalogue, streamed.
    let r = get(&base, &[("format", "bibtex")], None).await;
    assert_eq!(
        r.text()
            .await
            .unwrap()
            .lines()
            .filter(|l| l.starts_with('@'))
            .count(),
        103
    );

    // Nothing to export, an unknown style: said before any byte is sent.
    let r = get(&base, &[("q", "zzyzx"), ("format", "ris")], None).await;
    assert_eq!(r.status(), 404);
    let r = get(
        &base,
        &[("format", "bibliography"), ("style", "no-such-style")],
        None,
    )
    .await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("apa"));
}

async fn sparql_update(base: &str, update: &str) -> Response {
    common::post_update(base, Some(TOKEN), update).await
}

#[tokio::test]
async fn the_index_follows_writes_through_the_api() {
    let (base, _stop) = server().await;
    let b = common::BASE;
    assert_eq!(json(&base, &[("q", "quokka")]).await["total"], 0);
    let r = sparql_update(
        &base,
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             INSERT DATA {{ GRAPH <{b}graph/curated> {{
               <{b}records/quokka-routes> a dcterms:BibliographicResource ;
                 dcterms:title \"Quokka smuggling on the island routes\" ;
                 dcterms:issued \"2021\"^^<http://www.w3.org/2001/XMLSchema#gYear> ;
                 dcterms:spatial <{b}id/country/AU> .
             }} }}"
        ),
    )
    .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let v = json(&base, &[("q", "quokka")]).await;
    assert_eq!(result_ids(&v), ["quokka-routes"]);
    assert_eq!(v["results"][0]["year"], 2021);
    assert_eq!(json(&base, &[("country", "AU")]).await["total"], 1);
    assert_eq!(json(&base, &[]).await["total"], 104);

    // A changed title: the old word is gone, the new one found.
    let r = sparql_update(
        &base,
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             DELETE {{ GRAPH ?g {{ <{b}records/quokka-routes> dcterms:title ?t }} }}
             INSERT {{ GRAPH ?g {{ <{b}records/quokka-routes> dcterms:title \"Wallaby smuggling on the island routes\" }} }}
             WHERE {{ GRAPH ?g {{ <{b}records/quokka-routes> dcterms:title ?t }} }}"
        ),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(json(&base, &[("q", "quokka")]).await["total"], 0);
    assert_eq!(
        result_ids(&json(&base, &[("q", "wallaby")]).await),
        ["quokka-routes"]
    );

    // An existing record changed: its new subject is searchable.
    let r = sparql_update(
        &base,
        &format!(
            "PREFIX dcterms: <http://purl.org/dc/terms/>
             INSERT DATA {{ GRAPH <{b}graph/curated> {{
               <{b}records/needs-assessment-human-trafficking-in-the-western-balkans> dcterms:alternative \"Okapi report\" .
             }} }}"
        ),
    )
    .await;
    assert_eq!(r.status(), 200);
    assert_eq!(
        result_ids(&json(&base, &[("q", "okapi")]).await),
        ["needs-assessment-human-trafficking-in-the-western-balkans"]
    );

    // Graph Store Protocol: deleting the graph removes its records.
    let r = Client::new()
        .delete(format!(
            "{base}/store?{}",
            form(&[("graph", &format!("{b}graph/curated"))])
        ))
        .header("authorization", format!("Bearer {TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    assert_eq!(json(&base, &[("q", "wallaby")]).await["total"], 0);
    assert_eq!(json(&base, &[("q", "okapi")]).await["total"], 0);
    assert_eq!(json(&base, &[]).await["total"], 103);
}

async fn sparql_json(base: &str, query: &str) -> Value {
    let r = common::get(
        &format!("{base}/sparql?{}", form(&[("query", query)])),
        Some("application/sparql-results+json"),
    )
    .await;
    assert_eq!(r.status(), 200);
    serde_json::from_str(&r.text().await.unwrap()).unwrap()
}

#[tokio::test]
async fn full_text_search_inside_sparql() {
    let (base, _stop) = server().await;
    // The example on the query page.
    let (_, example) = palermo::http::query_page::EXAMPLES
        .iter()
        .find(|(title, _)| title.contains("pal:score"))
        .expect("a full-text example on the query page");
    let query = example.replace("{base}", common::BASE);
    let v = sparql_json(&base, &query).await;
    let rows = v["results"]["bindings"].as_array().unwrap();
    let search = json(&base, &[("q", "labour exploitation")]).await;
    assert_eq!(rows.len() as u64, search["total"].as_u64().unwrap());
    let sparql_ids: Vec<String> = rows
        .iter()
        .map(|r| {
            r["record"]["value"]
                .as_str()
                .unwrap()
                .trim_start_matches(&format!("{}records/", common::BASE))
                .to_string()
        })
        .collect();
    assert_eq!(
        sparql_ids[..2]
            .iter()
            .collect::<std::collections::BTreeSet<_>>(),
        result_ids(&search)[..2].iter().collect()
    );
    let scores: Vec<f64> = rows
        .iter()
        .map(|r| r["score"]["value"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(scores.windows(2).all(|w| w[0] >= w[1]));
    assert_eq!(
        rows[0]["score"]["datatype"],
        "http://www.w3.org/2001/XMLSchema#double"
    );

    // pal:matches as a filter, combined with ordinary graph patterns.
    let q = format!(
        "PREFIX dcterms: <http://purl.org/dc/terms/>
         PREFIX pal: <{b}ontology#>
         SELECT (COUNT(?r) AS ?n) WHERE {{
           ?r a dcterms:BibliographicResource .
           FILTER(pal:matches(?r, \"Western Balkans\"))
         }}",
        b = common::BASE
    );
    let v = sparql_json(&base, &q).await;
    let n = v["results"]["bindings"][0]["n"]["value"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        n,
        json(&base, &[("q", "Western Balkans")]).await["total"].to_string()
    );
    // Anything that is not a record simply does not match.
    let q = format!(
        "PREFIX pal: <{b}ontology#>
         SELECT ?s WHERE {{ BIND(pal:score(<{b}id/country/BA>, \"trafficking\") AS ?s) }}",
        b = common::BASE
    );
    let v = sparql_json(&base, &q).await;
    assert!(v["results"]["bindings"][0].get("s").is_none(), "{v}");
}
