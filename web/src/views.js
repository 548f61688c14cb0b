// The result views: table, chart (bar or line, the first column as the
// axis), map (a choropleth of countries and regions from the geometry the
// binary serves) and timeline. SVG through d3; nothing is fetched from
// elsewhere.
import { select } from "d3-selection";
import { scaleBand, scaleLinear, scaleSequential } from "d3-scale";
import { interpolateBlues } from "d3-scale-chromatic";
import { axisBottom, axisLeft } from "d3-axis";
import { line } from "d3-shape";
import { max, extent } from "d3-array";
import { geoNaturalEarth1, geoPath } from "d3-geo";
import { feature } from "topojson-client";
import codes from "i18n-iso-countries/codes.json";
import { placeOf, recordId, yearOf } from "./results.js";
import { regionMembers } from "./regions.js";

const SVG = "http://www.w3.org/2000/svg";

/// Where a link to an IRI goes: our own IRIs to their landing pages here.
export function hrefOf(iri, base) {
  return iri.startsWith(base) ? `/${iri.slice(base.length)}` : iri;
}

/// What a value shows: a label when one was found, else the value.
export function textOf(binding, labels) {
  if (!binding) return "";
  if (binding.type === "uri") return labels.get(binding.value) ?? binding.value;
  return binding.value;
}

export function table(el, a, base, labels) {
  const t = document.createElement("table");
  t.id = "result-table";
  const head = t.createTHead().insertRow();
  for (const v of a.vars) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = v;
    head.append(th);
  }
  const body = t.createTBody();
  a.rows.forEach((row) => {
    const tr = body.insertRow();
    a.columns.forEach((c) => {
      const td = tr.insertCell();
      const b = row[c.name];
      if (!b) return;
      if (c.numeric) td.className = "n";
      if (b.type === "uri") {
        const link = document.createElement("a");
        link.href = hrefOf(b.value, base);
        link.textContent = textOf(b, labels);
        link.title = b.value;
        link.dataset.iri = b.value;
        td.append(link);
      } else {
        td.textContent = b.value;
        if (b["xml:lang"]) td.lang = b["xml:lang"];
      }
    });
  });
  el.replaceChildren(t);
}

/// Set labels on links already drawn (they arrive after the rows).
export function relabel(el, labels) {
  for (const link of el.querySelectorAll("a[data-iri]")) {
    const label = labels.get(link.dataset.iri);
    if (label) link.textContent = label;
  }
}

function svg(el, width, height, label) {
  const s = select(el).append("svg")
    .attr("viewBox", `0 0 ${width} ${height}`)
    .attr("width", "100%")
    .attr("role", "img")
    .attr("aria-label", label);
  return s;
}

