#!/usr/bin/env python3
"""A test Sigstore of our own, offline, with Python `cryptography`: a root CA and an intermediate (Fulcio's
shape), a transparency log key, a timestamp authority, written as a trusted_root.json; and keyless signatures
the way cosign makes them (a 10-minute leaf with the Fulcio extensions, a hashedrekord or dsse log entry with a
signed entry timestamp, a one-leaf inclusion proof and a signed checkpoint).

  keyless-pki.py init DIR
  keyless-pki.py sign-legacy DIR PAYLOAD --identity ID --issuer ISS [--logged-after-expiry] [--timestamp]
                                                                                       -> JSON annotations
(--timestamp adds an RFC 3161 timestamp over the signature by the test TSA, made with `openssl ts -reply`.)
  keyless-pki.py sign-bundle DIR DIGEST --identity ID --issuer ISS                           -> sigstore bundle v0.3
"""
import argparse
import base64
import datetime
import hashlib
import json
import os
import subprocess
import sys
import tempfile

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

LOG_URL = "https://rekor.airlock.test"
LOG_NAME = "rekor.airlock.test"
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def b64(data):
    return base64.b64encode(data).decode()


def write_key(path, key):
    with open(path, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))


def read_key(path):
    with open(path, "rb") as f:
        return serialization.load_pem_private_key(f.read(), None)


def read_cert(path):
    with open(path, "rb") as f:
        return x509.load_pem_x509_certificate(f.read())


def spki(key):
    return key.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def ca_cert(name, key, issuer_name, issuer_key, path_length, eku=ExtendedKeyUsageOID.CODE_SIGNING):
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "airlock.test"), x509.NameAttribute(NameOID.COMMON_NAME, name)]))
               .issuer_name(issuer_name)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(NOW - datetime.timedelta(days=1))
               .not_valid_after(NOW + datetime.timedelta(days=365))
               .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .add_extension(x509.ExtendedKeyUsage([eku]), critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def init(directory):
    os.makedirs(directory, exist_ok=True)
    root_key, intermediate_key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    root_name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "airlock.test"), x509.NameAttribute(NameOID.COMMON_NAME, "test fulcio root")])
    root = ca_cert("test fulcio root", root_key, root_name, root_key, 1)
    intermediate = ca_cert("test fulcio intermediate", intermediate_key, root.subject, root_key, 0)
    log_key = ec.generate_private_key(ec.SECP256R1())
    tsa_key = ec.generate_private_key(ec.SECP256R1())
    tsa = (x509.CertificateBuilder()
           .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "airlock.test"), x509.NameAttribute(NameOID.COMMON_NAME, "test tsa")]))
           .issuer_name(root.subject)
           .public_key(tsa_key.public_key())
           .serial_number(x509.random_serial_number())
           .not_valid_before(NOW - datetime.timedelta(days=1))
           .not_valid_after(NOW + datetime.timedelta(days=365))
           .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
           .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
           .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
           .sign(root_key, hashes.SHA256()))
    for name, key in [("root", root_key), ("intermediate", intermediate_key), ("log", log_key), ("tsa", tsa_key)]:
        write_key(f"{directory}/{name}.key", key)
    for name, cert in [("root", root), ("intermediate", intermediate), ("tsa", tsa)]:
        with open(f"{directory}/{name}.crt", "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    der = lambda cert: {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))}
    start = (NOW - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    trusted_root = {
        "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
        "tlogs": [{"baseUrl": LOG_URL, "hashAlgorithm": "SHA2_256",
                   "publicKey": {"rawBytes": b64(spki(log_key)), "keyDetails": "PKIX_ECDSA_P256_SHA_256", "validFor": {"start": start}},
                   "logId": {"keyId": b64(hashlib.sha256(spki(log_key)).digest())}}],
        "certificateAuthorities": [{"subject": {"organization": "airlock.test", "commonName": "test fulcio root"}, "uri": "https://fulcio.airlock.test",
                                    "certChain": {"certificates": [der(intermediate), der(root)]}, "validFor": {"start": start}}],
        "ctlogs": [],
        "timestampAuthorities": [{"subject": {"organization": "airlock.test", "commonName": "test tsa"}, "uri": "https://tsa.airlock.test",
                                  "certChain": {"certificates": [der(tsa), der(root)]}, "validFor": {"start": start}}],
    }
    with open(f"{directory}/trusted_root.json", "w") as f:
        json.dump(trusted_root, f, indent=2)


def leaf(directory, identity, issuer, not_before):
    key = ec.generate_private_key(ec.SECP256R1())
    intermediate = read_cert(f"{directory}/intermediate.crt")
    name = x509.UniformResourceIdentifier(identity) if "://" in identity else x509.RFC822Name(identity)
    issuer_v2 = b"\x0c" + bytes([len(issuer)]) + issuer.encode()  # DER UTF8String (short form)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([]))
            .issuer_name(intermediate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(not_before)
            .not_valid_after(not_before + datetime.timedelta(minutes=10))
            .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CODE_SIGNING]), critical=False)
            .add_extension(x509.SubjectAlternativeName([name]), critical=True)
            .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.1"), issuer.encode()), critical=False)
            .add_extension(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.57264.1.8"), issuer_v2), critical=False)
            .sign(read_key(f"{directory}/intermediate.key"), hashes.SHA256()))
    return key, cert


