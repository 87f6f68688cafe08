import Charts
import Foundation
import OCI
import Testing
import TestSupport

/// Charts end to end against the real Helm engine: an HTTP repository served on loopback, `connected bundle`,
/// `transit push` into a real registry compared with `helm push` of the same archives, `helm pull` back, and
/// `transit export-charts` read by Helm.
@Suite(.serialized) struct ChartFlowTests {
    static let nginx = Fixtures.charts + "/nginx-stable/"
    static let helmData = Fixtures.charts + "/helm-testdata/"

    /// The nginx repository (relative index), plus a second repository indexed by Helm holding signed charts.
    func repositories(_ directory: TemporaryDirectory) async throws -> (nginx: StaticHTTPServer, signed: StaticHTTPServer) {
        let repo = directory.file("nginx")
        let signed = directory.file("signed")
        for dir in [repo, signed] { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        for file in try FileManager.default.contentsOfDirectory(atPath: Self.nginx) where file.hasSuffix(".tgz") {
            try FileManager.default.copyItem(atPath: Self.nginx + file, toPath: repo + "/" + file)
        }
        try FileManager.default.copyItem(atPath: Self.nginx + "index.relative.yaml", toPath: repo + "/index.yaml")
        for file in ["signtest-0.1.0.tgz", "signtest-0.1.0.tgz.prov", "hashtest-1.2.3.tgz", "hashtest-1.2.3.tgz.prov", "pre-release-chart-0.1.0-alpha.tgz"] {
            try FileManager.default.copyItem(atPath: Self.helmData + file, toPath: signed + "/" + file)
        }
        try await HelmEngine.run(["repo-index", signed])
        return (try await StaticHTTPServer(directory: repo), try await StaticHTTPServer(directory: signed))
    }

    @Test func bundlePushPullAndExportMatchHelm() async throws {
        let directory = try TemporaryDirectory()
        let (nginx, signed) = try await repositories(directory)
        let registry = try await RegistryServer()
        defer { nginx.stop(); signed.stop(); registry.stop() }
        let manifest = directory.file("site.yaml")
        try Data("""
            version: 1
            charts:
              - repository: \(nginx.url)
                name: nginx-ingress
                version: "~2.6.0"
              - repository: \(nginx.url)
                name: nim
                version: "2.1.0"
              - repository: \(signed.url)
                name: signtest
              - repository: \(signed.url)
                name: pre-release-chart
                version: ">=0.1.0-0"
            """.utf8).write(to: URL(fileURLWithPath: manifest))
        let bundle = directory.file("charts.tar")
        let made = try await AirlockTool.run("connected", ["bundle", "-f", manifest, "-o", bundle, "-q"])
        #expect(made.succeeded, "\(made.errorOutput)")
        #expect(try await AirlockTool.run("transit", ["verify", bundle, "-q"]).succeeded)
        let pushed = try await AirlockTool.run("transit", ["push", bundle, "--to", "\(registry.host)/site", "-q"])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")

        // helm push of the same archives (mtime = Chart.yaml's time in the archive, .prov beside) must give the same manifests.
        let charts: [(file: String, name: String, tag: String)] = [
            (Self.nginx + "nginx-ingress-2.6.4.tgz", "nginx-ingress", "2.6.4"), (Self.nginx + "nms-2.1.0.tgz", "nim", "2.1.0"),
            (Self.helmData + "signtest-0.1.0.tgz", "signtest", "0.1.0"),
            (Self.helmData + "pre-release-chart-0.1.0-alpha.tgz", "pre-release-chart", "0.1.0-alpha"),
        ]
        for chart in charts {
            let copy = directory.file("helm-\(chart.name).tgz")
            try FileManager.default.copyItem(atPath: chart.file, toPath: copy)
            if FileManager.default.fileExists(atPath: chart.file + ".prov") { try FileManager.default.copyItem(atPath: chart.file + ".prov", toPath: copy + ".prov") }
            let modified = try ChartArchive(path: chart.file).chartFileModified
            try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: TimeInterval(modified))], ofItemAtPath: copy)
            try await HelmEngine.run(["push", copy, "oci://\(registry.host)/helm", "--plain-http"])
            let ours = try await fetchManifest(registry, "site/charts/\(chart.name)", chart.tag)
            let helms = try await fetchManifest(registry, "helm/\(chart.name)", chart.tag)
            #expect(ours == helms, "\(chart.name): ours \(ours.count) bytes, Helm's \(helms.count)")

