#!/usr/bin/env python3
"""Writes the generated part of the bad-input corpus: tampered and hostile bundles, split volumes, signatures, key
files, and the good bundle and key they are checked against (support/). Deterministic: the same bytes every run
(a fixed private key, RFC 6979 signatures, tar entries with mtime 0 and uid/gid 0). Run from anywhere:
    python3 Tests/Corpus/make-corpus.py
The text entries (manifests, references, policies, locks, argv) are written by hand; this script only writes
what is binary or has to agree with digests."""

import base64
import gzip
import hashlib
import io
import json
import os
import shutil
import tarfile

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa, x25519

HERE = os.path.dirname(os.path.abspath(__file__))
REPOSITORY = "registry.example/corpus/app"
REFERENCE = REPOSITORY + ":1"
SIGNING_KEY = ec.derive_private_key(0x5EED_C0DE_0001, ec.SECP256R1())
OTHER_KEY = ec.derive_private_key(0x5EED_C0DE_0002, ec.SECP256R1())


def sha256(data):
    return "sha256:" + hashlib.sha256(data).hexdigest()


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


def sign(key, data):
    return key.sign(data, ec.ECDSA(hashes.SHA256(), deterministic_signing=True))


def public_pem(key):
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def write(relative, data):
    path = os.path.join(HERE, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


# --- the bundle, as a list of (name, bytes) with everything derived from a few choices ----------------------

class Bundle:
    """A bundle's content before it becomes a tar: blobs, index.json, record, index.json.sig. Tampering hooks change
    one of them; `entries()` then lists the tar entries in the order Airlock writes them."""

    def __init__(self, signed=True, payload=None, signature=None, layer=b"corpus layer bytes\n", sign_bundle=True,
                 signature_key=SIGNING_KEY, bundle_key=SIGNING_KEY):
        self.blobs = {}          # digest -> bytes, in insertion order
        self.layer = layer
        config = canonical({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]}})
        self.image = canonical({
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(config), "size": len(config)},
            "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": sha256(layer), "size": len(layer)}],
        })
        self.add(self.image), self.add(config), self.add(layer)
        self.index = [self.descriptor(self.image, {"org.opencontainers.image.ref.name": REFERENCE, "dev.airlock.kind": "image"})]
        self.record_artifacts = [{"kind": "image", "reference": REFERENCE, "digest": sha256(self.image),
                                  "mediaType": "application/vnd.oci.image.manifest.v1+json", "size": len(self.image) + len(config) + len(layer)}]
        if signed:
            digest = sha256(self.image)
            if payload is None:
                payload = canonical({"critical": {"identity": {"docker-reference": REPOSITORY}, "image": {"docker-manifest-digest": digest},
                                                  "type": "cosign container image signature"}, "optional": None})
            if signature is None:
                signature = base64.b64encode(sign(signature_key, payload)).decode()
            layer_annotations = {} if signature is False else {"dev.cosignproject.cosign/signature": signature}
            sig_config = canonical({"architecture": "", "os": "", "rootfs": {"type": "layers", "diff_ids": [sha256(payload)]}, "config": {}})
            sig_manifest = canonical({
                "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": sha256(sig_config), "size": len(sig_config)},
                "layers": [{"mediaType": "application/vnd.dev.cosign.simplesigning.v1+json", "digest": sha256(payload), "size": len(payload),
                            "annotations": layer_annotations}],
            })
            self.add(sig_manifest), self.add(sig_config), self.add(payload)
            tag = REPOSITORY + ":sha256-" + digest[len("sha256:"):] + ".sig"
            self.index.append(self.descriptor(sig_manifest, {"org.opencontainers.image.ref.name": tag, "dev.airlock.kind": "signature",
                                                             "dev.airlock.subject": digest}))
            self.record_artifacts.append({"kind": "signature", "reference": tag, "digest": sha256(sig_manifest), "subject": digest,
                                          "mediaType": "application/vnd.oci.image.manifest.v1+json",
                                          "size": len(sig_manifest) + len(sig_config) + len(payload)})
        self.sign_bundle = sign_bundle and signed
        self.bundle_key = bundle_key

    def add(self, data):
        self.blobs[sha256(data)] = data

    @staticmethod
    def descriptor(manifest, annotations):
        return {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": sha256(manifest), "size": len(manifest),
                "annotations": annotations}

    def index_json(self):
        return canonical({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": self.index})

    def record(self):
        return canonical({"format": "airlock-bundle/v1", "tool": "airlock corpus", "artifacts": self.record_artifacts,
                          "blobCount": len(self.blobs), "blobBytes": sum(len(b) for b in self.blobs.values())})

    def entries(self):
        index = self.index_json()
        entries = [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)]
        if self.sign_bundle:
            entries.append(("index.json.sig", base64.b64encode(sign(self.bundle_key, index))))
        entries.append(("airlock-bundle.json", self.record()))
        entries += [("blobs/sha256/" + d[len("sha256:"):], b) for d, b in self.blobs.items()]
        return entries


def tar_info(name, data=None, **fields):
    info = tarfile.TarInfo(name.rstrip("/") if data is None else name)
    info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
    if data is None and "type" not in fields:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
    else:
        info.mode = 0o644
        info.size = len(data or b"")
    for key, value in fields.items():
        setattr(info, key, value)
    return info


def tar(entries, extra=()):
    """A POSIX tar of (name, bytes or None for a directory) plus `extra` TarInfo/bytes pairs appended before the end."""
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=tarfile.USTAR_FORMAT) as t:
        for name, data in entries:
            t.addfile(tar_info(name, data), io.BytesIO(data) if data is not None else None)
        for info, data in extra:
            t.addfile(info, io.BytesIO(data) if data else None)
        end = t.offset + 2 * tarfile.BLOCKSIZE   # two zero blocks end the archive; tarfile pads further, Airlock does not
    return out.getvalue()[:end]


