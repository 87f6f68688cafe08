#!/usr/bin/env bash
# Pull benchmark: the make-test-images set (small, medium, large, Docker v2s2, arm64, three indexes)
# pulled from one local CNCF distribution registry by `connected pull` (one command, all images)
# and by skopeo (one `skopeo copy --all docker://… oci:…` per image into one layout, so both
# deduplicate shared blobs), in the same run, ROUNDS times each, alternating. Prints median wall
# times, the ratio and peak RSS.
# BIN=/path/to/dir uses prebuilt release binaries instead of building (see common.sh).
source "$(dirname "$0")/common.sh"
seed_test_registry

echo "images: $(echo $refs | wc -w) — $refs" | sed "s# 127.0.0.1:$port/# #g" >&2
airlock_t=(); skopeo_t=(); airlock_rss=0; skopeo_rss=0
for round in $(seq "$ROUNDS"); do
  rm -rf "$WORK/run-airlock"
  read -r t rss < <(timed "$bin/connected" pull -q --store "$WORK/run-airlock" $refs)
  airlock_t+=("$t"); [ "$rss" -gt "$airlock_rss" ] && airlock_rss=$rss

  rm -rf "$WORK/run-skopeo"
  start=$(date +%s.%N)
  for ref in $refs; do
    read -r _ rss < <(timed skopeo copy -q --all --src-tls-verify=false "docker://$ref" "oci:$WORK/run-skopeo:${ref##*/}")
    [ "$rss" -gt "$skopeo_rss" ] && skopeo_rss=$rss
  done
  skopeo_t+=("$(echo "$(date +%s.%N) - $start" | bc)")
  echo "round $round: airlock ${airlock_t[-1]} s, skopeo ${skopeo_t[-1]} s" >&2
done

# Both stores must hold the same manifests.
for ref in $refs; do
  a=$(jq -r --arg r "$ref" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$r)|.digest' "$WORK/run-airlock/index.json")
  s=$(jq -r --arg r "${ref##*/}" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$r)|.digest' "$WORK/run-skopeo/index.json")
  [ "$a" = "$s" ] || echo "note: $ref differs (airlock $a, skopeo $s)" >&2
done

a=$(median "${airlock_t[@]}"); s=$(median "${skopeo_t[@]}")
bytes=$(du -sb "$WORK/run-airlock/blobs" | cut -f1)
printf '\n%-28s %10s %12s %14s\n' "pull ($(echo $refs | wc -w) images, $((bytes/1048576)) MiB)" "median s" "peak RSS" "throughput"
printf '%-28s %10.3f %9d MiB %10.0f MiB/s\n' "connected pull" "$a" $((airlock_rss/1024)) "$(echo "$bytes/1048576/$a" | bc -l)"
printf '%-28s %10.3f %9d MiB %10.0f MiB/s\n' "skopeo copy (per image)" "$s" $((skopeo_rss/1024)) "$(echo "$bytes/1048576/$s" | bc -l)"
printf 'speed-up: %.2fx\n' "$(echo "$s/$a" | bc -l)"
