// The query page, enhanced: the form and the server-rendered table work
// without this script; with it, the textarea becomes an editor and the
// results a viewer (table, chart, map, timeline), with downloads, code
// snippets and "cite these records". Every request goes to this origin.
import { mountEditor } from "./editor.js";
import { analyse, views, recordsIn } from "./results.js";
import { table, relabel, chart, map, timeline } from "./views.js";
import { snippets } from "./snippets.js";

const RESULTS = "application/sparql-results+json";
const GRAPH = "application/n-triples";
const VIEW_NAMES = { table: "Table", chart: "Chart", map: "Map", timeline: "Timeline" };
const CITE_FORMATS = [
  ["bibliography", "Bibliography"],
  ["bibtex", "BibTeX"],
  ["ris", "RIS"],
  ["csljson", "CSL-JSON"],
];

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "text") e.textContent = v;
    else if (v !== null && v !== undefined) e.setAttribute(k, v);
  }
  e.append(...children);
  return e;
}

function queryFromAddress() {
  const hash = new URLSearchParams(location.hash.slice(1)).get("query");
  return hash ?? new URLSearchParams(location.search).get("query");
}

function start() {
  const app = document.getElementById("query-app");
  if (!app) return;
  const base = app.dataset.base;
  const styles = JSON.parse(app.dataset.styles || "[]");
  const form = document.getElementById("query-form");
  const textarea = document.getElementById("query");
  const results = document.getElementById("results");
  const fromAddress = queryFromAddress();
  if (fromAddress !== null) textarea.value = fromAddress;
  const editor = mountEditor(textarea, () => run());
  // For BENCHMARKS.md: the editor takes input from here on.
  performance.mark("palermo-editor-ready");
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    run();
  });
  form.querySelector("button[type=submit]").title = "Ctrl+Enter (⌘+Enter on macOS)";
  examplesSearch();

  // Where the results go: a status line, the views' tabs, the view, then
  // downloads, code and citations.
  const status = el("p", { id: "result-status", role: "status", class: "meta" });
  const tabs = el("div", { id: "view-tabs", role: "tablist", "aria-label": "Result views" });
  const view = el("div", { id: "view", role: "tabpanel" });
  const extras = el("div", { id: "result-extras" });
  let generation = 0;

  /// `opening`: the run of a link just opened, whose table the server has
  /// drawn already; it stays on the table rather than jump to another view.
  async function run(opening = false) {
    const query = editor.state.doc.toString();
    const mine = ++generation;
    // The address bar holds the query: the link restores and runs it.
    const url = `/query?${new URLSearchParams({ query })}`;
    if (location.pathname + location.search !== url || location.hash) history.pushState(null, "", url);
    // The note's download links follow the query too.
    for (const a of document.querySelectorAll("#endpoint-note a[href^='/sparql?']")) {
      const format = new URLSearchParams(a.getAttribute("href").split("?")[1]).get("format");
      a.href = `/sparql?${new URLSearchParams({ query, format })}`;
    }
    // What was shown stays until the new answer comes.
    status.className = "meta";
    status.textContent = "Running…";
    if (!status.isConnected) results.querySelector("h2").after(status);
    const started = performance.now();
    let response, body;
    try {
      response = await fetch("/sparql", {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: `${RESULTS}, ${GRAPH};q=0.9` },
        body: new URLSearchParams({ query }),
      });
      body = await response.text();
    } catch (e) {
      status.textContent = `The query could not be sent: ${e.message}`;
      return;
    }
    if (mine !== generation) return;
    const ms = Math.round(performance.now() - started);
    results.replaceChildren(el("h2", { id: "results-h", text: "Results" }), status, tabs, view, extras);
    tabs.replaceChildren();
    view.replaceChildren();
    extras.replaceChildren();
    if (!response.ok) {
      let message = body;
      try {
        message = JSON.parse(body).error ?? body;
      } catch {}
      status.className = "error";
      status.textContent = `Error ${response.status}: ${message}`;
      finished(mine);
      return;
    }
    status.className = "meta";
    const type = (response.headers.get("content-type") || "").split(";")[0];
    const json = type === GRAPH ? triplesAsResults(body) : JSON.parse(body);
    const truncated = response.headers.get("palermo-results-truncated");
    if ("boolean" in json) {
      status.textContent = `${json.boolean ? "true" : "false"} (answered in ${ms} ms)`;
      extras.append(downloads(query, false));
      extras.append(snippets(query, location.origin));
      finished(mine);
      return;
    }
    const a = analyse(json, base);
    const n = a.rows.length;
    status.textContent = `${n} result${n === 1 ? "" : "s"} in ${ms} ms` +
      (truncated ? ` (cut at the row limit of ${truncated})` : "");
    const labels = new Map();
    const { available, first } = views(a);
    let current = opening ? "table" : first;
    const show = async (name) => {
      current = name;
      for (const b of tabs.children) b.setAttribute("aria-selected", String(b.dataset.view === name));
      view.dataset.view = name;
      if (name === "table") table(view, a, base, labels);
      else if (name === "chart") chart(view, a, base, labels, a.columns[0].temporal ? "line" : "bar");
      else if (name === "map") await map(view, a, base, labels);
      else timeline(view, a, base, labels);
    };
    for (const name of Object.keys(VIEW_NAMES)) {
      const b = el("button", { type: "button", role: "tab", id: `tab-${name}`, "data-view": name, text: VIEW_NAMES[name] });
      if (!available.includes(name)) {
        b.disabled = true;
        b.title = "This result has nothing to show this way";
      }
      b.addEventListener("click", () => show(name));
      tabs.append(b);
    }
    await show(current);
    extras.append(downloads(query, type === GRAPH));
    extras.append(snippets(query, location.origin));
    const records = recordsIn(a, base);
    if (records.length) extras.append(cite(records, styles));
    // Labels arrive after the rows; the view is drawn again with them.
    await fetchLabels(a, labels);
    if (mine !== generation) return;
    if (current === "table") relabel(view, labels);
    else await show(current);
    finished(mine);
  }

  /// Says on the page that run `n` is drawn whole (for people with
  /// assistive technology, the status line; for tests, `data-runs`).
  function finished(n) {
    app.dataset.runs = String(n);
  }

  window.addEventListener("popstate", () => {
    const q = queryFromAddress();
    if (q !== null) {
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: q } });
      run();
    }
  });
  if (fromAddress !== null) run(true);
}

