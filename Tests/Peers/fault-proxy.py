#!/usr/bin/env python3
"""HTTP/1.1 proxy on 127.0.0.1 that injects faults in front of a plain-HTTP registry.

Requests are forwarded to --upstream with all end-to-end headers (Range,
Authorization, ...) both ways; bodies are streamed in both directions, and a
Location header pointing at the upstream is rewritten to the proxy's address.

Fault modes (any combination):
  --cut-after BYTES --cut-count K   close the connection after BYTES bytes of the
                                    body of the first K `GET .../blobs/sha256:...`
                                    responses (200 or 206, Range requests included)
                                    whose body is longer than BYTES
  --cut-any-path                    cut GET responses on any path (S3 objects), not
                                    only registry blobs
  --delay-per-request SECONDS       sleep before forwarding each request
  --delay-per-mib SECONDS           sleep while streaming each MiB of a response body
  --status 429|500|503 --status-count K
                                    answer the first K requests to any path with that
                                    status (429 carries `Retry-After: 1`)
  --status-skip N                   forward the first N requests before the status ones
  --alter-blob-bodies               flip one byte in the middle of every blob GET body
                                    (the length stays right: the digest is the lie)
  --wrong-length DELTA              announce Content-Length = real + DELTA on every blob
                                    GET, send min(real, real + DELTA) bytes, then close

GET /_proxy/stats answers {"requests", "range_requests", "cuts", "injected_statuses",
"blob_gets", "blob_puts"}: the last two list, in order, REPOSITORY@DIGEST of every blob
GET answered 200/206 and of every upload finished with 201 (PUT or POST with ?digest=).
Requests to /_proxy/ are not forwarded nor counted.

Prints "PORT=<n>" as its first stdout line, and exits when its parent dies.
"""

import argparse
import http.client
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from peer_common import exit_with_parent, reply_json

CHUNK = 64 * 1024
MIB = 1024 * 1024
BLOB_PATH = re.compile(r"^/v2/(.+)/blobs/(sha256:[0-9a-f]{64})(\?.*)?$")
UPLOAD_DIGEST = re.compile(r"^/v2/(.+)/blobs/uploads/.*[?&]digest=sha256(?::|%3[Aa])([0-9a-f]{64})")
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
    "te", "trailer", "transfer-encoding", "upgrade", "expect",
}


