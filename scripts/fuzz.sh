#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the toolchain's -sanitize=fuzzer,address and runs
# each for SECONDS (default 60) over its seed corpus in the repo. Built here with swiftc, not by
# SwiftPM, so `swift build` never compiles them. Crashes land in .build/fuzz/ as crash-*; the
# corpus a timed run grows is kept in .build/fuzz/<target>-corpus for the next one. Inputs in
# Fuzz/<Target>/findings/ are open findings, kept out of the corpus (a run would stop on them).
#   scripts/fuzz.sh [SECONDS]
#   FUZZ_RUNS=N FUZZ_SEED=S scripts/fuzz.sh   # a fixed number of inputs from a fixed seed
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
out=.build/fuzz
mkdir -p "$out"

build() {
    local target=$1 module=$2
    shift 2
    swiftc -parse-as-library -enable-bare-slash-regex -sanitize=fuzzer,address -O -module-name "$module" -package-name gmemd \
        "$@" -o "$out/$target" 2>&1 | { grep -v 'ld.gold: warning: Cannot export local symbol' || true; }
}

# The request parser and the query parser, with the few HTTP files they need (no sockets, no
# OpenSSL, no zlib); the Range header alone.
http_sources=(
    Sources/HTTP/Parser/*.swift Sources/HTTP/Message/*.swift Sources/HTTP/Observe/RequestID.swift
    Sources/HTTP/Compression/ContentCoding.swift Sources/HTTP/Serializer/ProblemType.swift
    Sources/HTTP/Descriptors/*.swift
)
build parser HTTPFuzz Fuzz/Parser/ParserFuzz.swift "${http_sources[@]}"
build query QueryFuzz Fuzz/Query/QueryFuzz.swift "${http_sources[@]}"
build range RangeFuzz Fuzz/Range/RangeFuzz.swift Sources/Server/Routes/RangeHeader.swift

run() {
    local target=$1
    local budget=(-max_total_time="$seconds")
    # libFuzzer adds what it finds to the first corpus folder. A timed run grows the kept one;
    # a fixed run starts from the seeds alone each time, so it runs the same inputs every time.
    local grown="$out/$target-corpus"
    if [[ -n "${FUZZ_RUNS:-}" ]]; then
        budget=(-runs="$FUZZ_RUNS")
        grown=$(mktemp -d)
        trap 'rm -rf "$grown"' RETURN
    fi
    mkdir -p "$grown"
    # Swift's own backtracer reads stack memory ASan poisons: let ASan report instead.
    SWIFT_BACKTRACE=enable=no "$out/$target" "${budget[@]}" -seed="${FUZZ_SEED:-0}" \
        -print_final_stats=1 -artifact_prefix="$out/$target-" "$grown" "Fuzz/${target^}/corpus"
}
for target in parser query range; do run "$target"; done