/// N-Triples as a result of three columns, so graphs show in the table.
function triplesAsResults(text) {
  const term = (t) =>
    t.startsWith("<") ? { type: "uri", value: t.slice(1, -1) } : t.startsWith("_:") ? { type: "bnode", value: t } : { type: "literal", value: t };
  const bindings = [];
  for (const line of text.split("\n")) {
    const m = /^(\S+)\s+(\S+)\s+(.*?)\s*\.\s*$/.exec(line.trim());
    if (m) bindings.push({ subject: term(m[1]), predicate: term(m[2]), object: term(m[3]) });
  }
  return { head: { vars: ["subject", "predicate", "object"] }, results: { bindings } };
}

/// Labels of the IRIs in a result, asked of /sparql itself.
async function fetchLabels(a, labels) {
  const iris = new Set();
  for (const r of a.rows) for (const v of a.vars) if (r[v]?.type === "uri") iris.add(r[v].value);
  const list = [...iris].slice(0, 500);
  if (!list.length) return;
  const values = list.map((i) => `<${i.replace(/[<>"{}|^`\\\s]/g, "")}>`).join(" ");
  const query = `SELECT ?s ?l WHERE { VALUES ?s { ${values} }
  { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l } UNION { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }
  UNION { ?s <http://purl.org/dc/terms/title> ?l } UNION { ?s <http://xmlns.com/foaf/0.1/name> ?l } }`;
  try {
    const r = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: RESULTS },
      body: new URLSearchParams({ query }),
    });
    if (!r.ok) return;
    const json = await r.json();
    // English first, then no language, then any.
    const rank = (b) => (b["xml:lang"] === "en" ? 0 : b["xml:lang"] ? 2 : 1);
    const best = new Map();
    for (const b of json.results.bindings) {
      const have = best.get(b.s.value);
      if (!have || rank(b.l) < rank(have)) best.set(b.s.value, b.l);
    }
    for (const [iri, l] of best) labels.set(iri, l.value);
  } catch {}
}

