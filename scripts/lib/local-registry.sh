# Sourced by the demo and the benchmarks: starts a CNCF distribution registry on a free loopback port.
# Needs WORK (a scratch directory). Sets `port` and `registry_pid`; the registry stops when the shell exits.
start_local_registry() {
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
  trap 'kill $registry_pid 2>/dev/null || true; rm -rf "$WORK/registry-$port" "$WORK"/run-*' EXIT
  for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the registry did not start:" >&2; cat "$WORK/registry.log" >&2; return 1
}

# Seeds 127.0.0.1:$port with ../shared/tools/make-test-images.sh (or $AIRLOCK_IMAGES_SCRIPT); its summary
# goes to $WORK/seed.log. Extra environment (SIZES, INDEX_TOOL, …) passes through.
seed_test_images() {
  local script=${AIRLOCK_IMAGES_SCRIPT:-$root/../shared/tools/make-test-images.sh}
  [ -f "$script" ] || { echo "$script not found (set AIRLOCK_IMAGES_SCRIPT)" >&2; return 1; }
  echo "==> seeding 127.0.0.1:$port with test images" >&2
  REGISTRY=127.0.0.1:$port WORK=$WORK START_REGISTRY=0 bash "$script" > "$WORK/seed.log" 2>&1 \
    || { tail -20 "$WORK/seed.log" >&2; return 1; }
}
