#!/usr/bin/env bash
# Installs what the tests need, builds, and runs every unit and integration test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
python3 scripts/check-layering.py   # the module rules of docs/ARCHITECTURE.md
swift build
swift test --disable-xctest
