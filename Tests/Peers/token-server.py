#!/usr/bin/env python3
"""Docker token-auth service for tests against distribution (docker-registry) 2.8.

GET /token?service=S&scope=repository:NAME:pull,push[&scope=...][&account=A][&lifetime=N]
    with optional HTTP basic auth answers
    {"token": JWT, "access_token": JWT, "expires_in": N, "issued_at": ISO8601}.
    `lifetime` (a test's own, not docker's) overrides --lifetime for this one token;
    a negative one gives a token that expired that many seconds before issue, so a
    test can have an expired token without waiting for one to expire.
POST /token with an OAuth2 form (grant_type=password, username, password,
    service, scope) answers the same JSON.
GET /stats answers {"issued": N, "denied": N, "requests": N, "accounts": {...}}.

The JWT is what distribution 2.8's registry/auth/token expects: header with
alg ES256 and an x5c chain that verifies against the registry's
`rootcertbundle` (written to --bundle at startup); claims iss (= --issuer),
aud (= the requested service, a string), sub, exp, nbf, iat, jti and `access`.
distribution accepts tokens up to 60 s past `exp`; `exp` is set 60 s early so
that the registry stops accepting a token exactly --lifetime seconds after
issue (or, with the `lifetime` parameter, that many seconds), which lets tests
drive a client's token refresh on 401.

The policy file (--policy) is JSON:
    {"users": {"alice": "secret"},
     "grants": [{"account": "alice", "repository": "team/*", "actions": ["pull", "push"]},
                {"account": null, "repository": "public/*", "actions": ["pull"]}]}
An account of null grants anonymous requests, "*" any authenticated user;
repository is an fnmatch pattern. Unknown users or wrong passwords get 401.

Prints "PORT=<n>" as its first stdout line, and exits when its parent dies.
"""

import argparse
import base64
import datetime
import fnmatch
import json
import os
import signal
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

