#!/usr/bin/env bash
# CI's thread-sanitizer run: builds everything with -sanitize=thread into .build-tsan (the ordinary .build is
# untouched) and runs the engine's tests there: the copy engine, bundles, tar, HTTP and registry unit tests, and
# the integration tests that pull and push with many transfers at once, through the sanitized executables
# (AIRLOCK_BIN_DIR). A data race fails the run: TSan exits non-zero from whichever process saw it. Known false
# reports are suppressed, each with its reason, in scripts/tsan-suppressions.txt.
set -euo pipefail
cd "$(dirname "$0")/.."
scratch=.build-tsan
filter=${AIRLOCK_TSAN_FILTER:-'^(PipelineTests|BundleTests|ArchiveTests|HTTPTests|RegistryTests)\.|^IntegrationTests\.(PullTests|BundleFlowTests)/'}
started=$SECONDS
swift build --build-tests --sanitize=thread --scratch-path "$scratch"
echo "tsan: built in $((SECONDS - started)) s"
began=$SECONDS
TSAN_OPTIONS="suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}" AIRLOCK_BIN_DIR="$PWD/$scratch/debug" \
    swift test --disable-xctest --sanitize=thread --scratch-path "$scratch" --skip-build --filter "$filter"
echo "tsan: tests in $((SECONDS - began)) s, $((SECONDS - started)) s in all"
