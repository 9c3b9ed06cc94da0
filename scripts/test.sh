#!/usr/bin/env bash
# Runs every test: unit tests of each module and end-to-end tests against the built gmemd.
# Installs missing Debian and PyPI packages first. Extra arguments go to `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
python3 -c 'import openapi_spec_validator' 2>/dev/null \
    || python3 -m pip install -q --disable-pip-version-check openapi-spec-validator
command -v st >/dev/null || python3 -m pip install -q --disable-pip-version-check schemathesis
swift build --build-tests
swift test --skip-build "$@"
# A short fixed-seed fuzz run of the request parser: the same 20,000 inputs every time.
FUZZ_RUNS=20000 FUZZ_SEED=1 scripts/fuzz.sh > .build/fuzz-short.log 2>&1 \
    || { tail -40 .build/fuzz-short.log; exit 1; }
