#!/usr/bin/env bash
# The main job on an embedded default, with no internet: build Airlock, start a CNCF distribution
# registry on loopback, seed it with realistic images (../shared/tools/make-test-images.sh: Debian
# packages as layers, an amd64+arm64 index, a Docker v2s2 manifest), then `connected pull` them all
# into a content store and check the result with skopeo.
#
#   scripts/demo.sh [STORE_DIR]        (default: ./out/demo-store)
#
# Env: SIZES="small medium large" (images to build), WORK=/tmp/airlock-demo (scratch, cached debs).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
store=${1:-$root/out/demo-store}
WORK=${WORK:-/tmp/airlock-demo}
images_script=${AIRLOCK_IMAGES_SCRIPT:-$root/../shared/tools/make-test-images.sh}
[ -f "$images_script" ] || { echo "demo: $images_script not found (set AIRLOCK_IMAGES_SCRIPT)" >&2; exit 1; }

scripts/install-deps.sh
swift build -c release
bin=$(swift build -c release --show-bin-path)

# A registry on a free loopback port, stopped when this script exits.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$WORK"
cat > "$WORK/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry-$port}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
registry_pid=$!
trap 'kill $registry_pid 2>/dev/null; rm -rf "$WORK/registry-$port"' EXIT
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done

echo "==> seeding 127.0.0.1:$port with test images" >&2
REGISTRY=127.0.0.1:$port WORK=$WORK START_REGISTRY=0 INDEX_TOOL=none bash "$images_script" >"$WORK/seed.log" 2>&1 \
  || { tail -20 "$WORK/seed.log" >&2; exit 1; }

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