from peer_common import exit_with_parent, reply_json


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class Signer:
    """An ES256 key with a self-signed certificate that is also the trust root."""

    def __init__(self, issuer):
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.timezone.utc)
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)])
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True,
                    crl_sign=False, encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .sign(self.key, hashes.SHA256())
        )

    def bundle_pem(self):
        return self.certificate.public_bytes(serialization.Encoding.PEM)

    def sign(self, claims):
        der = self.certificate.public_bytes(serialization.Encoding.DER)
        header = {"typ": "JWT", "alg": "ES256", "x5c": [base64.b64encode(der).decode("ascii")]}
        signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims).encode())
        r, s = decode_dss_signature(self.key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        signature = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        return signing_input + "." + b64url(signature)


class Policy:
    def __init__(self, document):
        self.users = document.get("users", {})
        self.grants = document.get("grants", [])

    def authenticate(self, username, password):
        """Returns the account name, None for anonymous, or raises PermissionError."""
        if username is None:
            return None
        if self.users.get(username) != password:
            raise PermissionError(username)
        return username

    def allowed(self, account, resource_type, name, requested):
        if resource_type != "repository":
            return []
        granted = set()
        for grant in self.grants:
            who = grant.get("account")
            if who == account or (who == "*" and account is not None):
                if fnmatch.fnmatchcase(name, grant["repository"]):
                    granted.update(grant["actions"])
        if "*" in granted:
            return list(requested)
        return [action for action in requested if action in granted]


def parse_scope(scope):
    """Splits "type:name:a,b" (name may contain ':' for a port) into its parts."""
    resource_type, _, rest = scope.partition(":")
    name, _, actions = rest.rpartition(":")
    if not resource_type or not name:
        return None
    return resource_type, name, [a for a in actions.split(",") if a]


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.issued = 0
        self.denied = 0
        self.requests = 0
        self.accounts = {}

    def record(self, issued, account=None):
        with self.lock:
            self.requests += 1
            if issued:
                self.issued += 1
                key = account or "<anonymous>"
                self.accounts[key] = self.accounts.get(key, 0) + 1
            else:
                self.denied += 1

    def snapshot(self):
        with self.lock:
            return {"issued": self.issued, "denied": self.denied,
                    "requests": self.requests, "accounts": dict(self.accounts)}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "airlock-test-token-server"

    def log_message(self, fmt, *args):
        sys.stderr.write("token-server: %s\n" % (fmt % args))

    def reply(self, status, document, extra_headers=()):
        reply_json(self, status, document, extra_headers)

    def basic_credentials(self):
        header = self.headers.get("Authorization", "")
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None, None
        username, _, password = base64.b64decode(value).decode("utf-8").partition(":")
        return username, password

    def do_GET(self):
        url = urlsplit(self.path)
        if url.path == "/stats":
            self.reply(200, self.server.stats.snapshot())
        elif url.path == "/token":
            username, password = self.basic_credentials()
            self.issue(parse_qs(url.query), username, password)
        else:
            self.reply(404, {"error": "not found"})

    def do_POST(self):
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        if url.path != "/token":
            self.reply(404, {"error": "not found"})
        elif form.get("grant_type", [""])[0] != "password":
            self.reply(400, {"error": "unsupported_grant_type"})
        else:
            self.issue(form, form.get("username", [None])[0], form.get("password", [None])[0])

    def issue(self, params, username, password):
        config = self.server.config
        try:
            account = self.server.policy.authenticate(username, password)
        except PermissionError:
            self.server.stats.record(False)
            self.reply(401, {"errors": [{"code": "UNAUTHORIZED", "message": "invalid credentials"}]},
                       [("WWW-Authenticate", 'Basic realm="airlock-test-token-server"')])
            return
        service = params.get("service", [config.service])[0]
        if service != config.service:
            self.server.stats.record(False)
            self.reply(400, {"errors": [{"code": "DENIED", "message": "unknown service %r" % service}]})
            return
        access = []
        for scope_parameter in params.get("scope", []):
            for scope in scope_parameter.split(" "):
                parsed = parse_scope(scope)
                if parsed is None:
                    continue
                resource_type, name, requested = parsed
                actions = self.server.policy.allowed(account, resource_type, name, requested)
                access.append({"type": resource_type, "name": name, "actions": actions})
        try:
            lifetime = int(params.get("lifetime", [config.lifetime])[0])
        except ValueError:
            self.server.stats.record(False)
            self.reply(400, {"errors": [{"code": "DENIED", "message": "lifetime must be an integer"}]})
            return
        now = int(time.time())
        claims = {
            "iss": config.issuer,
            "sub": account or "",
            "aud": service,
            "exp": now + lifetime - 60,
            "nbf": now - 1,
            "iat": now,
            "jti": uuid.uuid4().hex,
            "access": access,
        }
        token = self.server.signer.sign(claims)
        self.server.stats.record(True, account)
        issued_at = datetime.datetime.fromtimestamp(now, datetime.timezone.utc).isoformat()
        self.reply(200, {"token": token, "access_token": token,
                         "expires_in": lifetime, "issued_at": issued_at})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--bundle", required=True, help="where to write the PEM certificate the registry must trust")
    parser.add_argument("--policy", help="JSON file with users and grants")
    parser.add_argument("--issuer", default="airlock-test-token-server")
    parser.add_argument("--service", default="airlock-test-registry")
    parser.add_argument("--lifetime", type=int, default=300, help="seconds the registry accepts a token")
    config = parser.parse_args()
    exit_with_parent()

    policy = {}
    if config.policy:
        with open(config.policy) as policy_file:
            policy = json.load(policy_file)

    server = ThreadingHTTPServer(("127.0.0.1", config.port), Handler)
    server.daemon_threads = True
    server.config = config
    server.policy = Policy(policy)
    server.stats = Stats()
    server.signer = Signer(config.issuer)
    with open(config.bundle, "wb") as bundle:
        bundle.write(server.signer.bundle_pem())

    print("PORT=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
