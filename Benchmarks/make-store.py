#!/usr/bin/env python3
"""Writes a content store (OCI layout with Airlock's index annotations) of COUNT distinct images.

  make-store.py DIR COUNT [LAYER_BYTES]

Each image has its own config and one shared layer of LAYER_BYTES zero bytes (default 1 KiB, written and
hashed in 8 MiB pieces, so a layer of several GiB is fine); its reference is bench.local/sig/app-N:1.
"""
import hashlib
import json
import os
import sys


def put(root, data):
    digest = hashlib.sha256(data).hexdigest()
    with open(os.path.join(root, "blobs", "sha256", digest), "wb") as f:
        f.write(data)
    return {"digest": "sha256:" + digest, "size": len(data)}


def put_zeros(root, size):
    """Writes a blob of `size` zero bytes without holding it in memory."""
    piece = bytes(8 << 20)
    hasher = hashlib.sha256()
    temporary = os.path.join(root, "blobs", "sha256", "zeros.tmp")
    with open(temporary, "wb") as f:
        left = size
        while left > 0:
            chunk = piece[:min(left, len(piece))]
            hasher.update(chunk)
            f.write(chunk)
            left -= len(chunk)
    digest = hasher.hexdigest()
    os.rename(temporary, os.path.join(root, "blobs", "sha256", digest))
    return {"digest": "sha256:" + digest, "size": size}


def main(root, count, layer_bytes=1024):
    os.makedirs(os.path.join(root, "blobs", "sha256"), exist_ok=True)
    with open(os.path.join(root, "oci-layout"), "w") as f:
        f.write('{"imageLayoutVersion":"1.0.0"}')
    layer = dict(mediaType="application/vnd.oci.image.layer.v1.tar", **put_zeros(root, layer_bytes))
    entries = []
    for n in range(count):
        config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Env": [f"N={n}"]},
                             "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}, separators=(",", ":")).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **put(root, config)),
                               "layers": [layer]}, separators=(",", ":")).encode()
        entries.append(dict(mediaType="application/vnd.oci.image.manifest.v1+json", **put(root, manifest),
                            annotations={"dev.airlock.kind": "image",
                                         "org.opencontainers.image.ref.name": f"bench.local/sig/app-{n}:1"}))
    with open(os.path.join(root, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries}, f)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), *(int(a) for a in sys.argv[3:4]))
