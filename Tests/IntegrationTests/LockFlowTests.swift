import Foundation
import Testing
import TestSupport

/// `connected lock` → `lock --check` → `bundle --lock`, against a real registry whose tag moves.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct LockFlowTests {
    /// A source registry with a signed image `team/app:1` and a two-platform index, and a manifest naming both
    /// (the index filtered to linux/amd64).
    struct Fixture {
        let source: RegistryServer
        let images: TestImages
        let scratch: TemporaryDirectory
        let app: PushedImage
        let multi: PushedImage
        let signature: String
        let manifest: String
        let lock: String

        init() async throws {
            source = try await RegistryServer()
            images = try await TestImages()
            try await images.build("week1", layerSizes: [120_000])
            try await images.build("week2", layerSizes: [120_000])
            app = try await images.push("week1", to: source, repository: "team/app", tag: "1")
            _ = try await images.buildIndex("multi", layerSizes: [40_000])
            multi = try await images.push("multi", to: source, repository: "library/multi", tag: "2")
            signature = try await TestImages.pushCosignSignature(for: app, to: source).digest
            scratch = try TemporaryDirectory(prefix: "airlock-lock")
            manifest = scratch.file("site.yaml")
            try """
            version: 1
            images:
              - \(app.reference)
              - ref: \(multi.reference)
                platforms: [linux/amd64]
            """.write(toFile: manifest, atomically: true, encoding: .utf8)
            lock = scratch.file("airlock.lock")
        }

        func connected(_ arguments: [String]) async throws -> Tool.Result {
            try await AirlockTool.run("connected", arguments)
        }

        /// An entry of a bundle tar, read with tar(1).
        func entry(_ name: String, of bundle: String) async throws -> String {
            try await Tool.run("tar", ["-xOf", bundle, name]).check().output
        }
    }

    @Test func lockRecordsDigestsChildrenAndSignatures() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let written = try await f.connected(["lock", "-f", f.manifest, "-o", f.lock])
        #expect(written.succeeded, "\(written.errorOutput)")
        let text = try String(contentsOfFile: f.lock, encoding: .utf8)
        let amd64 = try #require(f.multi.image.manifests.first { $0.platform?.architecture == "amd64" })
        #expect(text.contains("  - ref: \(f.app.reference)\n    digest: \(f.app.digest)\n    signature: \(f.signature)\n"))
        #expect(text.contains("    digest: \(f.multi.digest)\n    platforms:\n      linux/amd64: \(amd64.digest)\n"))
        #expect(!text.contains("arm64"))

        // Written again from unchanged sources, the lock is the same bytes, and the check finds nothing.
        let again = f.scratch.file("again.lock")
        try await f.connected(["lock", "-q", "-f", f.manifest, "-o", again]).check()
        #expect(try Data(contentsOf: URL(fileURLWithPath: again)) == Data(contentsOf: URL(fileURLWithPath: f.lock)))
        let check = try await f.connected(["lock", "--check", "-f", f.manifest, "-o", f.lock])
        #expect(check.succeeded, "\(check.output)\(check.errorOutput)")
        #expect(check.output.contains("up to date"))
    }

    @Test func movedTagIsReportedAndTheOldLockStillBundlesTheOldDigests() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        try await f.connected(["lock", "-q", "-f", f.manifest, "-o", f.lock]).check()
        let moved = try await f.images.push("week2", to: f.source, repository: "team/app", tag: "1")
        #expect(moved.digest != f.app.digest)

        let check = try await f.connected(["lock", "--check", "-f", f.manifest, "-o", f.lock])
        #expect(check.status == 2, "\(check.output)\(check.errorOutput)")
        #expect(check.output.contains("\(f.app.reference): moved from \(f.app.digest) to \(moved.digest)"))
        // The new digest has no signature, the locked one had: that is drift too.
        #expect(check.output.contains("\(f.app.reference): signature \(f.signature) is now (none)"))

        // Two bundles from the old lock: the old digest, and the same bytes each time.
        let first = f.scratch.file("one.tar"), second = f.scratch.file("two.tar")
        for bundle in [first, second] {
            let made = try await f.connected(["bundle", "-q", "-f", f.manifest, "--lock", f.lock, "-o", bundle])
            #expect(made.succeeded, "\(made.errorOutput)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: first)) == Data(contentsOf: URL(fileURLWithPath: second)))
        let index = try await f.entry("index.json", of: first)
        #expect(index.contains(f.app.digest))
        #expect(!index.contains(moved.digest))
        #expect(index.contains("\(f.app.reference)\""), "the entry keeps the tag, not tag@digest: \(index)")

        // The record embeds the lock verbatim.
        let record = try JSONSerialization.jsonObject(with: Data(try await f.entry("airlock-bundle.json", of: first).utf8)) as? [String: Any]
        #expect(record?["lock"] as? String == (try String(contentsOfFile: f.lock, encoding: .utf8)))
        let verify = try await AirlockTool.run("transit", ["verify", first])
        #expect(verify.succeeded, "\(verify.errorOutput)")
    }

    @Test func aDigestTheSourceNoLongerHasFailsAndWritesNothing() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        try await f.connected(["lock", "-q", "-f", f.manifest, "-o", f.lock]).check()
        let gone = "sha256:" + String(repeating: "ab", count: 32)
        let text = try String(contentsOfFile: f.lock, encoding: .utf8).replacingOccurrences(of: "digest: \(f.app.digest)", with: "digest: \(gone)")
        try text.write(toFile: f.lock, atomically: true, encoding: .utf8)
        let bundle = f.scratch.file("site.tar")
        let made = try await f.connected(["bundle", "-q", "-f", f.manifest, "--lock", f.lock, "-o", bundle])
        #expect(made.status == 1)
        #expect(made.errorOutput.contains(f.app.reference), "\(made.errorOutput)")
        #expect(made.errorOutput.components(separatedBy: "\n").filter { !$0.isEmpty }.count == 1, "\(made.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
    }

    @Test func aSignatureAddedSinceTheLockFailsTheBundle() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        try await f.connected(["lock", "-q", "-f", f.manifest, "-o", f.lock]).check()
        let resigned = try await TestImages.pushCosignSignature(for: f.app, to: f.source)
        #expect(resigned.digest != f.signature)
        let bundle = f.scratch.file("site.tar")
        let made = try await f.connected(["bundle", "-q", "-f", f.manifest, "--lock", f.lock, "-o", bundle])
        #expect(made.status == 1)
        #expect(made.errorOutput.contains("signature is \(resigned.digest) at the source, the lock says \(f.signature)"), "\(made.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
    }
}

