#!/usr/bin/env bash
# Palermo against its peers on synthetic catalogues, in one run, so the
# ratios BENCHMARKS.md records compare like with like on this noisy machine:
#   - import of N records vs `oxigraph load` of the resulting N-Quads;
#   - streaming export of every record (records/s, peak RSS) vs pandoc and
#     citation-js converting the same records from CSL-JSON to BibTeX;
#   - on M records (the quads of `palermo gen --format nquads`, loaded into
#     both stores by `oxigraph load`): /sparql vs `oxigraph serve-read-only`
#     on a mix of librarian queries, and /records/{id}.{bib,ris,json,txt} vs
#     oxigraph answering a DESCRIBE of the same record.
# Loopback only. Installs wrk, oxigraph-cli (cargo), pandoc (pypandoc-binary)
# and citation-js (npm, under ~/.cache/palermo/node) when missing.
# Generated data is kept in ~/.cache/palermo/bench/N for the next run.
# Usage: scripts/bench-peers.sh [N import records, default 10000]
#          [M SPARQL records, default 100000] [seconds per wrk run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
m="${2:-100000}"
secs="${3:-10}"
root="$(pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
oxigraph --version >/dev/null 2>&1 || cargo install oxigraph-cli@0.5.13 --locked
node_dir="$HOME/.cache/palermo/node"
if [ ! -d "$node_dir/node_modules/@citation-js/plugin-bibtex" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund @citation-js/core @citation-js/plugin-csl @citation-js/plugin-bibtex >/dev/null)
fi
pandoc_bin="$(python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())' 2>/dev/null || true)"
if [ -z "$pandoc_bin" ]; then
  python3 -m pip install --quiet pypandoc-binary
  pandoc_bin="$(python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())')"
fi

cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/palermo"
work="$HOME/.cache/palermo/bench/$n"
mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

