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
