#!/usr/bin/env bash
# What real clients make of the shipped catalogue's exports (issue 14's
# numbers), measured the same way before and after a change:
# - RIS as Zotero's RIS.js imports it (tests/zotero/tables.toml): records
#   arriving as journal articles or films, publishers and genres discarded,
#   N1 child notes;
# - curators' remarks in BibTeX `note`;
# - classic BibTeX warnings (plain, unsrt, alpha, apalike on the ASCII
#   export; LaTeX errors) and biber --validate-datamodel warnings (UTF-8);
# - records without a subject category, and generic documents (pal:Document).
# usage: scripts/measure-clients.sh [path/to/palermo]
set -euo pipefail
bin="${1:-target/debug/palermo}"
here="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
"$bin" --data-dir "$work/store" import "$here/data/" >/dev/null
"$bin" --data-dir "$work/store" export --format ris >"$work/all.ris" 2>/dev/null
"$bin" --data-dir "$work/store" export --format bibtex >"$work/utf8.bib" 2>/dev/null
"$bin" --data-dir "$work/store" export --format bibtex --ascii >"$work/ascii.bib" 2>/dev/null
python3 - "$work/all.ris" <<'PY'
import re, sys
types = {"RPRT": "report", "BOOK": "book", "JOUR": "journalArticle", "SOUND": "audioRecording",
         "GEN": "journalArticle", "ADVS": "film", "CHAP": "bookSection"}
has_publisher = {"report", "book", "audioRecording", "document", "bookSection"}
records = [r for r in open(sys.argv[1], encoding="utf-8").read().replace("\r\n", "\n").split("ER  - ") if "TY  - " in r]
ja = film = pb = m3 = n1 = 0
for r in records:
    tags = [(l[:2], l[6:]) for l in r.strip().split("\n") if re.match(r"^[A-Z0-9]{2}  - ", l)]
    item = types.get(dict(tags)["TY"], "journalArticle")
    ja += item == "journalArticle"; film += item == "film"
    pb += any(t == "PB" for t, _ in tags) and item not in has_publisher
    m3 += any(t == "M3" for t, _ in tags) and item != "report"
    n1 += any(t == "N1" for t, _ in tags)
print(f"RIS in Zotero: {len(records)} records, {ja} journal articles, {film} films, "
      f"{pb} publishers discarded, {m3} genres lost, {n1} child notes")
PY
echo "BibTeX notes: $(grep -c '^  note = ' "$work/utf8.bib" || true)"
cp "$work/ascii.bib" "$work/refs.bib"
cd "$work"
for s in plain unsrt alpha apalike; do
  pkg=""; [ "$s" = apalike ] && pkg='\usepackage{apalike}'
  printf '\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\usepackage{url}\n%s\n\\begin{document}\n\\nocite{*}\n\\bibliographystyle{%s}\n\\bibliography{refs}\n\\end{document}\n' "$pkg" "$s" >doc.tex
  rm -f doc.aux doc.bbl
  pdflatex -interaction=nonstopmode doc >/dev/null 2>&1 || true
  bibtex doc >bibtex.log 2>&1 || true
  pdflatex -interaction=nonstopmode doc >/dev/null 2>&1 || true
  errors=0; pdflatex -interaction=nonstopmode doc >latex.log 2>&1 || errors=$(grep -c '^!' latex.log || true)
  echo "$s: $(grep -c '^Warning--' bibtex.log || true) BibTeX warnings," \
    "$(grep '^Warning--' bibtex.log | grep -vc '^Warning--empty year' || true) not about a missing year; LaTeX errors: $errors"
done
cp "$work/utf8.bib" refs.bib
printf '\\documentclass{article}\n\\usepackage[backend=biber]{biblatex}\n\\addbibresource{refs.bib}\n\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n' >bl.tex
pdflatex -interaction=nonstopmode bl >/dev/null 2>&1 || true
biber --validate-datamodel bl >biber.log 2>&1 || true
echo "biber: $(grep -c 'WARN - ' biber.log || true) warnings, $(grep 'WARN - ' biber.log | grep -vc "one of 'date, year'" || true) not about a missing year"
"$bin" --data-dir "$work/store" query 'PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT (COUNT(DISTINCT ?r) AS ?without_subject) WHERE { ?r a dcterms:BibliographicResource .
FILTER NOT EXISTS { ?r dcterms:subject ?c } }' 2>/dev/null | tail -2 | head -1
"$bin" --data-dir "$work/store" query 'SELECT (COUNT(DISTINCT ?r) AS ?generic_documents) WHERE {
?r a <http://localhost:8080/ontology#Document> }' 2>/dev/null | tail -2 | head -1