def log_entry(directory, body, integrated_time):
    """A one-entry log: SET over the canonical entry, a one-leaf inclusion proof and a signed checkpoint."""
    log_key = read_key(f"{directory}/log.key")
    log_id = hashlib.sha256(spki(log_key)).digest()
    canonical = json.dumps({"body": b64(body), "integratedTime": integrated_time, "logID": log_id.hex(), "logIndex": 0},
                           sort_keys=True, separators=(",", ":")).encode()
    promise = log_key.sign(canonical, ec.ECDSA(hashes.SHA256()))
    root_hash = hashlib.sha256(b"\x00" + body).digest()
    note = f"{LOG_NAME} - 1\n1\n{b64(root_hash)}\n"
    checkpoint_signature = log_id[:4] + log_key.sign(note.encode(), ec.ECDSA(hashes.SHA256()))
    checkpoint = note + "\n\u2014 " + LOG_NAME + " " + b64(checkpoint_signature) + "\n"
    return log_id, promise, root_hash, checkpoint


def timestamp(directory, data):
    """An RFC 3161 TimeStampResp over `data` by the test TSA (OpenSSL's `ts -reply`)."""
    with tempfile.TemporaryDirectory() as work:
        config = os.path.join(work, "tsa.cnf")
        with open(config, "w") as f:
            f.write(f"""[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = {work}/serial
signer_digest = sha256
default_policy = 1.3.6.1.4.1.57264.2
digests = sha256
accuracy = secs:1
ordering = no
tsa_name = no
ess_cert_id_chain = no
ess_cert_id_alg = sha256
""")
        with open(os.path.join(work, "serial"), "w") as f:
            f.write("01\n")
        data_file, request, response = (os.path.join(work, n) for n in ("data", "request.tsq", "response.tsr"))
        with open(data_file, "wb") as f:
            f.write(data)
        subprocess.run(["openssl", "ts", "-query", "-data", data_file, "-sha256", "-cert", "-out", request], check=True, capture_output=True)
        subprocess.run(["openssl", "ts", "-reply", "-config", config, "-queryfile", request, "-signer", f"{directory}/tsa.crt",
                        "-inkey", f"{directory}/tsa.key", "-out", response], check=True, capture_output=True)
        with open(response, "rb") as f:
            return f.read()


