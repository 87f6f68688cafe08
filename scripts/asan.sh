#!/usr/bin/env bash
# AddressSanitizer over the whole test suite: builds everything with -sanitize=address into .build-asan (the
# ordinary .build is untouched) and runs every test there, the integration tests through the sanitized executables
# (AIRLOCK_BIN_DIR). Every process writes its reports to one directory (log_path), so an overflow or use-after-free
# in a child `connected`, `transit` or `airgap` fails the run; a deliberate heap overflow (the canary) must then be
# reported the same way. Leak detection is off: the memory bound is checked by the tests that measure peak RSS, and
# LeakSanitizer counts the Swift runtime's and Foundation's never-freed caches at exit.
# AIRLOCK_ASAN_FILTER narrows the run (a swift test --filter pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-asan
reports=$(mktemp -d "${TMPDIR:-/tmp}/airlock-asan.XXXXXX")
started=$SECONDS
swift build --build-tests --sanitize=address --scratch-path "$scratch"
echo "asan: built in $((SECONDS - started)) s"
began=$SECONDS
status=0
ASAN_OPTIONS="detect_leaks=0 log_path=$reports/report ${ASAN_OPTIONS:-}" AIRLOCK_SANITIZER=address AIRLOCK_BIN_DIR="$PWD/$scratch/debug" \
    swift test --disable-xctest --sanitize=address --scratch-path "$scratch" --skip-build \
    ${AIRLOCK_ASAN_FILTER:+--filter "$AIRLOCK_ASAN_FILTER"} || status=$?
echo "asan: tests in $((SECONDS - began)) s, $((SECONDS - started)) s in all"
if compgen -G "$reports/report.*" > /dev/null; then
    echo "asan: $(ls "$reports" | wc -l) process(es) reported:"
    cat "$reports"/report.*
    status=1
fi
# The canary: a deliberate heap overflow, which must be reported where the run above would have put it.
rm -rf "$reports" && mkdir "$reports"
ASAN_OPTIONS="detect_leaks=0 log_path=$reports/report ${ASAN_OPTIONS:-}" AIRLOCK_SANITIZER_CANARY=address \
    swift test --disable-xctest --sanitize=address --scratch-path "$scratch" --skip-build \
    --filter 'SanitizerCanaries\.SanitizerCanaries/heapBufferOverflow' > "$reports/canary.log" 2>&1 || true
if grep -qs "heap-buffer-overflow" "$reports"/report.*; then
    echo "asan: the canary's deliberate overflow was reported, as it must be"
else
    echo "asan: the canary's deliberate overflow was NOT reported: this run proves nothing"
    cat "$reports/canary.log"
    status=1
fi
rm -rf "$reports"
exit $status
