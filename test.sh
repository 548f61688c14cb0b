#!/usr/bin/env bash
# Install what the tests need, then run every test: the library's and the
# binary's unit tests and the integration crate (tests/integration) under
# cargo-nextest, one process per test (.config/nextest.toml), then the
# benches once each as tests and the doc tests, which nextest does not run.
set -euo pipefail
cd "$(dirname "$0")"
./scripts/install-test-deps.sh
cargo nextest run --lib --bins --tests --locked "$@"
cargo test --benches --locked
cargo test --doc --locked
