// The editor: CodeMirror 6 with the SPARQL mode, bracket matching,
// Ctrl/Cmd+Enter to run, and completion of prefixes (adding the PREFIX line
// a query lacks), of the vocabulary terms the catalogue uses and of its own
// entities by label, both read from the server (/query/vocabulary,
// /query/entities), never from a list kept here.
import { EditorView, basicSetup } from "codemirror";
import { keymap } from "@codemirror/view";
import { Prec } from "@codemirror/state";
import { StreamLanguage } from "@codemirror/language";
import { autocompletion } from "@codemirror/autocomplete";
import { sparql } from "@codemirror/legacy-modes/mode/sparql";

let vocabulary = null;
async function loadVocabulary() {
  if (!vocabulary) {
    vocabulary = fetch("/query/vocabulary", { headers: { Accept: "application/json" } })
      .then((r) => (r.ok ? r.json() : { prefixes: [], terms: [] }))
      .catch(() => ({ prefixes: [], terms: [] }));
  }
  return vocabulary;
}

/// The changes that insert `PREFIX p: <ns>` at the top unless the query
/// declares `p` already.
function prefixLine(doc, prefix, namespace) {
  const declared = new RegExp(`^\\s*PREFIX\\s+${prefix}:`, "im");
  if (declared.test(doc)) return [];
  return [{ from: 0, insert: `PREFIX ${prefix}: <${namespace}>\n` }];
}

function applyWithPrefix(text, prefix, namespace) {
  return (view, _completion, from, to) => {
    const changes = [{ from, to, insert: text }, ...prefixLine(view.state.doc.toString(), prefix, namespace)];
    const shift = changes.length > 1 ? changes[1].insert.length : 0;
    view.dispatch({ changes, selection: { anchor: from + text.length + shift } });
  };
}

/// `dcterms:iss|` → terms of dcterms; `dct|` → the prefixes themselves.
async function prefixesAndTerms(context) {
  const prefixed = context.matchBefore(/[A-Za-z][\w-]*:[\w-]*$/);
  const word = context.matchBefore(/[A-Za-z][\w-]*$/);
  if (!prefixed && !word && !context.explicit) return null;
  const before = context.state.sliceDoc(Math.max(0, context.pos - 80), context.pos);
  // Not inside an IRI, a variable or a PREFIX declaration's own name.
  if (/<[^>\s]*$/.test(before) || /[?$][\w]*$/.test(before)) return null;
  const { prefixes, terms } = await loadVocabulary();
  const ns = Object.fromEntries(prefixes.map((p) => [p.prefix, p.namespace]));
  if (prefixed) {
    const prefix = prefixed.text.split(":")[0];
    if (!ns[prefix]) return null;
    const options = terms
      .filter((t) => t.prefix === prefix)
      .map((t) => ({
        label: `${prefix}:${t.local}`,
        detail: t.label,
        type: t.kind === "class" ? "class" : "property",
        apply: applyWithPrefix(`${prefix}:${t.local}`, prefix, ns[prefix]),
      }));
    return { from: prefixed.from, options, validFor: /^[\w:-]*$/ };
  }
  if (/PREFIX\s+[\w-]*$/i.test(before)) return null;
  const from = word ? word.from : context.pos;
  const options = prefixes.map((p) => ({
    label: `${p.prefix}:`,
    detail: p.namespace,
    type: "namespace",
    apply: applyWithPrefix(`${p.prefix}:`, p.prefix, p.namespace),
  }));
  // Terms by their label too ("date published" finds schema:datePublished).
  for (const t of terms) {
    options.push({
      label: `${t.prefix}:${t.local}`,
      detail: t.label,
      type: t.kind === "class" ? "class" : "property",
      apply: applyWithPrefix(`${t.prefix}:${t.local}`, t.prefix, ns[t.prefix]),
      boost: -1,
    });
  }
  return { from, options, validFor: /^[\w-]*$/ };
}

/// Countries, regions, categories, agents and languages whose label holds
/// what was typed (two letters at least), inserted as IRIs. The words
/// before the cursor are tried longest first ("Bosnia and Herz", then
/// "and Herz", then "Herz"), so a label of several words completes too.
async function entities(context) {
  const word = context.matchBefore(/[\p{L}\p{N}][\p{L}\p{N}\- ]*$/u);
  if (!word) return null;
  const starts = [];
  for (let i = 0; i < word.text.length; i++) {
    if (i === 0 || word.text[i - 1] === " ") starts.push(i);
  }
  for (const start of starts.slice(-3)) {
    const from = word.from + start;
    const typed = word.text.slice(start).trim();
    if (typed.length < 2) continue;
    const before = context.state.sliceDoc(Math.max(0, from - 1), from);
    if (before === "?" || before === "$" || before === ":" || before === "<" || before === '"') continue;
    const url = `/query/entities?${new URLSearchParams({ q: typed, limit: "20" })}`;
    let found;
    try {
      const r = await fetch(url, { headers: { Accept: "application/json" } });
      if (!r.ok) return null;
      found = await r.json();
    } catch {
      return null;
    }
    if (context.aborted) return null;
    if (!found.length) continue;
    return {
      from,
      filter: false,
      options: found.map((e) => ({
        label: e.label,
        detail: `${e.kind} · ${e.records} record${e.records === 1 ? "" : "s"}`,
        type: "constant",
        apply: `<${e.iri}>`,
      })),
    };
  }
  return null;
}

/// Mount the editor in place of `textarea` (kept, hidden and in sync, for
/// the form). The editor lives in a shadow root: CodeMirror then styles
/// itself with constructed stylesheets, which the page's
/// Content-Security-Policy (no inline style) allows, instead of <style>.
export function mountEditor(textarea, onRun) {
  const host = document.createElement("div");
  host.className = "editor-host";
  host.id = "editor";
  textarea.before(host);
  textarea.hidden = true;
  const shadow = host.attachShadow({ mode: "open" });
  const run = () => {
    onRun();
    return true;
  };
  const view = new EditorView({
    doc: textarea.value,
    root: shadow,
    parent: shadow,
    extensions: [
      basicSetup,
      StreamLanguage.define(sparql),
      Prec.highest(keymap.of([{ key: "Mod-Enter", run }])),
      EditorView.updateListener.of((u) => {
        if (u.docChanged) textarea.value = u.state.doc.toString();
      }),
      autocompletion({ override: [prefixesAndTerms, entities] }),
      EditorView.theme({
        "&": { fontSize: "0.95rem", border: "1px solid #767676", borderRadius: "4px", background: "#fff" },
        ".cm-scroller": { fontFamily: "ui-monospace, monospace", minHeight: "14rem" },
        "&.cm-focused": { outline: "3px solid #f2a900", outlineOffset: "2px" },
      }),
      EditorView.contentAttributes.of({ "aria-label": "SPARQL query" }),
    ],
  });
  return view;
}

