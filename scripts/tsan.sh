#!/usr/bin/env bash
# The thread sanitizer over the engine's tests (run by scripts/test.sh, so by CI), in .build-tsan (the ordinary
# .build is untouched): the lock, copy engine, bundle, tar, HTTP, object-store and registry unit tests, and the
# integration tests that pull, bundle, push and serve with many transfers at once. How reports are collected and the
# canary: scripts/lib/sanitized-tests.sh. scripts/tsan-suppressions.txt holds the suppressions, each with its reason.
# AIRLOCK_TSAN_FILTER replaces the test filter.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/sanitized-tests.sh
filter=${AIRLOCK_TSAN_FILTER:-'^(LockingTests|PipelineTests|BundleTests|ArchiveTests|HTTPTests|RegistryTests|ObjectStoreTests)\.|^IntegrationTests\.(PullTests|BundleFlowTests|ConcurrencyTests|ServeTests)/'}
run_sanitized thread .build-tsan TSAN_OPTIONS "suppressions=$PWD/scripts/tsan-suppressions.txt ${TSAN_OPTIONS:-}" \
    "$filter" dataRace "WARNING: ThreadSanitizer:"
