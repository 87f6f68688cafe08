#!/usr/bin/env python3
"""Signs every image of a content store keyless-style, as cosign would: a legacy .sig manifest whose layer carries a
Fulcio-shaped certificate and a Rekor bundle (SET) from the test Sigstore of Tests/Peers/keyless-pki.py.

  keyless-sign-store.py STORE PKI_DIR IDENTITY ISSUER
"""
import importlib.util
import io
import json
import os
import sys
from contextlib import redirect_stdout
from types import SimpleNamespace

here = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location("pki", os.path.join(here, "..", "Tests", "Peers", "keyless-pki.py"))
pki = importlib.util.module_from_spec(spec)
spec.loader.exec_module(pki)
sys.path.insert(0, here)
from importlib import import_module
put = import_module("make-store").put


def main(store, directory, identity, issuer):
    with open(os.path.join(store, "index.json")) as f:
        index = json.load(f)
    signatures = []
    for entry in index["manifests"]:
        name = entry["annotations"]["org.opencontainers.image.ref.name"]
        repository = name.rsplit(":", 1)[0]
        payload = ('{"critical":{"identity":{"docker-reference":%s},"image":{"docker-manifest-digest":%s},'
                   '"type":"cosign container image signature"},"optional":null}' % (json.dumps(repository), json.dumps(entry["digest"]))).encode()
        payload_path = os.path.join(store, "payload.tmp")
        with open(payload_path, "wb") as f:
            f.write(payload)
        out = io.StringIO()
        with redirect_stdout(out):
            pki.sign_legacy(SimpleNamespace(dir=directory, payload=payload_path, identity=identity, issuer=issuer, logged_after_expiry=False, timestamp=False))
        annotations = json.loads(out.getvalue())
        layer = dict(mediaType="application/vnd.dev.cosign.simplesigning.v1+json", **put(store, payload), annotations=annotations)
        config = json.dumps({"architecture": "", "created": "0001-01-01T00:00:00Z", "history": [{"created": "0001-01-01T00:00:00Z"}],
                             "os": "", "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}, "config": {}}, separators=(",", ":")).encode()
        manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                               "config": dict(mediaType="application/vnd.oci.image.config.v1+json", **put(store, config)),
                               "layers": [layer]}, separators=(",", ":")).encode()
        tag = entry["digest"].replace(":", "-") + ".sig"
        signatures.append(dict(mediaType="application/vnd.oci.image.manifest.v1+json", **put(store, manifest),
                               annotations={"dev.airlock.kind": "signature", "dev.airlock.subject": entry["digest"],
                                            "org.opencontainers.image.ref.name": f"{repository}:{tag}"}))
    os.remove(os.path.join(store, "payload.tmp"))
    index["manifests"] += signatures
    with open(os.path.join(store, "index.json"), "w") as f:
        json.dump(index, f)


if __name__ == "__main__":
    main(*sys.argv[1:5])
