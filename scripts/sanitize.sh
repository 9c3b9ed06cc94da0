#!/usr/bin/env bash
# Builds and runs the whole test suite under ThreadSanitizer and AddressSanitizer, each in a build
# folder of its own (.build-tsan, .build-asan: a sanitized build shares nothing with the plain
# one), niced and bounded, as the machine is shared. The end-to-end tests start the gmemd that
# the same build made (beside the test runner), so the daemon runs sanitized too.
#
# Every process's reports (the runner's and each gmemd's) go to files under
# <scratch>/sanitizer-reports/, since gmemd's stderr goes to a pipe the tests read. For each
# sanitizer it prints the test summary lines, the number of reports and where they point, and
# fails when a test failed or any report was made. scripts/tsan-suppressions.txt names the
# reports TSan must not make (each one a false positive, with its reason).
#   scripts/sanitize.sh                   # thread, then address, the whole suite
#   scripts/sanitize.sh thread            # one sanitizer
#   scripts/sanitize.sh thread --filter 'LockSplitTests|ConsumerConcurrencyTests'
#   SANITIZE_TIMEOUT=7200 scripts/sanitize.sh address   # the bound on each build and test run (s)
#   SANITIZE_WIDTH=2 GMEMD_TEST_TIME_SCALE=12 scripts/sanitize.sh thread   # tests at once; bound stretch
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/deps.sh
# deps.sh turns -e on; here a failed run or a count of no reports must not end the script: it
# reads each status itself, prints the figures and goes on to the next sanitizer.
set +e
sanitizers=(thread address)
if [[ $# -gt 0 && $1 != -* ]]; then
    sanitizers=("$1")
    shift
fi
bound="${SANITIZE_TIMEOUT:-3600}"
status=0
for sanitizer in "${sanitizers[@]}"; do
    scratch=".build-${sanitizer:0:1}san"
    reports="$PWD/$scratch/sanitizer-reports"
    echo "== $sanitizer ($scratch)"
    # The build runs tools it built with the sanitizer (swift-openapi-generator's plugin): ASan's
    # leak check would fail the build on a leak in Foundation's file reading the tool calls.
    if ! ASAN_OPTIONS="detect_leaks=0 ${ASAN_OPTIONS:-}" \
        nice -n 10 timeout "$bound" swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"; then
        echo "$sanitizer: the build failed"
        status=1
        continue
    fi
    rm -rf "$reports" && mkdir -p "$reports"
    suppressions=""
    [[ -f scripts/tsan-suppressions.txt ]] && suppressions="suppressions=$PWD/scripts/tsan-suppressions.txt"
    # log_path: each process writes its reports to report.<pid>. halt_on_error=0 (TSan): one run
    # lists every race rather than the first. ASan stops at its first error, as it must.
    # Leak checking is off: Swift's runtime keeps metadata caches for the process's life.
    # SWIFT_BACKTRACE off: Swift's backtracer reads stack memory ASan has poisoned.
    # The test's bounds stretch by GMEMD_TEST_TIME_SCALE (Tests/TestSupport/TimeScale.swift): TSan
    # runs the same work 5-15x slower, ASan 2-3x. At most `width` tests run at once, so that each
    # test's time limit measures that test, not hundreds of others started beside it on 2 cores.
    scale=$([[ $sanitizer == thread ]] && echo 8 || echo 3)
    GMEMD_TEST_TIME_SCALE="${GMEMD_TEST_TIME_SCALE:-$scale}" \
        SWT_EXPERIMENTAL_MAXIMUM_PARALLELIZATION_WIDTH="${SANITIZE_WIDTH:-4}" \
        TSAN_OPTIONS="log_path=$reports/report halt_on_error=0 second_deadlock_stack=1 $suppressions ${TSAN_OPTIONS:-}" \
        ASAN_OPTIONS="log_path=$reports/report detect_leaks=0 ${ASAN_OPTIONS:-}" SWIFT_BACKTRACE=enable=no \
        nice -n 10 timeout "$bound" swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" "$@" \
        2>&1 | tee "$scratch/sanitize-test.log" | grep -E 'Test run with|Executed [0-9]+ tests|✘ Test .* failed after|error: '
    tests=${PIPESTATUS[0]}
    # swift test starts the runner in a process group of its own, which timeout's signal misses:
    # when the bound ends a run, end what still runs from this build folder (the runner, its gmemds).
    for exe in /proc/[0-9]*/exe; do
        [[ $(readlink "$exe" 2>/dev/null) == "$PWD/$scratch/"* ]] && kill "$(basename "$(dirname "$exe")")" 2>/dev/null
    done
    count=$(cat "$reports"/report.* 2>/dev/null | grep -cE '^(WARNING: ThreadSanitizer|ERROR: AddressSanitizer)')
    echo "$sanitizer: swift test exited $tests; $count sanitizer reports in $(ls "$reports" | wc -l) processes' files"
    if [[ $count -gt 0 ]]; then
        echo "$sanitizer: where they point (SUMMARY lines, most frequent first):"
        cat "$reports"/report.* | grep -E '^SUMMARY: ' | sort | uniq -c | sort -rn | head -20
    fi
    [[ $tests -eq 0 && $count -eq 0 ]] || status=1
done
exit $status
