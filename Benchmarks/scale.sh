#!/usr/bin/env bash
# Scale benchmark: many small images, where per-image and per-request costs dominate, not bytes. For each N in
# COUNTS (default "300 1000"), Benchmarks/make-store.py writes a content store of N images (distinct configs, one
# shared 1 KiB layer; references bench.local/sig/app-0:1 … app-(N-1):1, each its own repository), and
# `connected pack` bundles it. Then, in the same run, ROUNDS (default 3) times each:
#   - PUSH into a fresh, empty docker-registry: `transit push BUNDLE --to 127.0.0.1:PORT/scale` (one command) versus
#     skopeo image by image (`skopeo copy --all oci:STORE:REF docker://127.0.0.1:PORT/scale/sig/app-K:1`).
#     skopeo reads the content store, an OCI layout, directly: fairer than push.sh's oci-archive:BUNDLE, which
#     would unpack the whole bundle into /var/tmp once per image.
#   - PULL from one registry seeded once (by `transit push`) into a fresh directory: `connected pull --store DIR
#     REF…` (one command, all N references on its command line: about 45 bytes each, far below ARG_MAX) versus
#     skopeo image by image (`skopeo copy --all docker://REF oci:LAYOUT:app-K:1`) into one layout, so both
#     deduplicate the shared layer. Both stores must end with the same manifest digests.
# skopeo runs with --preserve-digests: without it, it gzips the uncompressed layer and rewrites every manifest (more
# work, other digests); with it, both tools copy the same bytes and the two pulls must store the same digests.
# skopeo's N copies run in one `bash` loop timed as a whole (no per-image timing overhead); its peak RSS is the
# largest single copy's (wait4 reports the largest descendant). Every timed run starts after `sync`.
# Prints, per N and direction, median wall seconds, milliseconds per image, peak RSS and the speed-up.
# BIN=/path/to/dir uses prebuilt release binaries instead of building (see common.sh); WORK, ROUNDS, COUNTS.
WORK=${WORK:-/tmp/airlock-bench-scale}
source "$(dirname "$0")/common.sh"
COUNTS=${COUNTS:-300 1000}

# the per-image skopeo loop, run as one timed process: bash -c "$skopeo_each" _ SRC-PREFIX DEST-PREFIX SUFFIX…
skopeo_each='src=$1 dest=$2; shift 2; for s in "$@"; do skopeo copy -q --all --preserve-digests --src-tls-verify=false --dest-tls-verify=false "$src$s" "$dest$s" || exit 1; done'
# largest of two KiB counts
max() { [ "$1" -gt "$2" ] && echo "$1" || echo "$2"; }
# the sorted manifest digests of an OCI layout
digests() { jq -r '.manifests[].digest' "$1/index.json" | sort; }
# a table row without its RSS column: "N direction tool median ms/image"; args: direction, tool, times… (uses n)
row() {
  local m; m=$(median "${@:3}")
  printf '%6d  %-4s  %-22s %9.3f %9.2f' "$n" "$1" "$2" "$m" "$(echo "$m * 1000 / $n" | bc -l)"
}

rows=()
for n in $COUNTS; do
  store=$WORK/run-store-$n bundle=$WORK/run-$n.tar
  rm -rf "$store" "$bundle"
  python3 "$root/Benchmarks/make-store.py" "$store" "$n"
  "$bin/connected" pack -q --store "$store" -o "$bundle"
  paths=$(seq 0 $((n - 1)) | sed 's|.*|sig/app-&:1|')   # REGISTRY/ stripped, as transit push maps them
  echo "scale: $n images, bundle $(($(stat -c %s "$bundle") / 1024)) KiB" >&2

  push_t=(); skopeo_push_t=(); push_rss=0; skopeo_push_rss=0
  pull_t=(); skopeo_pull_t=(); pull_rss=0; skopeo_pull_rss=0
  for round in $(seq "$ROUNDS"); do
    start_local_registry; sync
    read -r t rss < <(timed "$bin/transit" push -q "$bundle" --to "127.0.0.1:$port/scale")
    push_t+=("$t"); push_rss=$(max "$rss" "$push_rss")

    start_local_registry; sync
    read -r t rss < <(timed bash -c "$skopeo_each" _ "oci:$store:bench.local/" "docker://127.0.0.1:$port/scale/" $paths)
    skopeo_push_t+=("$t"); skopeo_push_rss=$(max "$rss" "$skopeo_push_rss")
    echo "N=$n round $round push: transit ${push_t[-1]} s, skopeo ${skopeo_push_t[-1]} s" >&2
  done

  start_local_registry   # the pull source, seeded once
  "$bin/transit" push -q "$bundle" --to "127.0.0.1:$port/scale"
  refs=$(for p in $paths; do echo "127.0.0.1:$port/scale/$p"; done)
  for round in $(seq "$ROUNDS"); do
    rm -rf "$WORK/run-pull-airlock" "$WORK/run-pull-skopeo"; sync
    read -r t rss < <(timed "$bin/connected" pull -q --store "$WORK/run-pull-airlock" $refs)
    pull_t+=("$t"); pull_rss=$(max "$rss" "$pull_rss")

    sync
    read -r t rss < <(timed bash -c "$skopeo_each" _ "docker://127.0.0.1:$port/scale/sig/" "oci:$WORK/run-pull-skopeo:" $(seq 0 $((n - 1)) | sed 's|.*|app-&:1|'))
    skopeo_pull_t+=("$t"); skopeo_pull_rss=$(max "$rss" "$skopeo_pull_rss")
    echo "N=$n round $round pull: connected ${pull_t[-1]} s, skopeo ${skopeo_pull_t[-1]} s" >&2
  done
  # Both stores must hold the same manifests.
  [ "$(digests "$WORK/run-pull-airlock" | wc -l)" -eq "$n" ] || { echo "connected pull stored $(digests "$WORK/run-pull-airlock" | wc -l) of $n manifests" >&2; exit 1; }
  cmp -s <(digests "$WORK/run-pull-airlock") <(digests "$WORK/run-pull-skopeo") || { echo "the two pulls stored different manifests" >&2; exit 1; }

  p=$(median "${push_t[@]}"); sp=$(median "${skopeo_push_t[@]}"); l=$(median "${pull_t[@]}"); sl=$(median "${skopeo_pull_t[@]}")
  rows+=("$(row push "transit push" "${push_t[@]}") $(printf '%6d MiB' $((push_rss / 1024)))")
  rows+=("$(row push "skopeo copy per image" "${skopeo_push_t[@]}") $(printf '%6d MiB   %.2fx' $((skopeo_push_rss / 1024)) "$(echo "$sp / $p" | bc -l)")")
  rows+=("$(row pull "connected pull" "${pull_t[@]}") $(printf '%6d MiB' $((pull_rss / 1024)))")
  rows+=("$(row pull "skopeo copy per image" "${skopeo_pull_t[@]}") $(printf '%6d MiB   %.2fx' $((skopeo_pull_rss / 1024)) "$(echo "$sl / $l" | bc -l)")")
  rm -rf "$store" "$bundle" "$WORK"/run-pull-*
done

printf '\nscale: %s round(s), medians; speed-up = skopeo / Airlock\n' "$ROUNDS"
printf '%6s  %-4s  %-22s %9s %9s %10s   %s\n' images dir tool "median s" "ms/image" "peak RSS" speed-up
printf '%s\n' "${rows[@]}"
