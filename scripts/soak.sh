#!/usr/bin/env bash
# Soak: a mixed read workload at high concurrency against a release server on
# loopback, for a bounded time (default 600 s). Every record in every export
# format, record pages, search (HTML and JSON), librarian SPARQL queries,
# OAI-PMH ListRecords and GetRecord, VoID, the home page. Samples the
# server's RSS every 5 s; prints p50/p99 latency, requests/s, status counts
# and the RSS curve (one row a minute). Fails on any 5xx, any socket error
# (connect, read, write, timeout), any 4xx (every request of the mix is
# valid), or RSS growing more than 20 % from the
# one-minute mark (half-way, for runs under two minutes) to the end.
#
# The pathological part: all the while, RUNAWAYS clients (default 4, all
# from 127.0.0.1) each keep one runaway query (a cartesian product) running,
# sending the next as soon as one is answered; and a probe (wrk, 1 thread,
# 2 connections) sends cheap SPARQL queries. The script prints the
# runaways' statuses (503 and 429 counts) and the probe's p50/p99, and
# fails when a cheap query gets a 5xx or the probe's p99 passes 1 s.
# Usage: scripts/soak.sh [seconds, default 600] [connections, default 64] [runaways, default 4]
set -euo pipefail
cd "$(dirname "$0")/.."
secs="${1:-600}"; conns="${2:-64}"; runaways="${3:-4}"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/palermo/target}"
# PALERMO_BIN runs another build (e.g. a debug one) instead of building.
[ -n "${PALERMO_BIN:-}" ] || cargo build --release --quiet
bin="${PALERMO_BIN:-$CARGO_TARGET_DIR/release/palermo}"
work="$(mktemp -d)"; port="${SOAK_PORT:-18282}"; base="http://127.0.0.1:$port"
"$bin" --data-dir "$work/store" serve --bind "127.0.0.1:$port" >"$work/serve.log" 2>&1 &
pid=$!
sampler=""
loops=()
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  for l in "${loops[@]}"; do kill "$l" 2>/dev/null || true; done
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
for _ in $(seq 600); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
curl -sf "$base/healthz" >/dev/null || { echo "server did not start:"; cat "$work/serve.log"; exit 1; }

# Record ids from the sitemap, OAI identifiers from ListIdentifiers.
mapfile -t ids < <(curl -sf "$base/sitemap.xml" | grep -o '/records/[^<"]*' | sed 's|/records/||' | sort -u)
mapfile -t oai_ids < <(curl -sf "$base/oai?verb=ListIdentifiers&metadataPrefix=oai_dc" | grep -o '<identifier>[^<]*' | sed 's/<identifier>//' | grep '^oai:' | sort -u)
[ "${#ids[@]}" -gt 0 ] && [ "${#oai_ids[@]}" -gt 0 ] || { echo "no records found"; exit 1; }
echo "soak: ${secs} s, $conns connections, 2 wrk threads, ${#ids[@]} records, server pid $pid"

