# Sourced by the demo and the benchmarks: CNCF distribution registries on free loopback ports.
# Needs WORK (a scratch directory). Every registry started here stops when the shell exits.
registry_pids=()
trap 'for p in "${registry_pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"/registry-* "$WORK"/run-*' EXIT

# Starts a registry with empty storage; sets `port` (and appends its pid to registry_pids).
start_local_registry() {
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  mkdir -p "$WORK"
  cat > "$WORK/registry-$port.yml" <<YML
version: 0.1
log: {level: ${REGISTRY_LOG_LEVEL:-warn}}
storage: {filesystem: {rootdirectory: $WORK/registry-$port}, delete: {enabled: true}}
http: {addr: 127.0.0.1:$port}
YML
  docker-registry serve "$WORK/registry-$port.yml" > "$WORK/registry-$port.log" 2>&1 &
  registry_pids+=($!)
  for _ in $(seq 50); do curl -fsS "http://127.0.0.1:$port/v2/" >/dev/null 2>&1 && return 0; sleep 0.1; done
  echo "the registry did not start:" >&2; cat "$WORK/registry-$port.log" >&2; return 1
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
