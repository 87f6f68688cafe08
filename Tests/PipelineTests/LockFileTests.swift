import OCI
import Pipeline
import Testing

@Suite struct LockFileTests {
    let a: Digest, b: Digest, c: Digest

    init() throws {
        (a, b, c) = (try Self.digest("a"), try Self.digest("b"), try Self.digest("c"))
    }

    static func digest(_ hex: String) throws -> Digest { try Digest(parsing: "sha256:" + String(repeating: hex, count: 64)) }

    func lock(app: Digest, signature: Digest?) throws -> LockFile {
        LockFile(images: [
            LockFile.Image(reference: try Reference(parsing: "redis:7.4.1"), digest: b, platforms: ["linux/arm64": c, "linux/amd64": a]),
            LockFile.Image(reference: try Reference(parsing: "ghcr.io/org/app:1"), digest: app, signature: signature),
        ], charts: [LockFile.Chart(source: "https://charts.example/stable nginx@^1.2", reference: "charts/nginx:1.2.3", version: "1.2.3", digest: c)])
    }

    @Test func writesSortedYAMLThatReadsBack() throws {
        let written = try lock(app: a, signature: c)
        let text = written.yaml
        #expect(text.contains("""
          - ref: docker.io/library/redis:7.4.1
            digest: \(b)
            platforms:
              linux/amd64: \(a)
              linux/arm64: \(c)
        """))
        let redis = try #require(text.range(of: "ref: docker.io/library/redis")), app = try #require(text.range(of: "ref: ghcr.io/org/app:1"))
        #expect(redis.lowerBound < app.lowerBound, "entries are sorted by reference")
        #expect(text.contains("  - source: \"https://charts.example/stable nginx@^1.2\"\n    ref: charts/nginx:1.2.3\n    version: \"1.2.3\"\n"))
        #expect(try LockFile(yaml: text, file: "airlock.lock") == written)
    }

    @Test func aBadDigestIsNamedWithItsLine() throws {
        let text = try lock(app: a, signature: nil).yaml.replacingOccurrences(of: "digest: \(b)", with: "digest: sha256:nothex")
        #expect {
            try LockFile(yaml: text, file: "airlock.lock")
        } throws: { error in
            let description = "\(error)"
            return description.hasPrefix("airlock.lock:") && description.contains("digest:")
        }
        #expect(throws: LockFileError.self) { try LockFile(yaml: "version: 2\nimages: []\n", file: "airlock.lock") }
    }

    @Test func driftNamesWhatMovedFromWhatToWhat() throws {
        let drift = LockDrift(locked: try lock(app: a, signature: c), current: try lock(app: b, signature: nil))
        #expect(drift.changes == [
            "ghcr.io/org/app:1: moved from \(a) to \(b)",
            "ghcr.io/org/app:1: signature \(c) is now (none)",
        ])
        #expect(LockDrift(locked: try lock(app: a, signature: c), current: try lock(app: a, signature: c)).isEmpty)
    }
}