            // Pulled back with Helm: the very same archive.
            let pulled = directory.file("pulled-\(chart.name)")
            try FileManager.default.createDirectory(atPath: pulled, withIntermediateDirectories: true)
            try await HelmEngine.run(["pull", "oci://\(registry.host)/site/charts/\(chart.name)", "--version", chart.tag, "-d", pulled, "--plain-http"])
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: pulled).first)
            #expect(FileManager.default.contentsEqual(atPath: pulled + "/" + file, andPath: chart.file))
        }

        // The static export, read by Helm.
        let export = directory.file("export")
        let exported = try await AirlockTool.run("transit", ["export-charts", bundle, "--dir", export, "-q"])
        #expect(exported.succeeded, "\(exported.errorOutput)")
        let server = try await StaticHTTPServer(directory: export)
        defer { server.stop() }
        let index = try JSONSerialization.jsonObject(with: try await HelmEngine.run(["repo-get", server.url]).stdout) as? [String: Any]
        let entries = try #require(index?["entries"] as? [String: [[String: Any]]])
        #expect(Set(entries.keys) == Set(charts.map(\.name)))
        for chart in charts {
            let entry = try #require(entries[chart.name]?.first)
            let url = try #require((entry["urls"] as? [String])?.first)
            #expect(url == "\(chart.name)-\(chart.tag.replacingOccurrences(of: "_", with: "+")).tgz")
            #expect(entry["digest"] as? String == Digest.sha256(of: try Data(contentsOf: URL(fileURLWithPath: chart.file))).encoded)
            #expect(FileManager.default.contentsEqual(atPath: export + "/" + url, andPath: chart.file))
        }
        #expect(FileManager.default.fileExists(atPath: export + "/signtest-0.1.0.tgz.prov"))
        let fromExport = directory.file("from-export")
        try FileManager.default.createDirectory(atPath: fromExport, withIntermediateDirectories: true)
        try await HelmEngine.run(["pull", "nim", "--repo", server.url, "-d", fromExport])
        #expect(FileManager.default.contentsEqual(atPath: fromExport + "/nim-2.1.0.tgz", andPath: Self.nginx + "nms-2.1.0.tgz"))
    }

    /// The same constraints, asked of Helm and of `connected chart-images` over the served repository.
    @Test(arguments: ["~2.6.0", "<2.6.4", "0.x", "2.6.3 || 0.2.0"])
    func constraintPicksAgreeWithHelmLive(_ constraint: String) async throws {
        let directory = try TemporaryDirectory()
        let (nginx, signed) = try await repositories(directory)
        defer { nginx.stop(); signed.stop() }
        let out = directory.file("helm")
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        try await HelmEngine.run(["pull", "nginx-ingress", "--version", constraint, "--repo", nginx.url, "-d", out])
        let helmFile = try #require(try FileManager.default.contentsOfDirectory(atPath: out).first)
        let ours = try await AirlockTool.run("connected", ["chart-images", "nginx-ingress", "--repo", nginx.url, "--version", constraint, "--json"])
        let listing = try JSONSerialization.jsonObject(with: ours.stdout) as? [String: Any]
        #expect(helmFile == "nginx-ingress-\(listing?["version"] as? String ?? "?").tgz", "\(ours.errorOutput)")
    }

    @Test func digestMismatchIsRejectedAndNothingIsWritten() async throws {
        let directory = try TemporaryDirectory()
        let repo = directory.file("repo")
        try FileManager.default.createDirectory(atPath: repo, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.nginx + "nginx-devportal-1.7.2.tgz", toPath: repo + "/nginx-devportal-1.7.2.tgz")
        let index = try String(contentsOfFile: Self.nginx + "index.relative.yaml", encoding: .utf8)
            .replacingOccurrences(of: "4964c9848b7b230712ec2936c8216bec27fef09fb95dddd76c9e6fcf53b252fa",
                                  with: "0000000000000000000000000000000000000000000000000000000000000000")
        try index.write(toFile: repo + "/index.yaml", atomically: true, encoding: .utf8)
        let server = try await StaticHTTPServer(directory: repo)
        defer { server.stop() }
        let manifest = directory.file("m.yaml")
        try Data("version: 1\ncharts:\n  - repository: \(server.url)\n    name: nginx-devportal\n".utf8).write(to: URL(fileURLWithPath: manifest))
        let result = try await AirlockTool.run("connected", ["bundle", "-f", manifest, "-o", directory.file("b.tar"), "-q"])
        #expect(result.status == 1)
        #expect(result.errorOutput.contains("nginx-devportal 1.7.2"))
        #expect(result.errorOutput.contains("hashes to sha256:4964c984"))
        #expect(result.errorOutput.contains("expected sha256:0000"))
        #expect(!FileManager.default.fileExists(atPath: directory.file("b.tar")))
    }

    func fetchManifest(_ registry: RegistryServer, _ repository: String, _ tag: String) async throws -> Data {
        try await Tool.run("curl", ["-sf", "-H", "Accept: application/vnd.oci.image.manifest.v1+json",
                                    "\(registry.url.absoluteString)/v2/\(repository)/manifests/\(tag)"]).check().stdout
    }
}
