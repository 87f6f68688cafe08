import Foundation
import Testing
import TestSupport

/// `files:` entries: downloaded or read, bundled as OCI artifacts, verified, exported and pushed, against a real
/// HTTP server and registry.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct FileFlowTests {
    struct Fixture {
        let scratch: TemporaryDirectory
        let http: StaticHTTPServer
        let download: Data
        let local: Data
        let sha256: String

        init() async throws {
            scratch = try TemporaryDirectory(prefix: "airlock-files")
            let served = scratch.file("served")
            try FileManager.default.createDirectory(atPath: served, withIntermediateDirectories: true)
            download = Data((0..<300_000).map { _ in UInt8.random(in: 0...255) })
            local = Data((0..<5_000).map { _ in UInt8.random(in: 0...255) })
            try download.write(to: URL(fileURLWithPath: served + "/tool-1.2.tar.gz"))
            try local.write(to: URL(fileURLWithPath: scratch.file("site-ca.pem")))
            sha256 = String(try await Tool.output("sha256sum", [served + "/tool-1.2.tar.gz"]).prefix(64))
            http = try await StaticHTTPServer(directory: served)
        }

        /// A manifest with the downloaded file (its SHA-256 as given) and the local one, renamed.
        func manifest(sha256: String) throws -> String {
            let path = scratch.file("site.yaml")
            try """
            version: 1
            files:
              - url: \(http.url)/tool-1.2.tar.gz
                sha256: \(sha256)
              - path: site-ca.pem
                name: ca.pem
            """.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    @Test func filesTravelVerifyExportAndPushAsArtifacts() async throws {
        let f = try await Fixture()
        defer { f.http.stop() }
        let bundle = f.scratch.file("files.tar")
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-f", try f.manifest(sha256: f.sha256), "-o", bundle])
        #expect(made.succeeded, "\(made.errorOutput)")
        let verify = try await AirlockTool.run("transit", ["verify", bundle])
        #expect(verify.succeeded, "\(verify.errorOutput)")

        let out = f.scratch.file("out")
        let exported = try await AirlockTool.run("transit", ["export-files", bundle, "--dir", out])
        #expect(exported.succeeded, "\(exported.errorOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/tool-1.2.tar.gz")) == f.download)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out + "/ca.pem")) == f.local)
        #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["ca.pem", "tool-1.2.tar.gz"])

        // Pushed, each file is an artifact an oras-style client reads: one layer titled with the file name.
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let pushed = try await AirlockTool.run("transit", ["push", bundle, "--to", "\(registry.host)/mirror"])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        let tag = String(f.sha256.prefix(16))
        let response = try await registry.request("/v2/mirror/files/tool-1-2-tar-gz/manifests/\(tag)",
                                                  headers: ["Accept": "application/vnd.oci.image.manifest.v1+json"], as: nil)
        #expect(response.status == 200, "\(pushed.output)")
        let manifest = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
        #expect(manifest["artifactType"] as? String == "application/vnd.dev.airlock.file.v1")
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect((layers.first?["annotations"] as? [String: String])?["org.opencontainers.image.title"] == "tool-1.2.tar.gz")
        let blob = try await registry.request("/v2/mirror/files/tool-1-2-tar-gz/blobs/sha256:\(f.sha256)", as: nil)
        #expect(blob.body == f.download)
    }

    @Test func aWrongSha256IsRefusedNamingTheURL() async throws {
        let f = try await Fixture()
        defer { f.http.stop() }
        let bundle = f.scratch.file("files.tar")
        let wrong = String(repeating: "0", count: 64)
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-f", try f.manifest(sha256: wrong), "-o", bundle])
        #expect(made.status == 1)
        #expect(made.errorOutput.contains("\(f.http.url)/tool-1.2.tar.gz"), "\(made.errorOutput)")
        #expect(made.errorOutput.contains("sha256:\(wrong)"), "\(made.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: bundle))
    }
}
