#!/usr/bin/env bash
# Serve benchmark: the make-test-images set pulled by CLIENTS (16) concurrent keep-alive clients
# (Benchmarks/pull-load.py: manifests, child manifests, config and layers, PASSES times each) from
#   - CNCF distribution (docker-registry) holding the same content (pushed with `transit push`),
#   - `airgap serve --store` over the content store `connected pull` made,
#   - `airgap serve --bundle` over the bundle `connected pack` made from it (read in place),
# in the same run, ROUNDS times each. Prints per server: median throughput, manifest GET p99 latency,
# server peak RSS, the bytes the bundle server wrote to storage (its output goes to /dev/null), and its start-up
# time on a bundle of LARGE_GIB (4) GiB, until it answers.
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

# Starts `airgap serve ARGS…` on a free port, output to /dev/null (so storage writes are the server's own);
# sets airgap_port and airgap_pid once it answers.
start_airgap() {
  airgap_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$bin/airgap" serve --listen "127.0.0.1:$airgap_port" "$@" > /dev/null 2>&1 &
  airgap_pid=$!
  registry_pids+=("$airgap_pid")
  for _ in $(seq 1000); do
    curl -fsS -o /dev/null "http://127.0.0.1:$airgap_port/v2/" 2>/dev/null && return 0
    sleep 0.01
  done
  echo "airgap serve did not start" >&2; return 1
}

# One load run against port $1: prints "MiB/s p99_ms errors".
load() {
  local out
  out=$(python3 "$root/Benchmarks/pull-load.py" "http://127.0.0.1:$1" "$CLIENTS" "$PASSES" $images)
  echo "  $2: $out" >&2
  echo "$(echo "$out" | jq .mib_per_s) $(echo "$out" | jq .manifest_p99_ms) $(echo "$out" | jq .errors)"
}
peak_rss_mib() { echo $(( $(awk '/VmHWM/ {print $2}' "/proc/$1/status") / 1024 )); }

before=$(ls -l --time-style=full-iso "$WORK"/serve.tar* | md5sum)
start_airgap --store "$WORK/serve-store" --read-only
store_port=$airgap_port; store_pid=$airgap_pid
start_airgap --bundle "$WORK/serve.tar"
bundle_port=$airgap_port; bundle_pid=$airgap_pid
names=(docker-registry "airgap serve --store" "airgap serve --bundle")
ports=("$distribution_port" "$store_port" "$bundle_port")
pids=("$distribution_pid" "$store_pid" "$bundle_pid")
# A warm-up pass each (page cache, connections), then the rounds interleaved, so a change in the machine's
# load falls on all three alike.
for i in 0 1 2; do python3 "$root/Benchmarks/pull-load.py" "http://127.0.0.1:${ports[$i]}" 1 1 $images > /dev/null; done
declare -A rates p99s errors
for round in $(seq "$ROUNDS"); do
  echo "round $round" >&2
  for i in 0 1 2; do
    read -r rate p99 err < <(load "${ports[$i]}" "${names[$i]}")
    rates[$i]+="$rate "; p99s[$i]+="$p99 "; errors[$i]=$(( ${errors[$i]:-0} + err ))
  done
done
rss=(); for i in 0 1 2; do rss+=("$(peak_rss_mib "${pids[$i]}")"); done
b_written=$(awk '/^write_bytes/ {print $2}' "/proc/$bundle_pid/io")
kill "$store_pid" "$bundle_pid"; wait "$store_pid" "$bundle_pid" 2>/dev/null || true
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
for i in 0 1 2; do
  printf '%-26s %12s %16s %8s MiB %8s\n' "${names[$i]}" "$(median ${rates[$i]})" "$(median ${p99s[$i]})" "${rss[$i]}" "${errors[$i]}"
done
printf 'bundle mode wrote %s bytes to storage; bundle files %s\n' "$b_written" "$([ "$before" = "$after" ] && echo unchanged || echo CHANGED)"
printf 'start-up on a %s GiB bundle, until /v2/ answers (median): %s ms\n' "$LARGE_GIB" "$large_ms"
