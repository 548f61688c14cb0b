#!/usr/bin/env bash
# Bulk export with the side file of records (issue #23), in one run:
#   1. `palermo gen --records N` and `palermo import` into a fresh data dir
#      (under ~/.cache/palermo/bench/export-N, kept for the next run);
#   2. `palermo index --rebuild`: the search index and the side file
#      (derived/records.redb), timed;
#   3. `palermo export --format bibtex|ris|csljson`, from the side file and
#      from the triples (`--no-side-file`): records/s and peak RSS
#      (`/usr/bin/time -v`), and the two outputs compared byte for byte;
#   4. the same records converted from CSL-JSON to BibTeX by pandoc and by
#      citation-js, when they are installed (a note when not).
# Usage: scripts/bench-export.sh [N, default 100000]
#   PALERMO_BIN: a binary already built (else a release build is made here).
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
bin="${PALERMO_BIN:-$CARGO_TARGET_DIR/release/palermo}"
[ -n "${PALERMO_BIN:-}" ] || cargo build --release --quiet
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
command -v bc >/dev/null || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
work="$HOME/.cache/palermo/bench/export-$n"
mkdir -p "$work"
data="$work/store"
echo "binary: $bin"
echo "records: $n, work dir: $work"

# `measure LABEL CMD...`: wall seconds, records/s and peak RSS of one
# command (stdout to $out), from `/usr/bin/time -v`.
measure() {
  local label="$1"; shift
  /usr/bin/time -v -o "$work/time.out" "$@" >"$out" 2>"$work/stderr.out" || {
    cat "$work/stderr.out" >&2
    exit 1
  }
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$work/time.out")
  rss=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$work/time.out")
  printf '%-46s %8.2f s  %9.0f records/s  peak RSS %6.0f MB\n' "$label" "$wall" \
    "$(echo "$n / ($wall + 0.001)" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}

if [ ! -s "$data/CURRENT" ]; then
  rm -rf "$data"
  "$bin" gen --records "$n" --seed 7 >"$work/catalogue.json" 2>/dev/null
  out=/dev/null
  measure "palermo import" "$bin" --data-dir "$data" import "$work/catalogue.json"
fi
out="$work/index.out"
measure "palermo index --rebuild (search index + side file)" "$bin" --data-dir "$data" index --rebuild
grep -E "rebuilt" "$work/index.out" | sed 's/^/  /'
ls -l "$data/derived/records.redb" | awk '{printf "  side file: %.1f MB\n", $5 / 1048576}'

for f in bibtex ris csljson; do
  out="$work/side.$f"
  measure "palermo export --format $f (side file)" "$bin" --data-dir "$data" export --format "$f"
  grep -q "($n read from the side file, 0 from the triples)" "$work/stderr.out" || {
    echo "  not every record came from the side file: $(cat "$work/stderr.out")" >&2
    exit 1
  }
  out="$work/triples.$f"
  measure "palermo export --format $f (triples only)" "$bin" --data-dir "$data" export --format "$f" --no-side-file
  cmp -s "$work/side.$f" "$work/triples.$f" || { echo "  the $f exports differ" >&2; exit 1; }
  echo "  identical bytes ($(wc -c <"$work/side.$f") bytes)"
done

echo "== CSL-JSON -> BibTeX by other tools, the same $n records"
# pandoc: on PATH, or the one pypandoc-binary ships (scripts/bench-peers.sh installs it).
pandoc_bin="$(command -v pandoc || python3 -c 'import pypandoc; print(pypandoc.get_pandoc_path())' 2>/dev/null || true)"
if [ -n "$pandoc_bin" ]; then
  out=/dev/null
  measure "pandoc -f csljson -t bibtex" "$pandoc_bin" -f csljson -t bibtex -o "$work/pandoc.bib" "$work/side.csljson"
else
  echo "pandoc: not installed, skipped (pip install pypandoc-binary)"
fi
node_dir="$HOME/.cache/palermo/node"
if command -v node >/dev/null && [ -d "$node_dir/node_modules/@citation-js/plugin-bibtex" ]; then
  cat >"$work/cite.js" <<'JS'
const fs = require("fs");
const { Cite } = require("@citation-js/core");
require("@citation-js/plugin-csl");
require("@citation-js/plugin-bibtex");
const data = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
fs.writeFileSync(process.argv[3], new Cite(data).format("bibtex"));
JS
  out=/dev/null
  measure "citation-js (node) csl -> bibtex" env NODE_PATH="$node_dir/node_modules" node "$work/cite.js" "$work/side.csljson" "$work/citejs.bib"
else
  echo "citation-js: not installed under $node_dir, skipped (scripts/bench-peers.sh installs it)"
fi
