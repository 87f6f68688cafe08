# Shared by the benchmark scripts: settings, release binaries, timing helpers and local registries.
# Sets: root, WORK, ROUNDS, bin (release binaries). Defines median, timed, start_local_registry and
# seed_test_registry (a registry seeded with the make-test-images set, for the scripts that measure it).
# BIN=/path/to/dir uses the `connected`/`transit` binaries there instead of building (`swift build -c release
# --static-swift-stdlib`), e.g. a baseline build to compare against. Registries stop on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/tmp/airlock-bench}
ROUNDS=${ROUNDS:-3}
mkdir -p "$WORK"

"$root/scripts/install-deps.sh"
if [ -n "${BIN:-}" ]; then
  bin=$(cd "$BIN" && pwd)
  [ -x "$bin/connected" ] && [ -x "$bin/transit" ] || { echo "BIN=$BIN has no connected and transit binaries" >&2; exit 1; }
else
  (cd "$root" && swift build -c release --static-swift-stdlib >&2)
  bin=$(cd "$root" && swift build -c release --static-swift-stdlib --show-bin-path)
fi
echo "binaries: $bin" >&2

source "$root/scripts/lib/local-registry.sh"

# Starts a registry seeded with the make-test-images set; sets port and refs (its image references).
seed_test_registry() {
  start_local_registry
  seed_test_images
  refs=$(awk -v p="127.0.0.1:$port/" 'index($1, p)==1 {print $1}' "$WORK/seed.log")
}

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# runs a command under /usr/bin/time; prints "seconds peak_kib" (seconds to the microsecond: time's own %e has 10 ms steps)
timed() {
  local start end
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$WORK/time.out" "$@" >/dev/null 2>"$WORK/cmd.err" || { cat "$WORK/cmd.err" >&2; return 1; }
  end=$(date +%s%N)
  echo "$(printf '%d.%06d' $(((end - start) / 1000000000)) $(((end - start) / 1000 % 1000000))) $(cat "$WORK/time.out")"
}

# Runs a command with TMPDIR on an empty directory; that directory and /var/tmp (where skopeo 1.9 unpacks archives
# whatever TMPDIR says) are sampled every 10 ms; prints the peak growth in KiB.
peak_tmp() {
  local dir=$WORK/tmpdir peak=0 base used pid
  rm -rf "$dir"; mkdir -p "$dir"
  base=$(du -sck "$dir" /var/tmp 2>/dev/null | tail -1 | cut -f1)
  TMPDIR=$dir "$@" >/dev/null 2>&1 & pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    used=$(( $(du -sck "$dir" /var/tmp 2>/dev/null | tail -1 | cut -f1) - base ))
    [ "$used" -gt "$peak" ] && peak=$used
    sleep 0.01
  done
  wait "$pid"; echo "$peak"
}

# Runs a command and prints the bytes it caused to be written to storage (write_bytes of /proc/PID/io, the
# kernel's own count for the process and all its threads), read every 10 ms until it exits.
disk_written() {
  local pid last=0 now
  "$@" >/dev/null 2> >(cat >"$WORK/cmd.err") & pid=$!   # stderr through a pipe: the file's writes are cat's
  while now=$(awk '/^write_bytes/ {print $2}' "/proc/$pid/io" 2>/dev/null) && [ -n "$now" ]; do
    last=$now
    sleep 0.01
  done
  wait "$pid" || { cat "$WORK/cmd.err" >&2; return 1; }
  echo "$last"
}

# prints "cpu_seconds wall_seconds peak_kib" of a command that must exit 0
cpu() { /usr/bin/time -f '%U %S %e %M' -o "$WORK/time.out" "$@" >/dev/null 2>"$WORK/cmd.err" || { cat "$WORK/cmd.err" >&2; return 1; }
        awk '{printf "%.3f %s %s\n", $1 + $2, $3, $4}' "$WORK/time.out"; }

# Makes COUNT small images in $WORK/store (make-store.py), signs them with a fresh key ($WORK/bench.key, password
# "bench") and packs $WORK/signed.tar; sets refs.
make_signed_bundle() {
  python3 "$root/Benchmarks/make-store.py" "$WORK/store" "$1"
  export COSIGN_PASSWORD=bench
  "$bin/connected" generate-key-pair --output-key-prefix "$WORK/bench" 2>/dev/null
  refs=$(seq 0 $(($1 - 1)) | sed 's|.*|bench.local/sig/app-&:1|')
  "$bin/connected" sign -q --key "$WORK/bench.key" --store "$WORK/store" $refs
  "$bin/connected" pack -q --store "$WORK/store" -o "$WORK/signed.tar"
}
