#!/usr/bin/env bash
# Lint and rewrite benchmark: N (default 10000) generated manifests (Benchmarks/make-manifests.py: each a Deployment
# with an init container and two containers, a Service and a CronJob: four images per file, 40,000 for N=10000) in one
# directory. ROUNDS (default 3) times each, in the same run:
#   - `airgap lint DIR --registry R` (every image breaks a rule: exit 2 expected),
#   - `airgap rewrite DIR --registry R -o OUT` into a fresh directory under WORK (the disk's filesystem), and again into
#     a fresh directory on tmpfs (/dev/shm): on ext4, creating 10,000 files just after deleting the last round's costs
#     the kernel seconds of inode allocation, which the tmpfs row leaves out,
#   - `airgap lint OUT --registry R` on the rewritten files.
# Prints median wall seconds, median CPU seconds (user + system, which the machine's load hardly changes) and peak RSS, and the load average before and after (the machine is shared: compare
# rows of one run). The issue's budget is 5 s for each of lint and rewrite.
# BIN=/path/to/dir uses a prebuilt release `airgap` instead of building; WORK, ROUNDS, N.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/airlock-bench-lint}
ROUNDS=${ROUNDS:-3}
N=${N:-10000}
mkdir -p "$WORK"
if [ -n "${BIN:-}" ]; then
  bin=$(cd "$BIN" && pwd)
else
  (cd "$root" && swift build -c release --static-swift-stdlib --product airgap >&2)
  bin=$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)
fi
[ -x "$bin/airgap" ] || { echo "no airgap binary in $bin" >&2; exit 1; }
registry=registry.site.example:5000/mirror

rm -rf "$WORK/in" && python3 "$root/Benchmarks/make-manifests.py" "$WORK/in" "$N"
images=$((N * 4))
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# runs a command; prints "seconds peak_kib cpu_seconds" (cpu = user + system); $expect is the exit code it must end with
timed() {
  local expect=$1 start end status; shift
  start=$(date +%s%N)
  set +e; /usr/bin/time -f '%M %U %S' -o "$WORK/time.out" "$@" >/dev/null 2>"$WORK/cmd.err"; status=$?; set -e
  end=$(date +%s%N)
  [ "$status" -eq "$expect" ] || { echo "exit $status, expected $expect: $*" >&2; cat "$WORK/cmd.err" >&2; exit 1; }
  read -r kib user system < <(tail -1 "$WORK/time.out")
  echo "$(printf '%d.%06d' $(((end - start) / 1000000000)) $(((end - start) / 1000 % 1000000))) $kib $(echo "$user + $system" | bc -l)"
}
tmpfs=/dev/shm/airlock-bench-lint-out
trap 'rm -rf "$tmpfs"' EXIT
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
declare -A seconds rss cpu
for round in $(seq "$ROUNDS"); do
  read -r s m c < <(timed 2 "$bin/airgap" lint "$WORK/in" --registry "$registry"); seconds[lint]+="$s "; cpu[lint]+="$c "; rss[lint]=$m
  rm -rf "$WORK/out"
  read -r s m c < <(timed 0 "$bin/airgap" rewrite "$WORK/in" --registry "$registry" -o "$WORK/out"); seconds[rewrite]+="$s "; cpu[rewrite]+="$c "; rss[rewrite]=$m
  rm -rf "$tmpfs"
  read -r s m c < <(timed 0 "$bin/airgap" rewrite "$WORK/in" --registry "$registry" -o "$tmpfs"); seconds[rewrite-tmpfs]+="$s "; cpu[rewrite-tmpfs]+="$c "; rss[rewrite-tmpfs]=$m
  read -r s m c < <(timed 0 "$bin/airgap" lint "$WORK/out" --registry "$registry"); seconds[lint-clean]+="$s "; cpu[lint-clean]+="$c "; rss[lint-clean]=$m
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-14s %8s %8s %12s %12s %10s\n' step files images median_s median_cpu_s peak_MiB
for step in lint rewrite rewrite-tmpfs lint-clean; do
  # shellcheck disable=SC2086
  m=$(median ${seconds[$step]})
  # shellcheck disable=SC2086
  c=$(median ${cpu[$step]})
  printf '%-14s %8d %8d %12.2f %12.2f %10.1f\n' "$step" "$N" "$images" "$m" "$c" "$(echo "${rss[$step]} / 1024" | bc -l)"
done