export function chart(el, a, base, labels, kind) {
  el.replaceChildren();
  const x = a.columns[0];
  const y = a.columns.find((c, i) => i > 0 && c.numeric);
  const data = a.rows.map((r) => ({
    key: textOf(r[x.name], labels),
    href: r[x.name]?.type === "uri" ? hrefOf(r[x.name].value, base) : null,
    value: Number(r[y.name]?.value ?? 0),
  }));
  const controls = document.createElement("p");
  controls.className = "chart-kind";
  for (const k of ["bar", "line"]) {
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = k === "bar" ? "Bars" : "Line";
    b.id = `chart-${k}`;
    b.setAttribute("aria-pressed", String(k === kind));
    b.addEventListener("click", () => chart(el, a, base, labels, k));
    controls.append(b);
  }
  el.append(controls);
  const width = 900, height = 420, m = { top: 16, right: 16, bottom: 120, left: 56 };
  const s = svg(el, width, height, `${kind} chart of ${y.name} by ${x.name}`).attr("id", "chart");
  const xs = scaleBand().domain(data.map((d, i) => i)).range([m.left, width - m.right]).padding(0.15);
  const ys = scaleLinear().domain([0, max(data, (d) => d.value) || 1]).nice().range([height - m.bottom, m.top]);
  const every = Math.ceil(data.length / 40);
  s.append("g").attr("transform", `translate(0,${height - m.bottom})`)
    .call(axisBottom(xs).tickFormat((i) => shorten(data[i].key, 22)).tickValues(xs.domain().filter((i) => i % every === 0)))
    .selectAll("text").attr("transform", "rotate(-40)").attr("text-anchor", "end").attr("dx", "-.4em").attr("dy", ".3em");
  s.append("g").attr("transform", `translate(${m.left},0)`).call(axisLeft(ys).ticks(6));
  s.append("text").attr("x", m.left).attr("y", m.top - 4).attr("class", "axis-label").text(y.name);
  if (kind === "bar") {
    s.append("g").selectAll("rect").data(data).join("rect")
      .attr("class", "bar")
      .attr("x", (d, i) => xs(i)).attr("width", xs.bandwidth())
      .attr("y", (d) => ys(d.value)).attr("height", (d) => ys(0) - ys(d.value))
      .append("title").text((d) => `${d.key}: ${d.value}`);
  } else {
    const at = (d, i) => xs(i) + xs.bandwidth() / 2;
    s.append("path").datum(data).attr("class", "line")
      .attr("d", line().x(at).y((d) => ys(d.value)));
    s.append("g").selectAll("circle").data(data).join("circle")
      .attr("class", "point").attr("r", 4).attr("cx", at).attr("cy", (d) => ys(d.value))
      .append("title").text((d) => `${d.key}: ${d.value}`);
  }
}

function shorten(text, n) {
  return text.length > n ? `${text.slice(0, n - 1)}…` : text;
}

let geometry = null;
function countries() {
  if (!geometry) {
    geometry = fetch("/assets/countries-110m.json").then((r) => r.json()).then((topo) => {
      const numericToAlpha2 = new Map(codes.map(([a2, , num]) => [num, a2]));
      const fc = feature(topo, topo.objects.countries);
      for (const f of fc.features) {
        // Natural Earth gives Kosovo no ISO number; it is XK here.
        f.properties.code = numericToAlpha2.get(f.id) ?? (f.properties.name === "Kosovo" ? "XK" : null);
      }
      return fc;
    });
  }
  return geometry;
}

/// Each country takes the value of the most specific place of the result
/// that holds it: itself, else the smallest region it belongs to.
export async function map(el, a, base, labels) {
  el.replaceChildren();
  const placeCol = a.columns.find((c) => c.places);
  const valueCol = a.columns.find((c) => c.numeric);
  const places = new Map();
  for (const r of a.rows) {
    const b = r[placeCol.name];
    const p = b && b.type === "uri" ? placeOf(b.value, base) : null;
    if (!p) continue;
    const add = valueCol ? Number(r[valueCol.name]?.value ?? 0) : 1;
    const cur = places.get(b.value) ?? { ...p, iri: b.value, value: 0 };
    cur.value += add;
    places.set(b.value, cur);
  }
  const fc = await countries();
  const byCountry = new Map();
  const specificity = (p) => (p.kind === "country" ? 0 : (regionMembers(p.key)?.size ?? 10000));
  for (const p of places.values()) {
    const members = p.kind === "country" ? new Set([p.key]) : regionMembers(p.key);
    for (const f of fc.features) {
      const code = f.properties.code;
      if (!code || (members && !members.has(code))) continue;
      const have = byCountry.get(code);
      if (!have || specificity(p) < specificity(have)) byCountry.set(code, p);
    }
  }
  const width = 960, height = 500;
  const s = svg(el, width, height, `Map of ${valueCol ? valueCol.name : "rows"} by ${placeCol.name}`).attr("id", "map");
  const projection = geoNaturalEarth1().fitSize([width, height - 40], fc);
  const path = geoPath(projection);
  const top = max([...places.values()], (p) => p.value) || 1;
  const colour = scaleSequential(interpolateBlues).domain([0, top]);
  s.append("g").selectAll("path").data(fc.features).join("path")
    .attr("d", path)
    .attr("class", (f) => (byCountry.has(f.properties.code) ? "country filled" : "country"))
    .attr("data-code", (f) => f.properties.code ?? "")
    .attr("fill", (f) => {
      const p = byCountry.get(f.properties.code);
      return p ? colour(p.value) : "#eee";
    })
    .append("title").text((f) => {
      const p = byCountry.get(f.properties.code);
      return p ? `${f.properties.name}: ${p.value} (${labels.get(p.iri) ?? p.key})` : f.properties.name;
    });
  // The legend: the colour ramp from 0 to the largest value.
  const legend = s.append("g").attr("transform", `translate(20,${height - 28})`);
  const steps = 10;
  for (let i = 0; i < steps; i++) {
    legend.append("rect").attr("x", i * 24).attr("width", 24).attr("height", 10).attr("fill", colour((top * i) / (steps - 1)));
  }
  legend.append("text").attr("x", 0).attr("y", 24).text("0");
  legend.append("text").attr("x", steps * 24).attr("y", 24).attr("text-anchor", "end").text(String(top));
  legend.append("text").attr("x", steps * 24 + 12).attr("y", 10).text(valueCol ? valueCol.name : "rows");
  const note = document.createElement("p");
  note.className = "meta";
  note.textContent = "Regions are drawn as their countries; a country takes the value of the most specific place in the result that holds it.";
  el.append(note);
}

