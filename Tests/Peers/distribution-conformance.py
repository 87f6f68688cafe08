#!/usr/bin/env python3
"""OCI distribution-spec conformance checker (standard library only).

An independent re-implementation of what the official conformance suite
(opencontainers/distribution-spec, directory conformance/, Go) checks, so that
a registry can be checked where Go is not available.  The facts come from that
suite (run.go, api.go, testdata.go, config.go) and from spec.md of the same
repository; the code is our own.  Settings follow the suite's "1.1+dev"
defaults: referrers, anonymous mount, upload cancel, tag parameters on
manifest PUT, and a required Docker-Content-Digest header on blob and
manifest reads are all tested.  The "sparse" data set (off by default in the
suite) is not generated.

Check names follow the suite's test names ("<group>/<sub-test>/<check>"), with
a short digest or tag appended where the suite runs the same test several
times.  Checks that are not in the suite but follow from the spec are marked
with "(spec)" in their name.

What is checked, in order:
  ping                  GET /v2/
  empty/...             tag list and referrers list on an empty repository
  <algo> blobs/...      for sha256 and sha512: get-missing; blob push by
                        post only (monolithic POST), post+put, chunked single,
                        chunked multi, chunked multi + PUT of the last chunk,
                        chunked out-of-order (416 then GET status), the same
                        with a last PUT chunk, stream (PATCH with chunked
                        transfer encoding), mount from repo2, anonymous mount,
                        mount of a missing blob (must fall back to 202), post
                        cancel (DELETE of the session -> 204); after each
                        push: HEAD, GET, DELETE and a HEAD (404) re-check;
                        range requests (206 and 416 cases); empty blob and
                        "{}" blob; bad digests for each push method (400).
  <data set>/...        push blobs, push manifests by digest (children
                        first, with ?tag= parameters for the tag-param sets),
                        push tags; tag list (+ ?last=); HEAD and GET of every
                        tag, manifest and blob (body, Content-Type,
                        Content-Length, Docker-Content-Digest); referrers
                        with and without artifactType filter; delete tags,
                        manifests and blobs, each followed by a HEAD that
                        must return 404.
                        Data sets: image, image-uncompressed, large-manifest
                        (~3.9 MB of annotations), index, nested-index,
                        empty-index, artifact, artifact-index,
                        artifact-without-layers, artifacts-with-subject,
                        index-with-subject, missing-subject, data-field,
                        non-distributable-layers, custom-fields, no-layers,
                        sha512, tag-param-sha256, tag-param-sha512,
                        bad-digest-image (manifest body does not match its
                        digest: PUT must give 400).
  missing-manifest/...  GET of an unknown digest and an unknown tag -> 404
  invalid-digest-format PUT/GET manifests/sha256:baddigeststring
  read-only             with --read-only: only reads of the given tags,
                        manifests, blobs and referrers (no content checks).

Checks from the spec that the suite does not make, marked "(spec)":
  tag-list (spec)       tags in lexical or ASCII order; ?n=0 (empty list, no
                        Link), ?n=1 (one tag, the first in order, or a Link
                        header), ?n=1&last=
  digest-algorithm      POST ?digest-algorithm=sha512 (end-4c)
  errors (spec)         404 for a missing blob, manifest, repository and
                        upload session; 400 for a referrers request with an
                        invalid digest and for a bad blob digest; a manifest
                        whose blobs are missing is accepted or rejected with
                        MANIFEST_BLOB_UNKNOWN; a manifest that is not JSON
                        gets a 4xx; every JSON error body has the spec's
                        {"errors": [{"code": ...}]} form and codes
  delete referenced     DELETE of a manifest that an index still lists and of
                        a blob that a manifest still uses: a refusal is a
                        SKIP, but 202 must mean gone (HEAD 404)
  also: OCI-Tag missing after a PUT with ?tag= is a FAIL (not a SKIP as in
  the suite) when the tags were created anyway; a blob DELETE answered 400
  counts as "deletes disabled" (spec end-10), like 405.

Requests are made on a fresh connection each, manifests are PUT with chunked
transfer encoding and streamed blob PATCHes too (as the suite's Go client
does); redirects are followed on GET and HEAD, to loopback addresses only.

Output: one line per check, "PASS name", "FAIL name: expected ..., got ..."
(followed by the failing request and response, indented), or
"SKIP name: why"; then "N passed, M failed, K skipped".  Exit status 0 only
when nothing failed.  As in the suite, a registry answering that an optional
feature is unsupported (e.g. a range request answered with the whole blob,
mount answered with 202, no OCI-Filters-Applied header) is reported as SKIP.

Usage:
  distribution-conformance.py --registry http://127.0.0.1:5000
      [--repo conformance/repo1] [--repo2 conformance/repo2]
      [--read-only --ro-tags T... --ro-manifests D... --ro-blobs D...
       --ro-referrers D...]
      [--username U --password P] [--no-delete] [--cacert FILE] [--verbose]
"""

import argparse
import base64
import gzip
import hashlib
import http.client
import io
import ipaddress
import json
import os
import ssl
import sys
import tarfile
import urllib.parse

MT_EXAMPLE1 = "application/vnd.example.oci.conformance.v1"
MT_EXAMPLE2 = "application/vnd.example.oci.conformance.v2"
MT_OCTET = "application/octet-stream"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_IMAGE = "application/vnd.oci.image.manifest.v1+json"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
MT_LAYER_PREFIX = "application/vnd.oci.image.layer.v1."
MT_LAYER_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"
MT_LAYER_ND = "application/vnd.oci.image.layer.nondistributable.v1.tar"
MT_LAYER_ND_GZ = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
MT_EMPTY = "application/vnd.oci.empty.v1+json"

CHUNK_MIN = 1024  # the suite's minimum chunk size
EXCERPT = 400     # bytes of a body shown in a failure report


# ---------------------------------------------------------------- helpers

def rand_text():
    """26 random characters, like Go's crypto/rand.Text()."""
    return base64.b32encode(os.urandom(16)).decode().rstrip("=")


def digest_of(data, algo="sha256"):
    return algo + ":" + hashlib.new(algo, data).hexdigest()


def short(ref):
    if ":" in ref:
        algo, hexpart = ref.split(":", 1)
        return "%s:%s" % (algo, hexpart[:12])
    return ref


def jdump(obj):
    return json.dumps(obj, separators=(",", ":")).encode()


def excerpt(body):
    if body is None:
        return ""
    if len(body) == 0:
        return "(empty body)"
    try:
        text = body[:EXCERPT].decode("utf-8")
        if all(c.isprintable() or c in "\r\n\t" for c in text):
            more = "" if len(body) <= EXCERPT else " ... (%d bytes)" % len(body)
            return text.replace("\n", "\\n") + more
    except UnicodeDecodeError:
        pass
    return "(%d bytes of binary data)" % len(body)


class Failed(Exception):
    """The check failed."""


class Unsupported(Exception):
    """The registry reports an optional feature as unsupported (a SKIP)."""


# ---------------------------------------------------------------- HTTP