# `measure LABEL CMD...`: wall seconds and peak RSS (MB) of one command.
measure() {
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time.out" "$@"
  read -r wall rss <"$work/time.out"
  printf '%-44s %8.2f s  peak RSS %6.0f MB\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}
wait_up() { until curl -sf "$1" >/dev/null 2>&1; do sleep 0.2; done; }

echo "== part 1: $n synthetic records (palermo gen), work dir $work"
[ -s "$work/catalogue.json" ] || measure "palermo gen (CSL-JSON)" sh -c "'$bin' gen --records $n > '$work/catalogue.json' 2>/dev/null"
# Measured every run: since the bulk path it takes seconds, not minutes.
rm -rf "$work/store"
measure "palermo import (RocksDB, empty store)" sh -c "'$bin' --data-dir '$work/store' import '$work/catalogue.json' >/dev/null"
ours_import=$wall
port=18281; base="http://127.0.0.1:$port"
# The quads of the store as imported (oxigraph reads our RocksDB store).
oxigraph dump --location "$work/store" --format nq >"$work/catalogue.nq"
quads=$(wc -l <"$work/catalogue.nq")
rm -rf "$work/oxigraph"
measure "oxigraph load of the same $quads quads" oxigraph load --location "$work/oxigraph" --file "$work/catalogue.nq"
echo "import ratio (oxigraph load time / palermo import time): $(echo "scale=3; $wall / $ours_import" | bc)"
measure "oxigraph dump of the store (N-Quads)" sh -c "oxigraph dump --location '$work/oxigraph' --format nq > '$work/oxdump.nq'"
echo "  $(echo "scale=0; $n / $wall" | bc) records/s ($(echo "scale=0; $quads / $wall" | bc) quads/s): the engine's own read rate"

echo "== bulk export of all $n records from the store"
for f in bibtex ris csljson; do
  measure "palermo export --format $f" sh -c "'$bin' --data-dir '$work/store' export --format $f > '$work/out.$f' 2>/dev/null"
  echo "  $(echo "scale=0; $n / $wall" | bc) records/s"
  [ "$f" = bibtex ] && ours_bib=$wall
done
echo "== CSL-JSON -> BibTeX, the same $n records"
measure "pandoc -f csljson -t bibtex" "$pandoc_bin" -f csljson -t bibtex -o "$work/pandoc.bib" "$work/catalogue.json"
pandoc_rate=$(echo "scale=0; $n / $wall" | bc)
cat >"$work/cite.js" <<'JS'
const fs = require("fs");
const { Cite } = require("@citation-js/core");
require("@citation-js/plugin-csl");
require("@citation-js/plugin-bibtex");
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
fs.writeFileSync(process.argv[3], new Cite(data).format("bibtex"));
JS
measure "citation-js (node) csl -> bibtex" env NODE_PATH="$node_dir/node_modules" node "$work/cite.js" "$work/catalogue.json" "$work/citejs.bib"
citejs_rate=$(echo "scale=0; $n / $wall" | bc)
ours_rate=$(echo "scale=0; $n / $ours_bib" | bc)
echo "records/s: palermo export bibtex $ours_rate, pandoc $pandoc_rate, citation-js $citejs_rate"
echo "ratios: vs pandoc $(echo "scale=2; $ours_rate / $pandoc_rate" | bc)x, vs citation-js $(echo "scale=2; $ours_rate / $citejs_rate" | bc)x"

echo "== part 2: $m records as quads, loaded into both stores by oxigraph load"
big="$HOME/.cache/palermo/bench/quads-$m"
mkdir -p "$big"
if [ ! -d "$big/ours" ]; then
  [ -s "$big/catalogue.nq" ] || "$bin" gen --records "$m" --format nquads >"$big/catalogue.nq" 2>/dev/null
  oxigraph load --location "$big/ours" --file "$big/catalogue.nq"
  oxigraph load --location "$big/theirs" --file "$big/catalogue.nq"
fi
"$bin" --data-dir "$big/ours" serve --bind "127.0.0.1:$port" >"$big/serve.log" 2>&1 &
pids+=($!)
oport=18282; obase="http://127.0.0.1:$oport"
oxigraph serve-read-only --location "$big/theirs" --bind "127.0.0.1:$oport" --union-default-graph >"$big/oxigraph.log" 2>&1 &
pids+=($!)
wait_up "$base/healthz"
wait_up "$obase/query?query=ASK%7B%7D"
# Steady state: a store this size is indexed for search, and its references
# rendered ahead, on background threads after we listen; measure after both.
wait_up "$base/records?q=trafficking"
until grep -q "rendered ahead" "$big/serve.log"; do sleep 1; done

# The librarian mix: the same query strings against both endpoints.
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
P='PREFIX dcterms: <http://purl.org/dc/terms/> PREFIX foaf: <http://xmlns.com/foaf/0.1/> '
rec="http://localhost:8080/records/synthetic-0000042"
queries=(
  "${P}SELECT ?r ?title WHERE { ?a foaf:familyName \"Ralka\" . ?r dcterms:creator ?a ; dcterms:title ?title } LIMIT 100"
  "${P}SELECT ?r ?title WHERE { ?r dcterms:spatial <http://localhost:8080/id/country/DE> ; dcterms:title ?title } LIMIT 50"
  "${P}SELECT ?p ?o WHERE { <$rec> ?p ?o }"
  "${P}SELECT ?r ?t WHERE { ?r dcterms:title ?t FILTER(CONTAINS(LCASE(?t), \"labour\")) } LIMIT 20"
  "${P}ASK { ?r dcterms:subject <http://localhost:8080/id/category/law-enforcement> ; dcterms:language <http://localhost:8080/id/language/fr> }"
  "${P}SELECT ?r ?title WHERE { ?r dcterms:publisher ?p ; dcterms:title ?title . ?p foaf:name \"Council of Europe\" } LIMIT 100"
  "${P}SELECT (COUNT(*) AS ?n) WHERE { ?r dcterms:spatial <http://localhost:8080/id/country/SN> }"
)
lua="$big/mix.lua"
{
  echo 'paths = {}'
  for q in "${queries[@]}"; do echo "paths[#paths + 1] = \"?query=$(enc "$q")\""; done
  cat <<'LUA'
prefix = os.getenv("ENDPOINT")
i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", prefix .. paths[i], { ["Accept"] = "application/sparql-results+json" })
end
LUA
} >"$lua"
rows() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(d.get("boolean", len(d.get("results",{}).get("bindings",[]))))'; }
for q in "${queries[@]}"; do
  a=$(curl -sf -H 'Accept: application/sparql-results+json' "$base/sparql?query=$(enc "$q")" | rows)
  b=$(curl -sf -H 'Accept: application/sparql-results+json' "$obase/query?query=$(enc "$q")" | rows)
  [ "$a" = "$b" ] || { echo "the endpoints disagree ($a vs $b) on: $q" >&2; exit 1; }
  echo "  $a: $q" | cut -c1-150
done
echo "the endpoints agree on every query of the mix"

rate() { wrk -t2 -c32 -d"${secs}s" "$@" | awk '/Requests\/sec/ {r=$2} /Non-2xx/ {bad=$4} END {if (bad) {print "ERR"} else {print r}}'; }
echo "== SPARQL mix, wrk -t2 -c32 -d${secs}s, alternating runs"
ours=(); theirs=()
for round in 1 2; do
  ours+=("$(ENDPOINT="/sparql" rate -s "$lua" "$base")")
  theirs+=("$(ENDPOINT="/query" rate -s "$lua" "$obase")")
done
echo "palermo /sparql: ${ours[*]} req/s; oxigraph serve-read-only: ${theirs[*]} req/s"
echo "SPARQL ratio (ours / theirs, both rounds): $(echo "scale=3; (${ours[0]} + ${ours[1]}) / (${theirs[0]} + ${theirs[1]})" | bc)"

echo "== single-record exports vs a DESCRIBE of the same record on oxigraph"
describe="$obase/query?query=$(enc "DESCRIBE <$rec>")"
d=$(wrk -t2 -c32 -d"${secs}s" -H 'Accept: text/turtle' "$describe" | awk '/Requests\/sec/ {print $2}')
echo "oxigraph DESCRIBE <synthetic-0000042>: $d req/s"
for ext in bib ris json txt; do
  r=$(rate "$base/records/synthetic-0000042.$ext")
  echo "/records/synthetic-0000042.$ext: $r req/s, ratio to DESCRIBE $(echo "scale=2; $r / $d" | bc)"
done
# Distinct records, so most answers are read and rendered, not cached.
cycle="$big/cycle.lua"
cat >"$cycle" <<'LUA'
-- Each wrk thread walks its own residue class, so no id is asked twice
-- within a run: every answer is read from the store and rendered.
threads = 0
setup = function(thread)
  thread:set("offset", threads)
  threads = threads + 1
end
i = 0
request = function()
  local id = string.format("synthetic-%07d", (i * 2 + offset) % tonumber(os.getenv("RECORDS")))
  i = i + 1
  if os.getenv("MODE") == "describe" then
    local q = "DESCRIBE%20%3Chttp%3A%2F%2Flocalhost%3A8080%2Frecords%2F" .. id .. "%3E"
    return wrk.format("GET", "/query?query=" .. q, { ["Accept"] = "text/turtle" })
  end
  return wrk.format("GET", "/records/" .. id .. ".bib")
end
LUA
d=$(MODE=describe RECORDS=$m wrk -t2 -c32 -d"${secs}s" -s "$cycle" "$obase" | awk '/Requests\/sec/ {print $2}')
r=$(MODE=bib RECORDS=$m rate -s "$cycle" "$base")
echo "distinct records: oxigraph DESCRIBE $d req/s; /records/{id}.bib $r req/s; ratio $(echo "scale=2; $r / $d" | bc)"
