#!/usr/bin/env bash
# Evidence log overhead: COUNT (default 1000) signed images packed into a bundle, then, ROUNDS times each, alternating:
#   - `transit verify BUNDLE --key` with and without `--evidence FILE` (every blob, manifest, signature and rule a line);
#   - `transit push BUNDLE --key` into a fresh registry, with and without `--evidence FILE`.
# Prints median CPU and wall seconds of each, the overhead in %, lines written, peak RSS.
# BIN=/path/to/dir uses prebuilt release binaries (see common.sh).
WORK=${WORK:-/tmp/airlock-bench-evidence}
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-1000}
rm -rf "$WORK"
source "$(dirname "$0")/common.sh"
make_signed_bundle "$COUNT"

declare -A cpu_t wall_t rss_t
run() {   # name command...: one measured run
  local name=$1; shift
  read -r c w m < <(cpu "$@")
  cpu_t[$name]+="$c "; wall_t[$name]+="$w "; [ "$m" -gt "${rss_t[$name]:-0}" ] && rss_t[$name]=$m
  return 0
}
for _ in $(seq "$ROUNDS"); do
  rm -f "$WORK/verify.jsonl"
  run verify "$bin/transit" verify -q "$WORK/signed.tar" --key "$WORK/bench.pub"
  run verify-evidence "$bin/transit" verify -q "$WORK/signed.tar" --key "$WORK/bench.pub" --evidence "$WORK/verify.jsonl"
  start_local_registry
  run push "$bin/transit" push -q "$WORK/signed.tar" --to "127.0.0.1:$port" --key "$WORK/bench.pub"
  start_local_registry
  rm -f "$WORK/push.jsonl"
  run push-evidence "$bin/transit" push -q "$WORK/signed.tar" --to "127.0.0.1:$port" --key "$WORK/bench.pub" --evidence "$WORK/push.jsonl"
  kill "${registry_pids[@]}" 2>/dev/null || true; registry_pids=()
done
echo "evidence log: $COUNT signed images, $ROUNDS rounds (medians)"
for op in verify push; do
  a=$(median ${cpu_t[$op]}); b=$(median ${cpu_t[$op-evidence]}); wa=$(median ${wall_t[$op]}); wb=$(median ${wall_t[$op-evidence]})
  lines=$(wc -l < "$WORK/$op.jsonl")
  echo "transit $op --key: $a s CPU, $wa s wall, peak RSS $((${rss_t[$op]}/1024)) MiB"
  echo "transit $op --key --evidence: $b s CPU, $wb s wall, peak RSS $((${rss_t[$op-evidence]}/1024)) MiB, $lines lines ($(( $(stat -c %s "$WORK/$op.jsonl") / 1024 )) KiB)"
  awk -v a="$a" -v b="$b" -v wa="$wa" -v wb="$wb" -v n="$lines" 'BEGIN { printf "  overhead: %+.1f %% CPU, %+.1f %% wall (%.0f µs CPU per line)\n", (b - a) / a * 100, (wb - wa) / wa * 100, (b - a) / n * 1e6 }'
done
