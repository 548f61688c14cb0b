#!/usr/bin/env bash
# The cost of a single-record SPARQL Update against the size of the store
# (issue #23: no write may cost O(store)). For each N: a store of N
# synthetic records (`palermo gen`, `palermo import`, kept in
# ~/.cache/palermo/bench/update-N), `palermo serve` with a token, and
# UPDATES single-record updates through /sparql/update (each retitles one
# record and waits for the response, which comes after the write has been
# followed: cache, search index, counts), timed by curl; prints p50/p90 and
# the time until the new title is found by /records?q=.
# Usage: scripts/bench-update.sh [UPDATES, default 50] [N...] (default 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
updates="${1:-50}"
shift || true
sizes=("${@:-10000 100000}")
[ $# -eq 0 ] && sizes=(10000 100000)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
# PALERMO_BIN: a release binary already built (else it is built here).
bin="${PALERMO_BIN:-$CARGO_TARGET_DIR/release/palermo}"
[ -n "${PALERMO_BIN:-}" ] || cargo build --release --locked --quiet
export PALERMO_TOKEN=bench-token
port=$((20000 + RANDOM % 10000))
base="http://127.0.0.1:$port"
pid=""
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop EXIT

for n in "${sizes[@]}"; do
  work="$HOME/.cache/palermo/bench/update-$n"
  mkdir -p "$work"
  if [ ! -s "$work/store/CURRENT" ]; then
    rm -rf "$work/store"
    "$bin" gen --records "$n" --seed 11 >"$work/catalogue.json"
    "$bin" --data-dir "$work/store" import "$work/catalogue.json" >/dev/null
  fi
  "$bin" --data-dir "$work/store" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  pid=$!
  # Ready when a search answers (the index may be built in the background).
  until [ "$(curl -so /dev/null -w '%{http_code}' "$base/records?q=report&per_page=1")" = 200 ]; do sleep 0.2; done
  times=()
  for i in $(seq 1 "$updates"); do
    id=$(printf 'synthetic-%07d' $((i * 7 % n)))
    word="zz$RANDOM$i"
    q="PREFIX dcterms: <http://purl.org/dc/terms/> DELETE { GRAPH ?g { ?r dcterms:title ?t } } INSERT { GRAPH ?g { ?r dcterms:title \"Bench $word\" } } WHERE { GRAPH ?g { ?r dcterms:title ?t } FILTER(?r = <http://localhost:8080/records/$id>) }"
    t=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $PALERMO_TOKEN" \
      -H 'Content-Type: application/sparql-update' --data-binary "$q" "$base/sparql/update")
    times+=("$t")
  done
  found=$(curl -s -H 'Accept: application/json' "$base/records?q=$word" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
  printf '%s\n' "${times[@]}" | sort -n | awk -v n="$n" -v f="$found" '{a[NR]=$1} END {printf "N=%-8d updates=%d  p50 %.1f ms  p90 %.1f ms  max %.1f ms  (last title found by search: %s)\n", n, NR, a[int(NR*0.5)]*1000, a[int(NR*0.9)]*1000, a[NR]*1000, f}'
  stop
done
