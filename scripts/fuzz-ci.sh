#!/usr/bin/env bash
# CI's short fuzz runs: builds the fuzz executables once, then runs every target of Benchmarks/fuzz.sh for a fixed
# number of inputs (AIRLOCK_FUZZ_RUNS, default 2000: a count, not seconds, so a busy machine runs the same inputs
# more slowly instead of fewer of them). A crash, hang or over-limit allocation fails the run; its input is kept in
# .build-fuzz/findings/TARGET/ and the libFuzzer output of that target is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${AIRLOCK_FUZZ_RUNS:-2000}
started=$SECONDS
Benchmarks/fuzz.sh build
echo "fuzz-ci: built in $((SECONDS - started)) s"
log=.build-fuzz/ci.log
failed=()
for target in $(Benchmarks/fuzz.sh list); do
    began=$SECONDS
    if AIRLOCK_FUZZ_BUILT=1 Benchmarks/fuzz.sh "$target" 0 -runs="$runs" > "$log" 2>&1; then
        echo "fuzz-ci: $target: $runs inputs, no finding ($((SECONDS - began)) s)"
    else
        cat "$log" >&2
        echo "fuzz-ci: $target: FINDING (input in .build-fuzz/findings/$target/)" >&2
        failed+=("$target")
    fi
done
echo "fuzz-ci: $(Benchmarks/fuzz.sh list | wc -w) targets in $((SECONDS - started)) s"
if (( ${#failed[@]} > 0 )); then echo "fuzz-ci: findings in: ${failed[*]}" >&2; exit 1; fi
