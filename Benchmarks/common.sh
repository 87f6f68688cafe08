# Shared by the benchmark scripts: a registry on a free loopback port, seeded with the test image set.
# Sets: port, registry_pid, refs (the image references), bin (release binaries). Cleans up on exit.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
WORK=${WORK:-/tmp/airlock-bench}
images_script=${AIRLOCK_IMAGES_SCRIPT:-$root/../shared/tools/make-test-images.sh}
ROUNDS=${ROUNDS:-3}
mkdir -p "$WORK"

"$root/scripts/install-deps.sh"
(cd "$root" && swift build -c release >&2)
bin=$(cd "$root" && swift build -c release --show-bin-path)

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$WORK/registry.yml" <<YML
version: 0.1
log: {level: warn}
storage: {filesystem: {rootdirectory: $WORK/registry-$port}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
docker-registry serve "$WORK/registry.yml" > "$WORK/registry.log" 2>&1 &
registry_pid=$!
cleanup() { kill $registry_pid 2>/dev/null || true; rm -rf "$WORK/registry-$port" "$WORK"/run-*; }
trap cleanup EXIT
for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && break; sleep 0.1; done
echo "==> seeding 127.0.0.1:$port (make-test-images.sh)" >&2
REGISTRY=127.0.0.1:$port WORK=$WORK START_REGISTRY=0 bash "$images_script" > "$WORK/seed.log" 2>&1 \
  || { tail -20 "$WORK/seed.log" >&2; exit 1; }
refs=$(awk -v p="127.0.0.1:$port/" 'index($1, p)==1 {print $1}' "$WORK/seed.log")

# median of the numbers given as arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# runs a command under /usr/bin/time; prints "seconds peak_kib"
timed() { /usr/bin/time -f '%e %M' -o "$WORK/time.out" "$@" >/dev/null 2>"$WORK/cmd.err" || { cat "$WORK/cmd.err" >&2; return 1; }; cat "$WORK/time.out"; }