def pax_tar(entries, pax_name, pax_headers, data=b"x"):
    """`entries`, then one entry carrying `pax_headers` (written as given, even when tarfile would refuse them)."""
    records = b""
    for key, value in pax_headers:
        body = b" " + key + b"=" + value + b"\n"
        length = len(body) + 1
        while len(str(length).encode()) + len(body) != length:
            length += 1
        records += str(length).encode() + body
    head = tar_info("PaxHeaders/x", records, type=tarfile.XHDTYPE)
    return tar(entries, extra=[(head, records), (tar_info(pax_name, data), data)])


def blob_name(data):
    return "blobs/sha256/" + hashlib.sha256(data).hexdigest()


def replace(entries, name, data):
    return [(n, data if n == name else d) for n, d in entries]


def without(entries, name):
    return [(n, d) for n, d in entries if n != name]


def header_offset(archive, name):
    """Offset of the header block of entry `name` in a plain ustar archive."""
    offset = 0
    while offset < len(archive):
        block = archive[offset:offset + 512]
        entry = block[:100].rstrip(b"\0").decode()
        size = int(block[124:136].strip(b"\0 ") or b"0", 8)
        if entry == name:
            return offset
        offset += 512 + (size + 511) // 512 * 512
    raise KeyError(name)


def patch_header(archive, name, field_offset, value):
    """Overwrites a header field of entry `name` and fixes the header checksum, so only the field is wrong."""
    data = bytearray(archive)
    start = header_offset(archive, name)
    data[start + field_offset:start + field_offset + len(value)] = value
    data[start + 148:start + 156] = b"        "
    data[start + 148:start + 156] = b"%06o\0 " % sum(data[start:start + 512])
    return bytes(data)


# --- what is written ----------------------------------------------------------------------------------------

