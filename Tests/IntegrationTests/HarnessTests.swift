import Foundation
import Testing
import TestSupport

/// Self-tests of the harness helpers that need no peers.
struct HarnessHelperTests {
    @Test func toolCapturesOutputStatusAndStdin() async throws {
        let result = try await Tool.run(
            "sh", ["-c", "cat; echo \"$GREETING\" >&2; exit 3"],
            environment: ["GREETING": "hello"], input: Data("from stdin".utf8))
        #expect(result.output == "from stdin")
        #expect(result.errorOutput == "hello\n")
        #expect(result.status == 3)
        #expect(throws: ToolError.self) { try result.check() }
        #expect(Tool.available("sh"))
        #expect(!Tool.available("no-such-tool-airlock"))
    }

    @Test func toolKillsAProcessThatTimesOut() async throws {
        let start = ContinuousClock.now
        await #expect(throws: ToolError.self) {
            try await Tool.run("sleep", ["3600"], timeout: .milliseconds(300))
        }
        // Killed long before `sleep` would end, however long a loaded machine took to launch it.
        #expect(ContinuousClock.now - start < .seconds(3600))
    }

    @Test func portsAndTemporaryDirectories() throws {
        let ports = try (0..<20).map { _ in try Ports.free() }
        #expect(Set(ports).count == ports.count)
        var path = ""
        do {
            let directory = try TemporaryDirectory()
            path = directory.path
            #expect(FileManager.default.createFile(atPath: directory.file("x"), contents: Data()))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}

/// Self-tests of the integration-test harness: every mode of TestSupport
/// against the real registry, checked with independent clients (curl, skopeo).
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct HarnessTests {
    // MARK: Plain registry

    @Test func plainPushSharesBaseLayerAndSkopeoInspectAgrees() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let base = try await images.build("base", layerSizes: [256 * 1024])
        let app = try await images.build("app", layerSizes: [64 * 1024, 32 * 1024], base: "base")
        #expect(app.layers.count == 3)
        #expect(app.layers.first == base.layers.first)
        #expect(base.layers[0].size > 256 * 1024)  // incompressible: gzip only adds overhead
        let elsewhere = try await TestImages().build("base", layerSizes: [256 * 1024])
        #expect(elsewhere.layers == base.layers)  // reproducible layer digests

        let pushed = try await images.push("app", to: registry, repository: "team/app", tag: "v1")
        #expect(pushed.reference == "\(registry.host)/team/app:v1")
        #expect(pushed.digest == app.digest)
        #expect(pushed.mediaType == TestImages.MediaTypes.manifest)

        let inspect = try await inspectJSON("docker://\(pushed.reference)", registry.skopeoOptions(.inspect, user: nil))
        #expect(inspect["Digest"] as? String == app.digest)
        #expect(inspect["Layers"] as? [String] == app.layers.map(\.digest))
        #expect(inspect["Architecture"] as? String == "amd64")

        let blob = try await Curl.request("\(registry.url.absoluteString)/v2/team/app/blobs/\(base.layers[0].digest)")
        #expect(blob.status == 200)
        #expect(blob.body.count == base.layers[0].size)

        registry.stop()
        await #expect(throws: HarnessError.self) { try await Curl.request("\(registry.url.absoluteString)/v2/") }
    }

    // MARK: TLS and basic auth

    @Test func tlsWithBasicAuthAcceptsOnlyTheRightPasswordAndCA() async throws {
        let user = TestUser.random("pusher")
        let registry = try await RegistryServer(tls: true, authentication: .basic(user))
        defer { registry.stop() }
        #expect(registry.url.scheme == "https")
        let caFile = try #require(registry.caFile)
        #expect(try String(contentsOfFile: caFile, encoding: .utf8).contains("BEGIN CERTIFICATE"))

        let images = try await TestImages()
        try await images.build("v1")
        let pushed = try await images.push("v1", to: registry, repository: "secure/app")

        let anonymous = try await Curl.request("\(registry.url.absoluteString)/v2/", options: ["--cacert", caFile])
        #expect(anonymous.status == 401)
        #expect(anonymous.header("WWW-Authenticate")?.hasPrefix("Basic") == true)
        let authorized = try await Curl.request("\(registry.url.absoluteString)/v2/", options: registry.curlOptions(user: user))
        #expect(authorized.status == 200)

        let good = try await skopeo(["inspect", "--raw"] + registry.skopeoOptions(.inspect, user: user) + ["docker://\(pushed.reference)"])
        #expect(good.succeeded, "\(good.errorOutput)")
        let wrongPassword = TestUser(username: user.username, password: "wrong")
        let bad = try await skopeo(["inspect", "--raw"] + registry.skopeoOptions(.inspect, user: wrongPassword) + ["docker://\(pushed.reference)"])
        #expect(!bad.succeeded)
        #expect(bad.errorOutput.contains("unauthorized") || bad.errorOutput.contains("401"), "\(bad.errorOutput)")
        let noCA = try await skopeo(["inspect", "--raw", "--creds", user.colonSeparated, "docker://\(pushed.reference)"])
        #expect(!noCA.succeeded)
        #expect(noCA.errorOutput.contains("certificate"), "\(noCA.errorOutput)")
    }

    // MARK: Token auth

    @Test func tokenAuthChallengeTokenAndRetry() async throws {
        let alice = TestUser.random("alice")
        let bob = TestUser.random("bob")
        let registry = try await RegistryServer(authentication: .token(.init(
            users: [alice, bob],
            grants: [
                .init(.user("alice"), repository: "team/*", actions: ["pull", "push"]),
                .init(.user("bob"), repository: "team/*", actions: ["pull"]),
            ])))
        defer { registry.stop() }
        let tokenServer = try #require(registry.tokenServer)

        let images = try await TestImages()
        try await images.build("v1")
        let pushed = try await images.push("v1", to: registry, repository: "team/app", as: alice)
        await #expect(throws: HarnessError.self) {
            try await images.push("v1", to: registry, repository: "team/app", tag: "by-bob", as: bob)
        }

        // A plain client: 401 with a Bearer challenge, a token from the realm, then 200.
        let manifestURL = "\(registry.url.absoluteString)/v2/team/app/manifests/v1"
        let accept = ["Accept": RegistryServer.manifestAccept]
        let challenged = try await Curl.request(manifestURL, headers: accept)
        #expect(challenged.status == 401)
        let challenge = try #require(challenged.header("WWW-Authenticate"))
        #expect(challenge.hasPrefix("Bearer "))
        #expect(RegistryServer.challengeParameter("realm", in: challenge) == tokenServer.realm.absoluteString)
        #expect(RegistryServer.challengeParameter("service", in: challenge) == tokenServer.configuration.service)
        #expect(RegistryServer.challengeParameter("scope", in: challenge) == "repository:team/app:pull")

        let before = try await tokenServer.stats()
        let scope = try #require(RegistryServer.challengeParameter("scope", in: challenge))
        let tokenResponse = try await Curl.request(
            "\(tokenServer.realm.absoluteString)?service=\(tokenServer.configuration.service)&scope=\(scope)",
            options: ["-u", bob.colonSeparated])
        #expect(tokenResponse.status == 200)
        let json = try #require(try JSONSerialization.jsonObject(with: tokenResponse.body) as? [String: Any])
        let token = try #require(json["token"] as? String)
        #expect(json["access_token"] as? String == token)
        #expect(json["expires_in"] as? Int == 300)
        let retried = try await Curl.request(manifestURL, headers: accept.merging(["Authorization": "Bearer \(token)"]) { $1 })
        #expect(retried.status == 200)
        #expect(retried.header("Docker-Content-Digest") == pushed.digest)
        #expect(try await tokenServer.stats().issued == before.issued + 1)

        let wrong = try await Curl.request(
            "\(tokenServer.realm.absoluteString)?service=\(tokenServer.configuration.service)&scope=\(scope)",
            options: ["-u", "bob:wrong"])
        #expect(wrong.status == 401)
        #expect(try await tokenServer.stats().denied >= 1)

        let inspect = try await skopeo(["inspect", "--raw"] + registry.skopeoOptions(.inspect, user: bob) + ["docker://\(pushed.reference)"])
        #expect(inspect.succeeded, "\(inspect.errorOutput)")
    }

    /// An expired token is asked for as one (a lifetime an hour in the past, well beyond distribution's
    /// 60 s leeway), not waited for, so neither request races the clock.
    @Test func expiredTokensAreRejectedAsInvalid() async throws {
        let registry = try await RegistryServer(authentication: .token(.init()))  // tokens live 300 s
        defer { registry.stop() }
        let tokenServer = try #require(registry.tokenServer)
        let scopes = ["repository:any/repo:pull"]
        let url = "\(registry.url.absoluteString)/v2/any/repo/tags/list"

        let token = try await tokenServer.token(scopes: scopes, as: registry.user)
        let fresh = try await Curl.request(url, headers: ["Authorization": "Bearer \(token)"])
        #expect(fresh.status == 404)  // authorized; the repository does not exist

        let stale = try await tokenServer.token(scopes: scopes, as: registry.user, lifetime: -3600)
        let expired = try await Curl.request(url, headers: ["Authorization": "Bearer \(stale)"])
        #expect(expired.status == 401)
        #expect(expired.header("WWW-Authenticate")?.contains(#"error="invalid_token""#) == true)
    }

    // MARK: Fault proxy

    @Test func faultProxyCutsABlobGetAndARangeRequestThenCompletesIt() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let image = try await images.build("big", layerSizes: [1024 * 1024])
        try await images.push("big", to: registry, repository: "cut/app")
        let proxy = try await FaultProxy(upstream: registry, faults: .cutBlobBodies(after: 100_000, count: 2))
        defer { proxy.stop() }

        let layer = image.layers[0]
        let blobURL = "\(proxy.url.absoluteString)/v2/cut/app/blobs/\(layer.digest)"
        let work = try TemporaryDirectory()
        let first = try await Tool.run("curl", ["-sS", "--noproxy", "*", "-o", work.file("part0"), blobURL])
        #expect(first.status == 18, "curl should report a partial transfer: \(first.errorOutput)")
        let second = try await Tool.run("curl", ["-sS", "--noproxy", "*", "-r", "100000-", "-o", work.file("part1"), blobURL])
        #expect(second.status == 18, "\(second.errorOutput)")
        let third = try await Tool.run("curl", ["-sS", "--noproxy", "*", "-f", "-r", "200000-", "-o", work.file("part2"), blobURL])
        #expect(third.succeeded, "\(third.errorOutput)")

        var whole = Data()
        for part in ["part0", "part1", "part2"] {
            whole += try Data(contentsOf: URL(fileURLWithPath: work.file(part)))
        }
        #expect(whole.count == layer.size)
        let digest = try await Tool.output("openssl", ["dgst", "-sha256", "-r"], input: whole)
        #expect("sha256:" + digest.prefix(64) == layer.digest)
        let counters = try await proxy.counters()
        #expect(counters.requests == 3)
        #expect(counters.rangeRequests == 2)
        #expect(counters.cuts == 2)
        #expect(counters.injectedStatuses == 0)
    }

    @Test func faultProxyAnswers429And503BeforeForwarding() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }

        let throttled = try await FaultProxy(upstream: registry, faults: .tooManyRequests(count: 2))
        defer { throttled.stop() }
        for _ in 0..<2 {
            let response = try await Curl.request("\(throttled.url.absoluteString)/v2/")
            #expect(response.status == 429)
            #expect(response.header("Retry-After") == "1")
        }
        #expect(try await Curl.request("\(throttled.url.absoluteString)/v2/").status == 200)
        #expect(try await throttled.counters().injectedStatuses == 2)

        let unavailable = try await FaultProxy(upstream: registry, faults: .serviceUnavailable(count: 1))
        defer { unavailable.stop() }
        #expect(try await Curl.request("\(unavailable.url.absoluteString)/v2/").status == 503)
        #expect(try await Curl.request("\(unavailable.url.absoluteString)/v2/").status == 200)
    }

    @Test func faultProxyForwardsPushesAndDelaysRequestsAndBodies() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }

        // A whole skopeo push through a transparent proxy: uploads, Location and Range headers pass.
        let transparent = try await FaultProxy(upstream: registry, faults: .none)
        defer { transparent.stop() }
        let images = try await TestImages()
        let image = try await images.build("v1", layerSizes: [1024 * 1024])
        let result = try await skopeo([
            "--insecure-policy", "copy", "--quiet", "--dest-tls-verify=false",
            "oci:\(images.layoutPath):v1", "docker://\(transparent.host)/slow/app:v1",
        ])
        #expect(result.succeeded, "\(result.errorOutput)")
        #expect(try await registry.manifestHead("slow/app", reference: "v1").digest == image.digest)
        let upload = try await Curl.request("\(transparent.url.absoluteString)/v2/slow/app/blobs/uploads/", method: "POST", body: Data())
        #expect(upload.status == 202)
        #expect(upload.header("Location")?.hasPrefix("\(transparent.url.absoluteString)/v2/slow/app/blobs/uploads/") == true)

        let slow = try await FaultProxy(upstream: registry, faults: .delay(perRequest: .milliseconds(300), perMiB: .milliseconds(500)))
        defer { slow.stop() }
        var start = ContinuousClock.now
        #expect(try await Curl.request("\(slow.url.absoluteString)/v2/").status == 200)
        #expect(ContinuousClock.now - start >= .milliseconds(300))
        start = ContinuousClock.now
        let blob = try await Curl.request("\(slow.url.absoluteString)/v2/slow/app/blobs/\(image.layers[0].digest)")
        #expect(blob.body.count == image.layers[0].size)
        #expect(ContinuousClock.now - start >= .milliseconds(800))
    }

    // MARK: Formats and artifacts

    @Test func multiPlatformIndexIsPushedWithAll() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let index = try await images.buildIndex("multi")
        #expect(index.isIndex)
        #expect(index.manifests.map(\.platform) == [.amd64, .arm64v8])

        let pushed = try await images.push("multi", to: registry, repository: "multi/app")
        #expect(pushed.mediaType == TestImages.MediaTypes.index)
        #expect(pushed.digest == index.digest)
        let raw = try await skopeo(["inspect", "--raw", "--tls-verify=false", "docker://\(pushed.reference)"]).check()
        let json = try #require(try JSONSerialization.jsonObject(with: raw.stdout) as? [String: Any])
        let manifests = try #require(json["manifests"] as? [[String: Any]])
        let platforms = manifests.compactMap { $0["platform"] as? [String: String] }
        #expect(platforms == [
            ["os": "linux", "architecture": "amd64"],
            ["os": "linux", "architecture": "arm64", "variant": "v8"],
        ])
        let arm = try await inspectJSON(
            "docker://\(pushed.reference)",
            ["--tls-verify=false", "--override-arch", "arm64", "--override-variant", "v8"])
        #expect(arm["Architecture"] as? String == "arm64")
        #expect(arm["Layers"] as? [String] == index.manifests[1].layers.map(\.digest))
    }

    @Test func dockerV2Schema2PushKeepsBlobs() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let images = try await TestImages()
        let image = try await images.build("v1", layerSizes: [48 * 1024, 16 * 1024])
        let pushed = try await images.push("v1", to: registry, repository: "docker/app", format: .dockerV2Schema2)
        #expect(pushed.mediaType == "application/vnd.docker.distribution.manifest.v2+json")
        #expect(pushed.digest != image.digest)

        let raw = try await skopeo(["inspect", "--raw", "--tls-verify=false", "docker://\(pushed.reference)"]).check()
        let json = try #require(try JSONSerialization.jsonObject(with: raw.stdout) as? [String: Any])
        #expect(json["mediaType"] as? String == pushed.mediaType)
        let layers = try #require(json["layers"] as? [[String: Any]])
        #expect(layers.compactMap { $0["digest"] as? String } == image.layers.map(\.digest))
        #expect((json["config"] as? [String: Any])?["digest"] as? String == image.config?.digest)
        #expect("sha256:" + (try await Tool.output("openssl", ["dgst", "-sha256", "-r"], input: raw.stdout)).prefix(64) == pushed.digest)
    }

    @Test func cosignSignatureAndReferrersFallbackIndexOverTLSWithTokens() async throws {
        let user = TestUser.random()
        let registry = try await RegistryServer(tls: true, authentication: .token(.init(users: [user])))
        defer { registry.stop() }
        let images = try await TestImages()
        try await images.build("v1")
        let image = try await images.push("v1", to: registry, repository: "signed/app")
        let hex = image.digest.dropFirst("sha256:".count)

        let signature = try await TestImages.pushCosignSignature(for: image, to: registry, signature: "c2lnbmF0dXJl")
        #expect(signature.tag == "sha256-\(hex).sig")
        let signatureManifest = try await manifestJSON(registry, "signed/app", "sha256-\(hex).sig")
        #expect((signatureManifest["config"] as? [String: Any])?["mediaType"] as? String == TestImages.MediaTypes.config)
        let signatureLayer = try #require((signatureManifest["layers"] as? [[String: Any]])?.first)
        #expect(signatureLayer["mediaType"] as? String == TestImages.MediaTypes.cosignPayload)
        #expect((signatureLayer["annotations"] as? [String: String])?[TestImages.cosignSignatureAnnotation] == "c2lnbmF0dXJl")
        let payload = try await registry.request("/v2/signed/app/blobs/\(signatureLayer["digest"] as! String)", as: user)
        #expect(payload.text.contains(image.digest))

        let referrer = try await TestImages.pushReferrer(to: image, on: registry)
        let referrerManifest = try await manifestJSON(registry, "signed/app", referrer.digest)
        #expect((referrerManifest["subject"] as? [String: Any])?["digest"] as? String == image.digest)
        #expect(referrerManifest["artifactType"] as? String == referrer.artifactType)

        let fallback = try await TestImages.pushReferrersIndex(for: image, referrers: [referrer], to: registry)
        #expect(fallback.tag == "sha256-\(hex)")
        let index = try await manifestJSON(registry, "signed/app", "sha256-\(hex)")
        #expect(index["mediaType"] as? String == TestImages.MediaTypes.index)
        let entry = try #require((index["manifests"] as? [[String: Any]])?.first)
        #expect(entry["digest"] as? String == referrer.digest)
        #expect(entry["artifactType"] as? String == referrer.artifactType)
        #expect(entry["size"] as? Int == referrer.size)

        let tags = try await registry.request("/v2/signed/app/tags/list", as: user)
        let tagList = try #require(try JSONSerialization.jsonObject(with: tags.body) as? [String: Any])
        #expect(Set(tagList["tags"] as? [String] ?? []) == ["v1", "sha256-\(hex)", "sha256-\(hex).sig"])
    }

    // MARK: Test helpers

    private func skopeo(_ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run("skopeo", arguments, timeout: .seconds(60))
    }

    private func inspectJSON(_ reference: String, _ options: [String]) async throws -> [String: Any] {
        let result = try await skopeo(["inspect"] + options + [reference]).check()
        return try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
    }

    private func manifestJSON(_ registry: RegistryServer, _ repository: String, _ reference: String) async throws -> [String: Any] {
        let data = try await registry.manifest(repository, reference: reference)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }
}
