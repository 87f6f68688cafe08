#!/usr/bin/env bash
# The main job on an embedded default, with no internet: build Airlock, start a CNCF distribution
# registry on loopback, seed it with realistic images (../shared/tools/make-test-images.sh: Debian
# packages as layers, an amd64+arm64 index, a Docker v2s2 manifest), then `connected pull` them all
# into a content store and check the result with skopeo; then pack the store into a bundle, verify it
# offline and push it into a second registry, as the transit zone would.
#
#   scripts/demo.sh [STORE_DIR]        (default: ./out/demo-store)
#
# Env: SIZES="small medium large" (images to build), WORK=/tmp/airlock-demo (scratch, cached debs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
store=${1:-$root/out/demo-store}
WORK=${WORK:-/tmp/airlock-demo}
scripts/install-deps.sh
swift build -c release
bin=$(swift build -c release --show-bin-path)

source scripts/lib/local-registry.sh
start_local_registry
INDEX_TOOL=none seed_test_images

# The bundle manifest of the demo: every image the seeding made, both platforms of the index.
manifest=$WORK/demo-manifest.yaml
cat > "$manifest" <<YML
version: 1
name: demo
images:
$(for s in ${SIZES:-small medium large}; do echo "  - 127.0.0.1:$port/test/$s:1.0"; done)
  - 127.0.0.1:$port/test/medium:1.0-docker
  - ref: 127.0.0.1:$port/test/busybox:multi-manual
    platforms: [linux/amd64, linux/arm64]
YML
echo "==> connected pull -f $manifest --store $store" >&2
"$bin/connected" pull -f "$manifest" --store "$store"

echo "==> checking: digests as the registry serves them, and skopeo reading each OCI image from the store" >&2
accept="application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.list.v2+json,application/vnd.oci.image.manifest.v1+json,application/vnd.docker.distribution.manifest.v2+json"
jq -r '.manifests[] | [.annotations["org.opencontainers.image.ref.name"], .digest, .mediaType] | @tsv' "$store/index.json" |
while IFS=$'\t' read -r ref digest type; do
  repo=${ref#*/}; name=${repo%:*}; tag=${repo##*:}
  served=$(curl -fsSI -H "Accept: $accept" "http://127.0.0.1:$port/v2/$name/manifests/$tag" | tr -d '\r' | awk -F': ' 'tolower($1)=="docker-content-digest"{print $2}')
  [ "$served" = "$digest" ] || { echo "MISMATCH $ref: store $digest, registry $served" >&2; exit 1; }
  case $type in
    application/vnd.oci.*) read_by="skopeo $(skopeo inspect --raw "oci:$store:$ref" | sha256sum | cut -c1-12)";;
    *) read_by="(Docker v2s2: skopeo's oci: transport reads OCI manifests only)";;
  esac
  printf '%-52s %s  %s\n' "$ref" "${digest:0:19}…" "$read_by"
done

# Across the gap: pack the store into a bundle, verify it offline, push it into a second (private) registry.
bundle=$root/out/demo.tar
echo "==> connected pack --store $store -o $bundle" >&2
"$bin/connected" pack --store "$store" -o "$bundle"
echo "==> transit verify $bundle" >&2
"$bin/transit" verify "$bundle"
source_port=$port
start_local_registry
echo "==> transit push $bundle --to 127.0.0.1:$port/private" >&2
"$bin/transit" push "$bundle" --to "127.0.0.1:$port/private"
pushed=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$port/private/test/large:1.0" | jq -r .Digest)
stored=$(jq -r --arg r "127.0.0.1:$source_port/test/large:1.0" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$r)|.digest' "$store/index.json")
[ "$pushed" = "$stored" ] || { echo "private registry serves $pushed, expected $stored" >&2; exit 1; }
echo "==> skopeo reads private/test/large:1.0 from the private registry with its source digest $pushed" >&2