class Faults:
    """Fault budget and counters shared by all connection threads."""

    def __init__(self, config):
        self.lock = threading.Lock()
        self.config = config
        self.cuts_left = config.cut_count
        self.statuses_left = config.status_count if config.status else 0
        self.skip_left = config.status_skip
        self.counters = {"requests": 0, "range_requests": 0, "cuts": 0, "injected_statuses": 0}
        self.blob_gets = []
        self.blob_puts = []

    def record_blob(self, method, path, status):
        """Notes a blob GET answered 200/206 and an upload finished with 201."""
        with self.lock:
            get = BLOB_PATH.match(path)
            if method == "GET" and get and status in (200, 206):
                self.blob_gets.append("%s@%s" % (get.group(1), get.group(2)))
            put = UPLOAD_DIGEST.match(path)
            if method in ("PUT", "POST") and put and status == 201:
                self.blob_puts.append("%s@sha256:%s" % (put.group(1), put.group(2)))

    def count_request(self, has_range):
        with self.lock:
            self.counters["requests"] += 1
            if has_range:
                self.counters["range_requests"] += 1

    def take_status(self):
        with self.lock:
            if self.statuses_left <= 0:
                return None
            if self.skip_left > 0:
                self.skip_left -= 1
                return None
            self.statuses_left -= 1
            self.counters["injected_statuses"] += 1
            return self.config.status

    def take_cut(self):
        with self.lock:
            if self.cuts_left <= 0:
                return False
            self.cuts_left -= 1
            self.counters["cuts"] += 1
            return True

    def snapshot(self):
        with self.lock:
            return dict(self.counters, blob_gets=list(self.blob_gets), blob_puts=list(self.blob_puts))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    upstream_connection = None

    def log_message(self, fmt, *args):
        sys.stderr.write("fault-proxy: %s\n" % (fmt % args))

    def do_proxy(self):
        if self.path.startswith("/_proxy/"):
            self.control()
            return
        faults = self.server.faults
        faults.count_request("Range" in self.headers)
        self.log_message("%s %s", self.command, self.path)
        status = faults.take_status()
        if status is not None:
            for _ in self.request_body():
                pass
            self.inject(status)
            return
        if self.server.config.delay_per_request:
            time.sleep(self.server.config.delay_per_request)
        try:
            response = self.forward()
        except (OSError, http.client.HTTPException) as error:
            self.drop_upstream()
            self.reply(502, {"errors": [{"code": "UNAVAILABLE", "message": "upstream: %s" % error}]})
            return
        self.relay(response)

    do_GET = do_HEAD = do_PUT = do_POST = do_PATCH = do_DELETE = do_proxy

    def control(self):
        if self.command == "GET" and self.path == "/_proxy/stats":
            self.reply(200, self.server.faults.snapshot())
        else:
            self.reply(404, {"error": "unknown control path"})

    def reply(self, status, document, extra_headers=()):
        reply_json(self, status, document, extra_headers)

    def inject(self, status):
        code = {429: "TOOMANYREQUESTS", 500: "UNKNOWN"}.get(status, "UNAVAILABLE")
        headers = [("Retry-After", "1")] if status == 429 else []
        self.reply(status, {"errors": [{"code": code, "message": "injected by fault-proxy"}]}, headers)

    def request_body(self):
        """Yields the request body in pieces, decoding chunked transfer encoding."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return
                remaining = size
                while remaining:
                    piece = self.rfile.read(min(CHUNK, remaining))
                    if not piece:
                        raise ConnectionError("client closed the connection inside a chunk")
                    remaining -= len(piece)
                    yield piece
                self.rfile.readline()
        else:
            remaining = int(self.headers.get("Content-Length", "0"))
            while remaining:
                piece = self.rfile.read(min(CHUNK, remaining))
                if not piece:
                    raise ConnectionError("client closed the connection inside the body")
                remaining -= len(piece)
                yield piece

    def forward(self):
        if self.upstream_connection is None:
            host, _, port = self.server.config.upstream.rpartition(":")
            self.upstream_connection = http.client.HTTPConnection(host, int(port), timeout=120)
        headers = {}
        for name, value in self.headers.items():
            if name.lower() not in HOP_BY_HOP:
                headers[name] = value
        has_body = "Content-Length" in self.headers or "Transfer-Encoding" in self.headers
        body = self.request_body() if has_body else None
        self.upstream_connection.request(self.command, self.path, body=body, headers=headers)
        return self.upstream_connection.getresponse()

    def drop_upstream(self):
        if self.upstream_connection is not None:
            self.upstream_connection.close()
            self.upstream_connection = None

    def relay(self, response):
        length = response.getheader("Content-Length")
        self.server.faults.record_blob(self.command, self.path, response.status)
        blob_body = self.command == "GET" and response.status in (200, 206) and BLOB_PATH.match(self.path) and length is not None
        if blob_body and self.server.config.alter_blob_bodies:
            self.relay_altered(response, int(length))
            return
        if blob_body and self.server.config.wrong_length:
            self.relay_wrong_length(response, int(length))
            return
        cut = (
            self.command == "GET"
            and response.status in (200, 206)
            and (self.server.config.cut_any_path or BLOB_PATH.match(self.path))
            and length is not None
            and int(length) > self.server.config.cut_after
            and self.server.faults.take_cut()
        )
        self.send_response_only(response.status, response.reason)
        upstream_prefix = "http://" + self.server.config.upstream
        for name, value in response.getheaders():
            if name.lower() in HOP_BY_HOP:
                continue
            if name.lower() == "location" and value.startswith(upstream_prefix):
                value = "http://" + self.server.address + value[len(upstream_prefix):]
            self.send_header(name, value)
        has_body = self.command != "HEAD" and response.status not in (204, 304) and response.status >= 200
        chunked = has_body and length is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        if not has_body:
            response.read()
            return
        if cut:
            self.relay_until_cut(response)
        elif self.relay_body(response, chunked) < int(length or 0):
            # The upstream ended the body short of its Content-Length (and closed): so must the proxy, or the
            # client would wait for the rest on a connection kept open.
            self.close_abruptly()

    def relay_body(self, response, chunked):
        """Relays the body; returns how many bytes were relayed."""
        delay_per_mib = self.server.config.delay_per_mib
        relayed = 0
        while True:
            try:
                piece = response.read(CHUNK)
            except http.client.IncompleteRead as error:
                piece = error.partial
                if piece:
                    self.wfile.write(piece)
                    relayed += len(piece)
                break
            if not piece:
                break
            relayed += len(piece)
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            else:
                self.wfile.write(piece)
            if delay_per_mib:
                time.sleep(delay_per_mib * len(piece) / MIB)
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        return relayed

    def close_abruptly(self):
        self.wfile.flush()
        self.drop_upstream()
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def relay_headers(self, response, length):
        self.send_response_only(response.status, response.reason)
        for name, value in response.getheaders():
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(length))
        self.end_headers()

    def relay_altered(self, response, length):
        self.relay_headers(response, length)
        position, flip = 0, length // 2
        while True:
            piece = response.read(CHUNK)
            if not piece:
                break
            if position <= flip < position + len(piece):
                piece = bytearray(piece)
                piece[flip - position] ^= 0xFF
            self.wfile.write(bytes(piece))
            position += len(piece)

    def relay_wrong_length(self, response, length):
        claimed = max(0, length + self.server.config.wrong_length)
        self.relay_headers(response, claimed)
        self.relay_then_cut(response, min(length, claimed))

    def relay_until_cut(self, response):
        self.relay_then_cut(response, self.server.config.cut_after)

    def relay_then_cut(self, response, count):
        """Relays at most `count` bytes of the body, then drops the connection."""
        remaining = count
        while remaining > 0:
            piece = response.read(min(CHUNK, remaining))
            if not piece:
                break
            self.wfile.write(piece)
            remaining -= len(piece)
        self.close_abruptly()

    def finish(self):
        self.drop_upstream()
        super().finish()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--upstream", required=True, help="HOST:PORT of the plain-HTTP registry")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = any free port)")
    parser.add_argument("--cut-after", type=int, default=0, metavar="BYTES")
    parser.add_argument("--cut-count", type=int, default=0, metavar="K")
    parser.add_argument("--cut-any-path", action="store_true")
    parser.add_argument("--delay-per-request", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--delay-per-mib", type=float, default=0, metavar="SECONDS")
    parser.add_argument("--status", type=int, choices=(429, 500, 503))
    parser.add_argument("--status-count", type=int, default=0, metavar="K")
    parser.add_argument("--status-skip", type=int, default=0, metavar="N")
    parser.add_argument("--alter-blob-bodies", action="store_true")
    parser.add_argument("--wrong-length", type=int, default=0, metavar="DELTA")
    config = parser.parse_args()
    exit_with_parent()

    server = ThreadingHTTPServer(("127.0.0.1", config.port), Handler)
    server.daemon_threads = True
    server.config = config
    server.faults = Faults(config)
    server.address = "127.0.0.1:%d" % server.server_address[1]

    print("PORT=%d" % server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
