#!/usr/bin/env bash
# Serve benchmark: the make-test-images set pulled by CLIENTS (16) concurrent keep-alive clients
# (Benchmarks/pull-load.py: manifests, child manifests, config and layers, PASSES times each) from
#   - CNCF distribution (docker-registry) holding the same content (pushed with `transit push`),
#   - `airgap serve --store` over the content store `connected pull` made,
#   - `airgap serve --bundle` over the bundle `connected pack` made from it (read in place),
# in the same run, ROUNDS times each. Prints per server: median throughput, manifest GET p99 latency,
# server peak RSS, and the bytes the bundle server wrote to storage (its access log goes to /dev/null).
# BIN=/path/to/dir uses prebuilt release binaries instead of building (see common.sh).
source "$(dirname "$0")/common.sh"
CLIENTS=${CLIENTS:-16}
PASSES=${PASSES:-3}
[ -x "$bin/airgap" ] || { echo "$bin has no airgap binary" >&2; exit 1; }

seed_test_registry
source_port=$port
rm -rf "$WORK/serve-store" "$WORK"/serve.tar*
"$bin/connected" pull -q --store "$WORK/serve-store" $refs
"$bin/connected" pack -q --store "$WORK/serve-store" -o "$WORK/serve.tar"
start_local_registry
distribution_port=$port
distribution_pid=${registry_pids[-1]}
"$bin/transit" push -q "$WORK/serve.tar" --to "127.0.0.1:$distribution_port"
images=$(for r in $refs; do echo "${r#127.0.0.1:$source_port/}"; done)

# Starts `airgap serve ARGS…` on a free port; sets airgap_port and airgap_pid.
start_airgap() {
  "$bin/airgap" serve --listen 127.0.0.1:0 "$@" > "$WORK/airgap.out" 2>/dev/null &
  airgap_pid=$!
  registry_pids+=("$airgap_pid")
  for _ in $(seq 1000); do
    airgap_port=$(sed -nE 's#^listening on http://127.0.0.1:([0-9]+).*#\1#p' "$WORK/airgap.out")
    [ -n "$airgap_port" ] && return 0
    sleep 0.01
  done
  echo "airgap serve did not start" >&2; return 1
}

# Runs the load ROUNDS times against port $1 (a warm-up pass first); prints "MiB/s p99_ms errors" medians.
measure() {
  python3 "$root/Benchmarks/pull-load.py" "http://127.0.0.1:$1" 1 1 $images > /dev/null
  local rates=() p99s=() errors=0
  for round in $(seq "$ROUNDS"); do
    local out
    out=$(python3 "$root/Benchmarks/pull-load.py" "http://127.0.0.1:$1" "$CLIENTS" "$PASSES" $images)
    echo "  round $round: $out" >&2
    rates+=("$(echo "$out" | jq .mib_per_s)"); p99s+=("$(echo "$out" | jq .manifest_p99_ms)")
    errors=$((errors + $(echo "$out" | jq .errors)))
  done
  echo "$(median "${rates[@]}") $(median "${p99s[@]}") $errors"
}
peak_rss_mib() { echo $(( $(awk '/VmHWM/ {print $2}' "/proc/$1/status") / 1024 )); }

echo "==> docker-registry" >&2
read -r d_rate d_p99 d_err < <(measure "$distribution_port")
d_rss=$(peak_rss_mib "$distribution_pid")

echo "==> airgap serve --store" >&2
start_airgap --store "$WORK/serve-store" --read-only
read -r s_rate s_p99 s_err < <(measure "$airgap_port")
s_rss=$(peak_rss_mib "$airgap_pid")
kill "$airgap_pid"; wait "$airgap_pid" 2>/dev/null || true

echo "==> airgap serve --bundle" >&2
before=$(ls -l --time-style=full-iso "$WORK"/serve.tar* | md5sum)
start_airgap --bundle "$WORK/serve.tar"
read -r b_rate b_p99 b_err < <(measure "$airgap_port")
b_rss=$(peak_rss_mib "$airgap_pid")
b_written=$(awk '/^write_bytes/ {print $2}' "/proc/$airgap_pid/io")
kill "$airgap_pid"; wait "$airgap_pid" 2>/dev/null || true
after=$(ls -l --time-style=full-iso "$WORK"/serve.tar* | md5sum)

echo "==> start-up on a ${LARGE_GIB:=4} GiB bundle" >&2
rm -rf "$WORK/large-store" "$WORK/large.tar"
python3 "$root/Benchmarks/make-store.py" "$WORK/large-store" 1 $((LARGE_GIB << 30))
"$bin/connected" pack -q --store "$WORK/large-store" -o "$WORK/large.tar"
rm -rf "$WORK/large-store"
startups=()
for round in $(seq "$ROUNDS"); do
  begin=$(date +%s%N)
  start_airgap --bundle "$WORK/large.tar"
  startups+=("$(( ($(date +%s%N) - begin) / 1000000 ))")
  curl -fsS -o /dev/null "http://127.0.0.1:$airgap_port/v2/sig/app-0/manifests/1"
  kill "$airgap_pid"; wait "$airgap_pid" 2>/dev/null || true
done
large_ms=$(median "${startups[@]}")
rm -f "$WORK/large.tar"

bytes=$(du -sb "$WORK/serve-store/blobs" | cut -f1)
printf '\n%s clients x %s passes over %s images (%s MiB each pass)\n' "$CLIENTS" "$PASSES" "$(echo $images | wc -w)" $((bytes/1048576))
printf '%-26s %12s %16s %12s %8s\n' "server" "MiB/s" "manifest p99 ms" "peak RSS" "errors"
printf '%-26s %12s %16s %8s MiB %8s\n' "docker-registry" "$d_rate" "$d_p99" "$d_rss" "$d_err"
printf '%-26s %12s %16s %8s MiB %8s\n' "airgap serve --store" "$s_rate" "$s_p99" "$s_rss" "$s_err"
printf '%-26s %12s %16s %8s MiB %8s\n' "airgap serve --bundle" "$b_rate" "$b_p99" "$b_rss" "$b_err"
printf 'bundle mode wrote %s bytes to storage; bundle files %s\n' "$b_written" "$([ "$before" = "$after" ] && echo unchanged || echo CHANGED)"
printf 'start-up on a %s GiB bundle, until it listens (median): %s ms\n' "$LARGE_GIB" "$large_ms"