def sign_legacy(args):
    with open(args.payload, "rb") as f:
        payload = f.read()
    # A leaf that expired before the log recorded the signature, when asked.
    not_before = NOW - datetime.timedelta(hours=1) if args.logged_after_expiry else NOW - datetime.timedelta(minutes=1)
    key, cert = leaf(args.dir, args.identity, args.issuer, not_before)
    signature = key.sign(payload, ec.ECDSA(hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    body = json.dumps({"apiVersion": "0.0.1", "kind": "hashedrekord", "spec": {
        "data": {"hash": {"algorithm": "sha256", "value": hashlib.sha256(payload).hexdigest()}},
        "signature": {"content": b64(signature), "publicKey": {"content": b64(cert_pem)}}}}, separators=(",", ":")).encode()
    integrated_time = int(NOW.timestamp())
    log_id, promise, _, _ = log_entry(args.dir, body, integrated_time)
    rekor_bundle = {"SignedEntryTimestamp": b64(promise),
                    "Payload": {"body": b64(body), "integratedTime": integrated_time, "logIndex": 0, "logID": log_id.hex()}}
    chain = "".join(open(f"{args.dir}/{n}.crt").read() for n in ("intermediate", "root"))
    annotations = {"dev.cosignproject.cosign/signature": b64(signature), "dev.sigstore.cosign/certificate": cert_pem.decode(),
                   "dev.sigstore.cosign/chain": chain, "dev.sigstore.cosign/bundle": json.dumps(rekor_bundle, separators=(",", ":"))}
    if args.timestamp:
        annotations["dev.sigstore.cosign/rfc3161timestamp"] = json.dumps({"SignedRFC3161Timestamp": b64(timestamp(args.dir, signature))})
    json.dump(annotations, sys.stdout)


def sign_bundle(args):
    digest = args.digest.split(":", 1)[1]
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v1", "subject": [{"digest": {"sha256": digest}}],
                            "predicateType": "https://sigstore.dev/cosign/sign/v1"}, separators=(",", ":")).encode()
    payload_type = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(statement), statement)
    key, cert = leaf(args.dir, args.identity, args.issuer, NOW - datetime.timedelta(minutes=1))
    signature = key.sign(pae, ec.ECDSA(hashes.SHA256()))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    envelope = {"payload": b64(statement), "payloadType": payload_type, "signatures": [{"sig": b64(signature)}]}
    body = json.dumps({"apiVersion": "0.0.1", "kind": "dsse", "spec": {
        "envelopeHash": {"algorithm": "sha256", "value": hashlib.sha256(json.dumps(envelope, sort_keys=True).encode()).hexdigest()},
        "payloadHash": {"algorithm": "sha256", "value": hashlib.sha256(statement).hexdigest()},
        "signatures": [{"signature": b64(signature), "verifier": b64(cert_pem)}]}}, separators=(",", ":")).encode()
    integrated_time = int(NOW.timestamp())
    log_id, promise, root_hash, checkpoint = log_entry(args.dir, body, integrated_time)
    bundle = {"mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
              "verificationMaterial": {
                  "certificate": {"rawBytes": b64(cert.public_bytes(serialization.Encoding.DER))},
                  "tlogEntries": [{"logIndex": "0", "logId": {"keyId": b64(log_id)}, "kindVersion": {"kind": "dsse", "version": "0.0.1"},
                                   "integratedTime": str(integrated_time), "inclusionPromise": {"signedEntryTimestamp": b64(promise)},
                                   "inclusionProof": {"logIndex": "0", "rootHash": b64(root_hash), "treeSize": "1", "hashes": [],
                                                      "checkpoint": {"envelope": checkpoint}},
                                   "canonicalizedBody": b64(body)}]},
              "dsseEnvelope": envelope}
    json.dump(bundle, sys.stdout)


def main():
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("init").add_argument("dir")
    legacy = commands.add_parser("sign-legacy")
    legacy.add_argument("dir")
    legacy.add_argument("payload")
    legacy.add_argument("--logged-after-expiry", action="store_true")
    legacy.add_argument("--timestamp", action="store_true")
    bundle = commands.add_parser("sign-bundle")
    bundle.add_argument("dir")
    bundle.add_argument("digest")
    for command in (legacy, bundle):
        command.add_argument("--identity", required=True)
        command.add_argument("--issuer", required=True)
    args = parser.parse_args()
    if args.command == "init":
        init(args.dir)
    elif args.command == "sign-legacy":
        sign_legacy(args)
    else:
        sign_bundle(args)


if __name__ == "__main__":
    main()