enc() { python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$1"; }
paths="$work/paths.txt"
{
  for id in "${ids[@]}"; do
    for ext in html ttl jsonld bib ris json txt; do echo "/records/$id.$ext"; done
    echo "/records/$id"
  done
  for id in "${oai_ids[@]}"; do echo "/oai?verb=GetRecord&metadataPrefix=oai_dc&identifier=$(enc "$id")"; done
  # Heavier requests, several times each so they weigh in the mix.
  for _ in 1 2 3 4 5 6 7 8; do
    for q in trafficking "labour exploitation" smuggling "western balkans" victims "border control"; do
      echo "/records?q=$(enc "$q")"
      echo "/records?q=$(enc "$q")&format=json"
    done
    echo "/records?category=trafficking&language=en"
    echo "/oai?verb=ListRecords&metadataPrefix=oai_dc"
    echo "/oai?verb=Identify"
    echo "/void"
    echo "/"
    for q in \
      'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?year (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?year } GROUP BY ?year ORDER BY ?year' \
      'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?r ?title WHERE { ?r a dcterms:BibliographicResource ; dcterms:title ?title FILTER(CONTAINS(LCASE(STR(?title)), "trafficking")) } LIMIT 50' \
      'SELECT ?type (COUNT(*) AS ?n) WHERE { ?s a ?type } GROUP BY ?type ORDER BY DESC(?n)' \
      "DESCRIBE <http://localhost:8080/records/${ids[0]}>"; do
      echo "/sparql?query=$(enc "$q")"
    done
  done
} >"$paths"

lua="$work/soak.lua"
cat >"$lua" <<'LUA'
local paths = {}
for line in io.lines(os.getenv("SOAK_PATHS")) do paths[#paths + 1] = line end
local threads = {}
function setup(thread)
  threads[#threads + 1] = thread
  thread:set("id", #threads)
end
function init(args)
  math.randomseed(os.time() * 100 + id)
  s2, s3, s4, s5 = 0, 0, 0, 0
end
function request()
  local p = paths[math.random(#paths)]
  local accept = "*/*"
  if p:sub(1, 7) == "/sparql" then accept = "application/sparql-results+json, text/turtle;q=0.9" end
  return wrk.format("GET", p, { ["Accept"] = accept })
end
function response(status, headers, body)
  if status >= 500 then s5 = s5 + 1
  elseif status >= 400 then s4 = s4 + 1
  elseif status >= 300 then s3 = s3 + 1
  else s2 = s2 + 1 end
end
function done(summary, latency, requests)
  local t = { 0, 0, 0, 0 }
  for _, th in ipairs(threads) do
    t[1] = t[1] + th:get("s2"); t[2] = t[2] + th:get("s3")
    t[3] = t[3] + th:get("s4"); t[4] = t[4] + th:get("s5")
  end
  local e = summary.errors
  io.write(string.format("SOAK requests=%d secs=%.1f rps=%.1f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("SOAK 2xx=%d 3xx=%d 4xx=%d 5xx=%d connect_errors=%d read_errors=%d write_errors=%d timeouts=%d\n",
    t[1], t[2], t[3], t[4], e.connect, e.read, e.write, e.timeout))
end
LUA

# RSS (kB) every 5 s while wrk runs.
rss_csv="$work/rss.csv"; echo "seconds,rss_kb" >"$rss_csv"
(
  t=0
  while kill -0 "$pid" 2>/dev/null; do
    echo "$t,$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")" >>"$rss_csv"
    sleep 5; t=$((t + 5))
  done
) &
sampler=$!

# The runaways: each loop keeps one query running, from the same address.
runaway=$(enc 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }')
for i in $(seq "$runaways"); do
  (
    end=$((SECONDS + secs))
    while [ "$SECONDS" -lt "$end" ]; do
      curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 "$base/sparql?query=$runaway" >>"$work/runaway.$i" || echo 000 >>"$work/runaway.$i"
    done
  ) &
  loops+=($!)
done
# The probe: cheap queries only, its own latency distribution.
cheap="$work/cheap.txt"
for q in \
  'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?year (COUNT(DISTINCT ?r) AS ?n) WHERE { ?r a dcterms:BibliographicResource ; dcterms:issued ?year } GROUP BY ?year' \
  'PREFIX dcterms: <http://purl.org/dc/terms/> SELECT ?s WHERE { ?s a dcterms:BibliographicResource } LIMIT 10' \
  'PREFIX dcterms: <http://purl.org/dc/terms/> ASK { ?s dcterms:title ?t }' \
  "DESCRIBE <http://localhost:8080/records/${ids[0]}>"; do
  echo "/sparql?query=$(enc "$q")"
done >"$cheap"
sed 's/"SOAK /"CHEAP /g' "$lua" >"$work/cheap.lua"

SOAK_PATHS="$paths" wrk -t2 -c"$conns" -d"${secs}s" --timeout 10s --latency -s "$lua" "$base" >"$work/wrk.out" 2>&1 &
main_wrk=$!
SOAK_PATHS="$cheap" wrk -t1 -c2 -d"${secs}s" --timeout 10s --latency -s "$work/cheap.lua" "$base" >"$work/cheap.out" 2>&1 || true
wait "$main_wrk" || true
for l in "${loops[@]}"; do kill "$l" 2>/dev/null || true; wait "$l" 2>/dev/null || true; done
loops=()
kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true; sampler=""
cat "$work/wrk.out"
echo "cheap SPARQL probe (wrk -t1 -c2) beside $runaways runaway loops:"
grep '^CHEAP ' "$work/cheap.out" || cat "$work/cheap.out"
if [ "$runaways" -gt 0 ]; then
  cat "$work"/runaway.* | sort | uniq -c | awk '{printf "  runaway answers: %s x %s\n", $1, $2}'
  echo "RUNAWAY 503=$(cat "$work"/runaway.* | grep -c '^503$' || true) 429=$(cat "$work"/runaway.* | grep -c '^429$' || true) total=$(cat "$work"/runaway.* | wc -l)"
fi
[ -n "${SOAK_KEEP:-}" ] && cp "$rss_csv" "$SOAK_KEEP" && echo "RSS samples kept in $SOAK_KEEP"

echo "RSS curve (MiB, one row a minute):"
awk -F, 'NR>1 && ($1 % 60 == 0) {printf "  %4d s  %7.1f\n", $1, $2/1024}' "$rss_csv"
awk -F, 'NR>1 {t=$1; r=$2} END {printf "  %4d s  %7.1f (last sample)\n", t, r/1024}' "$rss_csv"
# Growth from the one-minute mark (half-way, in runs under two minutes) to the end.
read -r from to < <(awk -F, 'NR>1 {n++; t[n]=$1; r[n]=$2} END {m=(t[n]<120)?t[n]/2:60; s=n; for (i=1;i<=n;i++) if (t[i]>=m) {s=i; break}; print r[s], r[n]}' "$rss_csv")
growth=$(awk -v a="$from" -v b="$to" 'BEGIN {printf "%.1f", (b - a) * 100 / a}')
echo "RSS growth: ${growth} % (${from} kB -> ${to} kB)"
grep -q "panicked\|ERROR" "$work/serve.log" && { echo "server log has errors:"; grep "panicked\|ERROR" "$work/serve.log" | head; }

fail=0
summary=$(grep '^SOAK ' "$work/wrk.out" || true)
[ -n "$summary" ] || { echo "FAIL: wrk did not finish"; exit 1; }
# Every request of the mix is valid: a 4xx is as wrong as a 5xx here.
for k in 4xx 5xx connect_errors read_errors write_errors timeouts; do
  v=$(echo "$summary" | grep -o "$k=[0-9]*" | cut -d= -f2)
  [ "$v" = 0 ] || { echo "FAIL: $k=$v"; fail=1; }
done
cheap_summary=$(grep '^CHEAP ' "$work/cheap.out" || true)
[ -n "$cheap_summary" ] || { echo "FAIL: the cheap probe did not finish"; fail=1; }
for k in 4xx 5xx connect_errors read_errors write_errors timeouts; do
  v=$(echo "$cheap_summary" | grep -o "$k=[0-9]*" | cut -d= -f2)
  [ "${v:-0}" = 0 ] || { echo "FAIL: cheap queries: $k=$v"; fail=1; }
done
p99=$(echo "$cheap_summary" | grep -o 'p99_ms=[0-9.]*' | cut -d= -f2)
awk -v p="${p99:-0}" 'BEGIN {exit !(p > 1000)}' && { echo "FAIL: cheap queries p99 ${p99} ms > 1 s"; fail=1; }
awk -v g="$growth" 'BEGIN {exit !(g > 20)}' && { echo "FAIL: RSS grew ${growth} %"; fail=1; }
kill -0 "$pid" 2>/dev/null || { echo "FAIL: the server died"; fail=1; }
[ "$fail" = 0 ] && echo "soak: PASS" || echo "soak: FAIL"
exit "$fail"
