#!/usr/bin/env bash
# The thread sanitizer over the engine's tests (run by scripts/test.sh, so by CI): builds everything with
# -sanitize=thread into .build-tsan (the ordinary .build is untouched) and runs the copy engine, bundle, tar, HTTP,
# object-store and registry unit tests, and the integration tests that pull, bundle, push and serve with many
# transfers at once, through the sanitized executables (AIRLOCK_BIN_DIR). Every process writes its reports to one
# directory (log_path), so a race seen in a child `connected` or `airgap serve` fails the run as surely as one in
# the test process. scripts/tsan-suppressions.txt holds the suppressions, each with its reason.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-tsan
filter=${AIRLOCK_TSAN_FILTER:-'^(LockingTests|PipelineTests|BundleTests|ArchiveTests|HTTPTests|RegistryTests|ObjectStoreTests)\.|^IntegrationTests\.(PullTests|BundleFlowTests|ConcurrencyTests|ServeTests)/'}
reports=$(mktemp -d "${TMPDIR:-/tmp}/airlock-tsan.XXXXXX")
started=$SECONDS
swift build --build-tests --sanitize=thread --scratch-path "$scratch"
echo "tsan: built in $((SECONDS - started)) s"
began=$SECONDS
status=0
TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt log_path=$reports/report ${TSAN_OPTIONS:-}" \
    AIRLOCK_SANITIZER=thread AIRLOCK_BIN_DIR="$PWD/$scratch/debug" \
    swift test --disable-xctest --sanitize=thread --scratch-path "$scratch" --skip-build --filter "$filter" || status=$?
echo "tsan: tests in $((SECONDS - began)) s, $((SECONDS - started)) s in all"
if compgen -G "$reports/report.*" > /dev/null; then
    echo "tsan: $(ls "$reports" | wc -l) process(es) reported:"
    cat "$reports"/report.*
    status=1
fi
# The canary: a deliberate race, which must be reported where the run above would have put it.
rm -rf "$reports" && mkdir "$reports"
TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt log_path=$reports/report ${TSAN_OPTIONS:-}" AIRLOCK_SANITIZER_CANARY=thread \
    swift test --disable-xctest --sanitize=thread --scratch-path "$scratch" --skip-build --filter 'SanitizerCanaries\.SanitizerCanaries/dataRace' \
    > "$reports/canary.log" 2>&1 || true
if grep -qs "data race" "$reports"/report.*; then
    echo "tsan: the canary's deliberate race was reported, as it must be"
else
    echo "tsan: the canary's deliberate race was NOT reported: this run proves nothing"
    cat "$reports/canary.log"
    status=1
fi
rm -rf "$reports"
exit $status
