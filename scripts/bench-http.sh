#!/usr/bin/env bash
# Load a running release server with wrk (loopback only) and print the
# figures BENCHMARKS.md records: cold start, single-record exports, a DESCRIBE
# of the same record through /sparql, a librarian query, and a search.
# Usage: scripts/bench-http.sh [seconds per run, default 10]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-10}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/palermo"
data="$(mktemp -d)"; port=18181; base="http://127.0.0.1:$port"
start=$(date +%s.%N)
"$bin" --data-dir "$data/store" serve --bind "127.0.0.1:$port" >"$data/serve.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$data"' EXIT
until curl -sf "$base/healthz" >/dev/null; do sleep 0.01; done
echo "cold start (empty data dir -> shipped catalogue served): $(echo "$(date +%s.%N) - $start" | bc) s"
id=needs-assessment-human-trafficking-in-the-western-balkans
enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1]))' "$1"; }
run() { printf '%-34s' "$1"; wrk -t2 -c32 -d"${secs}s" "${@:2}" | awk '/Requests\/sec/ {printf "%s req/s", $2} /Non-2xx/ {printf " (%s non-2xx!)", $4} /Latency/ {lat=$2} END {print "  avg latency " lat}'; }
for ext in bib ris json txt; do run "/records/{id}.$ext" "$base/records/$id.$ext"; done
run "DESCRIBE via /sparql" "$base/sparql?query=$(enc "DESCRIBE <http://localhost:8080/records/$id>")"
run "publications per year" "$base/sparql?query=$(enc 'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?year (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?year } GROUP BY ?year')"
run "search (JSON)" -H "Accept: application/json" "$base/records?q=labour+exploitation"