def bundles():
    good = Bundle(signed=False)
    base = good.entries()
    plain = tar(base)
    layer_entry = blob_name(good.layer)
    minimal = base[:2]   # oci-layout and index.json: hostile tar entries are refused while the tar is indexed
    out = {}

    # The tar itself.
    flipped = bytearray(plain)
    flipped[header_offset(plain, layer_entry) + 512 + 3] ^= 0x01
    out["flipped-byte-in-layer"] = bytes(flipped)
    out["truncated-in-blob"] = plain[:header_offset(plain, layer_entry) + 512 + 5]
    out["truncated-in-header"] = plain[:header_offset(plain, layer_entry) + 200]
    out["truncated-before-end-blocks"] = plain[:header_offset(plain, layer_entry) + 1024]
    out["empty"] = b""
    out["not-a-tar"] = b"this is a text file, not a tar archive\n" * 20
    out["gzip-compressed"] = gzip.compress(plain, mtime=0)
    out["dot-dot-entry"] = tar(minimal, extra=[(tar_info("blobs/../../evil", b"x"), b"x")])
    out["absolute-path"] = tar(minimal, extra=[(tar_info("/etc/evil", b"x"), b"x")])
    out["symlink"] = tar(minimal, extra=[(tar_info("blobs/sha256/link", b"", type=tarfile.SYMTYPE, linkname="/etc/passwd"), b"")])
    out["hardlink"] = tar(minimal, extra=[(tar_info("blobs/sha256/hard", b"", type=tarfile.LNKTYPE, linkname="index.json"), b"")])
    out["char-device"] = tar(minimal, extra=[(tar_info("dev-null", b"", type=tarfile.CHRTYPE, devmajor=1, devminor=3), b"")])
    out["block-device"] = tar(minimal, extra=[(tar_info("dev-sda", b"", type=tarfile.BLKTYPE, devmajor=8, devminor=0), b"")])
    out["fifo"] = tar(minimal, extra=[(tar_info("pipe", b"", type=tarfile.FIFOTYPE), b"")])
    out["duplicate-index"] = tar(minimal, extra=[(tar_info("index.json", b"{}"), b"{}")])
    out["duplicate-blob"] = tar(minimal + [(layer_entry, good.layer)] * 2)
    out["blob-as-directory"] = tar(without(base, layer_entry) + [(layer_entry + "/", None)])
    checksum_at = header_offset(plain, "index.json") + 148
    out["bad-header-checksum"] = plain[:checksum_at] + b"0000000\0" + plain[checksum_at + 8:]
    out["size-not-octal"] = patch_header(plain, "index.json", 124, b"0000000z123\0")
    out["size-past-end"] = patch_header(plain, layer_entry, 124, b"77777777777\0")
    out["size-base256-negative"] = patch_header(plain, layer_entry, 124, b"\xff" * 12)
    out["size-base256-huge"] = patch_header(plain, layer_entry, 124, b"\x80" + b"\x00" * 3 + b"\x7f" + b"\xff" * 7)
    out["ustar-prefix-dot-dot"] = patch_header(plain, "oci-layout", 345, b"../../outside\0")
    out["name-with-nul-inside"] = patch_header(plain, "oci-layout", 0, b"oci\0layout-and-more\0")
    out["gnu-long-name"] = tar(base, extra=[(tar_info("././@LongLink", b"x" * 300 + b"\0", type=tarfile.GNUTYPE_LONGNAME), b"x" * 300 + b"\0"),
                                            (tar_info("short", b"x"), b"x")])
    out["gnu-sparse"] = tar(minimal, extra=[(tar_info("sparse", b"", type=tarfile.GNUTYPE_SPARSE), b"")])
    out["pax-path-dot-dot"] = pax_tar(minimal, "innocent", [(b"path", b"../../etc/cron.d/evil")])
    out["pax-path-absolute"] = pax_tar(minimal, "innocent", [(b"path", b"/etc/evil")])
    out["pax-size-huge"] = pax_tar(minimal, "big", [(b"size", b"999999999999999999999999")])
    out["pax-size-negative"] = pax_tar(minimal, "neg", [(b"size", b"-5")])
    out["pax-size-not-number"] = pax_tar(base, "nan", [(b"size", b"12abc")])
    out["pax-record-length-wrong"] = tar(minimal, extra=[(tar_info("PaxHeaders/x", b"99 path=x\n", type=tarfile.XHDTYPE), b"99 path=x\n"),
                                                      (tar_info("y", b"x"), b"x")])
    out["pax-record-no-equals"] = tar(minimal, extra=[(tar_info("PaxHeaders/x", b"12 pathxyz\n", type=tarfile.XHDTYPE), b"12 pathxyz\n"),
                                                   (tar_info("y", b"x"), b"x")])
    out["pax-path-duplicates-index"] = pax_tar(minimal, "other", [(b"path", b"index.json")], data=b"{}")
    out["pax-linkpath-symlink"] = tar(minimal, extra=[(tar_info("PaxHeaders/l", b"22 linkpath=/etc/pwd\n", type=tarfile.XHDTYPE), b"22 linkpath=/etc/pwd\n"),
                                                   (tar_info("l", b"", type=tarfile.SYMTYPE, linkname="x"), b"")])
    out["pax-header-at-end"] = tar(minimal, extra=[(tar_info("PaxHeaders/z", b"10 path=\n", type=tarfile.XHDTYPE), b"10 path=\n")])
    out["global-pax-header"] = tar(minimal, extra=[(tar_info("pax_global_header", b"20 path=../escape\n", type=tarfile.XGLTYPE), b"20 path=../escape\n")])

    # The layout and the record.
    out["missing-oci-layout"] = tar(without(base, "oci-layout"))
    out["oci-layout-version-2"] = tar(replace(base, "oci-layout", b'{"imageLayoutVersion":"2.0.0"}'))
    out["oci-layout-not-json"] = tar(replace(base, "oci-layout", b"imageLayoutVersion=1.0.0"))
    out["missing-index"] = tar(without(base, "index.json"))
    out["index-not-json"] = tar(replace(base, "index.json", b"{\"manifests\": [oops]}"))
    out["index-manifests-not-list"] = tar(replace(base, "index.json", canonical({"schemaVersion": 2, "manifests": "all of them"})))
    out["missing-record"] = tar(without(base, "airlock-bundle.json"))
    out["record-not-json"] = tar(replace(base, "airlock-bundle.json", b"\x00\x01 not json"))
    record = json.loads(good.record())
    out["record-format-v2"] = tar(replace(base, "airlock-bundle.json", canonical(dict(record, format="airlock-bundle/v2"))))
    out["record-artifact-missing"] = tar(replace(base, "airlock-bundle.json", canonical(dict(record, artifacts=[]))))
    extra_artifact = dict(record["artifacts"][0], reference=REPOSITORY + ":2")
    out["record-extra-artifact"] = tar(replace(base, "airlock-bundle.json", canonical(dict(record, artifacts=record["artifacts"] + [extra_artifact]))))
    out["record-blob-count-wrong"] = tar(replace(base, "airlock-bundle.json", canonical(dict(record, blobCount=7))))
    out["record-artifacts-not-list"] = tar(replace(base, "airlock-bundle.json", canonical(dict(record, artifacts={"kind": "image"}))))
    out["record-unknown-kind"] = tar(replace(base, "airlock-bundle.json",
                                             canonical(dict(record, artifacts=[dict(record["artifacts"][0], kind="vm-image")]))))
    base_blob = {"digest": sha256(good.layer), "size": 999}
    out["record-base-size-wrong"] = tar(replace(without(base, layer_entry), "airlock-bundle.json",
                                                canonical(dict(record, blobCount=2, base={"blobs": [base_blob]}))))
    out["extra-entry"] = tar(base + [("notes.txt", b"left here by someone\n")])
    orphan = b"nobody refers to this blob\n"
    out["orphan-blob"] = tar(base + [(blob_name(orphan), orphan)])
    out["blob-name-not-hex"] = tar(base + [("blobs/sha256/not-a-digest", b"x")])
    out["blob-other-algorithm"] = tar(base + [("blobs/md5/", None), ("blobs/md5/" + hashlib.md5(b"x").hexdigest(), b"x")])
    out["missing-layer-blob"] = tar(without(base, layer_entry))
    config_entry = [n for n, d in base if d is not None and n.startswith("blobs/") and d.startswith(b'{"architecture"')][0]
    out["missing-config-blob"] = tar(without(base, config_entry))

    # index.json and the manifests it names, each consistent with its digest so only the named fault is wrong.
    def with_index(entries, descriptors, blobs=()):
        index = canonical({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": descriptors})
        return tar(replace(entries, "index.json", index) + [(blob_name(b), b) for b in blobs])

    image_descriptor = good.index[0]
    wrong = dict(image_descriptor, digest="sha256:" + "0" * 64)
    out["index-names-missing-manifest"] = with_index(base, [wrong])
    out["index-size-wrong"] = with_index(base, [dict(image_descriptor, size=image_descriptor["size"] + 1)])
    out["index-digest-malformed"] = with_index(base, [dict(image_descriptor, digest="sha256:xyz")])
    out["index-kind-unknown"] = with_index(base, [dict(image_descriptor, annotations=dict(image_descriptor["annotations"], **{"dev.airlock.kind": "vm"}))])
    out["index-subject-not-digest"] = with_index(base, [dict(image_descriptor, annotations=dict(image_descriptor["annotations"], **{"dev.airlock.subject": "yesterday"}))])
    out["index-platforms-bad"] = with_index(base, [dict(image_descriptor, annotations=dict(image_descriptor["annotations"], **{"dev.airlock.platforms": "linux"}))])
    out["index-media-type-mismatch"] = with_index(base, [dict(image_descriptor, mediaType="application/vnd.oci.image.index.v1+json")])

    def manifest_case(manifest):
        return with_index(without(base, blob_name(good.image)), [dict(image_descriptor, digest=sha256(manifest), size=len(manifest))], [manifest])

    image = json.loads(good.image)
    out["manifest-not-json"] = manifest_case(b"\x89PNG\r\n\x1a\n not a manifest")
    out["manifest-schema-version-1"] = manifest_case(canonical(dict(image, schemaVersion=1)))
    out["manifest-no-config"] = manifest_case(canonical({k: v for k, v in image.items() if k != "config"}))
    out["manifest-layer-digest-malformed"] = manifest_case(canonical(dict(image, layers=[dict(image["layers"][0], digest="sha256:ABC")])))
    out["manifest-layer-size-negative"] = manifest_case(canonical(dict(image, layers=[dict(image["layers"][0], size=-1)])))
    out["manifest-layer-size-wrong"] = manifest_case(canonical(dict(image, layers=[dict(image["layers"][0], size=image["layers"][0]["size"] + 100)])))
    out["manifest-layers-not-list"] = manifest_case(canonical(dict(image, layers="none")))
    out["manifest-layer-missing"] = manifest_case(canonical(dict(image, layers=image["layers"] + [dict(image["layers"][0], digest="sha256:" + "1" * 64)])))
    child_missing = canonical({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json",
                               "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:" + "2" * 64, "size": 10,
                                              "platform": {"architecture": "amd64", "os": "linux"}}]})
    out["image-index-child-missing"] = with_index(base, [dict(image_descriptor, mediaType="application/vnd.oci.image.index.v1+json",
                                                              digest=sha256(child_missing), size=len(child_missing))], [child_missing])
    return out


