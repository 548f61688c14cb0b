#!/usr/bin/env bash
# Crash safety: SIGKILL `palermo import` and `palermo serve` at random points
# while they write, N times each (default 50), and check after every kill that
#   - the store opens and passes the SHACL shapes,
#   - each source graph holds exactly its old state or its new one,
#   - a restarted import reports the same as an import that was never killed;
# then SIGKILL the bulk import of a generated CSL-JSON file (a new source:
# the streaming reader and the bulk loader, `import::bulk`) N times and
# check that the reopened store holds the source whole or not at all, with
# no journal entry left.
# Usage: scripts/crash.sh [N] [records in the bulk file, default 5000]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-50}"
bulk_n="${2:-5000}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
cargo build --release --quiet
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
# A copy, so that a rebuild during the run cannot swap the binary under it.
cp "$CARGO_TARGET_DIR/release/palermo" "$work/palermo"
bin="$work/palermo"

# Old sources: the shipped data. New sources: one entry changed, one removed.
cp -r data "$work/old"
cp -r data "$work/new"
sed -i 's/Lori J. Mann/Lori J. Mann\nA. N. Other/' "$work/new/portal/003_f0068be67fa4eb83.txt"
python3 - "$work/new/unodc.toml" <<'PY'
import sys
p = sys.argv[1]; s = open(p).read()
start = s.index('[[publication]]\nline = 27\n'); end = s.index('[[publication]]', start + 1)
open(p, 'w').write(s[:start] + s[end:])
PY

# Fingerprint of a source graph: its sorted quads without provenance lines
# (those hold file paths, which differ between old/ and new/).
fingerprint() { # store graph
  "$bin" --data-dir "$1" query --format tsv "SELECT ?s ?p ?o WHERE { GRAPH <http://localhost:8080/graph/$2> { ?s ?p ?o } FILTER(?p != <http://localhost:8080/ontology#sourceLocation>) }" \
    | tail -n +2 | LC_ALL=C sort | sha256sum | cut -c1-16
}
shacl() { # store
  "$bin" --data-dir "$1" query --format tsv 'SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }' >/dev/null
  "$bin" --data-dir "$1" query "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }" > "$work/dump.nt"
  python3 tests/python/shacl_check.py "$work/dump.nt" ontology/shapes.ttl >/dev/null
}
report_of() { "$bin" --data-dir "$1" import --json "$2/portal" "$2/unodc.toml" | python3 -c 'import json,sys; r=json.load(sys.stdin); print(r["records"], r["entries_read"], len(r["repairs"]), len(r["warnings"]))'; }

( cd "$work" && "$bin" --data-dir ref-old import old/ >/dev/null && "$bin" --data-dir ref-new import old/ >/dev/null && "$bin" --data-dir ref-new import new/ >/dev/null )
old_portal=$(fingerprint "$work/ref-old" portal); new_portal=$(fingerprint "$work/ref-new" portal)
old_unodc=$(fingerprint "$work/ref-old" unodc); new_unodc=$(fingerprint "$work/ref-new" unodc)
[ "$old_portal" != "$new_portal" ] && [ "$old_unodc" != "$new_unodc" ] || { echo "old and new sources do not differ"; exit 1; }
expected_report=$(cd "$work" && report_of ref-new new)

# Keep going until n kills have landed while the import was still running
# (a kill after it finished proves nothing); give up after 4n tries.
import_old=0; import_new=0; import_done=0; mid=0; i=0
while [ "$mid" -lt "$n" ] && [ "$i" -lt $((4 * n)) ]; do
  i=$((i + 1))
  store="$work/s$i"
  ( cd "$work" && "$bin" --data-dir "$store" import old/ >/dev/null )
  ( cd "$work" && exec "$bin" --data-dir "$store" import new/ >/dev/null 2>&1 ) &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 300)))"
  kill -9 "$pid" 2>/dev/null || true
  # 137 = died of SIGKILL; 0 = it had already finished.
  status=0; wait "$pid" 2>/dev/null || status=$?
  [ "$status" = 137 ] && killed=1 || killed=0
  shacl "$store"
  p=$(fingerprint "$store" portal); u=$(fingerprint "$store" unodc)
  if [ "$p" = "$old_portal" ] && [ "$u" = "$old_unodc" ]; then import_old=$((import_old+1))
  elif [ "$p" = "$new_portal" ] && [ "$u" = "$new_unodc" ]; then import_new=$((import_new+1))
  else echo "import kill $i: mixed state (portal $p, unodc $u)"; exit 1; fi
  got=$(cd "$work" && report_of "$store" new)
  [ "$got" = "$expected_report" ] || { echo "import kill $i: restarted import reports '$got', expected '$expected_report'"; exit 1; }
  if [ "$killed" = 1 ]; then mid=$((mid + 1)); else import_done=$((import_done + 1)); fi
  rm -rf "$store"