/// One mark per row at its year, stacked; a mark links to the row's record.
export function timeline(el, a, base, labels) {
  el.replaceChildren();
  const dateCol = a.columns.find((c) => c.temporal);
  const recordCol = a.columns.find((c) => c.records);
  const labelCol = a.columns.find((c) => !c.iris && !c.numeric && !c.temporal);
  const points = [];
  for (const r of a.rows) {
    const year = yearOf(r[dateCol.name]);
    if (year === null) continue;
    const rec = recordCol ? r[recordCol.name] : null;
    points.push({
      year,
      href: rec && recordId(rec.value, base) ? hrefOf(rec.value, base) : null,
      text: labelCol ? textOf(r[labelCol.name], labels) : rec ? textOf(rec, labels) : String(year),
    });
  }
  if (!points.length) {
    el.append(Object.assign(document.createElement("p"), { textContent: "No row has a date." }));
    return;
  }
  const [lo, hi] = extent(points, (p) => p.year);
  const perYear = new Map();
  for (const p of points) {
    p.stack = perYear.get(p.year) ?? 0;
    perYear.set(p.year, p.stack + 1);
  }
  const tallest = max([...perYear.values()]) || 1;
  const width = 900, m = { left: 30, right: 30, bottom: 40, top: 10 }, r = 6;
  const height = Math.max(160, m.top + m.bottom + tallest * (2 * r + 2));
  const s = svg(el, width, height, `Timeline of ${dateCol.name}`).attr("id", "timeline");
  const xs = scaleLinear().domain([(lo ?? 2000) - 1, (hi ?? 2000) + 1]).range([m.left, width - m.right]);
  s.append("g").attr("transform", `translate(0,${height - m.bottom})`)
    .call(axisBottom(xs).tickFormat((d) => String(d)).ticks(Math.min(20, (hi - lo) + 2)));
  const marks = s.append("g").selectAll("a").data(points).join("a")
    .attr("href", (p) => p.href);
  marks.append("circle").attr("class", "event").attr("r", r)
    .attr("cx", (p) => xs(p.year))
    .attr("cy", (p) => height - m.bottom - r - 2 - p.stack * (2 * r + 2));
  marks.append("title").text((p) => `${p.year}: ${p.text}`);
  const note = document.createElement("p");
  note.className = "meta";
  note.textContent = `${points.length} dated rows from ${lo} to ${hi}, one mark each.`;
  el.append(note);
}
