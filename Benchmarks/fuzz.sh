#!/usr/bin/env bash
# Runs one libFuzzer target for SECONDS:  Benchmarks/fuzz.sh TARGET SECONDS [libFuzzer flags...]
#
# Builds the fuzz executables (FuzzParsers, FuzzServer; they exist only when AIRLOCK_FUZZ is set) with
# -sanitize=fuzzer,address into .build-fuzz, so the ordinary build is untouched. The corpus starts from seeds
# taken from ../shared/fixtures and Tests/Fixtures and grows in .build-fuzz/corpus/TARGET; a crash, hang (10 s
# per input) or allocation over 512 MiB is written to .build-fuzz/findings/TARGET/ and the script exits non-zero.
# `Benchmarks/fuzz.sh list` names the targets; `Benchmarks/fuzz.sh build` builds both executables, after which
# AIRLOCK_FUZZ_BUILT=1 skips the (no-op) build before each run (scripts/fuzz-ci.sh runs every target that way).
set -euo pipefail
cd "$(dirname "$0")/.."

parsers="tar manifest layout-index reference bundle-record bundle-parts bundle-manifest lock simple-signing
cosign-key sigstore-bundle dsse trusted-root auth-challenge chart-index chart-archive"
server="route range"
scratch=.build-fuzz
build() {
    AIRLOCK_FUZZ=1 swift build --scratch-path "$scratch" --product "$1" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld \
        2>&1 | grep -v "Cannot export local symbol" >&2
}
if [[ ${1:-} == list ]]; then echo $parsers $server; exit 0; fi
if [[ ${1:-} == build ]]; then build FuzzParsers; build FuzzServer; exit 0; fi
target=${1:?usage: fuzz.sh TARGET SECONDS [libFuzzer flags...] (fuzz.sh list names the targets)}
seconds=${2:?usage: fuzz.sh TARGET SECONDS}
shift 2
if [[ " $(echo $parsers) " == *" $target "* ]]; then product=FuzzParsers
elif [[ " $server " == *" $target "* ]]; then product=FuzzServer
else echo "fuzz.sh: unknown target $target; one of: $(echo $parsers $server)" >&2; exit 64; fi

[[ -n ${AIRLOCK_FUZZ_BUILT:-} ]] || build "$product"
binary="$scratch/debug/$product"

fixtures=(Tests/Fixtures)
[[ -d ../shared/fixtures ]] && fixtures+=(../shared/fixtures)
seeds="$scratch/seeds/$target"
rm -rf "$seeds"; mkdir -p "$seeds" "$scratch/corpus/$target" "$scratch/findings/$target"
seed() { cat > "$seeds/new"; mv "$seeds/new" "$seeds/$(sha1sum < "$seeds/new" | cut -c1-16)"; }   # one seed from stdin
seed_files() { while IFS= read -r -d "" f; do if [[ $(stat -c %s "$f") -le 262144 ]]; then seed < "$f"; fi; done; }
json_blobs() { find "${fixtures[@]}" -path '*blobs/sha256/*' -type f -size -256k -print0 | while IFS= read -r -d '' f; do
    if head -c1 "$f" | grep -q '{'; then printf '%s\0' "$f"; fi; done; }
case $target in
    tar)
        find "${fixtures[@]}" -name '*.tgz' -size -256k -print0 | while IFS= read -r -d '' f; do gzip -dc "$f" 2>/dev/null | seed || true; done
        for layout in Tests/Fixtures/oci/*/; do tar --format=posix -cf - -C "$layout" . | head -c 262144 | seed; done ;;
    manifest) json_blobs | seed_files ;;
    layout-index) find "${fixtures[@]}" -name index.json -print0 | seed_files ;;
    reference)
        for r in nginx docker.io/library/nginx:1.27.2 ghcr.io/org/app@sha256:$(printf '%064d' 0) localhost:5000/a/b:c \
                 quay.io/x/y:tag@sha256:$(printf 'a%.0s' {1..64}) sha256:$(printf '%064d' 1) '[::1]:5000/repo:v1'; do
            printf '%s' "$r" | seed; done ;;
    bundle-record)
        printf '{"tool":"airlock 1.0","manifest":"m.yaml","artifacts":[{"kind":"image","reference":"docker.io/library/nginx:1","digest":"sha256:%064d","mediaType":"application/vnd.oci.image.index.v1+json","size":1}],"blobCount":1,"blobBytes":1}' 0 | seed ;;
    bundle-parts)
        printf '{"parts":[{"name":"b.tar.000","size":10,"sha256":"sha256:%064d"}],"totalSize":10,"sha256":"sha256:%064d"}' 0 1 | seed ;;
    bundle-manifest) find Manifests "${fixtures[@]}" -name '*.yaml' -size -256k -print0 | seed_files ;;
    lock)
        printf 'version: %s\nimages:\n  - ref: docker.io/library/nginx:1\n    digest: sha256:%064d\n    platforms:\n      linux/amd64: sha256:%064d\ncharts:\n  - source: "https://charts.example"\n    ref: charts/nginx:1.0.0\n    version: "1.0.0"\n    digest: sha256:%064d\n' \
            "$(grep -o 'supportedVersion = [0-9]*' Sources/Pipeline/LockFile.swift | grep -o '[0-9]*$')" 0 1 2 | seed ;;
    simple-signing|dsse) json_blobs | seed_files ;;
    cosign-key) find "${fixtures[@]}" \( -name '*.key' -o -name '*.pub' -o -name '*.pem' \) -print0 | seed_files ;;
    sigstore-bundle) find "${fixtures[@]}" -name '*.sigstore.json' -print0 | seed_files ;;
    trusted-root) find "${fixtures[@]}" -name 'trusted_root.json' -print0 | seed_files ;;
    auth-challenge)
        for c in 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"' \
                 'Basic realm="registry"' 'Bearer realm="http://127.0.0.1:1/t", error="invalid_token", Basic realm=x'; do
            printf '%s' "$c" | seed; done ;;
    chart-index) find "${fixtures[@]}" -name 'index.yaml' -size -256k -print0 | seed_files ;;
    chart-archive) find "${fixtures[@]}" -name '*.tgz' -size -256k -print0 | seed_files ;;
    route)
        for p in /v2/ /v2/_catalog /v2/a/b/tags/list /v2/library/nginx/manifests/1.27 /v2/x/blobs/sha256:$(printf '%064d' 0) \
                 /v2/x/blobs/uploads/ /v2/x/blobs/uploads/0f3c /v2/x/referrers/sha256:$(printf '%064d' 0) '/v2/a%2Fb/manifests/t'; do
            printf '%s' "$p" | seed; done ;;
    range)
        for h in 'bytes=0-99' 'bytes=-5' 'bytes=10-' '0-1023' 'bytes 0-1023/4096'; do
            { printf '\0\0\0\0\0\0\x10\0'; printf '%s' "$h"; } | seed; done ;;
esac
[[ $target == dsse ]] && find "${fixtures[@]}" -name '*.sigstore.json' -print0 | seed_files

echo "fuzz.sh: $target ($product), $(ls "$seeds" | wc -l) seeds, $seconds s" >&2
AIRLOCK_FUZZ_TARGET=$target exec "$binary" "$scratch/corpus/$target" "$seeds" \
    -max_total_time="$seconds" -timeout=10 -malloc_limit_mb=512 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$scratch/findings/$target/" "$@"