def split_volumes():
    plain = tar(Bundle(signed=False).entries())
    size = (len(plain) + 2) // 3
    volumes = [plain[i:i + size] for i in range(0, len(plain), size)]

    def parts(vols, **changes):
        meta = {"format": "airlock-parts/v1", "parts": [{"name": "b.tar.%03d" % i, "size": len(v), "sha256": sha256(v)} for i, v in enumerate(vols)],
                "totalSize": sum(len(v) for v in vols), "sha256": sha256(b"".join(vols))}
        meta.update(changes)
        return canonical(meta)

    cases = {}
    flipped = bytearray(volumes[1]); flipped[0] ^= 0xFF
    cases["volume-missing"] = ({"b.tar.000": volumes[0], "b.tar.002": volumes[2]}, parts(volumes))
    cases["volume-size-wrong"] = (dict(enumerate_volumes(volumes), **{"b.tar.001": volumes[1] + b"x"}), parts(volumes))
    cases["volume-content-changed"] = (dict(enumerate_volumes(volumes), **{"b.tar.001": bytes(flipped)}), parts(volumes))
    cases["parts-not-json"] = (enumerate_volumes(volumes), b"b.tar.000 b.tar.001 b.tar.002\n")
    cases["part-name-with-slash"] = (enumerate_volumes(volumes), parts(volumes).replace(b'"b.tar.001"', b'"../b.tar.001"'))
    cases["part-name-other-bundle"] = (enumerate_volumes(volumes), parts(volumes).replace(b'"b.tar.001"', b'"c.tar.001"'))
    cases["total-size-wrong"] = (enumerate_volumes(volumes), parts(volumes, totalSize=1))
    cases["volumes-reordered"] = ({"b.tar.000": volumes[1], "b.tar.001": volumes[0], "b.tar.002": volumes[2]},
                                  parts([volumes[1], volumes[0], volumes[2]]))
    cases["part-sha256-malformed"] = (enumerate_volumes(volumes), parts(volumes).replace(b'"sha256":"sha256:', b'"sha256":"md5:', 1))
    for case, (files, meta) in cases.items():
        for name, data in files.items():
            write("split/%s/%s" % (case, name), data)
        write("split/%s/b.tar.parts.json" % case, meta)


