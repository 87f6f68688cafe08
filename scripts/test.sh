#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every unit and integration test; then the short fuzz runs of every
# fuzz target (scripts/fuzz-ci.sh), timed. (scripts/tsan.sh, the thread sanitizer over the engine's tests, is run by
# hand: its reports of Synchronization.Mutex-guarded state are not yet all suppressed, see the README.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 scripts/check-layering.py   # the module rules of docs/ARCHITECTURE.md
swift build
swift test --disable-xctest
started=$SECONDS
scripts/fuzz-ci.sh
echo "test.sh: fuzz build and runs took $((SECONDS - started)) s"
