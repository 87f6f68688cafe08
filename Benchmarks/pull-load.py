#!/usr/bin/env python3
"""Load generator for Benchmarks/serve.sh: CLIENTS threads, each with its own keep-alive connection, pull
every image of a registry PASSES times (manifest, child manifests of an index, config and layers, bodies read
to the end and dropped). Prints one JSON line: bytes, seconds, MiB/s, manifest GET latencies (p50, p99, max, ms),
requests and errors.

usage: pull-load.py http://127.0.0.1:PORT CLIENTS PASSES REPOSITORY:TAG..."""
import http.client
import json
import sys
import threading
import time
import urllib.parse

ACCEPT = ", ".join([
    "application/vnd.oci.image.index.v1+json", "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json", "application/vnd.docker.distribution.manifest.v2+json",
])


class Client:
    def __init__(self, base):
        url = urllib.parse.urlparse(base)
        self.host, self.port = url.hostname, url.port
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
        self.bytes = 0
        self.manifest_ms = []
        self.requests = 0
        self.errors = 0

    def get(self, path, accept=None):
        headers = {"Accept": accept} if accept else {}
        for attempt in (1, 2):
            try:
                self.connection.request("GET", path, headers=headers)
                response = self.connection.getresponse()
                size = 0
                body = bytearray()
                while True:
                    chunk = response.read(1 << 20)
                    if not chunk:
                        break
                    size += len(chunk)
                    if accept:
                        body += chunk
                self.requests += 1
                if response.status != 200:
                    self.errors += 1
                self.bytes += size
                return response.status, bytes(body)
            except (http.client.HTTPException, ConnectionError):
                self.connection.close()
                self.connection = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt == 2:
                    self.errors += 1
                    return 0, b""

    def manifest(self, repository, reference):
        started = time.perf_counter()
        status, body = self.get(f"/v2/{repository}/manifests/{reference}", ACCEPT)
        self.manifest_ms.append((time.perf_counter() - started) * 1000)
        return json.loads(body) if status == 200 else {}

    def pull(self, repository, reference):
        manifest = self.manifest(repository, reference)
        for child in manifest.get("manifests", []):
            self.pull(repository, child["digest"])
        for blob in ([manifest["config"]] if "config" in manifest else []) + manifest.get("layers", []):
            self.get(f"/v2/{repository}/blobs/{blob['digest']}")


def main():
    base, clients, passes, images = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4:]
    workers = [Client(base) for _ in range(clients)]

    def run(client, offset):
        for round in range(passes):
            for i in range(len(images)):
                repository, tag = images[(i + offset) % len(images)].rsplit(":", 1)
                client.pull(repository, tag)

    threads = [threading.Thread(target=run, args=(c, n)) for n, c in enumerate(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    latencies = sorted(ms for c in workers for ms in c.manifest_ms)
    total = sum(c.bytes for c in workers)

    def percentile(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] if latencies else 0

    print(json.dumps({
        "bytes": total, "seconds": round(seconds, 3), "mib_per_s": round(total / 1048576 / seconds, 1),
        "manifest_p50_ms": round(percentile(50), 2), "manifest_p99_ms": round(percentile(99), 2),
        "manifest_max_ms": round(latencies[-1], 2) if latencies else 0,
        "requests": sum(c.requests for c in workers), "errors": sum(c.errors for c in workers),
    }))


if __name__ == "__main__":
    main()