class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers  # list of (name, value)
        self.body = body
        self.short_body = None  # set when the connection closed before Content-Length bytes

    def values(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def header(self, name):
        vals = self.values(name)
        return vals[0] if vals else None


class Exchange:
    def __init__(self, method, url, headers, body_len, body_note):
        self.method, self.url, self.headers = method, url, headers
        self.body_len, self.body_note = body_len, body_note
        self.response = None
        self.error = None

    def lines(self):
        out = ["> %s %s" % (self.method, self.url)]
        for k, v in self.headers:
            out.append(">   %s: %s" % (k, v if k.lower() != "authorization" else "*****"))
        if self.body_len is not None:
            out.append(">   (request body %s)" % self.body_note)
        if self.error:
            out.append("< error: %s" % self.error)
        elif self.response is not None:
            r = self.response
            out.append("< %d %s" % (r.status, r.reason))
            for k, v in r.headers:
                out.append("<   %s: %s" % (k, v))
            out.append("<   body: %s" % excerpt(r.body))
            if r.short_body:
                out.append("<   (connection closed early: %s)" % r.short_body)
        return out


def is_loopback(host):
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class Client:
    def __init__(self, registry, username=None, password=None, cacert=None):
        self.registry = registry.rstrip("/")
        self.username, self.password = username, password
        self.ctx = None
        if self.registry.startswith("https:"):
            self.ctx = ssl.create_default_context(cafile=cacert)
        self.auth_cache = {}
        self.log = []  # exchanges of the running check

    def url(self, path):
        return self.registry + path

    @staticmethod
    def auth_key(u, method):
        parts = u.path.split("/")
        repo = ""
        for marker in ("blobs", "manifests", "tags", "referrers"):
            if marker in parts[2:]:
                repo = "/".join(parts[2:parts.index(marker, 2)])
                break
        action = "pull" if method in ("GET", "HEAD") else "push" if method in ("POST", "PUT", "PATCH") else method
        return "%s:%s:%s" % (u.netloc, repo, action)

    def request(self, method, url, headers=None, body=None, chunked=False, follow=True):
        """Send one request (following loopback redirects and answering auth
        challenges); the exchanges are appended to self.log."""
        headers = list(headers or [])
        if not url.startswith("http"):
            url = self.url(url)
        key = self.auth_key(urllib.parse.urlsplit(url), method)
        if key in self.auth_cache:
            headers.append(("Authorization", self.auth_cache[key]))
        resp = self._send(method, url, headers, body, chunked)
        if resp.status == 401 and self.username is not None:
            auth = self._auth_header(resp, url)
            if auth:
                self.auth_cache[key] = auth
                headers = [h for h in headers if h[0].lower() != "authorization"] + [("Authorization", auth)]
                resp = self._send(method, url, headers, body, chunked)
        hops = 0
        while follow and method in ("GET", "HEAD") and resp.status in (301, 302, 303, 307, 308) and hops < 5:
            loc = resp.header("Location")
            if not loc:
                break
            nxt = urllib.parse.urljoin(url, loc)
            if not is_loopback(urllib.parse.urlsplit(nxt).hostname or ""):
                break  # never leave the loopback interface
            if urllib.parse.urlsplit(nxt).netloc != urllib.parse.urlsplit(url).netloc:
                headers = [h for h in headers if h[0].lower() != "authorization"]
            url = nxt
            resp = self._send(method, url, headers, None, False)
            hops += 1
        resp.url = url
        return resp

    def _auth_header(self, resp, url):
        challenge = resp.header("WWW-Authenticate") or ""
        scheme = challenge.split(" ", 1)[0].lower()
        if scheme == "basic":
            return "Basic " + base64.b64encode(("%s:%s" % (self.username, self.password)).encode()).decode()
        if scheme == "bearer":
            params = dict()
            for part in challenge[len("bearer"):].split(","):
                if "=" in part:
                    k, v = part.strip().split("=", 1)
                    params[k.lower()] = v.strip('"')
            realm = urllib.parse.urljoin(url, params.get("realm", ""))
            if not is_loopback(urllib.parse.urlsplit(realm).hostname or ""):
                return None
            q = {"service": params.get("service", "")}
            if params.get("scope"):
                q["scope"] = params["scope"]
            basic = base64.b64encode(("%s:%s" % (self.username, self.password)).encode()).decode()
            tr = self._send("GET", realm + "?" + urllib.parse.urlencode(q),
                            [("Accept", "application/json"), ("Authorization", "Basic " + basic)], None, False)
            if tr.status != 200:
                return None
            info = json.loads(tr.body or b"{}")
            return "Bearer " + (info.get("access_token") or info.get("token", ""))
        return None

    def _send(self, method, url, headers, body, chunked):
        u = urllib.parse.urlsplit(url)
        if not is_loopback(u.hostname or ""):
            raise Failed("refusing to contact non-loopback address %s" % u.hostname)
        path = (u.path or "/") + ("?" + u.query if u.query else "")
        names = {k.lower() for k, _ in headers}
        if body is not None and chunked:
            headers = headers + [("Transfer-Encoding", "chunked")]
        elif "content-length" not in names and (body is not None or method in ("POST", "PUT", "PATCH")):
            headers = headers + [("Content-Length", str(len(body or b"")))]
        note = None
        if body is not None:
            note = "%d bytes%s" % (len(body), ", chunked transfer encoding" if chunked else "")
            if len(body) <= 300 and body[:1] in (b"{", b"["):
                note += ": " + excerpt(body)
        ex = Exchange(method, url, headers, None if body is None else len(body), note)
        self.log.append(ex)
        if u.scheme == "https":
            conn = http.client.HTTPSConnection(u.hostname, u.port or 443, timeout=120, context=self.ctx)
        else:
            conn = http.client.HTTPConnection(u.hostname, u.port or 80, timeout=120)
        try:
            conn.putrequest(method, path, skip_accept_encoding=True)
            for k, v in headers:
                conn.putheader(k, v)
            conn.endheaders()
            if body is not None:
                if chunked:
                    step = 16384
                    for i in range(0, len(body), step):
                        piece = body[i:i + step]
                        conn.send(b"%x\r\n" % len(piece) + piece + b"\r\n")
                    conn.send(b"0\r\n\r\n")
                elif body:
                    conn.send(body)
            r = conn.getresponse()
            note = None
            try:
                data = r.read()
            except http.client.IncompleteRead as e:
                # keep what arrived: a status check may still pass (as with Go's client,
                # which reports a short body only when the body is read)
                data, note = e.partial, "%d bytes of body received, %d more announced" % (
                    len(e.partial), e.expected)
            resp = Response(r.status, r.reason, r.getheaders(), data)
            resp.short_body = note
        except (OSError, http.client.HTTPException) as e:
            ex.error = "%s: %s" % (type(e).__name__, e)
            raise Failed("request %s %s failed: %s" % (method, url, ex.error))
        finally:
            conn.close()
        ex.response = resp
        return resp


# ---------------------------------------------------------------- expectations

def expect_status(resp, *codes, what=""):
    if resp.status not in codes:
        raise Failed("%sexpected status %s, got %d%s" % (
            what + ": " if what else "", " or ".join(map(str, codes)), resp.status,
            (" (body: %s)" % excerpt(resp.body)) if resp.body else ""))


def expect_header(resp, name, value=None, what=""):
    vals = resp.values(name)
    pre = what + ": " if what else ""
    if value is None:
        if not vals:
            raise Failed("%sexpected header %s, got none" % (pre, name))
    elif value not in vals:
        raise Failed("%sexpected header %s: %s, got %s" % (pre, name, value, vals if vals else "no such header"))


def expect_body(resp, body, what=""):
    if resp.short_body:
        raise Failed("%sexpected a body of %d bytes, got a short body (%s)" % (
            what + ": " if what else "", len(body), resp.short_body))
    if resp.body != body:
        raise Failed("%sexpected body of %d bytes (%s), got %d bytes (%s)" % (
            what + ": " if what else "", len(body), excerpt(body), len(resp.body), excerpt(resp.body)))


def verify_digest_header(resp, dig, required, what=""):
    got = resp.header("Docker-Content-Digest")
    pre = what + ": " if what else ""
    if got is None:
        if required:
            raise Failed("%sexpected header Docker-Content-Digest: %s, got none" % (pre, dig))
    elif dig and got != dig:
        raise Failed("%sexpected header Docker-Content-Digest: %s, got %s" % (pre, dig, got))


ERROR_CODES = {"BLOB_UNKNOWN", "BLOB_UPLOAD_INVALID", "BLOB_UPLOAD_UNKNOWN", "DIGEST_INVALID",
               "MANIFEST_BLOB_UNKNOWN", "MANIFEST_INVALID", "MANIFEST_UNKNOWN", "NAME_INVALID", "NAME_UNKNOWN",
               "SIZE_INVALID", "UNAUTHORIZED", "DENIED", "UNSUPPORTED", "TOOMANYREQUESTS"}


def expect_error_body(resp, want_code=None):
    """A JSON error body must be {"errors": [{"code": ..., ...}]} with the spec's codes
    (spec, Error Codes).  Returns the codes; a body that is not JSON is allowed.
    want_code names the code one would expect; it is not enforced, as the spec
    does not tie codes to requests (except MANIFEST_BLOB_UNKNOWN)."""
    if resp.body is None or not resp.body.strip():
        return []
    try:
        doc = json.loads(resp.body)
    except ValueError:
        return []
    errs = doc.get("errors") if isinstance(doc, dict) else None
    if not isinstance(errs, list) or not errs:
        raise Failed("expected a JSON error body {\"errors\": [...]}, got %s" % excerpt(resp.body))
    codes = []
    for e in errs:
        code = e.get("code") if isinstance(e, dict) else None
        if code not in ERROR_CODES:
            raise Failed("expected error codes from the spec's list, got %r in %s" % (code, excerpt(resp.body)))
        codes.append(code)
    return codes


def media_type_of(manifest):
    try:
        return json.loads(manifest).get("mediaType") or MT_IMAGE
    except ValueError:
        return MT_IMAGE


def subject_of(manifest):
    try:
        return json.loads(manifest).get("subject")
    except ValueError:
        return None


# ---------------------------------------------------------------- test data

class TestData:
    """Blobs and manifests of one data set, generated like the suite's."""

    def __init__(self, name):
        self.name = name
        self.tags = {}          # tag -> digest
        self.tag_pushed = set()
        self.desc = {}          # digest -> descriptor dict
        self.blobs = {}         # digest -> bytes
        self.manifests = {}     # digest -> bytes
        self.order = []         # manifests in push order (children first)
        self.referrers = {}     # subject digest -> [expected descriptor]
        self.skip_pull = set()  # digests not to be read back
        self.tag_param = set()  # digests pushed with ?tag= parameters
        self.bad_digest = set() # manifests whose body does not match the digest
        self.read_only = False

    def add_blob(self, data, algo="sha256", media_type=MT_OCTET, set_data=False):
        dig = digest_of(data, algo)
        self.blobs[dig] = data
        self.desc[dig] = {"mediaType": media_type, "digest": dig, "size": len(data)}
        if set_data:
            self.desc[dig]["data"] = base64.b64encode(data).decode()
        return dig

    def gen_blob(self, size=2048, algo="sha256", media_type=MT_OCTET, set_data=False):
        data = os.urandom(size)
        return self.add_blob(data, algo, media_type, set_data), data

    def gen_layer(self, num, compress=True, algo="sha256", set_data=False):
        content = ("Conformance test file contents for file number %d.\nTodays lucky number is %d\n"
                   % (num, int.from_bytes(os.urandom(7), "big"))).encode()
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
            info = tarfile.TarInfo("./conformance-%d.txt" % num)
            info.size, info.mode, info.mtime = len(content), 0o644, 0
            tf.addfile(info, io.BytesIO(content))
        tar = buf.getvalue()
        if compress:
            data, mt = gzip.compress(tar, mtime=0), MT_LAYER_GZ
        else:
            data, mt = tar, MT_LAYER
        dig = self.add_blob(data, algo, mt, set_data)
        return dig, digest_of(tar, algo)

    def gen_config(self, platform, diff_ids, algo="sha256", media_type=MT_CONFIG, extra=False, set_data=False):
        cfg = {"author": "OCI Conformance Test", "architecture": platform["architecture"],
               "os": platform["os"], "config": {}, "rootfs": {"type": "layers", "diff_ids": diff_ids}}
        if extra:
            cfg["org." + rand_text()] = rand_text()
        return self.add_blob(jdump(cfg), algo, media_type, set_data)

    def _register(self, body, doc, algo, tag, set_data, subject, artifact_type):
        dig = digest_of(body, algo)
        self.manifests[dig] = body
        self.order.append(dig)
        self.desc[dig] = {"mediaType": doc["mediaType"], "digest": dig, "size": len(body)}
        if set_data:
            self.desc[dig]["data"] = base64.b64encode(body).decode()
        if subject is not None:
            entry = {"mediaType": doc["mediaType"], "digest": dig, "size": len(body)}
            if artifact_type:
                entry["artifactType"] = artifact_type
            if doc.get("annotations"):
                entry["annotations"] = doc["annotations"]
            self.referrers.setdefault(subject["digest"], []).append(entry)
        if tag:
            self.tags[tag] = dig
        return dig

    def gen_manifest(self, config, layers, algo="sha256", artifact_type=None, subject=None,
                     annotations=None, annotation_uniq=False, extra=False, tag=None, set_data=False):
        m = {"schemaVersion": 2, "mediaType": MT_IMAGE}
        if artifact_type:
            m["artifactType"] = artifact_type
        m["config"] = config
        m["layers"] = layers
        if subject is not None:
            m["subject"] = subject
        ann = dict(annotations or {})
        if annotation_uniq:
            ann["org.example." + rand_text()] = rand_text()
        if ann:
            m["annotations"] = ann
        if extra:
            m["org." + rand_text()] = rand_text()
        body = jdump(m)
        at = artifact_type or config["mediaType"]
        return self._register(body, m, algo, tag, set_data, subject, at)

    def gen_manifest_full(self, layer_count=2, platform=None, algo="sha256", compress=True,
                          layer_media_type=None, layer_bytes=None, config_media_type=None,
                          config_bytes=None, extra=False, set_data=False, **kw):
        platform = platform or {"os": "linux", "architecture": "amd64"}
        layers, diff_ids = [], []
        for n in range(layer_count):
            if layer_media_type is None or layer_media_type.startswith(MT_LAYER_PREFIX):
                d, uc = self.gen_layer(n, compress, algo, set_data)
            elif layer_bytes is not None:
                d = uc = self.add_blob(layer_bytes, algo, layer_media_type, set_data)
            else:
                d, _ = self.gen_blob(algo=algo, media_type=layer_media_type, set_data=set_data)
                uc = d
            layers.append(dict(self.desc[d]))
            diff_ids.append(uc)
        if config_media_type is None or config_media_type == MT_CONFIG:
            c = self.gen_config(platform, diff_ids, algo, extra=extra, set_data=set_data)
        else:
            c = self.add_blob(config_bytes, algo, config_media_type, set_data)
        return self.gen_manifest(dict(self.desc[c]), layers, algo=algo, extra=extra, set_data=set_data, **kw)

    def gen_index(self, platforms, manifests, algo="sha256", artifact_type=None, subject=None,
                  annotations=None, annotation_uniq=False, extra=False, tag=None, set_data=False):
        entries = []
        for p, d in zip(platforms, manifests):
            e = dict(self.desc[d])
            if p is not None:
                e["platform"] = p
            entries.append(e)
        ind = {"schemaVersion": 2, "mediaType": MT_INDEX}
        if artifact_type:
            ind["artifactType"] = artifact_type
        ind["manifests"] = entries
        if subject is not None:
            ind["subject"] = subject
        ann = dict(annotations or {})
        if annotation_uniq:
            ann["org.example." + rand_text()] = rand_text()
        if ann:
            ind["annotations"] = ann
        if extra:
            ind["org." + rand_text()] = rand_text()
        body = jdump(ind)
        return self._register(body, ind, algo, tag, set_data, subject, artifact_type)

    def gen_index_full(self, platforms=None, algo="sha256", artifact_type=None, subject=None,
                       annotations=None, annotation_uniq=False, extra=False, tag=None, set_data=False, **kw):
        if platforms is None:
            platforms = [{"os": "linux", "architecture": "amd64"}, {"os": "linux", "architecture": "arm64"}]
        # as in the suite, the images get the index's options too (a subject included)
        children = [self.gen_manifest_full(platform=p, algo=algo, artifact_type=artifact_type, subject=subject,
                                           annotations=annotations, annotation_uniq=annotation_uniq,
                                           extra=extra, set_data=set_data, **kw) for p in platforms]
        return self.gen_index(platforms, children, algo=algo, artifact_type=artifact_type, subject=subject,
                              annotations=annotations, annotation_uniq=annotation_uniq, extra=extra,
                              tag=tag, set_data=set_data)


AMD64 = {"os": "linux", "architecture": "amd64"}
ARM64 = {"os": "linux", "architecture": "arm64"}
CONFORMANCE_ANN = {"org.opencontainers.conformance": "hello conformance test"}
ARTIFACT = dict(config_media_type=MT_EMPTY, config_bytes=b"{}", layer_count=1, layer_media_type=MT_EXAMPLE1)


def generate_data_sets():
    """The suite's data sets, in the suite's order."""
    sets = []

    def new(name):
        td = TestData(name)
        sets.append(td)
        return td

    new("image").gen_manifest_full(tag="image")
    new("image-uncompressed").gen_manifest_full(tag="image-uncompressed", compress=False)
    big = {"large-annotation-%d" % i: "A" * 10000 for i in range(390)}
    new("large-manifest").gen_manifest_full(tag="large-manifest", annotations=big)
    new("index").gen_index_full(tag="index", platforms=[AMD64, ARM64])
    td = new("nested-index")
    i1 = td.gen_index_full(platforms=[AMD64, ARM64])
    i2 = td.gen_index_full(platforms=[AMD64, ARM64])
    td.gen_index([None, None], [i1, i2], tag="index-of-index")
    new("empty-index").gen_index_full(tag="index", platforms=[])
    new("artifact").gen_manifest_full(tag="artifact", artifact_type=MT_EXAMPLE1, **ARTIFACT)
    new("artifact-index").gen_index_full(tag="artifact-index", platforms=[AMD64, ARM64],
                                         artifact_type=MT_EXAMPLE1, **ARTIFACT)
    new("artifact-without-layers").gen_manifest_full(
        tag="artifact-without-layers", artifact_type=MT_EXAMPLE1, config_media_type=MT_EMPTY,
        config_bytes=b"{}", layer_count=1, layer_bytes=b"{}", layer_media_type=MT_EMPTY)
    td = new("artifacts-with-subject")
    subj = dict(td.desc[td.gen_manifest_full(tag="image")])
    td.gen_manifest_full(subject=subj)
    td.gen_manifest_full(artifact_type=MT_EXAMPLE1, annotations=CONFORMANCE_ANN, annotation_uniq=True,
                         subject=subj, tag="tagged-artifact1", **ARTIFACT)
    td.gen_manifest_full(artifact_type=MT_EXAMPLE2, annotations=CONFORMANCE_ANN, annotation_uniq=True,
                         subject=subj, tag="tagged-artifact2", config_media_type=MT_EMPTY, config_bytes=b"{}",
                         layer_count=1, layer_media_type=MT_OCTET)
    td = new("index-with-subject")
    subj = dict(td.desc[td.gen_index_full(tag="index")])
    td.gen_index_full(artifact_type=MT_EXAMPLE1, annotations=CONFORMANCE_ANN, annotation_uniq=True,
                      subject=subj, tag="tagged-artifact", **ARTIFACT)
    td = new("missing-subject")
    missing = {"mediaType": MT_IMAGE, "digest": digest_of(b"missing content"), "size": 123}
    td.gen_manifest_full(artifact_type=MT_EXAMPLE1, annotations=CONFORMANCE_ANN, annotation_uniq=True,
                         subject=missing, tag="tagged-artifact", **ARTIFACT)
    new("data-field").gen_manifest_full(tag="data-field", set_data=True)
    td = new("non-distributable-layers")
    d0 = digest_of(os.urandom(256))
    d1 = digest_of(os.urandom(256))
    layers = [
        {"mediaType": MT_LAYER_ND_GZ, "digest": d0, "size": 123456,
         "urls": ["https://store.example.com/blobs/sha256/" + d0.split(":")[1]]},
        {"mediaType": MT_LAYER_ND, "digest": d1, "size": 12345,
         "urls": ["https://store.example.com/blobs/sha256/" + d1.split(":")[1]]},
    ]
    c, uc = td.gen_layer(1)
    layers.append(dict(td.desc[c]))
    cfg = td.gen_config(AMD64, [digest_of(os.urandom(256)), d1, uc])
    td.gen_manifest(dict(td.desc[cfg]), layers, tag="non-distributable-image")
    new("custom-fields").gen_index_full(tag="custom-fields", platforms=[AMD64, ARM64], extra=True)
    new("no-layers").gen_manifest_full(tag="no-layers", layer_count=0)
    new("sha512").gen_index_full(algo="sha512")
    for algo in ("sha256", "sha512"):
        name = "tag-param-" + algo
        td = new(name)
        td.gen_index_full(tag=name, algo=algo)
        for i, dig in enumerate(td.order):
            td.tags["%s-%d" % (name, i)] = dig
            td.tag_param.add(dig)
    td = new("bad-digest-image")
    dig = td.gen_manifest_full()
    td.skip_pull.add(dig)
    td.bad_digest.add(dig)
    td.manifests[dig] += b"  "
    return sets


# ---------------------------------------------------------------- runner

class Runner:
    def __init__(self, args):
        self.args = args
        self.client = Client(args.registry, args.username, args.password, args.cacert)
        self.repo, self.repo2 = args.repo, args.repo2
        self.counts = {"PASS": 0, "FAIL": 0, "SKIP": 0}
        self.push_rotation = 0
        self.min_chunk = CHUNK_MIN
        self.require_digest = True  # the suite's 1.1+dev default

    # -- reporting

    def report(self, status, name, why="", exchanges=()):
        self.counts[status] += 1
        line = "%s %s" % (status, name)
        if why:
            line += ": " + why
        print(line, flush=True)
        if status == "FAIL" or self.args.verbose:
            shown = exchanges if self.args.verbose else exchanges[-2:]
            for ex in shown:
                for ln in ex.lines():
                    print("    " + ln)
            sys.stdout.flush()

    def check(self, name, fn, *a, **kw):
        """Run one check; returns True when it passed."""
        self.client.log = []
        try:
            fn(*a, **kw)
        except Unsupported as e:
            self.report("SKIP", name, "unsupported: %s" % e, self.client.log)
            return False
        except Failed as e:
            self.report("FAIL", name, str(e), self.client.log)
            return False
        except Exception as e:  # a checker error is a failure too, never silent
            self.report("FAIL", name, "checker error %s: %s" % (type(e).__name__, e), self.client.log)
            return False
        self.report("PASS", name, "", self.client.log if self.args.verbose else ())
        return True

    def skip(self, name, why):
        self.report("SKIP", name, why)

    @property
    def can_push(self):
        return not self.args.read_only

    @property
    def can_delete(self):
        return not self.args.read_only and not self.args.no_delete

    # -- low level requests

    def blob_path(self, repo, dig):
        return "/v2/%s/blobs/%s" % (repo, dig)

    def manifest_path(self, repo, ref):
        return "/v2/%s/manifests/%s" % (repo, ref)

    def uploads(self, repo, **query):
        q = urllib.parse.urlencode(query)
        return "/v2/%s/blobs/uploads/%s" % (repo, "?" + q if q else "")

    @staticmethod
    def with_digest(url, dig):
        u = urllib.parse.urlsplit(url)
        q = urllib.parse.parse_qsl(u.query, keep_blank_values=True)
        q = [(k, v) for k, v in q if k != "digest"] + [("digest", dig)]
        return urllib.parse.urlunsplit((u.scheme, u.netloc, u.path, urllib.parse.urlencode(q), u.fragment))

    def location(self, resp, base, what):
        loc = resp.header("Location")
        if not loc:
            raise Failed("%s: expected a Location header, got none" % what)
        return urllib.parse.urljoin(base, loc)

    def verify_location(self, url, data, what="GET of the returned Location"):
        r = self.client.request("GET", url)
        expect_status(r, 200, what=what)
        expect_body(r, data, what=what)

    # -- blob pushes (one method each)

    def push_post_only(self, repo, dig, data, bad=False):
        r = self.client.request("POST", self.uploads(repo, digest=dig),
                                [("Content-Type", MT_OCTET)], data)
        if bad:
            expect_status(r, 400, 202, what="POST with the whole (corrupt) blob")
        else:
            expect_status(r, 201, 202, what="POST with the whole blob")
            expect_header(r, "Location", what="POST with the whole blob")
        if r.status == 202:
            url = self.with_digest(self.location(r, r.url, "POST"), dig)
            r2 = self.client.request("PUT", url, [("Content-Type", MT_OCTET)], data)
            expect_status(r2, 400 if bad else 201, what="PUT after the POST answered 202")
            raise Unsupported("the registry answered 202 to a POST with the blob; fell back to PUT")
        if bad:
            return
        verify_digest_header(r, dig, self.require_digest, "POST response")
        self.verify_location(self.location(r, r.url, "POST"), data)

    def push_post_put(self, repo, dig, data, bad=False):
        r = self.client.request("POST", self.uploads(repo))
        expect_status(r, 202, what="POST (open session)")
        url = self.with_digest(self.location(r, r.url, "POST"), dig)
        r = self.client.request("PUT", url, [("Content-Type", MT_OCTET)], data)
        if bad:
            expect_status(r, 400, what="PUT of the blob with a digest that does not match")
            return
        expect_status(r, 201, what="PUT of the blob")
        verify_digest_header(r, dig, self.require_digest, "PUT response")
        self.verify_location(self.location(r, url, "PUT"), data)

    def push_chunked(self, repo, dig, data, bad=False, put_last=False, out_of_order=False, min_out=None):
        r = self.client.request("POST", self.uploads(repo), [("Content-Length", "0")])
        expect_status(r, 202, what="POST (open session)")
        min_str = r.header("OCI-Chunk-Min-Length")
        if min_out is not None and min_str:
            min_out.append(min_str)
        url = self.location(r, r.url, "POST")
        chunk = len(data) // 3 + 1
        if min_str:
            try:
                chunk = max(chunk, int(min_str))
            except ValueError:
                raise Failed("OCI-Chunk-Min-Length is not a number: %r" % min_str)
        chunk = min(max(chunk, CHUNK_MIN), len(data))
        last = -1
        final = None
        while last < len(data) - 1:
            if out_of_order:
                bad_start = last + 1 + chunk
                if bad_start >= len(data):
                    bad_start = 0
                bad_last = min(bad_start + chunk - 1, len(data) - 1)
                method, target = "PATCH", url
                if put_last and bad_last == len(data) - 1:
                    method, target = "PUT", self.with_digest(url, dig)
                r = self.client.request(method, target, [("Content-Type", MT_OCTET),
                                                         ("Content-Range", "%d-%d" % (bad_start, bad_last))],
                                        data[bad_start:bad_last + 1])
                expect_status(r, 416, what="%s of an out-of-order chunk %d-%d (%d bytes received so far)"
                              % (method, bad_start, bad_last, last + 1))
                if r.header("Location"):
                    url = urllib.parse.urljoin(target, r.header("Location"))
                r = self.client.request("GET", url)
                expect_status(r, 204, what="GET of the upload status after 416")
                if r.header("Location"):
                    url = urllib.parse.urljoin(url, r.header("Location"))
                rng = r.header("Range") or ""
                if not rng.startswith("0-"):
                    raise Failed("upload status: expected a Range header 0-<last byte>, got %r" % rng)
                try:
                    rl = int(rng[2:])
                except ValueError:
                    raise Failed("upload status: Range header %r cannot be parsed" % rng)
                if last >= 0 and rl != last:
                    raise Failed("upload status: expected Range: 0-%d, got %r" % (last, rng))
            start = last + 1
            last = min(start + chunk - 1, len(data) - 1)
            hdrs = [("Content-Type", MT_OCTET), ("Content-Range", "%d-%d" % (start, last))]
            if put_last and last == len(data) - 1:
                final = self.with_digest(url, dig)
                r = self.client.request("PUT", final, hdrs, data[start:last + 1])
                if bad:
                    expect_status(r, 400, what="PUT of the last chunk with a digest that does not match")
                    return
                expect_status(r, 201, what="PUT of the last chunk %d-%d" % (start, last))
            else:
                r = self.client.request("PATCH", url, hdrs, data[start:last + 1])
                expect_status(r, 202, what="PATCH of chunk %d-%d" % (start, last))
                url = self.location(r, url, "PATCH")
        if not put_last:
            final = self.with_digest(url, dig)
            r = self.client.request("PUT", final, [("Content-Length", "0"), ("Content-Type", MT_OCTET)], b"")
            if bad:
                expect_status(r, 400, what="closing PUT with a digest that does not match")
                return
            expect_status(r, 201, what="closing PUT")
        verify_digest_header(r, dig, self.require_digest, "closing PUT response")
        self.verify_location(self.location(r, final, "closing PUT"), data)

    def push_stream(self, repo, dig, data, bad=False):
        r = self.client.request("POST", self.uploads(repo), [("Content-Length", "0")])
        expect_status(r, 202, what="POST (open session)")
        url = self.location(r, r.url, "POST")
        r = self.client.request("PATCH", url, [("Content-Type", MT_OCTET)], data, chunked=True)
        expect_status(r, 202, what="streamed PATCH (chunked transfer encoding)")
        url = self.with_digest(self.location(r, url, "PATCH"), dig)
        r = self.client.request("PUT", url, [("Content-Length", "0"), ("Content-Type", MT_OCTET)], b"")
        if bad:
            expect_status(r, 400, what="closing PUT with a digest that does not match")
            return
        expect_status(r, 201, what="closing PUT")
        expect_header(r, "Location", what="closing PUT")
        verify_digest_header(r, dig, self.require_digest, "closing PUT response")
        self.verify_location(self.location(r, url, "closing PUT"), data)

    def push_mount(self, repo, source, dig, data, expect_missing=False):
        q = {"mount": dig}
        if source:
            q["from"] = source
        r = self.client.request("POST", self.uploads(repo, **q))
        expect_status(r, 201, 202, what="POST ?mount=")
        url = self.location(r, r.url, "POST ?mount=")
        if r.status == 202:
            url = self.with_digest(url, dig)
            r2 = self.client.request("PUT", url, [("Content-Type", MT_OCTET)], data)
            expect_status(r2, 201, what="PUT after the mount fell back to an upload session")
            verify_digest_header(r2, dig, self.require_digest, "PUT response")
            self.verify_location(self.location(r2, url, "PUT"), data)
            if expect_missing:
                return
            raise Unsupported("mount answered 202, fell back to POST+PUT")
        if expect_missing:
            raise Failed("expected status 202 (the blob is not in %s), got 201: the mount of a missing blob succeeded"
                         % source)
        verify_digest_header(r, dig, self.require_digest, "mount response")
        self.verify_location(url, data)

    def post_cancel(self, repo):
        r = self.client.request("POST", self.uploads(repo))
        expect_status(r, 202, what="POST (open session)")
        url = self.location(r, r.url, "POST")
        r = self.client.request("DELETE", url, [("Content-Length", "0")])
        expect_status(r, 204, what="DELETE of the upload session")

    PUSH_METHODS = ("blob-post-put", "blob-post-only", "blob-patch-stream", "blob-patch-chunked")

    def push_method(self, name, repo, dig, data, bad=False):
        return {"blob-post-put": self.push_post_put, "blob-post-only": self.push_post_only,
                "blob-patch-stream": self.push_stream, "blob-patch-chunked": self.push_chunked}[name](
                    repo, dig, data, bad=bad)

    def push_blob_any(self, prefix, repo, dig, data):
        """Push with the next method in rotation, falling back on the others."""
        order = [self.PUSH_METHODS[(self.push_rotation + i) % 4] for i in range(4)]
        self.push_rotation += 1
        for m in order:
            if self.check("%s/%s %s" % (prefix, m, short(dig)), self.push_method, m, repo, dig, data):
                return True
        return False

    # -- blob reads and deletes

    def blob_head(self, repo, dig, data):
        r = self.client.request("HEAD", self.blob_path(repo, dig))
        expect_status(r, 200)
        expect_body(r, b"")
        if data is not None:
            expect_header(r, "Content-Length", str(len(data)))
        verify_digest_header(r, dig, self.require_digest)

    def blob_get(self, repo, dig, data):
        r = self.client.request("GET", self.blob_path(repo, dig))
        expect_status(r, 200)
        if data is not None:
            expect_body(r, data)
            expect_header(r, "Content-Length", str(len(data)))
        verify_digest_header(r, dig, self.require_digest)

    def blob_delete(self, prefix, repo, dig):
        name = "%s/blob-delete %s" % (prefix, short(dig))
        if not self.can_delete:
            self.skip(name, "deletes disabled")
            return

        def delete():
            r = self.client.request("DELETE", self.blob_path(repo, dig))
            # the suite accepts 405 for "disabled"; the spec also allows 400
            expect_status(r, 202, 404, 400, 405)
            if r.status in (400, 405):
                raise Unsupported("blob delete answered %d" % r.status)
        if self.check(name, delete):
            self.check(name + " (atomic)", lambda: expect_status(
                self.client.request("HEAD", self.blob_path(repo, dig)), 404, what="HEAD after the delete"))

    # -- manifests

    def accept(self):
        return [("Accept", MT_INDEX), ("Accept", MT_IMAGE)]

    def manifest_put(self, repo, ref, dig, body, tags=(), bad=False, returned=None):
        path = self.manifest_path(repo, ref)
        if tags:
            path += "?" + urllib.parse.urlencode([("tag", t) for t in tags])
        mt = media_type_of(body)
        # the suite's Go client sends a manifest without Content-Length (chunked transfer encoding)
        r = self.client.request("PUT", path, [("Content-Type", mt)], body, chunked=True)
        if returned is not None:
            returned.append(r)
        if bad:
            expect_status(r, 400, what="PUT of a manifest whose body does not match the digest")
            return
        expect_status(r, 201, what="manifest PUT")
        subj = subject_of(body)
        if subj is not None:
            expect_header(r, "OCI-Subject", subj["digest"], what="manifest PUT with a subject")
        verify_digest_header(r, dig, False, "manifest PUT response")
        url = self.location(r, r.url, "manifest PUT")
        g = self.client.request("GET", url, self.accept())
        what = "GET of the returned Location"
        expect_status(g, 200, what=what)
        expect_header(g, "Content-Type", mt, what=what)
        expect_header(g, "Content-Length", str(len(body)), what=what)
        expect_body(g, body, what=what)

    def manifest_read(self, method, repo, ref, dig, body):
        r = self.client.request(method, self.manifest_path(repo, ref), self.accept())
        expect_status(r, 200)
        if method == "HEAD":
            expect_body(r, b"")
        if body:
            expect_header(r, "Content-Type", media_type_of(body))
            expect_header(r, "Content-Length", str(len(body)))
            if method == "GET":
                expect_body(r, body)
        verify_digest_header(r, dig, self.require_digest)

    def manifest_delete(self, prefix, name, repo, ref):
        if not self.can_delete:
            self.skip("%s/%s %s" % (prefix, name, short(ref)), "deletes disabled")
            return

        def delete():
            r = self.client.request("DELETE", self.manifest_path(repo, ref))
            expect_status(r, 202, 404, 400, 405)
            if r.status in (400, 405):
                raise Unsupported("delete answered %d" % r.status)
        full = "%s/%s %s" % (prefix, name, short(ref))
        if self.check(full, delete):
            self.check(full + " (atomic)", lambda: expect_status(
                self.client.request("HEAD", self.manifest_path(repo, ref), self.accept()), 404,
                what="HEAD after the delete"))

    # -- lists

    def tag_list(self, repo, query=None):
        path = "/v2/%s/tags/list" % repo
        if query:
            path += "?" + urllib.parse.urlencode(query)
        r = self.client.request("GET", path)
        expect_status(r, 200, 404)
        if r.status == 404:
            return r, []
        try:
            doc = json.loads(r.body)
        except ValueError:
            raise Failed("tag list body is not JSON: %s" % excerpt(r.body))
        tags = doc.get("tags") or []
        if not isinstance(tags, list):
            raise Failed("tag list: \"tags\" is not a list: %s" % excerpt(r.body))
        return r, tags

    def referrers(self, repo, subject, artifact_type=None):
        path = "/v2/%s/referrers/%s" % (repo, subject)
        if artifact_type:
            path += "?" + urllib.parse.urlencode({"artifactType": artifact_type})
        r = self.client.request("GET", path)
        expect_status(r, 200, what="referrers list")
        expect_header(r, "Content-Type", MT_INDEX, what="referrers list")
        try:
            doc = json.loads(r.body)
        except ValueError:
            raise Failed("referrers list: body is not JSON: %s" % excerpt(r.body))
        if doc.get("mediaType") != MT_INDEX or doc.get("schemaVersion") != 2:
            raise Failed("referrers list: expected an OCI index (mediaType %s, schemaVersion 2), got %s"
                         % (MT_INDEX, excerpt(r.body)))
        return r, doc.get("manifests") or []

    # ---------------------------------------------------------------- groups

    def run_all(self):
        self.check("ping", self.ping)
        self.empty()
        for algo in ("sha256", "sha512"):
            self.blob_apis(algo)
        data_sets = []
        if self.args.read_only:
            data_sets.append(self.read_only_data())
        else:
            data_sets.extend(generate_data_sets())
        for td in data_sets:
            self.data_set(td)
        self.manifest_errors()
        self.spec_errors()
        self.delete_referenced()

    def ping(self):
        r = self.client.request("GET", "/v2/")
        expect_status(r, 200)

    def empty(self):
        def tags():
            self.tag_list(self.repo)
        self.check("empty/tag list", tags)

        def refs():
            self.referrers(self.repo, digest_of(rand_text().encode()))
        self.check("empty/referrers", refs)

    def blob_apis(self, algo):
        g = "%s blobs" % algo
        if not self.can_push:
            self.skip(g, "push disabled (read-only)")
            return
        td = TestData("blobs-" + algo)
        names = ["post only", "post+put", "chunked single", "stream", "mount", "mount anonymous",
                 "mount missing", "post cancel"]
        digs = {n: td.gen_blob(512, algo)[0] for n in names}
        self.check(g + "/get-missing", lambda: expect_status(
            self.client.request("GET", self.blob_path(self.repo, digs["post cancel"])), 404))
        names += ["chunked multi", "chunked multi and put chunk", "chunked out-of-order",
                  "chunked out-of-order and put chunk"]
        for n in names:
            p = "%s/%s" % (g, n)
            if n.startswith("chunked") and n != "chunked single":
                digs[n] = td.gen_blob(self.min_chunk * 3 - 5, algo)[0]
            dig = digs[n]
            data = td.blobs[dig]
            ok = False
            if n == "post only":
                ok = self.check(p + "/blob-post-only", self.push_post_only, self.repo, dig, data)
            elif n == "post+put":
                ok = self.check(p + "/blob-post-put", self.push_post_put, self.repo, dig, data)
            elif n == "chunked single":
                mins = []
                ok = self.check(p + "/blob-patch-chunked", self.push_chunked, self.repo, dig, data, min_out=mins)
                if mins:
                    try:
                        self.min_chunk = max(self.min_chunk, int(mins[0]))
                    except ValueError:
                        pass
            elif n.startswith("chunked"):
                ok = self.check(p + "/blob-patch-chunked", self.push_chunked, self.repo, dig, data,
                                put_last="put chunk" in n, out_of_order="out-of-order" in n)
            elif n == "stream":
                ok = self.check(p + "/blob-patch-stream", self.push_stream, self.repo, dig, data)
            elif n == "post cancel":
                self.check(p + "/blob-post-cancel", self.post_cancel, self.repo)
            elif n in ("mount", "mount anonymous"):
                if self.push_blob_any(p, self.repo2, dig, data):
                    name = "blob-mount" if n == "mount" else "blob-mount-anonymous"
                    ok = self.check("%s/%s" % (p, name), self.push_mount, self.repo,
                                    self.repo2 if n == "mount" else "", dig, data)
            elif n == "mount missing":
                ok = self.check(p + "/blob-mount", self.push_mount, self.repo, self.repo2, dig, data,
                                expect_missing=True)
            if ok:
                self.check(p + "/blob-head", self.blob_head, self.repo, dig, data)
                self.check(p + "/blob-get", self.blob_get, self.repo, dig, data)
            self.blob_delete(p, self.repo, dig)
            if n in ("mount", "mount anonymous"):
                self.blob_delete(p + " (" + self.repo2 + ")", self.repo2, dig)
        self.range_requests(g, td, algo)
        if algo != "sha256":
            dig, data = td.gen_blob(512, algo)

            def with_algorithm():
                """Spec end-4c: POST ?digest-algorithm=<algorithm> opens a session for that algorithm."""
                r = self.client.request("POST", self.uploads(self.repo, **{"digest-algorithm": algo}))
                expect_status(r, 201, 202, what="POST ?digest-algorithm=" + algo)
                url = self.with_digest(self.location(r, r.url, "POST"), dig)
                r = self.client.request("PUT", url, [("Content-Type", MT_OCTET)], data)
                expect_status(r, 201, what="PUT of the blob")
                verify_digest_header(r, dig, self.require_digest, "PUT response")
                self.verify_location(self.location(r, url, "PUT"), data)
            p = g + "/digest-algorithm (spec)"
            if self.check(p + "/blob-post-put", with_algorithm):
                self.check(p + "/blob-get", self.blob_get, self.repo, dig, data)
            self.blob_delete(p, self.repo, dig)
        for n, val in (("empty", b""), ("emptyJSON", b"{}")):
            p = "%s/%s" % (g, n)
            dig = td.add_blob(val, algo)
            if self.push_blob_any(p, self.repo, dig, val):
                self.check(p + "/blob-head", self.blob_head, self.repo, dig, val)
                self.check(p + "/blob-get", self.blob_get, self.repo, dig, val)
            self.blob_delete(p, self.repo, dig)
        for n, m, kw in (("bad digest post only", "blob-post-only", {}),
                         ("bad digest post+put", "blob-post-put", {}),
                         ("bad digest chunked", "blob-patch-chunked", {}),
                         # the suite runs this one like "bad digest chunked"; we do put the last chunk
                         ("bad digest chunked and put chunk", "blob-patch-chunked", {"put_last": True}),
                         ("bad digest stream", "blob-patch-stream", {})):
            dig, data = td.gen_blob(self.min_chunk * 3 - 5, algo)
            data = data + b"oh no"
            if m == "blob-patch-chunked":
                self.check("%s/%s/%s" % (g, n, m), self.push_chunked, self.repo, dig, data, bad=True, **kw)
            else:
                self.check("%s/%s/%s" % (g, n, m), self.push_method, m, self.repo, dig, data, True)

    def range_requests(self, g, td, algo):
        p = g + "/range requests"
        n = 2048
        dig, body = td.gen_blob(n, algo)
        if not self.push_blob_any(p, self.repo, dig, body):
            self.skip(p, "could not push the blob")
            return
        cases = [("range 500-1499", "bytes=500-1499", 500, 1499),
                 ("range 500-", "bytes=500-", 500, n - 1),
                 ("range -500", "bytes=-500", n - 500, n - 1),
                 ("range 2000-5000", "bytes=2000-5000", 2000, n - 1),
                 ("range 500-0", "bytes=500-0", None, None),
                 ("range 5000-10000", "bytes=5000-10000", None, None)]
        for name, rng, first, last in cases:
            def one(rng=rng, first=first, last=last):
                r = self.client.request("GET", self.blob_path(self.repo, dig), [("Range", rng)])
                if r.status == 200 and r.body == body and r.header("Content-Length") == str(n):
                    raise Unsupported("range request answered with the whole blob (200)")
                if first is None:
                    expect_status(r, 416, what="Range: " + rng)
                    return
                expect_status(r, 206, what="Range: " + rng)
                expect_body(r, body[first:last + 1], what="Range: " + rng)
                expect_header(r, "Content-Length", str(last - first + 1), what="Range: " + rng)
                cr = r.values("Content-Range")
                goods = ("bytes %d-%d/%d" % (first, last, n), "bytes %d-%d/*" % (first, last))
                if not any(v in goods for v in cr):
                    raise Failed("Range: %s: expected header Content-Range: %s, got %s"
                                 % (rng, goods[0], cr or "no such header"))
            self.check("%s/%s" % (p, name), one)
        self.blob_delete(p, self.repo, dig)

    # -- data sets

    def read_only_data(self):
        td = TestData("read-only")
        td.read_only = True
        for t in self.args.ro_tags:
            td.tags[t] = ""
        for d in self.args.ro_manifests:
            td.manifests[d] = b""
            td.order.append(d)
        for d in self.args.ro_blobs:
            td.blobs[d] = None
        for d in self.args.ro_referrers:
            td.referrers[d] = []
        return td

    def data_set(self, td):
        g = td.name
        repo = self.repo
        if td.read_only or not self.can_push:
            if not td.read_only:
                self.skip(g + "/push", "push disabled (read-only)")
        else:
            for dig, data in td.blobs.items():
                self.push_blob_any(g + "/push", repo, dig, data)
            for dig in td.order:
                self.push_manifest_digest(g, td, repo, dig)
            for tag, dig in td.tags.items():
                if tag in td.tag_pushed:
                    continue
                name = "%s/push/manifest-by-tag %s" % (g, tag)
                if self.check(name, self.manifest_put, repo, tag, dig, td.manifests[dig]):
                    td.tag_pushed.add(tag)
        self.check(g + "/tag-list", self.tag_list_check, td, repo)
        if td.tags:
            self.tag_pagination(g, repo)
        for tag, dig in td.tags.items():
            if dig not in td.skip_pull:
                self.check("%s/head/manifest-head-by-tag %s" % (g, tag), self.manifest_read, "HEAD", repo, tag,
                           dig or None, td.manifests.get(dig))
        for dig in td.order:
            if dig not in td.skip_pull:
                self.check("%s/head/manifest-head-by-digest %s" % (g, short(dig)), self.manifest_read, "HEAD",
                           repo, dig, dig, td.manifests[dig])
        for dig, data in td.blobs.items():
            self.check("%s/head/blob-head %s" % (g, short(dig)), self.blob_head, repo, dig, data)
        for tag, dig in td.tags.items():
            if dig not in td.skip_pull:
                self.check("%s/pull/manifest-by-tag %s" % (g, tag), self.manifest_read, "GET", repo, tag,
                           dig or None, td.manifests.get(dig))
        for dig in td.order:
            if dig not in td.skip_pull:
                self.check("%s/pull/manifest-by-digest %s" % (g, short(dig)), self.manifest_read, "GET",
                           repo, dig, dig, td.manifests[dig])
        for dig, data in td.blobs.items():
            self.check("%s/pull/blob-get %s" % (g, short(dig)), self.blob_get, repo, dig, data)
        for subj, goal in td.referrers.items():
            self.referrers_check(g, repo, subj, goal)
        if td.read_only:
            return
        for tag in td.tags:
            if tag in td.tag_pushed:
                self.manifest_delete(g + "/delete", "tag-delete", repo, tag)
        for dig in reversed(td.order):
            self.manifest_delete(g + "/delete", "manifest-delete", repo, dig)
        for dig in td.blobs:
            self.blob_delete(g + "/delete", repo, dig)

    def push_manifest_digest(self, g, td, repo, dig):
        name = "%s/push/manifest-by-digest %s" % (g, short(dig))
        if dig in td.bad_digest:
            self.check(name, self.manifest_put, repo, dig, dig, td.manifests[dig], bad=True)
            return
        tags = [t for t, d in td.tags.items() if d == dig] if dig in td.tag_param else []
        got = []
        if not self.check(name + (" ?tag=" + ",".join(tags) if tags else ""), self.manifest_put, repo, dig, dig,
                          td.manifests[dig], tags, returned=got):
            return
        if tags:
            put = got[-1]

            def oci_tag():
                vals = [s.strip() for v in put.values("OCI-Tag") for s in v.split(",")]
                missing = [t for t in tags if t not in vals]
                td.tag_pushed.update(t for t in tags if t in vals)
                if not missing:
                    return
                why = "expected header OCI-Tag with %s, got %s" % (
                    ", ".join(missing), put.values("OCI-Tag") or "no such header")
                # The suite counts a missing OCI-Tag as "tag parameters unsupported".  When the
                # registry did create the tags, the header is simply missing: a failure (spec: MUST).
                _, listed = self.tag_list(repo)
                created = [t for t in missing if t in listed]
                td.tag_pushed.update(created)
                self.client.log.append(put_exchange)  # the failure report shows the last exchange
                if created:
                    raise Failed(why + " (the tags %s were created: tag parameters are supported)"
                                 % ", ".join(created))
                raise Unsupported(why)
            put_exchange = [ex for ex in self.client.log if ex.method == "PUT"][-1]
            self.check(name + " OCI-Tag", oci_tag)

    def tag_list_check(self, td, repo):
        _, tags = self.tag_list(repo)
        missing = [t for t in td.tags if t not in tags]
        if missing:
            raise Failed("expected tags %s in the list, got %s" % (missing, tags))
        if len(tags) >= 2:
            ordered = sorted(tags)
            end = len(ordered) // 2
            last = ordered[end - 1]
            _, part = self.tag_list(repo, {"last": last})
            wrong = [t for t in ordered[:end] if t in part]
            if wrong:
                raise Failed("?last=%s: expected no tag <= %s, got %s" % (last, last, wrong))
            lost = [t for t in ordered[end:] if t not in part]
            if lost:
                raise Failed("?last=%s: expected tags %s, missing %s (got %s)" % (last, ordered[end:], lost, part))

    def tag_pagination(self, g, repo):
        """Spec (not in the suite): the n parameter and the Link header."""
        p = g + "/tag-list (spec)"

        def n_zero():
            r, tags = self.tag_list(repo, {"n": "0"})
            expect_status(r, 200, what="?n=0")
            if tags:
                raise Failed("?n=0: expected an empty list, got %s" % tags)
            if r.values("Link"):
                raise Failed("?n=0: expected no Link header, got %s" % r.values("Link"))
        self.check(p + "/n=0", n_zero)

        def order():
            _, tags = self.tag_list(repo)
            if tags != sorted(tags) and tags != sorted(tags, key=str.lower):
                raise Failed("expected the tags in lexical or ASCII order, got %s" % tags)
        self.check(p + "/order", order)

        def n_one():
            _, full = self.tag_list(repo)
            orders = [sorted(full), sorted(full, key=str.lower)]
            r, tags = self.tag_list(repo, {"n": "1"})
            expect_status(r, 200, what="?n=1")
            if len(tags) > 1:
                raise Failed("?n=1: expected at most 1 tag, got %s" % tags)
            if len(full) > 1 and not tags and not r.values("Link"):
                raise Failed("?n=1: expected 1 tag or a Link header, got none")
            if tags and tags[0] not in {o[0] for o in orders}:
                raise Failed("?n=1: expected the first tag in order, %r, got %r" % (orders[0][0], tags[0]))
            link = r.header("Link")
            if link and 'rel="next"' not in link:
                raise Failed("?n=1: Link header without rel=\"next\": %s" % link)
            if len(full) > 1 and tags:
                _, nxt = self.tag_list(repo, {"n": "1", "last": tags[0]})
                wanted = {o[o.index(tags[0]) + 1] for o in orders}
                if nxt and nxt[0] not in wanted:
                    raise Failed("?n=1&last=%s: expected %r, got %s" % (tags[0], sorted(wanted)[0], nxt))
        self.check(p + "/n=1", n_one)

    def referrers_check(self, g, repo, subj, goal):
        name = "%s/referrers %s" % (g, short(subj))

        def matches(entry, want):
            ann = entry.get("annotations") or {}
            return (entry.get("digest") == want["digest"] and entry.get("mediaType") == want["mediaType"]
                    and entry.get("size") == want["size"]
                    and (entry.get("artifactType") or "") == (want.get("artifactType") or "")
                    and all(ann.get(k) == v for k, v in (want.get("annotations") or {}).items()))

        def missing(want, entries, pre=""):
            same = [e for e in entries if e.get("digest") == want["digest"]]
            if same:
                return Failed("%sexpected referrer %s, got %s" % (pre, json.dumps(want), json.dumps(same)))
            return Failed("%sexpected referrer %s in the list, got no entry with that digest (%d entries: %s)"
                          % (pre, json.dumps(want), len(entries), ", ".join(e.get("digest", "?") for e in entries)))

        def unfiltered():
            _, entries = self.referrers(repo, subj)
            for want in goal:
                if not any(matches(e, want) for e in entries):
                    raise missing(want, entries)
        self.check(name, unfiltered)
        for at in sorted({w.get("artifactType") or "" for w in goal}):
            def filtered(at=at):
                r, entries = self.referrers(repo, subj, at)
                applied = any(s.strip() == "artifactType"
                              for v in r.values("OCI-Filters-Applied") for s in v.split(","))
                for want in goal:
                    if (not applied or (want.get("artifactType") or "") == at) and \
                            not any(matches(e, want) for e in entries):
                        raise missing(want, entries, "?artifactType=%s: " % at)
                if applied:
                    extra = [e for e in entries if (e.get("artifactType") or "") != at]
                    if extra:
                        raise Failed("?artifactType=%s: expected only that artifact type, got also %s"
                                     % (at, json.dumps(extra)))
                else:
                    raise Unsupported("expected header OCI-Filters-Applied: artifactType, got %s"
                                      % (r.values("OCI-Filters-Applied") or "no such header"))
            self.check("%s artifactType=%s" % (name, at), filtered)

    def manifest_errors(self):
        def by_digest():
            dig = digest_of(os.urandom(1024))
            r = self.client.request("GET", self.manifest_path(self.repo, dig), self.accept())
            expect_status(r, 404)
        self.check("missing-manifest/by-digest", by_digest)

        def by_tag():
            tag = "missing-" + rand_text().lower()[:20]
            r = self.client.request("GET", self.manifest_path(self.repo, tag), self.accept())
            expect_status(r, 404)
        self.check("missing-manifest/by-tag", by_tag)
        g = "invalid-digest-format"
        if not self.can_push:
            self.skip(g, "push disabled (read-only)")
            return
        td = TestData("invalid-manifest-digest")
        dig = td.gen_manifest_full(layer_count=1)
        for b, data in td.blobs.items():
            self.push_blob_any(g, self.repo, b, data)
        self.check(g + "/manifest-put", self.manifest_put, self.repo, "sha256:baddigeststring", dig,
                   td.manifests[dig], bad=True)
        self.check(g + "/manifest-get", lambda: expect_status(
            self.client.request("GET", self.manifest_path(self.repo, "sha256:baddigeststring"), self.accept()),
            404, 400))
        self.manifest_delete(g + "/delete", "manifest-delete", self.repo, dig)
        for b in td.blobs:
            self.blob_delete(g + "/delete", self.repo, b)


    def spec_errors(self):
        """Spec (not in the suite): error statuses, and the JSON error body of 4xx answers
        ({"errors": [{"code": <one of the spec's codes>, ...}]} when the body is JSON)."""
        g = "errors (spec)"
        repo = self.repo

        def get(path, *codes, want_code=None, headers=None, method="GET", body=None):
            r = self.client.request(method, path, headers, body)
            expect_status(r, *codes)
            expect_error_body(r, want_code)
            return r
        self.check(g + "/blob-get missing", get, self.blob_path(repo, digest_of(os.urandom(64))), 404,
                   want_code="BLOB_UNKNOWN")
        self.check(g + "/manifest-get missing", get, self.manifest_path(repo, digest_of(os.urandom(64))), 404,
                   want_code="MANIFEST_UNKNOWN", headers=self.accept())
        self.check(g + "/manifest-get missing repository", get,
                   self.manifest_path("conformance/missing-" + rand_text().lower()[:12], "latest"), 404,
                   headers=self.accept())
        self.check(g + "/upload status of an unknown session", get,
                   "/v2/%s/blobs/uploads/%s" % (repo, rand_text().lower()), 404, want_code="BLOB_UPLOAD_UNKNOWN")
        self.check(g + "/referrers invalid digest", get, "/v2/%s/referrers/sha256:baddigeststring" % repo, 400)
        if not self.can_push:
            self.skip(g + "/push errors", "push disabled (read-only)")
            return

        def bad_digest_put():
            data = os.urandom(100)
            r = self.client.request("POST", self.uploads(repo))
            expect_status(r, 202, what="POST (open session)")
            url = self.with_digest(self.location(r, r.url, "POST"), digest_of(b"something else"))
            r = self.client.request("PUT", url, [("Content-Type", MT_OCTET)], data)
            expect_status(r, 400, what="PUT with a digest that does not match")
            expect_error_body(r, "DIGEST_INVALID")
        self.check(g + "/blob-put bad digest", bad_digest_put)

        def manifest_missing_blobs():
            td = TestData("missing blobs")
            dig = td.gen_manifest_full(layer_count=1)
            r = self.client.request("PUT", self.manifest_path(repo, dig), [("Content-Type", MT_IMAGE)],
                                    td.manifests[dig])
            if r.status == 201:
                self.client.request("DELETE", self.manifest_path(repo, dig))
                return  # accepting is allowed (MAY reject)
            expect_status(r, 201, 400, 404, what="PUT of a manifest whose config and layer were never pushed")
            codes = expect_error_body(r, "MANIFEST_BLOB_UNKNOWN")
            if "MANIFEST_BLOB_UNKNOWN" not in codes:
                raise Failed("a manifest rejected for missing blobs: expected error code MANIFEST_BLOB_UNKNOWN, "
                             "got %s" % (codes or "no JSON error body"))
        self.check(g + "/manifest-put missing blobs", manifest_missing_blobs)

        def manifest_invalid():
            r = self.client.request("PUT", self.manifest_path(repo, "invalid-json"), [("Content-Type", MT_IMAGE)],
                                    b"{not json")
            if r.status < 400 or r.status >= 500:
                raise Failed("PUT of a manifest that is not JSON: expected a 4xx status (MANIFEST_INVALID), got %d"
                             % r.status)
            expect_error_body(r, "MANIFEST_INVALID")
        self.check(g + "/manifest-put invalid JSON", manifest_invalid)

    def delete_referenced(self):
        """Spec (not in the suite, which deletes parents first): deleting a manifest
        that an index still lists, and a blob that a manifest still uses.  A
        registry may refuse (reported as SKIP), but a 202 must mean deleted."""
        g = "delete referenced (spec)"
        if not self.can_delete:
            self.skip(g, "deletes disabled" if self.can_push else "push disabled (read-only)")
            return
        repo = self.repo
        td = TestData(g)
        ind = td.gen_index_full(platforms=[AMD64])
        child = td.order[0]
        pushed = all([self.push_blob_any(g + "/push", repo, d, b) for d, b in td.blobs.items()])
        for d in td.order:
            pushed = self.check("%s/push/manifest-by-digest %s" % (g, short(d)), self.manifest_put, repo, d, d,
                                td.manifests[d]) and pushed
        if not pushed:
            self.skip(g, "could not push the test data")
            return

        cfg = json.loads(td.manifests[child])["config"]["digest"]

        def delete_used_blob():
            r = self.client.request("DELETE", self.blob_path(repo, cfg))
            if r.status in (400, 405):
                raise Unsupported("blob delete answered %d" % r.status)
            expect_status(r, 202, 404, 400, 405,
                          what="DELETE of a blob that a manifest uses (spec end-10: 202, or 404/400/405)")
            expect_status(self.client.request("HEAD", self.blob_path(repo, cfg)), 404,
                          what="HEAD after the blob DELETE answered %d" % r.status)
        self.check(g + "/blob-delete used by a manifest", delete_used_blob)

        def delete_child():
            r = self.client.request("DELETE", self.manifest_path(repo, child))
            h = self.client.request("HEAD", self.manifest_path(repo, child), self.accept())
            if r.status == 202:
                expect_status(h, 404, what="HEAD after DELETE answered 202 (the manifest is listed by index %s)"
                              % short(ind))
            elif r.status in (400, 405, 409):
                raise Unsupported("DELETE of a manifest listed by an index answered %d" % r.status)
            else:
                expect_status(r, 202, 400, 405, 409, what="DELETE of a manifest listed by an index")
        self.check(g + "/manifest-delete listed by an index", delete_child)
        for d in (ind, child):
            self.client.request("DELETE", self.manifest_path(repo, d))
        for d in td.blobs:
            self.client.request("DELETE", self.blob_path(repo, d))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--registry", required=True, help="e.g. http://127.0.0.1:5000 (loopback only)")
    ap.add_argument("--repo", default="conformance/repo1")
    ap.add_argument("--repo2", default="conformance/repo2")
    ap.add_argument("--read-only", action="store_true", help="only read the given content")
    ap.add_argument("--ro-tags", nargs="*", default=[])
    ap.add_argument("--ro-manifests", nargs="*", default=[])
    ap.add_argument("--ro-blobs", nargs="*", default=[])
    ap.add_argument("--ro-referrers", nargs="*", default=[])
    ap.add_argument("--username")
    ap.add_argument("--password")
    ap.add_argument("--no-delete", action="store_true", help="do not test deletes")
    ap.add_argument("--cacert", help="CA certificate for an https registry")
    ap.add_argument("--verbose", action="store_true", help="print every request and response")
    args = ap.parse_args()
    if not args.registry.startswith(("http://", "https://")):
        args.registry = "http://" + args.registry
    runner = Runner(args)
    runner.run_all()
    c = runner.counts
    print("%d passed, %d failed, %d skipped" % (c["PASS"], c["FAIL"], c["SKIP"]))
    return 1 if c["FAIL"] else 0


if __name__ == "__main__":
    sys.exit(main())