def enumerate_volumes(volumes):
    return {"b.tar.%03d" % i: v for i, v in enumerate(volumes)}


def signatures():
    digest = sha256(Bundle(signed=False).image)
    def payload(**critical):
        body = {"identity": {"docker-reference": REPOSITORY}, "image": {"docker-manifest-digest": digest}, "type": "cosign container image signature"}
        body.update(critical)
        return canonical({"critical": body, "optional": None})

    out = {
        "payload-other-digest": Bundle(payload=payload(image={"docker-manifest-digest": "sha256:" + "3" * 64})),
        "payload-other-repository": Bundle(payload=payload(identity={"docker-reference": "registry.example/other/app"})),
        "payload-wrong-type": Bundle(payload=payload(type="cosign container image attestation")),
        "payload-extra-key": Bundle(payload=payload(surprise=True)),
        "payload-not-json": Bundle(payload=b"signed, but not JSON"),
        "payload-digest-malformed": Bundle(payload=payload(image={"docker-manifest-digest": "sha256:zz"})),
        "signature-not-base64": Bundle(signature="%%% not base64 %%%"),
        "signature-other-key": Bundle(signature_key=OTHER_KEY),
        "signature-over-other-payload": Bundle(signature=base64.b64encode(sign(SIGNING_KEY, b"something else")).decode()),
        "signature-annotation-missing": Bundle(signature=False),
        "signature-truncated-der": Bundle(signature=base64.b64encode(sign(SIGNING_KEY, payload())[:20]).decode()),
        "unsigned-image": Bundle(signed=False),
        "bundle-signature-other-key": Bundle(bundle_key=OTHER_KEY),
    }
    for name, bundle in out.items():
        entries = bundle.entries()
        if name == "unsigned-image":
            index = bundle.index_json()
            entries.insert(2, ("index.json.sig", base64.b64encode(sign(SIGNING_KEY, index))))
        write("signatures/%s.tar" % name, tar(entries))
    good = Bundle().entries()
    write("signatures/bundle-signature-missing.tar", tar(without(good, "index.json.sig")))
    write("signatures/bundle-signature-not-base64.tar", tar(replace(good, "index.json.sig", b"!!not base64!!")))
    write("signatures/bundle-signature-empty.tar", tar(replace(good, "index.json.sig", b"")))


