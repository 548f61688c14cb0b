#!/usr/bin/env bash
# Run Palermo on the embedded default: builds (release), then serves
# http://127.0.0.1:8080/ from ./palermo-data, loading the shipped catalogue
# on first start. Extra arguments go to `palermo serve`.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-deps.sh
exec cargo run --release --quiet -- serve "$@"
