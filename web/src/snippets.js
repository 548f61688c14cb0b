// The same query as code, for the endpoint of this origin: curl, Python
// (SPARQLWrapper), R (httr) and JavaScript (fetch).

/// A string literal in each language, escaped so the query survives as is.
const quote = {
  shell: (s) => `'${s.replace(/'/g, "'\\''")}'`,
  python: (s) => `"""${s.replace(/\\/g, "\\\\").replace(/"""/g, '\\"\\"\\"')}"""`,
  r: (s) => JSON.stringify(s),
  js: (s) => (s.includes("`") || s.includes("${") || s.includes("\\") ? JSON.stringify(s) : `\`${s}\``),
};

export function code(lang, query, origin) {
  const endpoint = `${origin}/sparql`;
  switch (lang) {
    case "curl":
      return `curl -G ${quote.shell(endpoint)} \\\n  -H 'Accept: text/csv' \\\n  --data-urlencode query=${quote.shell(query)}`;
    case "python":
      return `from SPARQLWrapper import SPARQLWrapper, JSON\n\nsparql = SPARQLWrapper(${JSON.stringify(endpoint)})\nsparql.setQuery(${quote.python(query)})\nsparql.setReturnFormat(JSON)\nfor row in sparql.query().convert()["results"]["bindings"]:\n    print({k: v["value"] for k, v in row.items()})`;
    case "r":
      return `library(httr)\n\nquery <- ${quote.r(query)}\nr <- GET(${JSON.stringify(endpoint)}, query = list(query = query), accept("text/csv"))\nresults <- read.csv(text = content(r, as = "text", encoding = "UTF-8"))\nprint(results)`;
    default:
      return `const query = ${quote.js(query)};\nconst response = await fetch(${JSON.stringify(endpoint)} + "?" + new URLSearchParams({ query }), {\n  headers: { Accept: "application/sparql-results+json" },\n});\nconst { results } = await response.json();\nconsole.table(results.bindings.map((row) =>\n  Object.fromEntries(Object.entries(row).map(([k, v]) => [k, v.value]))));`;
  }
}

export function snippets(query, origin) {
  const details = document.createElement("details");
  details.id = "snippets";
  const summary = document.createElement("summary");
  summary.textContent = "Code for this query";
  const pick = document.createElement("select");
  pick.id = "snippet-lang";
  pick.setAttribute("aria-label", "Language");
  for (const [v, t] of [["curl", "curl"], ["python", "Python (SPARQLWrapper)"], ["r", "R (httr)"], ["js", "JavaScript (fetch)"]]) {
    const o = document.createElement("option");
    o.value = v;
    o.textContent = t;
    pick.append(o);
  }
  const pre = document.createElement("pre");
  const codeEl = document.createElement("code");
  codeEl.id = "snippet-code";
  pre.append(codeEl);
  const show = () => {
    codeEl.textContent = code(pick.value, query, origin);
  };
  pick.addEventListener("change", show);
  show();
  details.append(summary, pick, pre);
  return details;
}