def keys():
    ed = ed25519.Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
    x = x25519.X25519PrivateKey.from_private_bytes(bytes(range(1, 33)))
    good = public_pem(SIGNING_KEY)
    der = base64.b64decode(b"".join(good.splitlines()[1:-1]))
    files = {
        "garbage.pub": b"this is not a key\n",
        "empty.pub": b"",
        "binary.pub": bytes(range(256)),
        "private-key.pub": SIGNING_KEY.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()),
        "certificate-label.pub": good.replace(b"PUBLIC KEY", b"CERTIFICATE"),
        "bad-base64.pub": b"-----BEGIN PUBLIC KEY-----\n%%%%not*base64%%%%\n-----END PUBLIC KEY-----\n",
        "truncated-der.pub": pem(b"PUBLIC KEY", der[:40]),
        "no-end-line.pub": good.split(b"-----END")[0],
        "mismatched-labels.pub": good.replace(b"END PUBLIC KEY", b"END PRIVATE KEY"),
        "x25519.pub": x.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo),
        "p192.pub": public_pem(ec.derive_private_key(7, ec.SECP192R1())),
        "secp256k1.pub": public_pem(ec.derive_private_key(7, ec.SECP256K1())),
        "rsa-1024.pub": rsa_public_pem(1024),
        "rsa-8192.pub": rsa_public_pem(8192),
        "der-not-pem.pub": der,
        "trailing-garbage-der.pub": pem(b"PUBLIC KEY", der + b"\x00\x01\x02"),
        "ed25519-raw.pub": base64.b64encode(ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)) + b"\n",
    }
    for name, data in files.items():
        write("keys/" + name, data)


