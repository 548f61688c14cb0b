#!/usr/bin/env bash
# Import of N synthetic records against `oxigraph load` of the N-Quads that
# import produces, in one run (issue #8: ratio >= 0.5, peak RSS < 2 GB).
#   1. `palermo gen --records N` (CSL-JSON, kept in ~/.cache/palermo/bench/import-N);
#   2. `palermo import` of it into an empty RocksDB store (time, peak RSS);
#   3. the store's quads (`oxigraph dump`), loaded by `oxigraph load` into an
#      empty store (time, peak RSS); the ratio is 3's time over 2's.
# Installs oxigraph-cli (cargo) and GNU time when missing.
# Usage: scripts/bench-import.sh [N, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
oxigraph --version >/dev/null 2>&1 || cargo install oxigraph-cli@0.5.13 --locked
cargo build --release --quiet
bin="$CARGO_TARGET_DIR/release/palermo"
work="$HOME/.cache/palermo/bench/import-$n"
mkdir -p "$work"
trap 'rm -rf "$work/store" "$work/oxigraph" "$work/catalogue.nq"' EXIT

measure() { # LABEL CMD...: prints wall seconds and peak RSS, leaves them in $wall $rss
  local label="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/time.out" "$@"
  read -r wall rss <"$work/time.out"
  printf '%-48s %8.2f s  peak RSS %6.0f MB\n' "$label" "$wall" "$(echo "$rss / 1024" | bc -l)"
}

[ -s "$work/catalogue.json" ] || measure "palermo gen --records $n (CSL-JSON)" \
  sh -c "'$bin' gen --records $n > '$work/catalogue.json'"
echo "source: $(du -h "$work/catalogue.json" | cut -f1) of CSL-JSON"
rm -rf "$work/store" "$work/oxigraph"
measure "palermo import (empty store)" sh -c "'$bin' --data-dir '$work/store' import '$work/catalogue.json' >'$work/import.log'"
ours=$wall

# The N-Quads of the store as imported (oxigraph reads our RocksDB store).
oxigraph dump --location "$work/store" --format nq >"$work/catalogue.nq"
quads=$(wc -l <"$work/catalogue.nq")
measure "oxigraph load of the same $quads quads" sh -c "oxigraph load --location '$work/oxigraph' --file '$work/catalogue.nq' 2>'$work/oxigraph.log'"
echo "import ratio (oxigraph load time / palermo import time): $(echo "scale=3; $wall / $ours" | bc)"
rm -f "$work/catalogue.nq"
