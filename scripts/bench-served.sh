#!/usr/bin/env bash
# Bibliographies and bulk exports served by `palermo serve` from a catalogue
# of N synthetic records (imported once, kept in ~/.cache/palermo/bench/served-N):
# each format of every record in one response (`Accept:` on /records),
# during the background pass that reads records and renders references
# ahead (src/http/warm.rs) and after it, three times each.
# Usage: scripts/bench-served.sh [N, default 10000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-10000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/palermo"
work="$HOME/.cache/palermo/bench/served-$n"
mkdir -p "$work"
if [ ! -d "$work/store" ]; then
  "$bin" gen --records "$n" >"$work/catalogue.json" 2>/dev/null
  "$bin" --data-dir "$work/store" import "$work/catalogue.json" >/dev/null
fi
port=18298
"$bin" --data-dir "$work/store" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true' EXIT
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.2; done
types="text/x-bibliography application/x-bibtex application/x-research-info-systems application/vnd.citationstyles.csl+json"
fetch() { # LABEL TYPE
  curl -s -o /dev/null -w "$1 %-40s %{time_total} s, %{size_download} bytes\n" -H "Accept: $2" "http://127.0.0.1:$port/records?t=$RANDOM" | sed "s|%-40s|$2|"
}
for t in $types; do fetch "during the background pass:" "$t"; done
until grep -q "rendered ahead" "$work/serve.log"; do sleep 0.5; done
sed 's/\x1b\[[0-9;]*m//g' "$work/serve.log" | grep "rendered ahead" | tail -1
for t in $types; do for _ in 1 2 3; do fetch "after it:" "$t"; done; done