done
[ "$mid" -ge "$n" ] || { echo "only $mid of $i kills landed mid-import"; exit 1; }
echo "import: $i runs, $mid killed mid-import ($import_done had finished first) -> $import_old old state, $import_new new state, 0 mixed; SHACL passed and the restarted import's report matched every time"

serve_empty=0; serve_full=0; port=18290
for i in $(seq 1 "$n"); do
  store="$work/v$i"
  "$bin" --data-dir "$store" serve --bind "127.0.0.1:$port" >/dev/null 2>&1 &
  pid=$!
  sleep "0.$(printf '%03d' $((RANDOM % 600)))"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  count=$("$bin" --data-dir "$store" query --format tsv 'SELECT (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a <http://purl.org/dc/terms/BibliographicResource> }' | tail -1 | sed 's/"//g; s/\^\^.*//')
  case "$count" in
    0) serve_empty=$((serve_empty+1)) ;;
    103) serve_full=$((serve_full+1)); shacl "$store" ;;
    *) echo "serve kill $i: $count records, a half-loaded catalogue"; exit 1 ;;
  esac
  rm -rf "$store"
done
echo "serve (first start loads the catalogue): $n kills -> $serve_empty empty store, $serve_full full catalogue, 0 partial; SHACL passed on every full store"

# Bulk import: a generated file as a new source, on top of the shipped one.
"$bin" gen --records "$bulk_n" >"$work/big.json" 2>/dev/null
records_in() { # store: records of the bulk source, and their change stamps
  "$bin" --data-dir "$1" query --format tsv "SELECT (COUNT(DISTINCT ?r) AS ?n) (COUNT(DISTINCT ?m) AS ?k) WHERE { { GRAPH <http://localhost:8080/graph/citations-big> { ?r a <http://purl.org/dc/terms/BibliographicResource> } } UNION { GRAPH <http://localhost:8080/graph/meta> { ?m <http://purl.org/dc/terms/modified> ?t FILTER(STRSTARTS(STR(?m), 'http://localhost:8080/records/synthetic-')) } } }" \
    | tail -1 | sed 's/"//g; s/\^\^<[^>]*>//g' | tr '\t' ' '
}
pending_in() {
  "$bin" --data-dir "$1" query --format tsv "SELECT (COUNT(*) AS ?n) WHERE { GRAPH <http://localhost:8080/graph/meta> { ?g <http://localhost:8080/ontology#importPending> ?t } }" | tail -1 | sed 's/"//g; s/\^\^.*//'
}
( cd "$work" && "$bin" --data-dir ref-bulk import old/ >/dev/null && "$bin" --data-dir ref-bulk import big.json >/dev/null )
full_bulk=$(fingerprint "$work/ref-bulk" citations-big)
[ "$(records_in "$work/ref-bulk")" = "$bulk_n $bulk_n" ] || { echo "reference bulk import: $(records_in "$work/ref-bulk")"; exit 1; }
# How long an uninterrupted bulk import takes, to spread the kills over it.
( cd "$work" && "$bin" --data-dir ref-bulk-2 import old/ >/dev/null )
t0=$(date +%s%N)
( cd "$work" && "$bin" --data-dir ref-bulk-2 import big.json >/dev/null )
span_ms=$(( ($(date +%s%N) - t0) / 1000000 ))
bulk_none=0; bulk_whole=0; bulk_done=0; mid=0; i=0
while [ "$mid" -lt "$n" ] && [ "$i" -lt $((4 * n)) ]; do
  i=$((i + 1))
  store="$work/b$i"
  ( cd "$work" && "$bin" --data-dir "$store" import old/ >/dev/null )
  ( cd "$work" && exec "$bin" --data-dir "$store" import big.json >/dev/null 2>&1 ) &
  pid=$!
  sleep "$(echo "scale=3; $((RANDOM % (span_ms + 1))) / 1000" | bc)"
  kill -9 "$pid" 2>/dev/null || true
  status=0; wait "$pid" 2>/dev/null || status=$?
  got=$(records_in "$store")
  case "$got" in
    "0 0") bulk_none=$((bulk_none + 1)) ;;
    "$bulk_n $bulk_n")
      [ "$(fingerprint "$store" citations-big)" = "$full_bulk" ] || { echo "bulk kill $i: the source differs from an uninterrupted import"; exit 1; }
      bulk_whole=$((bulk_whole + 1)) ;;
    *) echo "bulk kill $i: records and stamps '$got', a partial import"; exit 1 ;;
  esac
  [ "$(pending_in "$store")" = 0 ] || { echo "bulk kill $i: a journal entry survived the reopen"; exit 1; }
  if [ "$status" = 137 ]; then mid=$((mid + 1)); else bulk_done=$((bulk_done + 1)); fi
  rm -rf "$store"
done
[ "$mid" -ge "$n" ] || { echo "only $mid of $i kills landed mid-import"; exit 1; }
echo "bulk import of $bulk_n records (~${span_ms} ms uninterrupted): $i runs, $mid killed mid-import ($bulk_done had finished first) -> $bulk_none without the source, $bulk_whole with all of it, 0 partial, no journal entry left"
