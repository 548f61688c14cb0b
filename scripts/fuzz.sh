#!/usr/bin/env bash
# Run the cargo-fuzz targets of fuzz/ (FUZZING.md) one after another.
# Usage: scripts/fuzz.sh [seconds per target, default 600] [target...]
# Each target starts from its seeds (fuzz/seeds/<target>/) plus the corpus
# kept by earlier runs (fuzz/corpus/<target>/, not committed); a crash stops
# that target and leaves the input in fuzz/artifacts/<target>/, and the
# script goes on with the next one and exits non-zero at the end.
# Runs niced: the machine has two cores and other builds share them.
set -uo pipefail
cd "$(dirname "$0")/../fuzz"
secs="${1:-600}"
shift || true
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
# Its own target dir: never waits on (or invalidates) the main build.
export CARGO_TARGET_DIR="${PALERMO_FUZZ_TARGET_DIR:-$HOME/.cache/palermo/fuzz-target}"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <(cargo +nightly fuzz list)
# Release build with debug assertions and overflow checks (cargo-fuzz's default).
nice -n 10 cargo +nightly fuzz build || exit 1
failed=()
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t"
  echo "== $t (${secs}s)"
  nice -n 10 cargo +nightly fuzz run "$t" "corpus/$t" "seeds/$t" -- \
    -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    2>&1 | tee "/tmp/fuzz-$t.log" | grep -E 'DONE|stat::|==[0-9]+==|SUMMARY|panicked|Test unit written'
  [ "${PIPESTATUS[0]}" -eq 0 ] || failed+=("$t")
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/, logs in /tmp/fuzz-<target>.log)"
  exit 1
fi
echo "no crash in: ${targets[*]}"
