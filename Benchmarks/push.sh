#!/usr/bin/env bash
# Push and verify benchmark. The make-test-images set is bundled once (`connected bundle`), then, in the same
# run, ROUNDS times each into fresh, empty registries:
#   - `transit push BUNDLE --to …` (one command, all images) versus skopeo (`skopeo copy --all
#     oci-archive:BUNDLE:REF docker://…` per image);
#   - `transit verify BUNDLE` throughput versus the SHA-256 limit: `openssl speed -evp sha256` × cores.
# Prints median times, ratios and peak RSS. Every timed run starts after `sync`, so no earlier round's writes land
# on it.
# BIN=/path/to/dir uses prebuilt release binaries instead of building (see common.sh).
source "$(dirname "$0")/common.sh"
seed_test_registry
source_port=$port
bundle=$WORK/bench.tar
rm -f "$bundle"
"$bin/connected" bundle -q -o "$bundle" $refs
bytes=$(stat -c %s "$bundle")
echo "bundle: $(echo $refs | wc -w) images, $((bytes/1048576)) MiB" >&2
# skopeo's oci-archive transport reads OCI manifests only: it skips the Docker v2s2 images (less work for it).
oci_refs=$(tar -xOf "$bundle" index.json | jq -r '.manifests[] | select(.mediaType | startswith("application/vnd.oci")) | .annotations["org.opencontainers.image.ref.name"]')
echo "skopeo copies $(echo $oci_refs | wc -w) of them (OCI manifests only)" >&2

push_t=(); again_t=(); again_up=(); skopeo_t=(); push_rss=0; skopeo_rss=0
for round in $(seq "$ROUNDS"); do
  start_local_registry
  sync   # each timed run starts with no earlier writes pending, for either tool
  read -r t rss < <(timed "$bin/transit" push -q "$bundle" --to "127.0.0.1:$port/bench")
  push_t+=("$t"); [ "$rss" -gt "$push_rss" ] && push_rss=$rss
  again=$("$bin/transit" push --json "$bundle" --to "127.0.0.1:$port/bench")   # the same bundle again
  again_t+=("$(echo "$again" | jq .seconds)"); again_up+=("$(echo "$again" | jq .blobsUploaded)")

  start_local_registry
  sync
  start=$(date +%s.%N)
  for ref in $oci_refs; do
    path=${ref#*/}
    read -r _ rss < <(timed skopeo copy -q --all --dest-tls-verify=false "oci-archive:$bundle:$ref" "docker://127.0.0.1:$port/bench/$path")
    [ "$rss" -gt "$skopeo_rss" ] && skopeo_rss=$rss
  done
  skopeo_t+=("$(echo "$(date +%s.%N) - $start" | bc)")
  echo "round $round: transit push ${push_t[-1]} s, skopeo ${skopeo_t[-1]} s" >&2
done

# Temporary disk: each tool runs once more with TMPDIR on an empty directory (peak_tmp, common.sh).
start_local_registry
tmp_airlock=$(peak_tmp "$bin/transit" push -q "$bundle" --to "127.0.0.1:$port/bench")
largest_ref=$(tar -xOf "$bundle" index.json | jq -r '.manifests[] | select(.mediaType | startswith("application/vnd.oci")) | .annotations["org.opencontainers.image.ref.name"]' | grep large | head -1)
start_local_registry
tmp_skopeo=$(peak_tmp skopeo copy -q --all --dest-tls-verify=false "oci-archive:$bundle:$largest_ref" "docker://127.0.0.1:$port/bench/large")

verify_t=(); verify_own=(); verify_rss=0
for round in $(seq "$ROUNDS"); do
  read -r t rss < <(timed "$bin/transit" verify -q "$bundle")
  verify_t+=("$t"); [ "$rss" -gt "$verify_rss" ] && verify_rss=$rss
  verify_own+=("$("$bin/transit" verify --json "$bundle" | jq .seconds)")   # open + index + verify, no process start-up
done
cores=$(nproc)
sha_kib=$(openssl speed -evp sha256 -bytes 1048576 -seconds 2 2>/dev/null | awk '/^sha256/ {print $NF}' | tr -d k)
limit=$(echo "$sha_kib * 1000 / 1048576 * $cores" | bc -l)   # MiB/s across all cores

p=$(median "${push_t[@]}"); s=$(median "${skopeo_t[@]}"); v=$(median "${verify_t[@]}"); o=$(median "${verify_own[@]}")
vrate=$(echo "$bytes/1048576/$v" | bc -l); orate=$(echo "$bytes/1048576/$o" | bc -l)
printf '\n%-34s %10s %10s\n' "" "median s" "peak RSS"
printf '%-34s %10.3f %7d MiB\n' "transit push" "$p" $((push_rss/1024))
printf '%-34s %10.3f %7d MiB\n' "skopeo copy oci-archive (per image)" "$s" $((skopeo_rss/1024))
printf 'push speed-up: %.2fx\n' "$(echo "$s/$p" | bc -l)"
printf 'temporary disk, peak: transit push %d KiB; skopeo copy of the largest image %d KiB\n' "$tmp_airlock" "$tmp_skopeo"
printf 'second push of the same bundle: median %.3f s, blobs uploaded: %s\n' "$(median "${again_t[@]}")" "${again_up[*]}"
printf '%-34s %10.3f %7d MiB   %.0f MiB/s\n' "transit verify" "$v" $((verify_rss/1024)) "$vrate"
printf '%-34s %10.3f              %.0f MiB/s (as the command measures itself: without process start-up)\n' "transit verify (own timing)" "$o" "$orate"
printf 'SHA-256 limit: %.0f MiB/s (openssl speed × %d cores); verify reaches %.0f%% (wall clock), %.0f%% (own timing)\n' \
  "$limit" "$cores" "$(echo "100*$vrate/$limit" | bc -l)" "$(echo "100*$orate/$limit" | bc -l)"
