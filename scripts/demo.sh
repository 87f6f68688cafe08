#!/usr/bin/env bash
# The main job on an embedded default, with no internet: build Airlock, start a CNCF distribution
# registry on loopback, seed it with realistic images (../shared/tools/make-test-images.sh: Debian
# packages as layers, an amd64+arm64 index, a Docker v2s2 manifest), then `connected pull` them all
# into a content store and check the result with skopeo; then pack the store into a bundle, verify it
# offline and push it into a second registry, as the transit zone would. Signatures travel too: a release
# key signs every image in the store and the bundle itself; transit checks both before pushing and countersigns
# each image with a site key, which `airgap verify` then accepts against the private registry. Last,
# `airgap serve` serves the bundle in place, as a site with no registry yet would, and skopeo reads from it.
#
#   scripts/demo.sh [STORE_DIR]        (default: ./out/demo-store)
#
# Env: SIZES="small medium large" (images to build), WORK=/tmp/airlock-demo (scratch, cached debs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
store=${1:-$root/out/demo-store}
[ $# -eq 0 ] && rm -rf "$store"   # the default store starts empty: its references name this run's registry port
WORK=${WORK:-/tmp/airlock-demo}
scripts/install-deps.sh
swift build -c release --static-swift-stdlib
bin=$(swift build -c release --static-swift-stdlib --show-bin-path)

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

# Sign every image of the store with a release key (cosign's formats; the password as cosign reads it).
export COSIGN_PASSWORD=${COSIGN_PASSWORD-demo}
keys=$root/out/keys
mkdir -p "$keys"
for name in release site; do "$bin/connected" generate-key-pair --output-key-prefix "$keys/$name" --force; done
images=$(jq -r '.manifests[] | select(.annotations["dev.airlock.kind"]=="image") | .annotations["org.opencontainers.image.ref.name"]' "$store/index.json")
echo "==> connected sign --key $keys/release.key --store $store (every image)" >&2
"$bin/connected" sign --key "$keys/release.key" --store "$store" $images

# Across the gap: pack the store into a signed bundle, verify it offline, push it into a second (private) registry.
bundle=$root/out/demo.tar
echo "==> connected pack --store $store -o $bundle --sign-key $keys/release.key" >&2
"$bin/connected" pack --store "$store" -o "$bundle" --sign-key "$keys/release.key"
echo "==> transit verify $bundle --key $keys/release.pub --bundle-key $keys/release.pub" >&2
"$bin/transit" verify "$bundle" --key "$keys/release.pub" --bundle-key "$keys/release.pub"
source_port=$port
start_local_registry
echo "==> transit push $bundle --to 127.0.0.1:$port/private --key … --bundle-key … --sign-key $keys/site.key" >&2
"$bin/transit" push "$bundle" --to "127.0.0.1:$port/private" --key "$keys/release.pub" --bundle-key "$keys/release.pub" \
  --sign-key "$keys/site.key"
echo "==> airgap verify --key $keys/site.pub 127.0.0.1:$port/private/test/large:1.0" >&2
"$bin/airgap" verify --key "$keys/site.pub" "127.0.0.1:$port/private/test/large:1.0"
pushed=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$port/private/test/large:1.0" | jq -r .Digest)
stored=$(jq -r --arg r "127.0.0.1:$source_port/test/large:1.0" '.manifests[]|select(.annotations["org.opencontainers.image.ref.name"]==$r)|.digest' "$store/index.json")
[ "$pushed" = "$stored" ] || { echo "private registry serves $pushed, expected $stored" >&2; exit 1; }
echo "==> skopeo reads private/test/large:1.0 from the private registry with its source digest $pushed" >&2

# No registry inside yet? `airgap serve` serves the bundle itself, read-only and in place.
serve_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
echo "==> airgap serve --bundle $bundle --listen 127.0.0.1:$serve_port" >&2
"$bin/airgap" serve --bundle "$bundle" --listen "127.0.0.1:$serve_port" > "$root/out/serve.log" 2>&1 &
serve_pid=$!
registry_pids+=("$serve_pid")
for _ in $(seq 100); do curl -fsS -o /dev/null "http://127.0.0.1:$serve_port/v2/" 2>/dev/null && break; sleep 0.1; done
served=$(skopeo inspect --tls-verify=false "docker://127.0.0.1:$serve_port/test/large:1.0" | jq -r .Digest)
[ "$served" = "$stored" ] || { echo "airgap serve serves $served, expected $stored" >&2; exit 1; }
"$bin/airgap" verify --key "$keys/release.pub" --identity digest "127.0.0.1:$serve_port/test/large:1.0" > /dev/null
echo "==> skopeo and airgap verify read test/large:1.0 from airgap serve (the bundle in place) with digest $served" >&2
