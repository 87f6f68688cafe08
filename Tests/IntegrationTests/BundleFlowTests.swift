import Foundation
import Testing
import TestSupport

/// `connected bundle` → `transit verify` / `push` / `load`, against real registries, checked with skopeo.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct BundleFlowTests {
    struct PushReport: Decodable {
        struct Artifact: Decodable { let source: String; let target: String; let kind: String; let digest: String }
        let artifacts: [Artifact]
        let blobsUploaded: Int
        let blobsPresent: Int
        let blobsMounted: Int
        let manifestsPut: Int
        let seconds: Double
    }

    /// A source registry with a single-platform image, a multi-platform index and a signed image, bundled.
    struct Fixture {
        let source: RegistryServer
        let scratch: TemporaryDirectory
        let bundle: String
        let app: PushedImage
        let multi: PushedImage
        let signatureTag: String
        let referrer: PushedArtifact

        init(split: String? = nil) async throws {
            source = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("base", layerSizes: [600_000])
            try await images.build("app", layerSizes: [200_000], base: "base")
            app = try await images.push("app", to: source, repository: "team/app", tag: "1")
            _ = try await images.buildIndex("multi", layerSizes: [150_000])
            multi = try await images.push("multi", to: source, repository: "library/multi", tag: "2")
            signatureTag = try await TestImages.pushCosignSignature(for: app, to: source).tag ?? ""
            referrer = try await TestImages.pushReferrer(to: app, on: source)
            _ = try await TestImages.pushReferrersIndex(for: app, referrers: [referrer], to: source)
            scratch = try TemporaryDirectory(prefix: "airlock-bundle")
            bundle = scratch.file("site.tar")
            let result = try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, app.reference, multi.reference] + (split.map { ["--split", $0] } ?? []))
            try result.check()
        }
    }

    func push(_ bundle: String, to registry: RegistryServer, _ extra: [String] = []) async throws -> Tool.Result {
        try await AirlockTool.run("transit", ["push", bundle, "--to", "\(registry.host)/mirror", "--json"]
                                  + (registry.caFile.map { ["--ca-file", $0] } ?? [])
                                  + (registry.user.map { ["--creds", $0.colonSeparated] } ?? []) + extra)
    }

    func tags(_ registry: RegistryServer, _ repository: String) async throws -> [String] {
        let response = try await registry.request("/v2/\(repository)/tags/list", as: registry.user)
        guard response.status == 200 else { return [] }
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["tags"] as? [String] ?? []
    }

    @Test(arguments: [false, true])
    func bundleVerifyPushAndReadBack(tlsWithAuth: Bool) async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let verify = try await AirlockTool.run("transit", ["verify", fixture.bundle])
        #expect(verify.succeeded, "\(verify.errorOutput)")

        let user = TestUser.random("pusher")
        let target = try await RegistryServer(tls: tlsWithAuth, authentication: tlsWithAuth ? .basic(user) : .none)
        defer { target.stop() }
        let first = try await push(fixture.bundle, to: target)
        #expect(first.succeeded, "\(first.errorOutput)")

        // Every image read back with skopeo has its source digest; the index is intact; the signature is there.
        let options = target.skopeoOptions(.inspect, user: target.user)
        for image in [fixture.app, fixture.multi] {
            let path = image.reference.split(separator: "/", maxSplits: 1)[1]
            let raw = try await Tool.run("skopeo", ["inspect", "--raw"] + options + ["docker://\(target.host)/mirror/\(path)"]).check()
            #expect("sha256:" + (try await Tool.output("sha256sum", input: raw.stdout)).prefix(64) == image.digest)
        }
        let hex = fixture.app.digest.dropFirst(7)
        #expect(try await tags(target, "mirror/team/app").contains("sha256-\(hex).sig"))
        // distribution 2.8 has no referrers API: the referrer is listed in the fallback index.
        let fallback = try await target.manifest("mirror/team/app", reference: "sha256-\(hex)", as: target.user)
        #expect(String(decoding: fallback, as: UTF8.self).contains(fixture.referrer.digest))

        // A second push sends nothing: no blob, no manifest.
        let second = try JSONDecoder().decode(PushReport.self, from: try await push(fixture.bundle, to: target).check().stdout)
        #expect(second.blobsUploaded == 0)
        #expect(second.manifestsPut == 0)
    }

    @Test func existingTagsAndDryRun() async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let target = try await RegistryServer()
        defer { target.stop() }
        // A dry run sends nothing.
        try await push(fixture.bundle, to: target, ["--dry-run"]).check()
        #expect(try await tags(target, "mirror/team/app").isEmpty)

        // The target's team/app:1 points elsewhere.
        let images = try await TestImages()
        try await images.build("other", layerSizes: [10_000])
        let other = try await images.push("other", to: target, repository: "mirror/team/app", tag: "1")
        let refused = try await push(fixture.bundle, to: target, ["--existing", "fail"])
        #expect(refused.status == 3)
        #expect(refused.errorOutput.contains("mirror/team/app:1 is \(other.digest)"))
        #expect(!(try await tags(target, "mirror/team/app").contains("sha256-\(fixture.app.digest.dropFirst(7)).sig")))

        try await push(fixture.bundle, to: target, ["--existing", "skip"]).check()
        #expect(try await target.manifestHead("mirror/team/app", reference: "1").digest == other.digest)
        try await push(fixture.bundle, to: target, ["--existing", "overwrite"]).check()
        #expect(try await target.manifestHead("mirror/team/app", reference: "1").digest == fixture.app.digest)
    }

    @Test func skopeoReadsTheBundleAsAnOCIArchive() async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let dockerManifest = try await Tool.output("tar", ["-xOf", fixture.bundle, "manifest.json"])
        #expect(dockerManifest.contains(fixture.app.reference))   // docker-archive entry for the single-platform image
        let inspect = try await Tool.output("skopeo", ["inspect", "oci-archive:\(fixture.bundle):\(fixture.app.reference)"])
        #expect(inspect.contains(fixture.app.digest))
        let copy = fixture.scratch.file("copy")
        try await Tool.run("skopeo", ["copy", "-q", "oci-archive:\(fixture.bundle):\(fixture.app.reference)", "oci:\(copy):x"]).check()
    }

    @Test func splitBundlesVerifyAndPush() async throws {
        let fixture = try await Fixture(split: "1M")
        defer { fixture.source.stop() }
        let parts = try FileManager.default.contentsOfDirectory(atPath: fixture.scratch.path).filter { $0.hasPrefix("site.tar.") }.sorted()
        #expect(parts.contains("site.tar.000") && parts.contains("site.tar.001") && parts.contains("site.tar.parts.json"))
        #expect(try await AirlockTool.run("transit", ["verify", fixture.bundle]).succeeded)
        let target = try await RegistryServer()
        defer { target.stop() }
        let pushed = try await push(fixture.bundle, to: target)
        #expect(pushed.succeeded, "\(pushed.status): \(pushed.errorOutput)")
        #expect(try await tags(target, "mirror/team/app") .contains("1"))
    }

    @Test func aMissingOrCorruptVolumeIsNamed() async throws {
        let fixture = try await Fixture(split: "1M")
        defer { fixture.source.stop() }
        let second = fixture.scratch.file("site.tar.001")
        let saved = try Data(contentsOf: URL(fileURLWithPath: second))

        var flipped = saved
        flipped[1000] ^= 0xFF
        try flipped.write(to: URL(fileURLWithPath: second))
        let corrupt = try await AirlockTool.run("transit", ["verify", fixture.bundle])
        #expect(corrupt.status == 1)
        #expect(corrupt.errorOutput.contains("site.tar.001: volume hashes to"))

        try FileManager.default.removeItem(atPath: second)
        let missing = try await AirlockTool.run("transit", ["verify", fixture.bundle])
        #expect(missing.status == 1)
        #expect(missing.errorOutput.contains("site.tar.001: volume is missing"))
        let target = try await RegistryServer()
        defer { target.stop() }
        #expect(try await push(fixture.bundle, to: target).status == 1)
        #expect(try await tags(target, "mirror/team/app").isEmpty)
    }

    @Test func aPushKilledThreeTimesResumesWithoutResending() async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let reference = try await RegistryServer()
        defer { reference.stop() }
        let full = try JSONDecoder().decode(PushReport.self, from: try await push(fixture.bundle, to: reference).check().stdout)
        let placements = full.blobsUploaded + full.blobsPresent + full.blobsMounted

        let target = try await RegistryServer()
        defer { target.stop() }
        let slow = try await FaultProxy(upstream: target, faults: .delay(perRequest: .milliseconds(500)))
        defer { slow.stop() }
        // Each run is killed as soon as the registry stored something new (a blob or a manifest), whatever the
        // machine's speed: three cuts, each after some progress and long before the tags (every request waits 500 ms).
        for round in 1...3 {
            let before = storedBlobs(target)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: AirlockTool.binDirectory + "/transit")
            process.arguments = ["push", "-q", fixture.bundle, "--to", "\(slow.host)/mirror"]
            try ProcessLaunch.start(process)
            while storedBlobs(target) == before && process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the push ended before it was cut")
            #expect(try await tags(target, "mirror/team/app").isEmpty, "round \(round)")
        }
        let resumed = try JSONDecoder().decode(PushReport.self, from: try await push(fixture.bundle, to: target).check().stdout)
        #expect(resumed.blobsPresent > 0)   // work of the killed runs was kept…
        #expect(resumed.blobsUploaded + resumed.blobsPresent + resumed.blobsMounted == placements)   // …and not sent again
        #expect(resumed.blobsUploaded < full.blobsUploaded)
        for image in [fixture.app, fixture.multi] {
            let path = String(image.reference.split(separator: "/", maxSplits: 1)[1])
            let head = try await target.manifestHead("mirror/" + path.split(separator: ":")[0], reference: String(path.split(separator: ":")[1]))
            #expect(head.digest == image.digest)
        }
    }

    @Test func theSameStoreGivesTheSameBytes() async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let store = fixture.scratch.file("store")
        try await AirlockTool.run("transit", ["load", fixture.bundle, "--store", store]).check()
        try await AirlockTool.run("connected", ["pack", "--store", store, "-o", fixture.scratch.file("a.tar")]).check()
        try await AirlockTool.run("connected", ["pack", "--store", store, "-o", fixture.scratch.file("b.tar")]).check()
        let a = try await Tool.output("sha256sum", [fixture.scratch.file("a.tar")]).prefix(64)
        let b = try await Tool.output("sha256sum", [fixture.scratch.file("b.tar")]).prefix(64)
        #expect(a == b)
    }

    /// Ways to damage a bundle, and a word the error must contain.
    enum Damage: String, CaseIterable {
        case layerByte, manifestByte, recordByte, truncated, extraEntry, dotDotEntry, symlinkEntry
    }

    @Test(arguments: Damage.allCases)
    func aTamperedBundleIsRefusedAndNothingIsTagged(damage: Damage) async throws {
        let fixture = try await Fixture()
        defer { fixture.source.stop() }
        let bad = fixture.scratch.file("bad.tar")
        try await tamper(fixture.bundle, into: bad, damage, layer: fixture.app.image.layers.last!.digest, manifest: fixture.app.digest)

        let verify = try await AirlockTool.run("transit", ["verify", bad])
        #expect(verify.status != 0)
        #expect(verify.errorOutput.contains(expectedArtifact(damage, fixture)), "\(damage): \(verify.errorOutput)")

        let target = try await RegistryServer()
        defer { target.stop() }
        let push = try await push(bad, to: target)
        #expect(push.status != 0)
        #expect(try await tags(target, "mirror/team/app").isEmpty)
        #expect(try await tags(target, "mirror/library/multi").isEmpty)
    }

    func expectedArtifact(_ damage: Damage, _ fixture: Fixture) -> String {
        switch damage {
        case .layerByte: "blobs/sha256/\(fixture.app.image.layers.last!.digest.dropFirst(7))"
        case .manifestByte: "blobs/sha256/\(fixture.app.digest.dropFirst(7))"
        case .recordByte: "airlock-bundle.json"
        case .truncated: "truncated"
        case .extraEntry: "extra.txt"
        case .dotDotEntry: "../escape"
        case .symlinkEntry: "link"
        }
    }

    /// Writes a damaged copy of `bundle` with Python's tarfile (independent of Airlock's writer).
    func tamper(_ bundle: String, into output: String, _ damage: Damage, layer: String, manifest: String) async throws {
        let script = """
        import shutil, sys, tarfile, io
        src, dst, damage, layer, manifest = sys.argv[1:6]
        def flip(name):
            shutil.copy(src, dst)
            with tarfile.open(src) as t:
                offset = t.getmember(name).offset_data
            with open(dst, 'r+b') as f:
                f.seek(offset + 10); b = f.read(1); f.seek(offset + 10); f.write(bytes([b[0] ^ 0xFF]))
        def add(info, data=b''):
            shutil.copy(src, dst)
            with tarfile.open(src) as t:
                members = [(m, t.extractfile(m).read() if m.isfile() else None) for m in t.getmembers()]
            with tarfile.open(dst, 'w', format=tarfile.PAX_FORMAT) as out:
                for m, d in members: out.addfile(m, io.BytesIO(d) if d is not None else None)
                out.addfile(info, io.BytesIO(data) if info.isfile() else None)
        if damage == 'layerByte': flip('blobs/sha256/' + layer[7:])
        elif damage == 'manifestByte': flip('blobs/sha256/' + manifest[7:])
        elif damage == 'recordByte': flip('airlock-bundle.json')
        elif damage == 'truncated':
            data = open(src, 'rb').read(); open(dst, 'wb').write(data[:len(data) * 2 // 3])
        elif damage == 'extraEntry':
            i = tarfile.TarInfo('extra.txt'); i.size = 5; add(i, b'hello')
        elif damage == 'dotDotEntry':
            i = tarfile.TarInfo('../escape'); i.size = 5; add(i, b'hello')
        elif damage == 'symlinkEntry':
            i = tarfile.TarInfo('link'); i.type = tarfile.SYMTYPE; i.linkname = '/etc/passwd'; add(i)
        """
        try await Tool.run("python3", ["-c", script, bundle, output, damage.rawValue, layer, manifest]).check()
    }
}

/// How many blobs (manifests included) `registry` has stored: files named `data` under its blob store.
func storedBlobs(_ registry: RegistryServer) -> Int {
    let root = registry.dataDirectory + "/docker/registry/v2/blobs"
    guard let walker = FileManager.default.enumerator(atPath: root) else { return 0 }
    return walker.reduce(0) { count, path in count + (((path as? String)?.hasSuffix("/data") ?? false) ? 1 : 0) }
}
