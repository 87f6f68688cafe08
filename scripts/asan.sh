#!/usr/bin/env bash
# AddressSanitizer over the whole test suite, in .build-asan (the ordinary .build is untouched); run by hand.
# How reports are collected and the canary: scripts/lib/sanitized-tests.sh. Leak detection is off: the memory bound
# is checked by the tests that measure peak memory, and LeakSanitizer counts the caches the Swift runtime and
# Foundation keep until exit. AIRLOCK_ASAN_FILTER narrows the run (a swift test --filter pattern).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/sanitized-tests.sh
run_sanitized address .build-asan ASAN_OPTIONS "detect_leaks=0 ${ASAN_OPTIONS:-}" "${AIRLOCK_ASAN_FILTER:-}" \
    heapBufferOverflow "ERROR: AddressSanitizer: heap-buffer-overflow"
