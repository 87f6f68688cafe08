# Shared by scripts/tsan.sh and scripts/asan.sh (sourced, from the repository root).
#
# run_sanitized KIND SCRATCH OPTIONS_VARIABLE OPTIONS FILTER CANARY EXPECTED
#   builds everything with -sanitize=KIND (thread, address) into SCRATCH and runs the tests matching FILTER (all when
#   empty), the integration tests through the sanitized executables (AIRLOCK_BIN_DIR). OPTIONS go to the sanitizer
#   through OPTIONS_VARIABLE (TSAN_OPTIONS, ASAN_OPTIONS), with log_path added: every process writes its reports into
#   one directory, so a report from a child `connected`, `transit` or `airgap` fails the run as surely as one from
#   the test process. Then the canary SanitizerCanaries/CANARY, a deliberate defect, must produce a report
#   containing EXPECTED (fixed text), or the run proves nothing and fails. Returns non-zero on a failed test or any report.
run_sanitized() {
    local kind=$1 scratch=$2 variable=$3 options=$4 filter=$5 canary=$6 expected=$7
    local reports status=0 started=$SECONDS began
    reports=$(mktemp -d "${TMPDIR:-/tmp}/airlock-$kind-sanitizer.XXXXXX")
    swift build --build-tests --sanitize="$kind" --scratch-path "$scratch"
    echo "$kind sanitizer: built in $((SECONDS - started)) s"
    began=$SECONDS
    env "$variable=$options log_path=$reports/report" AIRLOCK_SANITIZER="$kind" AIRLOCK_BIN_DIR="$PWD/$scratch/debug" \
        swift test --disable-xctest --sanitize="$kind" --scratch-path "$scratch" --skip-build ${filter:+--filter "$filter"} \
        || status=$?
    echo "$kind sanitizer: tests in $((SECONDS - began)) s, $((SECONDS - started)) s in all"
    if compgen -G "$reports/report.*" > /dev/null; then
        echo "$kind sanitizer: $(ls "$reports" | wc -l) process(es) reported:"
        cat "$reports"/report.*
        status=1
    fi
    rm -rf "$reports" && mkdir "$reports"
    env "$variable=$options log_path=$reports/report" AIRLOCK_SANITIZER_CANARY="$kind" \
        swift test --disable-xctest --sanitize="$kind" --scratch-path "$scratch" --skip-build \
        --filter "SanitizerCanaries\\.SanitizerCanaries/$canary" > "$reports/canary.log" 2>&1 || true
    if grep -qsF "$expected" "$reports"/report.*; then
        echo "$kind sanitizer: the canary ($canary) was reported, as it must be"
    else
        echo "$kind sanitizer: the canary ($canary) was NOT reported: this run proves nothing"
        cat "$reports/canary.log"
        status=1
    fi
    rm -rf "$reports"
    return $status
}