function downloads(query, graph) {
  const formats = graph ? [["ttl", "Turtle"], ["nt", "N-Triples"], ["rdf", "RDF/XML"], ["jsonld", "JSON-LD"]]
    : [["csv", "CSV"], ["tsv", "TSV"], ["json", "SPARQL JSON"], ["xml", "SPARQL XML"]];
  const p = el("p", { id: "downloads" }, "Download: ");
  formats.forEach(([name, label], i) => {
    if (i) p.append(" · ");
    p.append(el("a", { href: `/sparql?${new URLSearchParams({ query, format: name })}`, download: `palermo-results.${name}`, "data-format": name, text: label }));
  });
  return p;
}

/// "Cite these records": the records in the result's order, through /cite.
function cite(ids, styles) {
  const section = el("section", { id: "cite", "aria-labelledby": "cite-h" });
  section.append(el("h2", { id: "cite-h", text: "Cite these records" }));
  section.append(el("p", { class: "meta", text: `${ids.length} record${ids.length === 1 ? "" : "s"} in this result, in its order.` }));
  const format = el("select", { id: "cite-format" });
  for (const [v, t] of CITE_FORMATS) format.append(el("option", { value: v, text: t }));
  const style = el("select", { id: "cite-style" });
  for (const s of styles) style.append(el("option", { value: s, text: s }));
  style.value = styles.includes("apa") ? "apa" : styles[0];
  const styleLabel = el("label", { for: "cite-style" }, "Style ");
  const button = el("button", { type: "submit", id: "cite-run", text: "Cite these records" });
  const form = el("form", { id: "cite-form", class: "picker" }, el("label", { for: "cite-format" }, "Format "), format, styleLabel, style, button);
  const output = el("pre", { id: "cite-output", class: "citation", tabindex: "0" });
  const link = el("p", { id: "cite-link" });
  output.hidden = true;
  format.addEventListener("change", () => {
    style.disabled = format.value !== "bibliography";
  });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const params = new URLSearchParams();
    for (const id of ids) params.append("id", id);
    params.set("format", format.value);
    if (format.value === "bibliography") params.set("style", style.value);
    const href = `/cite?${params}`;
    output.hidden = false;
    output.textContent = "…";
    // A long list goes as a form body; the link is for scripts all the same.
    const r = href.length < 6000 ? await fetch(href) : await fetch("/cite", { method: "POST", body: params });
    output.textContent = await r.text();
    const name = { bibliography: "txt", bibtex: "bib", ris: "ris", csljson: "json" }[format.value];
    link.replaceChildren(
      "For scripts: ", el("a", { href, id: "cite-href", text: "this export's link" }),
      " (GET; POST the same as a form for long lists) · ",
      el("a", { href, download: `palermo-citations.${name}`, text: "Download" }),
    );
  });
  section.append(form, output, link);
  return section;
}

/// The examples, searchable by title.
function examplesSearch() {
  const box = document.getElementById("example-search");
  const input = document.getElementById("example-filter");
  if (!box || !input) return;
  box.hidden = false;
  const items = [...document.querySelectorAll("#examples li")];
  input.addEventListener("input", () => {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    for (const li of items) li.hidden = !words.every((w) => li.textContent.toLowerCase().includes(w));
  });
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
