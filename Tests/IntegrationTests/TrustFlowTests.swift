import Foundation
import Testing
import TestSupport

/// Cosign trust across the zones, against real registries, checked with an independent Python verifier:
/// sign in a store → push to registry A → bundle with --verify-key and --sign-key → transit verify and push
/// with --key and --sign-key → airgap verify against registry B.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct TrustFlowTests {
    static let password = ["COSIGN_PASSWORD": "correct horse"]

    /// Registry A with a signed image `team/app:1` and an unsigned `team/plain:1`; keys `src` and `other`.
    struct SignedSource {
        let registry: RegistryServer
        let scratch: TemporaryDirectory
        let app: PushedImage
        let plain: PushedImage
        let store: String

        init() async throws {
            registry = try await RegistryServer()
            scratch = try TemporaryDirectory(prefix: "airlock-trust")
            let images = try await TestImages()
            try await images.build("app", layerSizes: [300_000])
            try await images.build("plain", layerSizes: [100_000])
            app = try await images.push("app", to: registry, repository: "team/app", tag: "1")
            plain = try await images.push("plain", to: registry, repository: "team/plain", tag: "1")
            for name in ["src", "other", "site"] {
                try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file(name)], environment: password).check()
            }
            store = scratch.file("store")
            try await AirlockTool.run("connected", ["pull", "-q", "--store", store, app.reference]).check()
            try await AirlockTool.run("connected", ["sign", "--key", key("src"), "--store", store, app.reference], environment: password).check()
            let signed = scratch.file("signed.tar")
            try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", signed]).check()
            try await AirlockTool.run("transit", ["push", "-q", signed, "--to", registry.host]).check()
        }

        func key(_ name: String) -> String { scratch.file("\(name).key") }
        func pub(_ name: String) -> String { scratch.file("\(name).pub") }
    }

    func tags(_ registry: RegistryServer, _ repository: String) async throws -> [String] {
        let response = try await registry.request("/v2/\(repository)/tags/list", as: nil)
        guard response.status == 200 else { return [] }
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["tags"] as? [String] ?? []
    }

    @Test func generatedKeysAreCosignFilesThatPyNaClOpens() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-keys")
        let prefix = scratch.file("cosign")
        try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", prefix], environment: Self.password).check()
        let mode = try FileManager.default.attributesOfItem(atPath: prefix + ".key")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let opened = try await Tool.run("python3", [Peers.script("cosign-check.py"), "decrypt", prefix + ".key", "correct horse"]).check()
        #expect(opened.output.hasPrefix(try String(contentsOfFile: prefix + ".pub", encoding: .utf8)))
        #expect(opened.output.contains(#""label": "ENCRYPTED SIGSTORE PRIVATE KEY", "N": 65536, "r": 8, "p": 1"#))
        let wrong = try await Tool.run("python3", [Peers.script("cosign-check.py"), "decrypt", prefix + ".key", "wrong"])
        #expect(wrong.status == 1)
        // Never overwritten without --force; a wrong password is one clear error.
        let again = try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", prefix], environment: Self.password)
        #expect(again.status != 0 && again.errorOutput.contains("exists; pass --force"))
        let store = try TemporaryDirectory(prefix: "airlock-keys-store")
        let sign = try await AirlockTool.run("connected", ["sign", "--key", prefix + ".key", "--store", store.path, "example.com/x:1"],
                                             environment: ["COSIGN_PASSWORD": "wrong"])
        #expect(sign.status == 65 && sign.errorOutput.contains("wrong password"))
    }

    @Test func withoutCOSIGN_PASSWORDThePasswordIsAllOfStandardInput() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-stdin")
        let prefix = scratch.file("piped")
        try #require(ProcessInfo.processInfo.environment["COSIGN_PASSWORD"] == nil, "the child inherits the test's environment")
        try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", prefix], input: Data("piped pw\n".utf8)).check()
        // As cosign: the trailing newline is part of the password.
        try await Tool.run("python3", [Peers.script("cosign-check.py"), "decrypt", prefix + ".key", "piped pw\n"]).check()
        #expect(try await Tool.run("python3", [Peers.script("cosign-check.py"), "decrypt", prefix + ".key", "piped pw"]).status == 1)
    }

    @Test func signedImageIsCosignShapedAndVerifiesIndependently() async throws {
        let source = try await SignedSource()
        defer { source.registry.stop() }
        let hex = source.app.digest.dropFirst(7)
        let manifestData = try await source.registry.manifest("team/app", reference: "sha256-\(hex).sig")
        let manifest = try #require(try JSONSerialization.jsonObject(with: manifestData) as? [String: Any])
        // cosign's shape, field by field.
        #expect(manifest["schemaVersion"] as? Int == 2)
        #expect(manifest["mediaType"] as? String == "application/vnd.oci.image.manifest.v1+json")
        #expect((manifest["config"] as? [String: Any])?["mediaType"] as? String == "application/vnd.oci.image.config.v1+json")
        #expect(Set(manifest.keys) == ["schemaVersion", "mediaType", "config", "layers"])
        let layers = try #require(manifest["layers"] as? [[String: Any]])
        #expect(layers.count == 1)
        #expect(layers[0]["mediaType"] as? String == "application/vnd.dev.cosign.simplesigning.v1+json")
        let annotations = try #require(layers[0]["annotations"] as? [String: String])
        #expect(Array(annotations.keys) == ["dev.cosignproject.cosign/signature"])
        #expect(String(decoding: manifestData, as: UTF8.self).hasPrefix(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","size":"#))
        // The payload is cosign's, and Python's `cryptography` verifies the signature with the public key.
        let payload = try await source.registry.request("/v2/team/app/blobs/\(layers[0]["digest"] as! String)", as: nil).body
        #expect(String(decoding: payload, as: UTF8.self) == #"{"critical":{"identity":{"docker-reference":"\#(source.registry.host)/team/app"},"image":{"docker-manifest-digest":"\#(source.app.digest)"},"type":"cosign container image signature"},"optional":null}"#)
        let payloadFile = source.scratch.file("payload.json")
        try payload.write(to: URL(fileURLWithPath: payloadFile))
        try await Tool.run("python3", [Peers.script("cosign-check.py"), "verify", source.pub("src"), payloadFile, annotations.values.first!]).check()
        let wrongKey = try await Tool.run("python3", [Peers.script("cosign-check.py"), "verify", source.pub("other"), payloadFile, annotations.values.first!])
        #expect(wrongKey.status == 1)
        // Signing again with the same key adds nothing; another key appends a second layer.
        let again = try await AirlockTool.run("connected", ["sign", "--key", source.key("src"), "--store", source.store, source.app.reference], environment: Self.password)
        #expect(again.output.contains("already signed with this key"))
        try await AirlockTool.run("connected", ["sign", "--key", source.key("other"), "--store", source.store, source.app.reference], environment: Self.password).check()
        let verify = try await AirlockTool.run("connected", ["pack", "-q", "--store", source.store, "-o", source.scratch.file("two.tar")])
        try verify.check()
        let both = try await AirlockTool.run("transit", ["verify", source.scratch.file("two.tar"), "--policy", try policy(source, require: "all-of")])
        #expect(both.succeeded, "\(both.errorOutput)")
    }

    /// A policy file naming keys src and other.
    func policy(_ source: SignedSource, require: String) throws -> String {
        let path = source.scratch.file("policy-\(require).yaml")
        try """
        version: 1
        keys:
          src: src.pub
          other: other.pub
        rules:
          - match: "\(source.registry.host)/team/*"
            keys: [src, other]
            require: \(require)
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func signedBundleCrossesAndVerifiesInTheAirgap() async throws {
        let source = try await SignedSource()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("site.tar")
        // Verified at the source before anything is written; the bundle carries its own signature.
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--verify-key", source.pub("src"), "--sign-key", source.key("src"),
                                                            source.app.reference], environment: Self.password)
        #expect(made.succeeded, "\(made.errorOutput)")
        let entries = try await Tool.run("tar", ["-tf", bundle]).check().output
        #expect(entries.contains("index.json.sig\n"))

        let verify = try await AirlockTool.run("transit", ["verify", bundle, "--key", source.pub("src"), "--bundle-key", source.pub("src")])
        #expect(verify.succeeded, "\(verify.errorOutput)")
        #expect(verify.output.contains("bundle signature verified"))
        #expect(verify.output.contains("\(source.app.reference)@\(source.app.digest): signed (legacy by \(source.pub("src")))"))
        // The bundle signature is `cosign sign-blob` output: Python verifies it over the exact index.json bytes.
        let index = source.scratch.file("index.json")
        try await Tool.run("tar", ["-xf", bundle, "-C", source.scratch.path, "index.json", "index.json.sig"]).check()
        try await Tool.run("python3", [Peers.script("cosign-check.py"), "verify", source.pub("src"), index,
                                       try String(contentsOfFile: index + ".sig", encoding: .utf8)]).check()

        for (flags, reason) in [(["--key", source.pub("other")], "does not verify with"), (["--bundle-key", source.pub("other")], "does not verify index.json")] {
            let rejected = try await AirlockTool.run("transit", ["verify", bundle] + flags)
            #expect(rejected.status == 5, "\(flags)")
            #expect(rejected.errorOutput.contains(reason), "\(rejected.errorOutput)")
        }

        // Push with the checks and a countersignature for the new place; then the airgap verifies it.
        let site = try await RegistryServer()
        defer { site.stop() }
        let refused = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(site.host)/site", "--key", source.pub("other")])
        #expect(refused.status == 5 && refused.errorOutput.contains("not trusted"))
        #expect(try await tags(site, "site/team/app").isEmpty)
        let pushed = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(site.host)/site", "--key", source.pub("src"),
                                                           "--bundle-key", source.pub("src"), "--sign-key", source.key("site")], environment: Self.password)
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        let target = "\(site.host)/site/team/app:1"
        let airgap = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("site"), target])
        #expect(airgap.succeeded, "\(airgap.errorOutput)")
        let payloads = try #require(try JSONSerialization.jsonObject(with: airgap.stdout) as? [[String: Any]])
        #expect(payloads.count == 1)
        let critical = payloads[0]["critical"] as? [String: Any]
        #expect((critical?["identity"] as? [String: String])?["docker-reference"] == "\(site.host)/site/team/app")
        #expect((critical?["image"] as? [String: String])?["docker-manifest-digest"] == source.app.digest)
        #expect(airgap.errorOutput.contains("The signatures were verified against the specified public key"))
        // The source signature travelled too: it names the source repository, which the push record relocates here.
        let byRepository = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("src"), target])
        #expect(byRepository.succeeded, "\(byRepository.errorOutput)")
        #expect(try await AirlockTool.run("airgap", ["verify", "--key", source.pub("src"), "--identity", "digest", target]).succeeded)
        let exact = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("src"), "--identity", "exact", target])
        #expect(exact.status == 5 && exact.errorOutput.contains("has no tag (identity rule: exact)"), "\(exact.errorOutput)")

        // An unsigned image in the private registry fails verification.
        let images = try await TestImages()
        try await images.build("loose", layerSizes: [50_000])
        let loose = try await images.push("loose", to: site, repository: "site/loose", tag: "1")
        let unsigned = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("site"), loose.reference])
        #expect(unsigned.status == 5)
        #expect(unsigned.errorOutput.contains("no signature found"))
    }

    @Test func unsignedImageIsRefusedAtTheSourceAndNothingIsWritten() async throws {
        let source = try await SignedSource()
        defer { source.registry.stop() }
        let bundle = source.scratch.file("plain.tar")
        let result = try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--verify-key", source.pub("src"), source.plain.reference])
        #expect(result.status == 5)
        #expect(result.errorOutput.contains("\(source.plain.reference)@\(source.plain.digest): no signature found"))
        #expect(!FileManager.default.fileExists(atPath: bundle))
        let store = source.scratch.file("gate-store")
        let pull = try await AirlockTool.run("connected", ["pull", "-q", "--store", store, "--verify-key", source.pub("other"), source.app.reference])
        #expect(pull.status == 5 && pull.errorOutput.contains("does not verify with"))
        let index = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: store + "/index.json"))) as? [String: Any]
        #expect((index?["manifests"] as? [Any])?.isEmpty == true, "nothing recorded in the store")
    }
}
