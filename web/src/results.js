// What a result holds, column by column: IRIs, records, places, numbers,
// dates. The views and the default view are chosen from it.
const XSD = "http://www.w3.org/2001/XMLSchema#";
const NUMERIC = new Set(["integer", "decimal", "double", "float", "int", "long", "short", "byte",
  "nonNegativeInteger", "positiveInteger", "unsignedInt", "unsignedLong"].map((t) => XSD + t));
const TEMPORAL = new Set(["gYear", "date", "dateTime", "gYearMonth"].map((t) => XSD + t));

export function analyse(json, base) {
  const vars = json.head?.vars ?? [];
  const rows = json.results?.bindings ?? [];
  const columns = vars.map((name) => {
    const values = rows.map((r) => r[name]).filter(Boolean);
    const all = (test) => values.length > 0 && values.every(test);
    const uri = (v) => v.type === "uri";
    return {
      name,
      iris: all(uri),
      records: values.some((v) => uri(v) && recordId(v.value, base) !== null),
      places: values.some((v) => uri(v) && placeOf(v.value, base) !== null),
      numeric: all((v) => v.type !== "uri" && NUMERIC.has(v.datatype)),
      temporal: all((v) => v.type !== "uri" && (TEMPORAL.has(v.datatype) ||
        (/year|date/i.test(name) && /^\d{4}/.test(v.value)))),
    };
  });
  return { vars, rows, columns };
}

/// The id of a record IRI (`{base}records/{id}`), or null.
export function recordId(iri, base) {
  const prefix = `${base}records/`;
  if (!iri.startsWith(prefix)) return null;
  const id = iri.slice(prefix.length);
  return /^[A-Za-z0-9-]+$/.test(id) ? id : null;
}

/// `{kind: "country"|"region", key}` for our place IRIs, or null.
export function placeOf(iri, base) {
  for (const kind of ["country", "region"]) {
    const prefix = `${base}id/${kind}/`;
    if (iri.startsWith(prefix) && iri.length > prefix.length) return { kind, key: iri.slice(prefix.length) };
  }
  return null;
}

export function yearOf(binding) {
  const m = binding && /^(-?\d{4})/.exec(binding.value);
  return m ? Number(m[1]) : null;
}

/// Which views fit, and the one to open with.
export function views(a) {
  const cols = a.columns;
  const numeric = cols.findIndex((c, i) => i > 0 && c.numeric);
  const available = ["table"];
  if (a.rows.length && cols.length >= 2 && numeric > 0) available.push("chart");
  if (cols.some((c) => c.places)) available.push("map");
  if (cols.some((c) => c.temporal)) available.push("timeline");
  let first = "table";
  if (available.includes("map") && numeric > 0) first = "map";
  else if (available.includes("chart") && (cols[0]?.temporal || a.rows.length <= 60)) first = "chart";
  else if (available.includes("timeline")) first = "timeline";
  return { available, first };
}

/// Every record a result names, in the result's order (row by row, then
/// column by column), each once.
export function recordsIn(a, base) {
  const seen = new Set();
  const out = [];
  for (const row of a.rows) {
    for (const v of a.vars) {
      const b = row[v];
      const id = b && b.type === "uri" ? recordId(b.value, base) : null;
      if (id && !seen.has(id)) {
        seen.add(id);
        out.push(id);
      }
    }
  }
  return out;
}
