#!/usr/bin/env bash
# Signature verification benchmark: COUNT (default 1000) images, each signed with `connected sign`, packed
# into a bundle; then `transit verify BUNDLE --key` (every blob hashed and every signature checked) versus
# `transit verify BUNDLE` (blobs only). The difference is the CPU the signature checks cost.
# Then the same images signed keyless (Tests/Peers/keyless-pki.py's test Sigstore: a Fulcio-shaped leaf per
# signature, a Rekor SET) and `transit verify --certificate-identity … --trusted-root …`: chain, SET, body, identity.
# Prints median CPU seconds (user + system) of each, the per-signature cost, and peak RSS.
# BIN=/path/to/dir uses prebuilt release binaries (see common.sh).
WORK=${WORK:-/tmp/airlock-bench-signatures}
ROUNDS=${ROUNDS:-5}
COUNT=${COUNT:-1000}
rm -rf "$WORK"
source "$(dirname "$0")/common.sh"   # starts no registry here
trap 'rm -rf "$WORK"' EXIT
make_signed_bundle "$COUNT"

with=(); without=(); with_wall=(); rss=0
for _ in $(seq "$ROUNDS"); do
  read -r c w m < <(cpu "$bin/transit" verify -q "$WORK/signed.tar" --key "$WORK/bench.pub"); with+=("$c"); with_wall+=("$w")
  [ "$m" -gt "$rss" ] && rss=$m
  read -r c _ _ < <(cpu "$bin/transit" verify -q "$WORK/signed.tar"); without+=("$c")
done
a=$(median "${with[@]}"); b=$(median "${without[@]}"); w=$(median "${with_wall[@]}")
echo "signatures: $COUNT images, each with one cosign signature, $ROUNDS rounds (medians)"
echo "transit verify --key: $a s CPU ($w s wall), peak RSS $((rss/1024)) MiB"
echo "transit verify (blobs only): $b s CPU"
awk -v a="$a" -v b="$b" -v n="$COUNT" 'BEGIN { printf "signature checks: %.3f s CPU for %d signatures (%.0f µs each)\n", a - b, n, (a - b) / n * 1e6 }'

# Keyless: the same images, each with a keyless .sig (own leaf certificate, SET), verified against a trusted root.
identity=https://ci.bench.local/release
issuer=https://token.bench.local
rm -rf "$WORK/store"
python3 "$root/Benchmarks/make-store.py" "$WORK/store" "$COUNT"
python3 "$root/Tests/Peers/keyless-pki.py" init "$WORK/pki"
python3 "$root/Benchmarks/keyless-sign-store.py" "$WORK/store" "$WORK/pki" "$identity" "$issuer"
"$bin/connected" pack -q --store "$WORK/store" -o "$WORK/keyless.tar"
keyless=(); plain=(); keyless_wall=()
for _ in $(seq "$ROUNDS"); do
  read -r c w _ < <(cpu taskset -c 0 "$bin/transit" verify -q "$WORK/keyless.tar" --certificate-identity "$identity" \
                      --certificate-oidc-issuer "$issuer" --trusted-root "$WORK/pki/trusted_root.json"); keyless+=("$c"); keyless_wall+=("$w")
  read -r c _ _ < <(cpu taskset -c 0 "$bin/transit" verify -q "$WORK/keyless.tar"); plain+=("$c")
done
k=$(median "${keyless[@]}"); p=$(median "${plain[@]}"); kw=$(median "${keyless_wall[@]}")
echo "transit verify --certificate-identity (keyless, one core): $k s CPU ($kw s wall)"
echo "transit verify (blobs only, one core): $p s CPU"
awk -v a="$k" -v b="$p" -v n="$COUNT" 'BEGIN { printf "keyless checks (chain, SET, body, identity): %.3f s CPU for %d signatures (%.0f µs each)\n", a - b, n, (a - b) / n * 1e6 }'