def pem(label, der):
    body = base64.b64encode(der)
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return b"-----BEGIN " + label + b"-----\n" + b"\n".join(lines) + b"\n-----END " + label + b"-----\n"


def rsa_public_pem(bits):
    """An RSA public key of `bits` bits with a fixed modulus (a public key needs no primes to be written)."""
    key = rsa.RSAPublicNumbers(65537, (1 << (bits - 1)) | 0xF1).public_key()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def private_keys():
    """cosign's encrypted key file (JSON around a NaCl secretbox), each with one parameter cosign would not write."""
    def key_file(kdf_name="scrypt", n=65536, r=8, p=1, salt=base64.b64encode(b"\x01" * 32).decode(), cipher="nacl/secretbox",
                 nonce=base64.b64encode(b"\x02" * 24).decode(), ciphertext=base64.b64encode(b"\x03" * 150).decode()):
        body = {"kdf": {"name": kdf_name, "params": {"N": n, "r": r, "p": p}, "salt": salt},
                "cipher": {"name": cipher, "nonce": nonce}, "ciphertext": ciphertext}
        return pem(b"ENCRYPTED SIGSTORE PRIVATE KEY", json.dumps(body, sort_keys=True).encode())
    files = {
        "scrypt-n-1024.key": key_file(n=1024),
        "scrypt-n-huge.key": key_file(n=1 << 40),
        "scrypt-r-1.key": key_file(r=1),
        "scrypt-p-16.key": key_file(p=16),
        "kdf-argon2.key": key_file(kdf_name="argon2id"),
        "cipher-aes.key": key_file(cipher="aes-256-gcm"),
        "salt-not-base64.key": key_file(salt="***"),
        "nonce-short.key": key_file(nonce=base64.b64encode(b"\x02" * 8).decode()),
        "wrong-password.key": key_file(),
        "json-not-object.key": pem(b"ENCRYPTED SIGSTORE PRIVATE KEY", b"[1,2,3]"),
        "sec1-plaintext-label.key": pem(b"ENCRYPTED COSIGN PRIVATE KEY", b"\x30\x03\x02\x01\x01"),
        "public-key.key": public_pem(SIGNING_KEY),
    }
    for name, data in files.items():
        write("private-keys/" + name, data)


def support():
    write("support/corpus.pub", public_pem(SIGNING_KEY))
    write("support/signed.tar", tar(Bundle().entries()))


def main():
    for directory in ["bundles", "split", "signatures", "keys", "private-keys", "support"]:
        shutil.rmtree(os.path.join(HERE, directory), ignore_errors=True)
    for name, data in bundles().items():
        write("bundles/%s.tar" % name, data)
    split_volumes()
    signatures()
    keys()
    private_keys()
    support()


if __name__ == "__main__":
    main()