/// Charts in a lock: the version a constraint resolved to is what `bundle --lock` asks for, and a chart whose
/// manifest differs from the lock is refused.
@Suite struct ChartLockTests {
    @Test func chartsLockToAVersionAndADigest() async throws {
        let directory = try TemporaryDirectory(prefix: "airlock-chart-lock")
        let repo = directory.file("repo")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        let fixtures = Fixtures.charts + "/nginx-stable/"
        for file in ["nginx-ingress-2.6.3.tgz", "nginx-ingress-2.6.4.tgz"] {
            try FileManager.default.copyItem(atPath: fixtures + file, toPath: repo + "/" + file)
        }
        try FileManager.default.copyItem(atPath: fixtures + "index.relative.yaml", toPath: repo + "/index.yaml")
        let http = try await StaticHTTPServer(directory: repo)
        defer { http.stop() }
        let manifest = directory.file("site.yaml")
        try "version: 1\ncharts:\n  - repository: \(http.url)\n    name: nginx-ingress\n    version: \"~2.6.0\"\n"
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let lock = directory.file("airlock.lock")
        let written = try await AirlockTool.run("connected", ["lock", "-f", manifest, "-o", lock])
        #expect(written.succeeded, "\(written.errorOutput)")
        let text = try String(contentsOfFile: lock, encoding: .utf8)
        #expect(text.contains("  - source: \"\(http.url) nginx-ingress@~2.6.0\"\n    ref: charts/nginx-ingress:2.6.4\n    version: \"2.6.4\"\n    digest: sha256:"))

        // A lock that says 2.6.3 makes the check report the move, and the bundle ask for 2.6.3, whose manifest
        // is not the locked one: refused, nothing written.
        let older = text.replacingOccurrences(of: "version: \"2.6.4\"", with: "version: \"2.6.3\"")
        try older.write(toFile: lock, atomically: true, encoding: .utf8)
        let check = try await AirlockTool.run("connected", ["lock", "--check", "-f", manifest, "-o", lock])
        #expect(check.status == 2)
        #expect(check.output.contains("nginx-ingress@~2.6.0: moved from 2.6.3 "), "\(check.output)")
        let bundle = directory.file("charts.tar")
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-f", manifest, "--lock", lock, "-o", bundle])
        #expect(made.status == 1)
        #expect(made.errorOutput.contains("charts/nginx-ingress:2.6.3"), "\(made.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: bundle))

        // The lock as written bundles 2.6.4.
        try text.write(toFile: lock, atomically: true, encoding: .utf8)
        try await AirlockTool.run("connected", ["bundle", "-q", "-f", manifest, "--lock", lock, "-o", bundle]).check()
        let index = try await Tool.run("tar", ["-xOf", bundle, "index.json"]).check().output
        #expect(index.contains("charts/nginx-ingress:2.6.4"))
    }
}
