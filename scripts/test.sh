#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every unit and integration test; then the engine's tests again under
# the thread sanitizer (scripts/tsan.sh) and the short fuzz runs of every fuzz target (scripts/fuzz-ci.sh), timed.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 scripts/check-layering.py   # the module rules of docs/ARCHITECTURE.md
swift build
swift test --disable-xctest
started=$SECONDS
scripts/tsan.sh
echo "test.sh: thread-sanitizer build and tests took $((SECONDS - started)) s"
started=$SECONDS
scripts/fuzz-ci.sh
echo "test.sh: fuzz build and runs took $((SECONDS - started)) s"
