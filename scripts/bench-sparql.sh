#!/usr/bin/env bash
# /sparql against `oxigraph serve-read-only` on the shipped catalogue, for
# small queries: the per-request cost of our layer. Serves the shipped
# catalogue (empty data dir), loads the same quads (/dump.nq.gz) into an
# Oxigraph store served with --union-default-graph (our default graph is the
# union too), checks both give the same rows, then runs wrk -t2 -c16 in
# alternating pairs per query and prints each pair's ratio and the median.
# Loopback only. Installs wrk and oxigraph-cli when missing.
# With two or more cores, each server runs on core 1 and wrk on core 0
# (taskset), so that the load generator's own cost per answer (larger for a
# larger answer head) does not come out of the server's CPU: the rate then
# measures the server. BENCH_PIN=0 runs them unpinned, as before.
# Usage: scripts/bench-sparql.sh [seconds per wrk run, default 5] [pairs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-5}"
pairs="${2:-3}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
oxigraph --version >/dev/null 2>&1 || cargo install oxigraph-cli@0.5.13 --locked
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
# PALERMO_BIN runs another build instead of building.
[ -n "${PALERMO_BIN:-}" ] || cargo build --release --quiet --bin palermo
bin="${PALERMO_BIN:-$CARGO_TARGET_DIR/release/palermo}"
server=(); client=()
if [ "${BENCH_PIN:-1}" != 0 ] && [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
  server=(taskset -c 1); client=(taskset -c 0)
fi
work="$(mktemp -d)"; port=18381; oport=18382
base="http://127.0.0.1:$port"; obase="http://127.0.0.1:$oport"
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done; rm -rf "$work"' EXIT
"${server[@]}" "$bin" --data-dir "$work/ours" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pids+=($!)
until curl -sf "$base/healthz" >/dev/null; do sleep 0.05; done
curl -sf "$base/dump.nq.gz" | gunzip >"$work/catalogue.nq"
oxigraph load --location "$work/theirs" --file "$work/catalogue.nq" >/dev/null 2>&1
"${server[@]}" oxigraph serve-read-only --location "$work/theirs" --bind "127.0.0.1:$oport" --union-default-graph >"$work/oxigraph.log" 2>&1 &
pids+=($!)
until curl -sf "$obase/query?query=ASK%7B%7D" >/dev/null; do sleep 0.05; done
echo "$(wc -l <"$work/catalogue.nq") quads; palermo $(git rev-parse --short HEAD); load $(cut -d' ' -f1-3 /proc/loadavg); pinned: ${server[*]:-no}"

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
rate() { "${client[@]}" wrk -t2 -c16 -d"${secs}s" -H 'Accept: application/sparql-results+json' "$1" | awk '/Requests\/sec/ {r=$2} /Non-2xx/ {bad=$4} END {if (bad) {print "ERR"} else {print r}}'; }
bench() {
  local label="$1" q; q="$(enc "$2")"
  local a b
  a=$(curl -sf -H 'Accept: text/csv' "$base/sparql?query=$q" | sort | md5sum)
  b=$(curl -sf -H 'Accept: text/csv' "$obase/query?query=$q" | sort | md5sum)
  [ "$a" = "$b" ] || { echo "$label: the two endpoints disagree"; exit 1; }
  local ratios=() ours=() theirs=()
  for _ in $(seq "$pairs"); do
    o=$(rate "$base/sparql?query=$q"); t=$(rate "$obase/query?query=$q")
    ours+=("$o"); theirs+=("$t"); ratios+=("$(echo "scale=3; $o / $t" | bc)")
  done
  median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  printf '%s\n  palermo %s req/s; oxigraph %s req/s; ratios %s; median %s\n' \
    "$label" "${ours[*]}" "${theirs[*]}" "${ratios[*]}" "$median"
}
bench "GROUP BY (publications per year)" 'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?year (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?year } GROUP BY ?year'
bench "no join (LIMIT 10)" 'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?s WHERE { ?s a dcterms:BibliographicResource } LIMIT 10'
bench "ASK" 'PREFIX dcterms: <http://purl.org/dc/terms/> ASK { ?s dcterms:title ?t }'
