import Foundation
import Testing
import TestSupport

/// `airgap serve` against real clients: skopeo, `transit push`, `connected pull`, `airgap verify` and curl.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ServeTests {
    /// A server on a fresh store, plain or with TLS and htpasswd.
    static func server(secure: Bool) async throws -> RegistryServer {
        try await RegistryServer(tls: secure, authentication: secure ? .basic(.random()) : .none, implementation: .airgap([]))
    }

    /// Registry flags of Airlock's own tools for `registry`.
    static func airlockOptions(_ registry: RegistryServer) -> [String] {
        (registry.caFile.map { ["--ca-file", $0] } ?? []) + (registry.user.map { ["--creds", $0.colonSeparated] } ?? [])
    }

    @Test(arguments: [false, true])
    func skopeoCopiesToAndFromTheServer(secure: Bool) async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [400_000, 100_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        _ = try await images.buildIndex("multi", layerSizes: [150_000])
        let multi = try await images.push("multi", to: source, repository: "library/multi", tag: "2")
        let server = try await Self.server(secure: secure)
        defer { server.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-serve")

        for (image, all) in [(app, false), (multi, true)] {
            let target = "docker://\(server.host)/copied/\(image.repository):\(image.tag)"
            try await Tool.run("skopeo", ["copy", "-q"] + (all ? ["--all"] : []) + source.skopeoOptions(.source, user: nil)
                               + server.skopeoOptions(.destination, user: server.user) + ["docker://\(image.reference)", target]).check()
            let head = try await server.manifestHead("copied/\(image.repository)", reference: image.tag, as: server.user)
            #expect(head.digest == image.digest)
            #expect(head.mediaType == image.mediaType)
            // Out again into a layout, every platform, every blob checked by skopeo on the way.
            let layout = scratch.file(image.repository.replacingOccurrences(of: "/", with: "-"))
            try await Tool.run("skopeo", ["copy", "-q", "--preserve-digests"] + (all ? ["--all"] : []) + server.skopeoOptions(.source, user: server.user)
                               + [target, "oci:\(layout):out"]).check()
            let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: layout + "/index.json"))) as? [String: Any]
            let manifests = index?["manifests"] as? [[String: Any]] ?? []
            #expect(manifests.first?["digest"] as? String == image.digest)
        }
        let catalog = try await server.request("/v2/_catalog", as: server.user)
        let names = (try JSONSerialization.jsonObject(with: catalog.body) as? [String: [String]])?["repositories"]
        #expect(names == ["copied/library/multi", "copied/team/app"])
        if secure {
            let anonymous = try await Curl.request(server.url.absoluteString + "/v2/", options: server.curlOptions())
            #expect(anonymous.status == 401)
            #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Basic ") == true)
        }
    }

    @Test(arguments: [false, true])
    func transitPushIntoTheServerThenConnectedPullBackOut(secure: Bool) async throws {
        let fixture = try await BundleFlowTests.Fixture()
        defer { fixture.source.stop() }
        let server = try await Self.server(secure: secure)
        defer { server.stop() }
        let options = Self.airlockOptions(server)
        try await AirlockTool.run("transit", ["push", "-q", fixture.bundle, "--to", "\(server.host)/mirror"] + options).check()

        for image in [fixture.app, fixture.multi] {
            let head = try await server.manifestHead("mirror/\(image.repository)", reference: image.tag, as: server.user)
            #expect(head.digest == image.digest, "\(image.reference)")
        }
        let referrers = try await server.request("/v2/mirror/team/app/referrers/\(fixture.app.digest)", as: server.user)
        let listed = (try JSONSerialization.jsonObject(with: referrers.body) as? [String: Any])?["manifests"] as? [[String: Any]] ?? []
        #expect(listed.map { $0["digest"] as? String } == [fixture.referrer.digest])

        // Pulled back out of the server, the store holds exactly what the source registry held.
        let store = fixture.scratch.file("back")
        let pulled = try await AirlockTool.run("connected", ["pull", "-q", "--json", "--store", store,
                                                             "\(server.host)/mirror/team/app:1", "\(server.host)/mirror/library/multi:2"] + options)
        #expect(pulled.succeeded, "\(pulled.errorOutput)")
        let report = try JSONSerialization.jsonObject(with: pulled.stdout) as? [String: Any]
        let digests = (report?["images"] as? [[String: Any]] ?? []).compactMap { $0["digest"] as? String }
        #expect(Set(digests) == [fixture.app.digest, fixture.multi.digest], "\(pulled.output)")
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)
        let entries = try String(contentsOfFile: store + "/index.json", encoding: .utf8)
        #expect(entries.contains(fixture.signatureTag))
    }

    @Test func signedBundlePushedIntoTheServerVerifiesWithAirgapVerify() async throws {
        let source = try await TrustFlowTests.SignedSource()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("signed.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--verify-key", source.pub("src"), source.app.reference],
                                  environment: TrustFlowTests.password).check()
        let server = try await Self.server(secure: false)
        defer { server.stop() }
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(server.host)/site", "--key", source.pub("src"),
                                              "--sign-key", source.key("site")], environment: TrustFlowTests.password).check()
        let target = "\(server.host)/site/team/app:1"
        let verified = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("site"), target])
        #expect(verified.succeeded, "\(verified.errorOutput)")
        let refused = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("other"), target])
        #expect(refused.status == 5)
    }

    @Test func splitBundleIsServedInPlaceAndNothingIsWritten() async throws {
        let fixture = try await BundleFlowTests.Fixture(split: "1M")
        defer { fixture.source.stop() }
        let before = try Self.listing(fixture.scratch.path)
        #expect(before.keys.contains { $0.hasSuffix(".tar.001") })
        let server = try await RegistryServer(implementation: .airgap(["--bundle", fixture.bundle + ".000"]))
        defer { server.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-serve-out")
        for (image, all) in [(fixture.app, false), (fixture.multi, true)] {
            let layout = scratch.file(image.repository.replacingOccurrences(of: "/", with: "-"))
            try await Tool.run("skopeo", ["copy", "-q", "--preserve-digests"] + (all ? ["--all"] : []) + server.skopeoOptions(.source, user: nil)
                               + ["docker://\(server.host)/\(image.repository):\(image.tag)", "oci:\(layout):out"]).check()
            let head = try await server.manifestHead(image.repository, reference: image.tag)
            #expect(head.digest == image.digest)
        }
        // A range read comes straight from the volumes.
        let manifest = try JSONSerialization.jsonObject(with: try await server.manifest("team/app", reference: "1")) as? [String: Any]
        let layers = (manifest?["layers"] as? [[String: Any]] ?? []).sorted { ($0["size"] as? Int ?? 0) > ($1["size"] as? Int ?? 0) }
        let layer = try #require(layers.first?["digest"] as? String)
        let part = try await server.request("/v2/team/app/blobs/\(layer)", headers: ["Range": "bytes=250000-449999"], as: nil)
        let whole = try await fixture.source.request("/v2/team/app/blobs/\(layer)", as: nil)
        #expect(part.status == 206)
        #expect(part.header("Content-Range") == "bytes 250000-449999/\(whole.body.count)")
        #expect(part.body == whole.body[250000..<450000])
        let push = try await server.request("/v2/team/app/blobs/uploads/", method: "POST", as: nil)
        #expect(push.status == 405)
        #expect(String(decoding: push.body, as: UTF8.self).contains("UNSUPPORTED"))
        server.stop()
        #expect(try Self.listing(fixture.scratch.path) == before)
    }

    @Test func killedDuringConcurrentPushesLosesNothingAcknowledged() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [2_000_000, 1_000_000, 500_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        let scratch = try TemporaryDirectory(prefix: "airlock-serve-kill")
        let store = scratch.file("store")
        let first = try await RegistryServer(implementation: .airgap(["--store", store]))
        let repositories = (1...20).map { "copy/n\($0)" }
        func pushAll(to server: RegistryServer) async throws -> [Bool] {
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for repository in repositories {
                    group.addTask {
                        try await Tool.run("skopeo", ["copy", "-q"] + source.skopeoOptions(.source, user: nil) + server.skopeoOptions(.destination, user: nil)
                                           + ["docker://\(app.reference)", "docker://\(server.host)/\(repository):1"]).succeeded
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Kill the server once some pushes have been acknowledged and others are still sending.
        async let pushes = pushAll(to: first)
        while try String(contentsOfFile: first.logFile, encoding: .utf8).components(separatedBy: "/manifests/1 201").count < 4 {
            try await Task.sleep(for: .milliseconds(5))
        }
        first.kill()
        _ = try await pushes
        let log = try String(contentsOfFile: first.logFile, encoding: .utf8)
        let acknowledged = repositories.filter { log.contains("PUT /v2/\($0)/manifests/1 201") }
        #expect(acknowledged.count >= 3)

        // Restarted on the same store: nothing half-written is visible, every acknowledged tag is whole.
        let second = try await RegistryServer(implementation: .airgap(["--store", store]))
        defer { second.stop() }
        let blobs = try FileManager.default.contentsOfDirectory(atPath: store + "/blobs/sha256")
        #expect(blobs.allSatisfy { $0.count == 64 })
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)
        for repository in acknowledged {
            let head = try await second.manifestHead(repository, reference: "1")
            #expect(head.digest == app.digest, "\(repository)")
        }
        let tagged = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store + "/index.json"))) as? [String: Any]
        for entry in tagged?["manifests"] as? [[String: Any]] ?? [] {
            let name = (entry["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] ?? ""
            let repository = String(name.split(separator: "/", maxSplits: 1).last ?? "").components(separatedBy: ":")[0]
            let layout = scratch.file("check-\(repository.replacingOccurrences(of: "/", with: "-"))")
            try await Tool.run("skopeo", ["copy", "-q", "--preserve-digests"] + second.skopeoOptions(.source, user: nil)
                               + ["docker://\(second.host)/\(repository):1", "oci:\(layout):x"]).check()
        }

        // Pushed again, the registry is what an uninterrupted run leaves: every repository, the same digest.
        #expect(try await pushAll(to: second).allSatisfy { $0 })
        for repository in repositories {
            #expect(try await second.manifestHead(repository, reference: "1").digest == app.digest)
        }
        let catalog = try await second.request("/v2/_catalog", as: nil)
        let names = (try JSONSerialization.jsonObject(with: catalog.body) as? [String: [String]])?["repositories"] ?? []
        #expect(names == repositories.sorted())
    }

    @Test func protocolDetailsRealClientsRelyOn() async throws {
        let server = try await RegistryServer(implementation: .airgap([]))
        defer { server.stop() }
        let base = server.url.absoluteString
        // libcurl sends `Expect: 100-continue` on large bodies; the server answers it at once.
        let large = Data((0..<3_000_000).map { UInt8($0 % 251) })
        let body = try TemporaryDirectory(prefix: "airlock-serve-body")
        try large.write(to: URL(fileURLWithPath: body.file("blob")))
        let digest = "sha256:" + (try await Tool.output("sha256sum", [body.file("blob")])).prefix(64)
        let verbose = try await Tool.run("curl", ["-sS", "-v", "-X", "POST", "-H", "Expect: 100-continue", "-H", "Content-Type: application/octet-stream",
                                                  "--data-binary", "@" + body.file("blob"), "\(base)/v2/big/blobs/uploads/?digest=\(digest)"])
        #expect(verbose.errorOutput.contains("< HTTP/1.1 100 Continue"), "\(verbose.errorOutput)")
        #expect(verbose.errorOutput.contains("< HTTP/1.1 201 Created"))

        // Manifests up to 4 MiB are stored byte for byte; larger ones are refused with 413.
        let config = try await server.pushBlob(Data("{}".utf8), repository: "big")
        func manifest(padding: Int) -> Data {
            let head = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"\#(config.digest)","size":2},"layers":[],"annotations":{"pad":""#
            return Data((head + String(repeating: "x", count: padding) + #""}}"#).utf8)
        }
        let limit = 4 * 1024 * 1024
        let fits = manifest(padding: limit - manifest(padding: 0).count)
        let accepted = try await server.request("/v2/big/manifests/fits", method: "PUT",
                                                headers: ["Content-Type": "application/vnd.oci.image.manifest.v1+json"], body: fits, as: nil)
        #expect(accepted.status == 201)
        #expect(try await server.manifest("big", reference: "fits") == fits)
        let tooBig = try await server.request("/v2/big/manifests/over", method: "PUT",
                                              headers: ["Content-Type": "application/vnd.oci.image.manifest.v1+json"], body: fits + Data(" ".utf8), as: nil)
        #expect(tooBig.status == 413)

        // A manifest whose blobs are missing is refused; so is a chunk that does not start where the upload stands.
        let dangling = Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.empty.v1+json","digest":"sha256:\#(String(repeating: "1", count: 64))","size":2},"layers":[]}"#.utf8)
        let refused = try await server.request("/v2/big/manifests/dangling", method: "PUT",
                                               headers: ["Content-Type": "application/vnd.oci.image.manifest.v1+json"], body: dangling, as: nil)
        #expect(refused.status == 400)
        #expect(String(decoding: refused.body, as: UTF8.self).contains("MANIFEST_BLOB_UNKNOWN"))
        let session = try await server.request("/v2/big/blobs/uploads/", method: "POST", as: nil)
        let location = try #require(session.header("Location"))
        let chunk = try await server.request(base + location, method: "PATCH", headers: ["Content-Range": "10-19", "Content-Type": "application/octet-stream"],
                                             body: Data(count: 10), as: nil)
        #expect(chunk.status == 416)

        // Deletion, asked for with --delete, and catalog pages.
        let delete = try await server.request("/v2/big/manifests/fits", method: "DELETE", as: nil)
        #expect(delete.status == 202)
        _ = try await server.pushBlob(Data("{}".utf8), repository: "other")
        let paged = try await server.request("/v2/_catalog?n=1", as: nil)
        #expect(paged.header("Link") == "</v2/_catalog?n=1&last=big>; rel=\"next\"")
        let next = try await server.request("/v2/_catalog?n=1&last=big", as: nil)
        #expect(String(decoding: next.body, as: UTF8.self) == #"{"repositories":["other"]}"#)
    }

    @Test func sigtermLetsADownloadInFlightFinish() async throws {
        let server = try await RegistryServer(implementation: .airgap([]))
        let blob = Data((0..<4_000_000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let pushed = try await server.pushBlob(blob, repository: "slow/read")
        let scratch = try TemporaryDirectory(prefix: "airlock-serve-stop")
        let output = scratch.file("blob")
        // A slow reader (1 MiB/s): the server is told to stop once the first bytes have arrived.
        async let download = Tool.run("curl", ["-sS", "--fail", "--limit-rate", "1M", "-o", output,
                                               "\(server.url.absoluteString)/v2/slow/read/blobs/\(pushed.digest)"])
        while (try? FileManager.default.attributesOfItem(atPath: output)[.size] as? Int).flatMap({ $0 }) ?? 0 == 0 {
            try await Task.sleep(for: .milliseconds(20))
        }
        server.stop(grace: .seconds(60))
        let result = try await download
        #expect(result.succeeded, "\(result.errorOutput)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == blob)
    }

    @Test func mirrorLayoutMapsUpstreamRequestsOntoPushedRepositories() async throws {
        let fixture = try await BundleFlowTests.Fixture()
        defer { fixture.source.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-serve-mirror")
        let store = scratch.file("store")
        let filling = try await RegistryServer(implementation: .airgap(["--store", store]))
        try await AirlockTool.run("transit", ["push", "-q", fixture.bundle, "--to", "\(filling.host)/mirror"]).check()
        filling.stop()
        let server = try await RegistryServer(implementation: .airgap(["--store", store, "--read-only", "--mirror-layout", "mirror"]))
        defer { server.stop() }
        // As containerd asks a mirror: the upstream in ?ns=, the repository as the upstream names it.
        let upstream = fixture.app.reference.components(separatedBy: "/")[0]
        let unmapped = try await server.request("/v2/team/app/manifests/1", method: "HEAD", as: nil)
        #expect(unmapped.status == 404)
        let mirrored = try await server.request("/v2/team/app/manifests/1?ns=\(upstream)", method: "HEAD", as: nil)
        #expect(mirrored.status == 200)
        #expect(mirrored.header("Docker-Content-Digest") == fixture.app.digest)
        let write = try await server.request("/v2/team/app/blobs/uploads/", method: "POST", as: nil)
        #expect(write.status == 405)
        let deleteOff = try await server.request("/v2/team/app/manifests/1", method: "DELETE", as: nil)
        #expect(deleteOff.status == 405)
    }

    /// Every file under `path` with its size and modification time.
    static func listing(_ path: String) throws -> [String: String] {
        var result: [String: String] = [:]
        for name in try FileManager.default.subpathsOfDirectory(atPath: path) {
            let attributes = try FileManager.default.attributesOfItem(atPath: path + "/" + name)
            result[name] = "\(attributes[.size] ?? 0) \((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)"
        }
        return result
    }
}

/// containerd pulls through `airgap serve` as a registry mirror (`hosts.toml`, `?ns=` requests).
@Suite(.enabled(if: Peers.available && Tool.available("containerd") && Tool.available("ctr") && getuid() == 0,
                "needs Debian's containerd and root"))
struct ServeContainerdTests {
    @Test func containerdPullsThroughTheServerAsAMirror() async throws {
        let fixture = try await BundleFlowTests.Fixture()
        defer { fixture.source.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-serve-containerd")
        let store = scratch.file("store")
        let filling = try await RegistryServer(implementation: .airgap(["--store", store]))
        try await AirlockTool.run("transit", ["push", "-q", fixture.bundle, "--to", "\(filling.host)/mirror"]).check()
        filling.stop()
        let server = try await RegistryServer(implementation: .airgap(["--store", store, "--mirror-layout", "mirror"]))
        defer { server.stop() }

        // docker.io is mirrored by the server; its own server line points at a closed loopback port, so
        // a fallback to the upstream could only fail, never reach the internet.
        let hosts = scratch.file("certs.d/docker.io")
        try FileManager.default.createDirectory(atPath: hosts, withIntermediateDirectories: true)
        try Data("""
            server = "http://127.0.0.1:9"

            [host."http://\(server.host)"]
              capabilities = ["pull", "resolve"]

            """.utf8).write(to: URL(fileURLWithPath: hosts + "/hosts.toml"))
        let containerd = try await ContainerdDaemon()
        defer { containerd.stop() }
        let fetched = try await containerd.ctr(["content", "fetch", "--hosts-dir", scratch.file("certs.d"), "--all-platforms",
                                                "docker.io/team/app:1"])
        #expect(fetched.succeeded, "\(fetched.output)\(fetched.errorOutput)\n\(server.logTail())")
        let images = try await containerd.ctr(["images", "list", "-q"])
        #expect(images.output.contains("docker.io/team/app:1"))
        let content = try await containerd.ctr(["content", "ls", "-q"])
        #expect(content.output.contains(fixture.app.digest))
        let log = try String(contentsOfFile: server.logFile, encoding: .utf8)
        #expect(log.contains("GET /v2/team/app/manifests/\(fixture.app.digest)?ns=docker.io 200")
                || log.contains("GET /v2/team/app/manifests/1?ns=docker.io 200"), "\(log)")
    }
}

/// `airgap serve` through Tests/Peers/distribution-conformance.py: the checks of the distribution-spec
/// conformance suite (v1.1 and its `main` branch, read-only mode included) and a few more from the spec.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ServeConformanceTests {
    func conformance(_ server: RegistryServer, _ extra: [String] = []) async throws -> Tool.Result {
        var arguments = [Peers.script("distribution-conformance.py"), "--registry", server.url.absoluteString]
        if let user = server.user { arguments += ["--username", user.username, "--password", user.password] }
        if let ca = server.caFile { arguments += ["--cacert", ca] }
        return try await Tool.run("python3", arguments + extra)
    }

    @Test(arguments: [false, true])
    func readWriteServerPassesEveryCheck(secure: Bool) async throws {
        let server = try await ServeTests.server(secure: secure)
        defer { server.stop() }
        let result = try await conformance(server)
        let failures = result.output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.succeeded && failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.errorOutput)")
        #expect(result.output.contains(" 0 failed"), "\(result.output.suffix(300))")
    }

    @Test func bundleServedReadOnlyPassesTheReadOnlyChecks() async throws {
        let fixture = try await BundleFlowTests.Fixture()
        defer { fixture.source.stop() }
        let server = try await RegistryServer(implementation: .airgap(["--bundle", fixture.bundle]))
        defer { server.stop() }
        let manifest = try JSONSerialization.jsonObject(with: try await server.manifest("team/app", reference: "1")) as? [String: Any]
        let blobs = ([manifest?["config"]] + (manifest?["layers"] as? [Any] ?? [])).compactMap { ($0 as? [String: Any])?["digest"] as? String }
        let result = try await conformance(server, ["--read-only", "--repo", "team/app", "--ro-tags", "1", fixture.signatureTag,
                                                    "--ro-manifests", fixture.app.digest, "--ro-blobs"] + blobs
                                                    + ["--ro-referrers", fixture.app.digest])
        let failures = result.output.split(separator: "\n").filter { $0.hasPrefix("FAIL") }
        #expect(result.succeeded && failures.isEmpty, "\(failures.joined(separator: "\n"))\n\(result.errorOutput)")
    }
}
