#!/usr/bin/env bash
# Audit benchmark: the signatures benchmark's COUNT (default 1000) images, each signed with `connected sign`, packed
# and pushed by `transit push` into a local registry; then `airgap audit --registry … --key … --jobs 8` (catalog, tag
# lists, and per tag its manifest, .sig manifest and payload, with the push record) versus `skopeo inspect` of the same
# images one by one (manifest and config, no signature check). Prints median wall times of ROUNDS, the requests the
# audit made (counted in the registry's access log) per second, peak RSS, and the CPU time of the audit and of the
# registry serving it (on a shared machine the registry's share decides the wall time).
# BIN=/path/to/dir uses prebuilt release binaries (connected, transit, airgap; see common.sh).
WORK=${WORK:-/tmp/airlock-bench-audit}
ROUNDS=${ROUNDS:-3}
COUNT=${COUNT:-1000}
JOBS=${JOBS:-8}
rm -rf "$WORK"
export REGISTRY_LOG_LEVEL=info   # one "response completed" line per request
source "$(dirname "$0")/common.sh"
[ -x "$bin/airgap" ] || { echo "$bin has no airgap binary" >&2; exit 1; }
trap 'for p in "${registry_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"' EXIT   # the registry and the scratch

python3 "$root/Benchmarks/make-store.py" "$WORK/store" "$COUNT"
export COSIGN_PASSWORD=bench
"$bin/connected" generate-key-pair --output-key-prefix "$WORK/bench" 2>/dev/null
refs=$(seq 0 $((COUNT - 1)) | sed 's|.*|bench.local/sig/app-&:1|')
"$bin/connected" sign -q --key "$WORK/bench.key" --store "$WORK/store" $refs
"$bin/connected" pack -q --store "$WORK/store" -o "$WORK/signed.tar"
start_local_registry
"$bin/transit" push -q "$WORK/signed.tar" --to "127.0.0.1:$port/bench"
log=$WORK/registry-$port.log
requests() { grep -c 'response completed' "$log" || true; }
# CPU seconds (user + system) the registry has used so far
registry_cpu() { awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/${registry_pids[-1]}/stat"; }

audit_t=(); audit_cpu=(); served_cpu=(); skopeo_t=(); rss=0; made=0
for round in $(seq "$ROUNDS"); do
  before=$(requests); registry_before=$(registry_cpu)
  /usr/bin/time -f '%U %S' -o "$WORK/cpu.out" "$bin/airgap" audit --registry "127.0.0.1:$port/bench" --key "$WORK/bench.pub" --jobs "$JOBS" --json "$WORK/report.json" >/dev/null
  audit_cpu+=("$(awk '{print $1 + $2}' "$WORK/cpu.out")"); served_cpu+=("$(echo "$(registry_cpu) - $registry_before" | bc)")
  read -r t m < <(timed "$bin/airgap" audit --registry "127.0.0.1:$port/bench" --key "$WORK/bench.pub" --jobs "$JOBS" --json "$WORK/report.json")
  made=$(( ($(requests) - before) / 2 ))
  audit_t+=("$t"); [ "$m" -gt "$rss" ] && rss=$m
  [ "$(jq '.summary.passing' "$WORK/report.json")" -eq "$COUNT" ] || { echo "the audit did not pass $COUNT tags" >&2; exit 1; }
  start=$(date +%s%N)
  for i in $(seq 0 $((COUNT - 1))); do
    skopeo inspect -n --tls-verify=false "docker://127.0.0.1:$port/bench/sig/app-$i:1" >/dev/null
  done
  skopeo_t+=("$(echo "($(date +%s%N) - $start) / 1000000000" | bc -l)")
  echo "round $round: airgap audit ${audit_t[-1]} s, skopeo inspect ${skopeo_t[-1]} s" >&2
done
a=$(median "${audit_t[@]}"); s=$(median "${skopeo_t[@]}")
echo "audit: $COUNT signed images in one registry, $ROUNDS rounds (medians)"
awk -v a="$a" -v n="$made" -v j="$JOBS" -v r="$((rss/1024))" 'BEGIN { printf "airgap audit --jobs %d: %.2f s, %d requests (%.0f per second), peak RSS %d MiB\n", j, a, n, n / a, r }'
echo "CPU of one audit: airgap $(median "${audit_cpu[@]}") s, the registry serving it $(median "${served_cpu[@]}") s"
awk -v s="$s" -v n="$COUNT" 'BEGIN { printf "skopeo inspect one by one: %.2f s (%.1f ms per image)\n", s, s / n * 1000 }'
