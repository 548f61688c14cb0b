#!/usr/bin/env bash
# Restart on a large store (issue #23): how soon a restarted `palermo serve`
# answers /healthz and a search, with its search index on disk.
#   1. `palermo gen --records N` and `palermo import` into an empty store
#      (kept in ~/.cache/palermo/bench/restart-N between runs);
#   2. a first start, which builds the index on disk (the time until the
#      first search answers 200 is the old cost of every start);
#   3. a restart with nothing changed;
#   4. 1,000 records retitled by a re-import while the server is stopped,
#      then a restart: the time until a search finds the new titles.
# Usage: scripts/bench-restart.sh [N, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
# PALERMO_BIN: a release binary already built (else it is built here).
bin="${PALERMO_BIN:-$CARGO_TARGET_DIR/release/palermo}"
[ -n "${PALERMO_BIN:-}" ] || cargo build --release --quiet
work="$HOME/.cache/palermo/bench/restart-$n"
mkdir -p "$work"
port=$((20000 + RANDOM % 10000))
base="http://127.0.0.1:$port"

now() { date +%s.%N; }
secs() { echo "$1 - $2" | bc -l | xargs printf '%.2f'; }

if [ ! -s "$work/store/CURRENT" ]; then
  rm -rf "$work/store"
  "$bin" gen --records "$n" --seed 7 >"$work/catalogue.json"
  /usr/bin/time -f "import: %e s, peak RSS %M kB" "$bin" --data-dir "$work/store" import "$work/catalogue.json" >/dev/null
fi

pid=""
stop() { [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; pid=""; }
trap stop EXIT

# Start the server (in this shell, so that `stop` can stop it); leave in
# $took the seconds to the first 200 of /healthz and of the search URL
# ($1), polling every 20 ms. A server that exits fails the run.
start() {
  local search="$1" t0 health="" found=""
  t0=$(now)
  "$bin" --data-dir "$work/store" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
  pid=$!
  while [ -z "$found" ]; do
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log" >&2; exit 1; }
    if [ -z "$health" ] && curl -fso /dev/null "$base/healthz"; then health=$(now); fi
    if [ -n "$health" ] && [ "$(curl -so /dev/null -w '%{http_code}' "$base$search")" = 200 ]; then found=$(now); fi
    sleep 0.02
  done
  took="healthz $(secs "$health" "$t0") s, search $(secs "$found" "$t0") s"
}

# FRESH=1 (or no index yet): measure the first start, which builds it.
if [ -n "${FRESH:-}" ] || [ ! -d "$work/store/derived" ]; then
  rm -rf "$work/store/derived"
  start '/records?q=trafficking'
  echo "first start (index built on disk):       $took"
  stop
fi
start '/records?q=trafficking'
echo "restart, nothing changed:                $took"
stop

# 1,000 records retitled: the first 1,000 items get a word no record has.
python3 - "$work/catalogue.json" "$work/changed.json" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))
for item in items[:1000]:
    item["title"] = "Quokkaberry " + item["title"]
json.dump(items, open(sys.argv[2], "w"))
EOF
# The changed file replaces the source of the same name.
mv "$work/catalogue.json" "$work/catalogue-orig.json"
cp "$work/changed.json" "$work/catalogue.json"
/usr/bin/time -f "re-import of 1,000 changed records: %e s" "$bin" --data-dir "$work/store" import "$work/catalogue.json" >/dev/null
start '/records?q=quokkaberry&per_page=1'
echo "restart after 1,000 changed:             $took"
hits=$(curl -s -H 'Accept: application/json' "$base/records?q=quokkaberry&per_page=1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["total"])')
echo "records found with the new word: $hits"
stop
# Back to the original titles for the next run.
mv "$work/catalogue-orig.json" "$work/catalogue.json"
"$bin" --data-dir "$work/store" import "$work/catalogue.json" >/dev/null
