import Foundation
import Testing
import TestSupport

/// `connected pull` against real `docker-registry` processes, checked with skopeo, curl and sha256sum.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct PullTests {
    /// The `--json` summary of a pull.
    struct Summary: Decodable {
        struct Image: Decodable {
            let reference: String
            let digest: String
            let sourceDigest: String?
            let mediaType: String
            let platforms: [String]
            let blobs: Int
            let blobsFetched: Int
            let blobsSkipped: Int
            let attached: [String]
        }
        let images: [Image]
        let blobsFetched: Int
        let blobsSkipped: Int
    }

    struct LayoutIndex: Decodable {
        struct Entry: Decodable { let digest: String; let mediaType: String; let annotations: [String: String]? }
        let manifests: [Entry]
        func entry(named name: String) -> Entry? {
            manifests.first { $0.annotations?["org.opencontainers.image.ref.name"] == name }
        }
    }

    func pull(_ arguments: [String], environment: [String: String] = [:]) async throws -> Tool.Result {
        try await AirlockTool.run("connected", ["pull"] + arguments, environment: environment)
    }

    func summary(_ result: Tool.Result) throws -> Summary {
        guard result.succeeded else { throw HarnessError("connected pull failed (\(result.status)): \(result.errorOutput)") }
        return try JSONDecoder().decode(Summary.self, from: result.stdout)
    }

    func layoutIndex(_ store: String) throws -> LayoutIndex {
        try JSONDecoder().decode(LayoutIndex.self, from: Data(contentsOf: URL(fileURLWithPath: store + "/index.json")))
    }

    @Test func singlePlatformOCIAndDockerImagesKeepTheirDigests() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [300_000, 120_000])
        let oci = try await images.push("app", to: registry, repository: "team/app", tag: "1")
        let docker = try await images.push("app", to: registry, repository: "team/app", tag: "1-docker", format: .dockerV2Schema2)
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", oci.reference, docker.reference]))
        #expect(report.images.map(\.digest) == [oci.digest, docker.digest])
        #expect(report.images[1].mediaType == "application/vnd.docker.distribution.manifest.v2+json")
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)

        // The stored manifest bytes are exactly what the registry serves.
        let served = try await registry.manifest("team/app", reference: "1-docker")
        #expect(FileManager.default.contents(atPath: "\(store)/blobs/sha256/\(docker.digest.dropFirst(7))") == served)
        #expect(try layoutIndex(store).entry(named: docker.reference)?.digest == docker.digest)

        // skopeo reads the OCI image from the store, blobs included.
        let inspect = try await Tool.output("skopeo", ["inspect", "oci:\(store):\(oci.reference)"])
        #expect(inspect.contains(oci.digest))
        let copy = try TemporaryDirectory(prefix: "airlock-copy")
        try await Tool.run("skopeo", ["copy", "-q", "oci:\(store):\(oci.reference)", "oci:\(copy.path):x"]).check()
    }

    @Test func platformFilterFetchesOnlyTheChosenChildren() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let index = try await images.buildIndex("multi", layerSizes: [90_000])
        let pushed = try await images.push("multi", to: registry, repository: "team/multi", tag: "1")
        let amd64 = try #require(index.manifests.first { $0.platform?.architecture == "amd64" })
        let arm64 = try #require(index.manifests.first { $0.platform?.architecture == "arm64" })
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", "--platform", "linux/arm64", pushed.reference]))
        // A filtered index is stored under the name; the source index's bytes travel as its referrer.
        #expect(report.images[0].digest != pushed.digest)
        #expect(report.images[0].sourceDigest == pushed.digest)
        #expect(report.images[0].platforms == ["linux/arm64/v8"])
        let has = { (digest: String) in FileManager.default.fileExists(atPath: "\(store)/blobs/sha256/\(digest.dropFirst(7))") }
        #expect(has(pushed.digest))
        #expect(has(arm64.digest) && arm64.layers.allSatisfy { has($0.digest) })
        #expect(!has(amd64.digest) && !amd64.layers.contains { has($0.digest) })
        let entry = try #require(try layoutIndex(store).entry(named: pushed.reference))
        #expect(entry.digest == report.images[0].digest)
        #expect(entry.annotations?["dev.airlock.platforms"] == "linux/arm64/v8")
        #expect(entry.annotations?["dev.airlock.source-digest"] == pushed.digest)
        let referrer = try #require(try layoutIndex(store).manifests.first { $0.annotations?["dev.airlock.subject"] == entry.digest })
        #expect(referrer.annotations?["dev.airlock.kind"] == "referrer")
        let inspect = try await Tool.output("skopeo", ["--override-arch", "arm64", "inspect", "oci:\(store):\(pushed.reference)"])
        #expect(inspect.contains(arm64.layers[0].digest))

        // A platform the index lacks is an error that names what it has.
        let missing = try await pull(["--store", store, "--platform", "linux/s390x", pushed.reference])
        #expect(missing.status == 1)
        #expect(missing.errorOutput.contains("has no manifest for linux/s390x (it has: linux/amd64, linux/arm64/v8)"))
    }

    @Test func signaturesAndReferrersComeAlong() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [50_000])
        let image = try await images.push("app", to: registry, repository: "signed/app", tag: "1")
        let signature = try await TestImages.pushCosignSignature(for: image, to: registry)
        let referrer = try await TestImages.pushReferrer(to: image, on: registry)
        _ = try await TestImages.pushReferrersIndex(for: image, referrers: [referrer], to: registry)
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", image.reference]))
        let signatureRef = "\(registry.host)/signed/app:\(signature.tag ?? "")"
        #expect(report.images[0].attached.sorted() == [signatureRef, "\(registry.host)/signed/app@\(referrer.digest)"].sorted())
        let index = try layoutIndex(store)
        #expect(index.entry(named: signatureRef)?.annotations?["dev.airlock.kind"] == "signature")
        #expect(index.entry(named: signatureRef)?.annotations?["dev.airlock.subject"] == image.digest)
        let referrerEntry = try #require(index.manifests.first { $0.digest == referrer.digest })
        #expect(referrerEntry.annotations?["dev.airlock.kind"] == "referrer")
        #expect(referrerEntry.annotations?["dev.airlock.subject"] == image.digest)
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)

        let bare = try TemporaryDirectory(prefix: "airlock-store").file("store")
        let plain = try summary(try await pull(["--store", bare, "--json", "--no-signatures", "--no-referrers", image.reference]))
        #expect(plain.images[0].attached.isEmpty)
    }

    @Test func sixImagesSharingABaseLayerFetchItOnce() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let base = try await images.build("base", layerSizes: [400_000])
        var references: [String] = []
        for n in 1...6 {
            try await images.build("app\(n)", layerSizes: [10_000 + n], base: "base")
            references.append(try await images.push("app\(n)", to: registry, repository: "apps/app\(n)", tag: "1").reference)
        }
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let first = try summary(try await pull(["--store", store, "--json"] + references))
        // 1 shared base layer + 6 own layers + 6 configs.
        #expect(first.blobsFetched == 13)
        #expect(first.images.reduce(0) { $0 + $1.blobsFetched } == 13)
        #expect(first.images.allSatisfy { $0.blobs == 3 })
        #expect(first.images.reduce(0) { $0 + $1.blobsSkipped } == 5)   // the base, for the five that did not fetch it
        #expect(FileManager.default.fileExists(atPath: "\(store)/blobs/sha256/\(base.layers[0].digest.dropFirst(7))"))

        let again = try summary(try await pull(["--store", store, "--json"] + references))
        #expect(again.blobsFetched == 0)
        #expect(again.blobsSkipped == 13)
    }

    @Test func tlsWithBasicAuthNeedsTheCAAndThePassword() async throws {
        let user = TestUser.random("puller")
        let registry = try await RegistryServer(tls: true, authentication: .basic(user))
        defer { registry.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [70_000])
        let image = try await images.push("app", to: registry, repository: "secure/app", tag: "1", as: user)
        let caFile = try #require(registry.caFile)
        let scratch = try TemporaryDirectory(prefix: "airlock-store")

        let ok = try summary(try await pull(["--store", scratch.file("a"), "--json", "--ca-file", caFile, "--creds", user.colonSeparated, image.reference]))
        #expect(ok.images[0].digest == image.digest)

        // The same credentials from a docker config.json.
        let config = scratch.file("config.json")
        let auth = Data(user.colonSeparated.utf8).base64EncodedString()
        try Data(#"{"auths":{"https://\#(registry.host)":{"auth":"\#(auth)"}}}"#.utf8).write(to: URL(fileURLWithPath: config))
        let viaFile = try summary(try await pull(["--store", scratch.file("b"), "--json", "--ca-file", caFile, "--authfile", config, image.reference]))
        #expect(viaFile.images[0].digest == image.digest)

        let insecure = try summary(try await pull(["--store", scratch.file("e"), "--json", "--tls-verify=false", "--creds", user.colonSeparated, image.reference]))
        #expect(insecure.images[0].digest == image.digest)

        let noCA = try await pull(["--store", scratch.file("c"), "--creds", user.colonSeparated, image.reference])
        #expect(noCA.status == 4)
        #expect(noCA.errorOutput.contains("TLS certificate not trusted") && noCA.errorOutput.contains("--ca-file"))

        let wrong = try await pull(["--store", scratch.file("d"), "--ca-file", caFile, "--creds", "\(user.username):wrong", image.reference])
        #expect(wrong.status == 3)
        #expect(wrong.errorOutput.contains("secure/app") && wrong.errorOutput.contains("credentials"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("d") + "/blobs/sha256/\(image.digest.dropFirst(7))"))
    }

    @Test func bearerTokensFromTheTokenService() async throws {
        let alice = TestUser.random("alice")
        let registry = try await RegistryServer(authentication: .token(.init(
            users: [alice], grants: [.init(.user(alice.username), repository: "team/*", actions: ["pull", "push"])])))
        defer { registry.stop() }
        let tokens = try #require(registry.tokenServer)
        let images = try await TestImages()
        try await images.build("app", layerSizes: [80_000])
        let image = try await images.push("app", to: registry, repository: "team/app", tag: "1", as: alice)
        let before = try await tokens.stats().issued
        let scratch = try TemporaryDirectory(prefix: "airlock-store")

        let ok = try summary(try await pull(["--store", scratch.file("a"), "--json", "--creds", alice.colonSeparated, image.reference]))
        #expect(ok.images[0].digest == image.digest)
        #expect(try await tokens.stats().issued > before)

        let anonymous = try await pull(["--store", scratch.file("b"), image.reference])
        #expect(anonymous.status == 3)
        let wrong = try await pull(["--store", scratch.file("c"), "--creds", "alice:nope", image.reference])
        #expect(wrong.status == 3)
        #expect(wrong.errorOutput.contains("token service"))
    }

    @Test func anExpiredTokenIsRefreshed() async throws {
        let alice = TestUser.random("alice")
        let registry = try await RegistryServer(authentication: .token(.init(
            users: [alice], grants: [.init(.user(alice.username), repository: "team/*", actions: ["pull", "push"])], tokenLifetime: 8)))
        defer { registry.stop() }
        let tokens = try #require(registry.tokenServer)
        let images = try await TestImages()
        try await images.build("app", layerSizes: [30_000, 20_000, 10_000])
        // skopeo does not refresh tokens: on a very loaded machine its push may outlive one, so try again.
        var pushed: PushedImage?
        for _ in 1...3 where pushed == nil { pushed = try? await images.push("app", to: registry, repository: "team/app", tag: "1", as: alice) }
        let image = try #require(pushed)
        // Slow requests make the pull outlive its first token (six or more requests, one at a time, 2.5 s each).
        let proxy = try await FaultProxy(upstream: registry, faults: .delay(perRequest: .milliseconds(2500)))
        defer { proxy.stop() }
        let before = try await tokens.stats().issued
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", "--jobs", "1", "--creds", alice.colonSeparated, "\(proxy.host)/team/app:1"]))
        #expect(report.images[0].digest == image.digest)
        #expect(try await tokens.stats().issued - before >= 2)
    }

    @Test func resumesABlobAfterTheConnectionDrops() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let built = try await images.build("big", layerSizes: [3_000_000])
        _ = try await images.push("big", to: registry, repository: "team/big", tag: "1")
        let proxy = try await FaultProxy(upstream: registry, faults: .cutBlobBodies(after: 700_000, count: 2))
        defer { proxy.stop() }
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", "\(proxy.host)/team/big:1"]))
        #expect(report.images[0].digest == built.digest)
        let counters = try await proxy.counters()
        #expect(counters.cuts == 2)
        #expect(counters.rangeRequests >= 2)
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)
    }

    @Test func waitsOutA429Storm() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [40_000])
        let image = try await images.push("app", to: registry, repository: "team/app", tag: "1")
        let proxy = try await FaultProxy(upstream: registry, faults: .tooManyRequests(count: 3))
        defer { proxy.stop() }
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let report = try summary(try await pull(["--store", store, "--json", "\(proxy.host)/team/app:1"]))
        #expect(report.images[0].digest == image.digest)
        #expect(try await proxy.counters().injectedStatuses == 3)
    }

    @Test func anInterruptedPullLeavesNothingTrusted() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let built = try await images.build("big", layerSizes: [4_000_000])
        _ = try await images.push("big", to: registry, repository: "team/big", tag: "1")
        // Slow enough (20 s for the layer) that the watcher below sees its ingest file even when a loaded machine
        // leaves this task unscheduled for seconds; the pull is killed as soon as it does, so no test waits that long.
        let proxy = try await FaultProxy(upstream: registry, faults: .delay(perMiB: .seconds(5)))
        defer { proxy.stop() }
        let store = try TemporaryDirectory(prefix: "airlock-store").file("store")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: AirlockTool.binDirectory + "/connected")
        process.arguments = ["pull", "-q", "--store", store, "\(proxy.host)/team/big:1"]
        try ProcessLaunch.start(process)
        // Kill it mid-blob: while the big layer's ingest file exists (the proxy makes that last 20 s), however
        // long the pull takes to get there on a busy machine.
        let layerHex = String(built.layers.last!.digest.dropFirst(7))
        while process.isRunning,
              (try? FileManager.default.contentsOfDirectory(atPath: store + "/.ingest"))?.contains(where: { $0.hasPrefix(layerHex) && $0.hasSuffix(".part") }) != true {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(process.isRunning, "the pull ended before its largest blob was being written")
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()

        #expect(try layoutIndex(store).manifests.isEmpty)
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "\(store)/blobs/sha256/\(built.layers.last!.digest.dropFirst(7))"))

        let report = try summary(try await pull(["--store", store, "--json", "\(registry.host)/team/big:1"]))
        #expect(report.images[0].digest == built.digest)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store + "/.ingest").allSatisfy { !$0.hasSuffix(".part") })
        #expect(try await AirlockTool.corruptBlobs(in: store).isEmpty)
    }

    @Test func badInputGetsOneClearError() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-bad")
        let manifest = scratch.file("site.yaml")
        try Data("version: 1\nimages:\n  - ref: nginx\n    platforms: [linux]\n".utf8).write(to: URL(fileURLWithPath: manifest))

        let badManifest = try await pull(["--store", scratch.file("s1"), "-f", manifest])
        #expect(badManifest.status == 65)
        #expect(badManifest.errorOutput == "connected: error: \(manifest):4: images[0].platforms: invalid platform 'linux': expected os/arch[/variant], e.g. linux/amd64 or linux/arm/v7\n")

        let badReference = try await pull(["--store", scratch.file("s2"), "Nginx:latest"])
        #expect(badReference.status == 65)
        #expect(badReference.errorOutput.contains("repository name must be lowercase"))

        let unknown = try await pull(["--store", scratch.file("s3"), "\(registry.host)/no/such:1"])
        #expect(unknown.status == 1)
        #expect(unknown.errorOutput.contains("\(registry.host)/no/such:1") && unknown.errorOutput.contains("not found"))
        let emptyIndex = try layoutIndex(scratch.file("s3")).manifests.isEmpty
        #expect(emptyIndex)

        let port = try Ports.free()
        let unreachable = try await pull(["--store", scratch.file("s4"), "--retries", "2", "127.0.0.1:\(port)/a/b:1"])
        #expect(unreachable.status == 1)
        #expect(unreachable.errorOutput.contains("127.0.0.1:\(port)"))

        let usage = try await pull(["--store", scratch.file("s5")])
        #expect(usage.status == 64)
    }
}
