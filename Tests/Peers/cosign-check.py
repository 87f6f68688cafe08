#!/usr/bin/env python3
"""Independent checks of Airlock's cosign artifacts, with Python `cryptography`, PyNaCl and hashlib.

  cosign-check.py verify PUBLIC_KEY_PEM PAYLOAD_FILE SIGNATURE_BASE64
      exit 0 when the ECDSA signature (ASN.1 DER) over SHA-256(payload) verifies, 1 otherwise.
  cosign-check.py decrypt KEY_FILE PASSWORD
      opens a cosign encrypted private key (scrypt + NaCl secretbox) and prints its public key as PEM.
  cosign-check.py sign KEY_FILE PASSWORD PAYLOAD_FILE
      signs the payload as `cosign sign` does (ECDSA over SHA-256, ASN.1 DER) and prints the signature in base64.
  cosign-check.py attest KEY_FILE PASSWORD STATEMENT_FILE
      signs the in-toto statement as `cosign attest` does (DSSE: ECDSA over the PAE) and prints the envelope JSON.
"""
import base64
import hashlib
import json
import sys

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
import nacl.exceptions
import nacl.secret


def verify(public_key_file, payload_file, signature_b64):
    with open(public_key_file, "rb") as f:
        key = serialization.load_pem_public_key(f.read())
    with open(payload_file, "rb") as f:
        payload = f.read()
    try:
        key.verify(base64.b64decode(signature_b64), payload, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        print("signature does not verify", file=sys.stderr)
        return 1
    return 0


def open_private_key(key_file, password):
    """The private key in a cosign encrypted key file, or None when the password is wrong."""
    with open(key_file) as f:
        lines = [line.strip() for line in f if line.strip()]
    label = lines[0][len("-----BEGIN "):-len("-----")]
    if label not in ("ENCRYPTED SIGSTORE PRIVATE KEY", "ENCRYPTED COSIGN PRIVATE KEY"):
        print(f"unexpected PEM label {label}", file=sys.stderr)
        raise SystemExit(2)
    body = json.loads(base64.b64decode("".join(lines[1:-1])))
    params = body["kdf"]["params"]
    secret = hashlib.scrypt(password.encode(), salt=base64.b64decode(body["kdf"]["salt"]),
                            n=params["N"], r=params["r"], p=params["p"], maxmem=256 * 1024 * 1024, dklen=32)
    try:
        der = nacl.secret.SecretBox(secret).decrypt(base64.b64decode(body["ciphertext"]),
                                                    base64.b64decode(body["cipher"]["nonce"]))
    except nacl.exceptions.CryptoError:
        return None
    return serialization.load_der_private_key(der, password=None), label, params


def decrypt(key_file, password):
    opened = open_private_key(key_file, password)
    if opened is None:
        print("wrong password", file=sys.stderr)
        return 1
    key, label, params = opened
    sys.stdout.write(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                   serialization.PublicFormat.SubjectPublicKeyInfo).decode())
    print(json.dumps({"label": label, "N": params["N"], "r": params["r"], "p": params["p"]}))
    return 0


def sign(key_file, password, payload_file):
    opened = open_private_key(key_file, password)
    if opened is None:
        print("wrong password", file=sys.stderr)
        return 1
    with open(payload_file, "rb") as f:
        payload = f.read()
    print(base64.b64encode(opened[0].sign(payload, ec.ECDSA(hashes.SHA256()))).decode())
    return 0


def attest(key_file, password, statement_file):
    opened = open_private_key(key_file, password)
    if opened is None:
        print("wrong password", file=sys.stderr)
        return 1
    with open(statement_file, "rb") as f:
        statement = f.read()
    payload_type = "application/vnd.in-toto+json"
    pae = b"DSSEv1 %d %s %d %s" % (len(payload_type), payload_type.encode(), len(statement), statement)
    signature = opened[0].sign(pae, ec.ECDSA(hashes.SHA256()))
    print(json.dumps({"payloadType": payload_type, "payload": base64.b64encode(statement).decode(),
                      "signatures": [{"keyid": "", "sig": base64.b64encode(signature).decode()}]}))
    return 0


if __name__ == "__main__":
    command, arguments = sys.argv[1], sys.argv[2:]
    sys.exit({"verify": verify, "decrypt": decrypt, "sign": sign, "attest": attest}[command](*arguments))
