#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ with the toolchain's -sanitize=fuzzer,address and runs
# each for SECONDS (default 60) over its seed corpus in the repo. Built here with swiftc, not by
# SwiftPM, so `swift build` never compiles them. Crashes land in .build/fuzz/ as crash-*; the
# corpus a timed run grows is kept in .build/fuzz/<target>-corpus for the next one. Inputs in
# Fuzz/<Target>/findings/ are open findings, kept out of the corpus (a run would stop on them).
#   scripts/fuzz.sh [SECONDS]
#   FUZZ_RUNS=N FUZZ_SEED=S scripts/fuzz.sh   # a fixed number of inputs from a fixed seed
#   FUZZ_TARGETS="parser json" scripts/fuzz.sh 3600   # only these targets
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
read -r -a targets <<< "${FUZZ_TARGETS:-parser query range json}"
out=.build/fuzz
mkdir -p "$out"

wanted() { [[ " ${targets[*]} " == *" $1 "* ]]; }

build() {
    local target=$1 module=$2
    shift 2
    wanted "$target" || return 0
    swiftc -parse-as-library -enable-bare-slash-regex -sanitize=fuzzer,address -O -module-name "$module" \
        -package-name "${package_name:-gmemd}" "$@" -o "$out/$target" 2>&1 \
        | { grep -v 'ld.gold: warning: Cannot export local symbol' || true; }
}

# The request parser and the query parser, with the few HTTP files they need (no sockets, no
# OpenSSL, no zlib); the Range header alone.
http_sources=(
    Sources/HTTP/Parser/*.swift Sources/HTTP/Message/*.swift Sources/HTTP/Observe/RequestID.swift
    Sources/HTTP/Compression/ContentCoding.swift Sources/HTTP/Serializer/ProblemType.swift
    Sources/HTTP/Descriptors/*.swift Sources/HTTP/Server/BodyBudget.swift Sources/HTTP/Serializer/ProblemResponse.swift
    Sources/HTTP/Connection/ConnectionMemo.swift Sources/HTTP/Routing/PathParameters.swift
)
# PassedDescriptors locks with PthreadMutex: the Locking module first, as a module of its own.
if wanted parser || wanted query; then
    swiftc -parse-as-library -sanitize=fuzzer,address -O -module-name Locking -package-name gmemd \
        -wmo -emit-module -emit-module-path "$out/Locking.swiftmodule" -c Sources/Locking/*.swift -o "$out/Locking.o"
    http_sources+=(-I "$out" "$out/Locking.o")
fi
build parser HTTPFuzz Fuzz/Parser/ParserFuzz.swift "${http_sources[@]}"
build query QueryFuzz Fuzz/Query/QueryFuzz.swift "${http_sources[@]}"
build range RangeFuzz Fuzz/Range/RangeFuzz.swift Sources/Server/Routes/RangeHeader.swift

# Every JSON body: Server's DTOs with the JSON, Problem and Text files they use, compiled beside the
# modules `swift build` made (GuestMem, HTTP and what they import: left uninstrumented, as the
# decoding and the checks under test are in the files compiled here). `package` declarations
# of those modules are reachable only under the package name SwiftPM gave them.
if wanted json; then
    swift build --product gmemd 2>&1 | tail -1
    debug=.build/debug
    package_name=$(grep -o -- '"-module-name","GuestMem",[^]]*"-package-name","[^"]*"' "$debug.yaml" \
        | head -1 | sed 's/.*"-package-name","\([^"]*\)"/\1/')
    # The objects gmemd was linked from (a module's folder may hold stale ones), less Server's.
    mapfile -t objects < <(grep -E '/(Posix|Locking|GuestMem|HTTP|SystemPackage|CSystem|CKernel|CKVM|CSocket)\.build/' \
        "$debug/gmemd.product/Objects.LinkFileList" | tr -d "'")
    maps=()
    for module in CKernel CKVM CSocket; do maps+=(-Xcc -fmodule-map-file="$debug/$module.build/module.modulemap"); done
    # Views+JSONWritable writes responses, some of which (health) live with their routes.
    dto=$(ls Sources/Server/DTO/*.swift | grep -v Views+JSONWritable)
    # shellcheck disable=SC2086 # one path a word
    build json JSONFuzz Fuzz/JSON/JSONFuzz.swift $dto Sources/Server/JSON/*.swift \
        Sources/Server/Problem/*.swift Sources/Server/Text/*.swift -enable-upcoming-feature InternalImportsByDefault -I "$debug/Modules" \
        "${maps[@]}" -Xcc -fmodule-map-file=.build/checkouts/swift-system/Sources/CSystem/include/module.modulemap \
        -I Sources/COpenSSL -I Sources/CZlib "${objects[@]}" -lssl -lcrypto -lz
fi

# The folder of a target's sources and corpus under Fuzz/.
folder() { if [[ $1 == json ]]; then echo JSON; else echo "${1^}"; fi; }

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
        -print_final_stats=1 -artifact_prefix="$out/$target-" "$grown" "Fuzz/$(folder "$target")/corpus"
}
for target in "${targets[@]}"; do run "$target"; done
