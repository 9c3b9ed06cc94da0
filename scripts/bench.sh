#!/usr/bin/env bash
# Benchmarks gmemd's HTTP layer with wrk on GET /v1/health: a release build on a free port of
# 127.0.0.1 with a temporary state directory, then wrk at 1, 64 and 256 connections, printing
# requests/s and latency percentiles per run. gmemd is stopped (by its PID) on exit.
#
#   scripts/bench.sh [--compare] [--skip-build] [-- GMEMD_FLAGS...]
#
#   --compare     instead of the plain runs, run the shared peer comparison (../shared/bench/compare.sh:
#                 nginx, Hummingbird 2, SwiftNIO, FlyingFox) against this gmemd: its ping is
#                 GET /v1/health, its get an authenticated GET /v1/files/{fid} of a real allocated
#                 64 MiB memfd, its post a real 4 KiB punch_hole on it. Its environment passes
#                 through (RUNS, PEERS, OUT, ROUTES, ...).
#   --skip-build  use the existing .build-release/release/gmemd
# Environment: DURATION seconds per wrk run [10]; CONNS ["1 64 256"];
#   GMEMD_BIN a gmemd to run instead of building one; COMPARE_SH [../shared/bench/compare.sh].
# Absolute numbers on this 2-core machine vary between runs: compare ratios from one run of --compare.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
DURATION=${DURATION:-10}
CONNS=${CONNS:-"1 64 256"}
COMPARE_SH=${COMPARE_SH:-$ROOT/../shared/bench/compare.sh}
compare=0 build=1
while [[ $# -gt 0 ]]; do
    case $1 in
        --compare) compare=1 ;;
        --skip-build) build=0 ;;
        --) shift; break ;;
        -h | --help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
        *) echo "bench: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
GMEMD_FLAGS=("$@")

install_missing() {  # command package...
    local tool=$1; shift
    command -v "$tool" >/dev/null && return 0
    echo "bench: installing $*" >&2
    local sudo=""; [[ $(id -u) == 0 ]] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >/dev/null
}
install_missing wrk wrk
install_missing curl curl
if [[ $compare == 1 ]]; then
    [[ -x $COMPARE_SH ]] || { echo "bench: no comparison script at $COMPARE_SH (set COMPARE_SH)" >&2; exit 1; }
    install_missing nginx nginx
    install_missing ss iproute2
    install_missing /usr/bin/time time
fi

[[ -z ${GMEMD_BIN:-} ]] || build=0
if [[ $build == 1 ]]; then
    echo "bench: swift build -c release --product gmemd" >&2
    swift build -c release --scratch-path .build-release --product gmemd >&2
fi
BIN=${GMEMD_BIN:-$ROOT/.build-release/release/gmemd}
[[ -x $BIN ]] || { echo "bench: $BIN is missing (run without --skip-build)" >&2; exit 1; }

WORK=$(mktemp -d -t gmemd-bench-XXXXXX)
PID=""
stop_gmemd() {
    [[ -n $PID ]] || return 0
    kill -TERM "$PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null || true
    wait "$PID" 2>/dev/null || true
    PID=""
}
trap 'stop_gmemd; rm -rf "$WORK/state"' EXIT
trap 'exit 130' INT TERM

mkdir -p "$WORK/state"
"$BIN" --listen 127.0.0.1:0 --state-dir "$WORK/state" ${GMEMD_FLAGS[@]+"${GMEMD_FLAGS[@]}"} > "$WORK/gmemd.log" 2>&1 &
PID=$!
PORT=""
for _ in $(seq 1 200); do
    PORT=$(grep -o 'listening on http://127.0.0.1:[0-9]*' "$WORK/gmemd.log" | head -1 | grep -o '[0-9]*$' || true)
    [[ -n $PORT ]] && break
    kill -0 "$PID" 2>/dev/null || { echo "bench: gmemd exited at start:" >&2; cat "$WORK/gmemd.log" >&2; exit 1; }
    sleep 0.1
done
[[ -n $PORT ]] || { echo "bench: gmemd did not say it was listening within 20 s:" >&2; cat "$WORK/gmemd.log" >&2; exit 1; }
URL=http://127.0.0.1:$PORT/v1/health
status=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$URL")
[[ $status == 200 ]] || { echo "bench: GET $URL answered $status, not 200" >&2; exit 1; }
echo "bench: gmemd pid $PID on 127.0.0.1:$PORT (log $WORK/gmemd.log)" >&2

if [[ $compare == 1 ]]; then
    # The file routes run against a real tenant and a real, allocated 64 MiB memfd: GET is
    # authenticated (token, lookup, JSON: the figures its last change published, no syscall of
    # its own), POST punches 4 KiB for real.
    base=http://127.0.0.1:$PORT
    admin="Authorization: Bearer $(cat "$WORK/state/admin-token")"
    json="Content-Type: application/json"
    token=$(curl -sf -H "$admin" -H "$json" "$base/v1/tenants" \
        -d '{"name":"bench","limits":{"max_bytes":1073741824,"max_files":10}}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    fid=$(curl -sf -H "Authorization: Bearer $token" -H "$json" "$base/v1/files" -d '{"name":"bench","size":67108864}' \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
    curl -sf -o /dev/null -H "Authorization: Bearer $token" -H "$json" "$base/v1/files/$fid/fallocate" \
        -d '{"mode":"allocate","offset":0,"length":67108864}'
    CAND_PING=/v1/health CAND_GET=/v1/files/$fid CAND_POST=/v1/files/$fid/fallocate \
        CAND_POST_BODY='{"mode":"punch_hole","offset":0,"length":4096}' CAND_POST_STATUS=200 \
        CAND_AUTH="Bearer $token" ROUTES=${ROUTES:-"ping get post"} CANDIDATE_NAME=gmemd CANDIDATE_PID=$PID \
        DURATION=$DURATION "$COMPARE_SH" "$PORT"
    exit
fi

# wrk calls done() once at the end; it prints one line this script reads (latencies in µs).
cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %.1f %.1f %.1f %.1f %.1f %.1f %d %d\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency:percentile(99.9),
    latency.max, e.connect + e.read + e.write + e.timeout, e.status))
end
LUA

printf "%-6s %12s %9s %9s %9s %9s %9s %7s %8s\n" conns "requests/s" "p50 ms" "p90 ms" "p99 ms" "p99.9 ms" "max ms" errors non-2xx
for c in $CONNS; do
    threads=$([[ $c -lt 2 ]] && echo 1 || echo 2)
    wrk -t"$threads" -c"$c" -d"${DURATION}s" --timeout 5s --latency -s "$WORK/report.lua" "$URL" > "$WORK/wrk-c$c.log" 2>&1 \
        || { echo "bench: wrk failed at $c connections:" >&2; cat "$WORK/wrk-c$c.log" >&2; exit 1; }
    grep '^BENCH ' "$WORK/wrk-c$c.log" | awk -v c="$c" '{
        printf "%-6s %12.0f %9.3f %9.3f %9.3f %9.3f %9.3f %7d %8d\n", c, $2, $3/1000, $4/1000, $5/1000, $6/1000, $7/1000, $8, $9 }'
done
echo "bench: full wrk output in $WORK/wrk-c*.log" >&2
