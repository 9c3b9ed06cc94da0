#!/usr/bin/env bash
# Quick start: builds gmemd (release) and runs it on 127.0.0.1:8080 with state in ./.gmemd.
# Extra arguments go to gmemd (see `scripts/run.sh --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
swift build -c release --product gmemd >&2
exec .build/release/gmemd "$@"
