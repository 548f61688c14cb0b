#!/usr/bin/env bash
# Install everything the tests need (idempotent): the build's system packages
# and the independent parsers and validators the tests run our output through.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-deps.sh"
# Headless Chromium for the browser tests.
if ! command -v chromium >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
# The LaTeX toolchain that typesets every export (tests/integration/latex.rs): classic
# BibTeX styles and biblatex + biber.
if ! command -v pdflatex >/dev/null 2>&1 || ! command -v bibtex >/dev/null 2>&1 \
  || ! command -v biber >/dev/null 2>&1 || ! kpsewhich biblatex.sty >/dev/null 2>&1 \
  || ! kpsewhich lmodern.sty >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    texlive-latex-base texlive-latex-recommended texlive-bibtex-extra biber lmodern >/dev/null
fi
# Virtuoso Open Source for the remote-engine tests (tests/integration/engines.rs
# starts a private one: virtuoso-t, isql-vt). Oxigraph server comes from PyPI
# (tests/python/requirements.txt, `oxigraph`).
if ! command -v virtuoso-t >/dev/null 2>&1 || ! command -v isql-vt >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends virtuoso-opensource >/dev/null
fi
# cargo-nextest runs the tests, one process per test (test.sh).
if ! cargo nextest --version >/dev/null 2>&1; then
  cargo install cargo-nextest --locked
fi
# cargo-deny for the supply-chain check in CI (.ci/run).
if ! cargo deny --version >/dev/null 2>&1; then
  cargo install cargo-deny --locked
fi
# pip skips what is already satisfied without asking the index.
python3 -m pip install --quiet --disable-pip-version-check --root-user-action=ignore -r "$here/../tests/python/requirements.txt"
# The W3C SPARQL test suites (tests/integration/w3c.rs), from rdflib's source distribution
# (pinned on PyPI); only the two suites, kept outside the repository.
w3c="${PALERMO_W3C_SUITES:-$HOME/.cache/palermo/w3c}"
if [ ! -f "$w3c/sparql11/manifest-all.ttl" ] || [ ! -f "$w3c/dawg-data-r2/manifest-evaluation.ttl" ]; then
  tmp="$(mktemp -d)"
  python3 -m pip download --quiet --disable-pip-version-check --no-deps --no-binary :all: rdflib==7.1.4 -d "$tmp"
  mkdir -p "$w3c"
  rm -rf "$w3c/sparql11" "$w3c/dawg-data-r2"
  tar -xzf "$tmp/rdflib-7.1.4.tar.gz" -C "$w3c" --strip-components=5 \
    rdflib-7.1.4/test/data/suites/w3c/sparql11 rdflib-7.1.4/test/data/suites/w3c/dawg-data-r2
  rm -rf "$tmp"
fi
