#!/usr/bin/env bash
# Install what the tests need, then run every test.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-test-deps.sh
cargo test --all-targets --locked "$@"
