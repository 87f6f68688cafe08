import Foundation
import Testing
import TestSupport

/// A signed amd64+arm64 index bundled with `--platform linux/arm64`: the bundle holds a filtered index whose
/// source index travels as its referrer; it verifies with the source key, lands in CNCF distribution, reads back
/// with skopeo and verifies in the air gap. Tampered provenance is refused; `--verbatim-index` keeps the old way.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct PlatformSubsetFlowTests {
    static let password = ["COSIGN_PASSWORD": "correct horse"]

    /// Registry with `team/multi:1` (amd64 + arm64), its index signed with key `src` (`connected sign`, then pushed).
    struct SignedIndex {
        let registry: RegistryServer
        let scratch: TemporaryDirectory
        let multi: PushedImage
        let index: LayoutImage

        init() async throws {
            registry = try await RegistryServer()
            scratch = try TemporaryDirectory(prefix: "airlock-subset")
            let images = try await TestImages()
            index = try await images.buildIndex("multi", layerSizes: [120_000])
            multi = try await images.push("multi", to: registry, repository: "team/multi", tag: "1")
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("src")], environment: password).check()
            let store = scratch.file("sign-store")
            try await AirlockTool.run("connected", ["pull", "-q", "--store", store, multi.reference]).check()
            try await AirlockTool.run("connected", ["sign", "--key", scratch.file("src.key"), "--store", store, multi.reference], environment: password).check()
            try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", scratch.file("signed.tar")]).check()
            try await AirlockTool.run("transit", ["push", "-q", scratch.file("signed.tar"), "--to", registry.host]).check()
        }

        var pub: String { scratch.file("src.pub") }
        var arm64: LayoutImage { index.manifests.first { $0.platform?.architecture == "arm64" }! }
        var amd64: LayoutImage { index.manifests.first { $0.platform?.architecture == "amd64" }! }
    }

    func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func anArm64OnlyBundleOfASignedIndexVerifiesPushesAndVerifiesInTheAirgap() async throws {
        let source = try await SignedIndex()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("arm64.tar")
        // The source's signature is checked at the source, through the subset, before the bundle is written.
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--platform", "linux/arm64", "--verify-key", source.pub,
                                                            source.multi.reference])
        #expect(made.succeeded, "\(made.errorOutput)")

        // index.json names the filtered index and records the source digest; so does the bundle record.
        let layout = try json(Data(try await Tool.output("tar", ["-xOf", bundle, "index.json"]).utf8))
        let entries = try #require(layout["manifests"] as? [[String: Any]])
        let image = try #require(entries.first { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == source.multi.reference })
        let filtered = try #require(image["digest"] as? String)
        #expect(filtered != source.multi.digest)
        #expect((image["annotations"] as? [String: String])?["dev.airlock.source-digest"] == source.multi.digest)
        let record = try json(Data(try await Tool.output("tar", ["-xOf", bundle, "airlock-bundle.json"]).utf8))
        let recorded = try #require((record["artifacts"] as? [[String: Any]])?.first { $0["kind"] as? String == "image" })
        #expect(recorded["digest"] as? String == filtered && recorded["sourceDigest"] as? String == source.multi.digest)
        let referrer = try #require(entries.first { ($0["annotations"] as? [String: String])?["dev.airlock.subject"] == filtered })
        #expect(referrer["artifactType"] as? String == "application/vnd.dev.airlock.source-index.v1+json")
        // The source index's signature travelled as an attachment of the source digest.
        #expect(entries.contains { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"]
                    == "\(source.registry.host)/team/multi:sha256-\(source.multi.digest.dropFirst(7)).sig" })

        let verify = try await AirlockTool.run("transit", ["verify", bundle, "--key", source.pub])
        #expect(verify.succeeded, "\(verify.errorOutput)")
        #expect(verify.output.contains("\(source.multi.reference)@\(filtered): platform subset of \(source.multi.digest), which is signed (legacy by \(source.pub))"))

        // CNCF distribution accepts it (it refused the verbatim index).
        let site = try await RegistryServer()
        defer { site.stop() }
        let pushed = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--key", source.pub])
        #expect(pushed.succeeded, "\(pushed.errorOutput)\n\(site.logTail(lines: 10))")
        let target = "\(site.host)/team/multi:1"

        // skopeo, independently: the tag is an index listing arm64 only, and it copies whole.
        let raw = try json(try await Tool.run("skopeo", ["inspect", "--raw"] + site.skopeoOptions(.inspect, user: nil) + ["docker://\(target)"]).check().stdout)
        let children = try #require(raw["manifests"] as? [[String: Any]])
        #expect(children.count == 1)
        #expect(children.first?["digest"] as? String == source.arm64.digest)
        #expect((children.first?["platform"] as? [String: String])?["architecture"] == "arm64")
        let served = try await Tool.run("skopeo", ["inspect", "--raw"] + site.skopeoOptions(.inspect, user: nil) + ["docker://\(target)"]).check().stdout
        #expect("sha256:" + (try await Tool.output("sha256sum", input: served)).prefix(64) == filtered)
        let copy = source.scratch.file("copy")
        try await Tool.run("skopeo", ["--insecure-policy", "copy", "-q", "--all"] + site.skopeoOptions(.source, user: nil)
                           + ["docker://\(target)", "oci:\(copy):x"]).check()
        #expect(FileManager.default.fileExists(atPath: "\(copy)/blobs/sha256/\(source.arm64.layers.last!.digest.dropFirst(7))"))

        // The air gap verifies the tag with the source key; the signature names the source repository, so by digest.
        let airgap = try await AirlockTool.run("airgap", ["verify", "--key", source.pub, "--identity", "digest", target])
        #expect(airgap.succeeded, "\(airgap.errorOutput)")
        #expect(airgap.errorOutput.contains("is a platform subset (linux/arm64/v8) of the source index \(source.multi.digest)"))
        #expect(airgap.errorOutput.contains("The source index \(source.multi.digest) is signed (legacy by \(source.pub))"))
        let payloads = try #require(try JSONSerialization.jsonObject(with: airgap.stdout) as? [[String: Any]])
        #expect(((payloads.first?["critical"] as? [String: Any])?["image"] as? [String: String])?["docker-manifest-digest"] == source.multi.digest)
        // The identity rule is the one the source index itself would get: the repository rule, relocated by the
        // push record transit push left for this subset's digest.
        let byRepository = try await AirlockTool.run("airgap", ["verify", "--key", source.pub, target])
        #expect(byRepository.succeeded, "\(byRepository.errorOutput)")
    }

    @Test func aSourceIndexThatDoesNotListAChildIsRefused() async throws {
        let source = try await SignedIndex()
        defer { source.registry.stop() }
        let store = source.scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, "--platform", "linux/arm64", source.multi.reference]).check()
        // Replace the provenance with one whose "source index" lists only amd64, written with Python (not Airlock).
        let script = """
        import hashlib, json, sys
        store = sys.argv[1]
        def blob(d): return open(store + '/blobs/sha256/' + d[7:], 'rb').read()
        def put(data):
            d = 'sha256:' + hashlib.sha256(data).hexdigest(); open(store + '/blobs/sha256/' + d[7:], 'wb').write(data); return d
        index = json.load(open(store + '/index.json'))
        entry = next(e for e in index['manifests'] if e.get('artifactType') == 'application/vnd.dev.airlock.source-index.v1+json')
        provenance = json.loads(blob(entry['digest']))
        source = json.loads(blob(provenance['layers'][0]['digest']))
        source['manifests'] = [m for m in source['manifests'] if m['platform']['architecture'] == 'amd64']
        forged = json.dumps(source).encode()
        provenance['layers'][0].update(digest=put(forged), size=len(forged))
        data = json.dumps(provenance).encode()
        entry.update(digest=put(data), size=len(data))
        json.dump(index, open(store + '/index.json', 'w'))
        print(provenance['layers'][0]['digest'])
        """
        let forged = try await Tool.output("python3", ["-c", script, store]).trimmingCharacters(in: .whitespacesAndNewlines)
        let bundle = source.scratch.file("forged.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", bundle]).check()
        #expect(try await AirlockTool.run("transit", ["verify", bundle]).succeeded, "the content itself is intact")
        let verify = try await AirlockTool.run("transit", ["verify", bundle, "--key", source.pub])
        #expect(verify.status == 5)
        #expect(verify.errorOutput.contains("platform subset check"), "\(verify.errorOutput)")
        #expect(verify.errorOutput.contains("lists \(source.arm64.digest) (linux/arm64/v8), which the source index \(forged) does not list"), "\(verify.errorOutput)")
        let site = try await RegistryServer()
        defer { site.stop() }
        let push = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--key", source.pub])
        #expect(push.status == 5)
    }

    @Test func verbatimIndexKeepsTheSourceIndexAndDistributionRefusesIt() async throws {
        let source = try await SignedIndex()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("verbatim.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--platform", "linux/arm64", "--verbatim-index", source.multi.reference]).check()
        let layout = try json(Data(try await Tool.output("tar", ["-xOf", bundle, "index.json"]).utf8))
        let entries = try #require(layout["manifests"] as? [[String: Any]])
        let image = try #require(entries.first { ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == source.multi.reference })
        #expect(image["digest"] as? String == source.multi.digest)
        #expect((image["annotations"] as? [String: String])?["dev.airlock.source-digest"] == nil)
        #expect(!entries.contains { $0["artifactType"] as? String == "application/vnd.dev.airlock.source-index.v1+json" })
        #expect(try await AirlockTool.run("transit", ["verify", bundle, "--key", source.pub]).succeeded)
        let site = try await RegistryServer()
        defer { site.stop() }
        let push = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host])
        #expect(push.status != 0)
        #expect(push.errorOutput.contains("the source holds 1 of this index's 2 platforms (copied with --platform --verbatim-index)"), "\(push.errorOutput)")
    }
}
