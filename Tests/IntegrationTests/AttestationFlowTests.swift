import Foundation
import Testing
import TestSupport

/// `airgap verify-attestation` against a real registry: SLSA provenance and SPDX statements signed by an independent
/// signer (Python `cryptography`, DSSE over the PAE) in cosign's `.att` manifest verify; a statement about another
/// digest, another type, another key or no attestation at all is refused (exit 5).
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct AttestationFlowTests {
    static let password = "correct horse"
    static let envelopeType = "application/vnd.dsse.envelope.v1+json"

    @Test func independentlySignedAttestationsVerifyAndAnotherSubjectIsRefused() async throws {
        let registry = try await RegistryServer()
        defer { registry.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-attest")
        for name in ["src", "other"] {
            try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file(name)],
                                      environment: ["COSIGN_PASSWORD": Self.password]).check()
        }
        let images = try await TestImages()
        try await images.build("app", layerSizes: [50_000])
        try await images.build("other", layerSizes: [40_000])
        let app = try await images.push("app", to: registry, repository: "team/app", tag: "1")
        let other = try await images.push("other", to: registry, repository: "team/other", tag: "1")
        let bare = try await images.push("other", to: registry, repository: "team/bare", tag: "1")

        // Provenance and SPDX about app; on `other`, a provenance statement about app's digest.
        try await attach([("https://slsa.dev/provenance/v0.2", app.digest), ("https://spdx.dev/Document", app.digest)], to: app, registry, scratch)
        try await attach([("https://slsa.dev/provenance/v0.2", app.digest)], to: other, registry, scratch)

        let pub = scratch.file("src.pub")
        for type in ["slsaprovenance", "spdxjson"] {
            let verified = try await AirlockTool.run("airgap", ["verify-attestation", "--key", pub, "--type", type, app.reference])
            #expect(verified.succeeded, "\(type): \(verified.errorOutput)")
            let lines = verified.output.split(separator: "\n")
            #expect(lines.count == 1, "\(type): \(verified.output)")
            let envelope = try #require(try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            let payload = try #require(Data(base64Encoded: envelope["payload"] as? String ?? ""))
            let statement = try #require(try JSONSerialization.jsonObject(with: payload) as? [String: Any])
            #expect(statement["predicateType"] as? String == (type == "spdxjson" ? "https://spdx.dev/Document" : "https://slsa.dev/provenance/v0.2"))
            #expect(verified.errorOutput.contains("The statement's subject is the image's digest"))
        }
        let both = try await AirlockTool.run("airgap", ["verify-attestation", "--key", pub, app.reference])
        #expect(both.succeeded && both.output.split(separator: "\n").count == 2, "\(both.errorOutput)")

        let refusals: [([String], String)] = [
            (["--key", pub, "--type", "cyclonedx", app.reference], "predicate type https://slsa.dev/provenance/v0.2, not https://cyclonedx.org/bom"),
            (["--key", scratch.file("other.pub"), app.reference], "the attestation's signature does not verify with \(scratch.file("other.pub"))"),
            (["--key", pub, other.reference], "the statement is about \(app.digest), not \(other.digest)"),
            (["--key", pub, bare.reference], "no attestation found"),
        ]
        for (arguments, reason) in refusals {
            let refused = try await AirlockTool.run("airgap", ["verify-attestation"] + arguments)
            #expect(refused.status == 5, "\(arguments): \(refused.errorOutput)")
            #expect(refused.errorOutput.contains(reason), "\(arguments): \(refused.errorOutput)")
            #expect(refused.stdout.isEmpty)
        }
        // --policy: each image needs every attestation its rule lists.
        let policy = scratch.file("policy.yaml")
        try "version: 1\nkeys:\n  src: src.pub\nrules:\n  - match: \"**/team/app\"\n    keys: [src]\n    attestations:\n      - {type: slsaprovenance, key: src}\n      - {type: spdxjson, key: src}\n  - match: \"**\"\n    keys: [src]\n    attestations: [{type: cyclonedx, key: src}]\n"
            .write(toFile: policy, atomically: true, encoding: .utf8)
        let byPolicy = try await AirlockTool.run("airgap", ["verify-attestation", "--policy", policy, app.reference])
        #expect(byPolicy.succeeded && byPolicy.output.split(separator: "\n").count == 2, "\(byPolicy.errorOutput)")
        let unmet = try await AirlockTool.run("airgap", ["verify-attestation", "--policy", policy, other.reference])
        #expect(unmet.status == 5 && unmet.errorOutput.contains("no verified https://cyclonedx.org/bom attestation"), "\(unmet.errorOutput)")

        let unknown = try await AirlockTool.run("airgap", ["verify-attestation", "--key", pub, "--type", "sbom", app.reference])
        #expect(unknown.status != 0 && unknown.status != 5 && unknown.errorOutput.contains("--type sbom"), "\(unknown.errorOutput)")
    }

    @Test func aPolicyRequiringAnAttestationGatesTransitPush() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let site = try await RegistryServer()
        defer { site.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-attest-policy")
        try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("src")],
                                  environment: ["COSIGN_PASSWORD": Self.password]).check()
        let images = try await TestImages()
        try await images.build("app", layerSizes: [50_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        try await attach([("https://slsa.dev/provenance/v1", app.digest)], to: app, source, scratch)
        let bundle = scratch.file("attested.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, app.reference]).check()

        func policy(_ type: String) throws -> String {
            let path = scratch.file("policy-\(type).yaml")
            try "version: 1\nkeys:\n  src: src.pub\nrules:\n  - match: \"**\"\n    unsigned: allow\n    attestations:\n      - {type: \(type), key: src}\n"
                .write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        let refused = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--policy", try policy("cyclonedx")])
        #expect(refused.status == 5, "\(refused.errorOutput)")
        #expect(refused.errorOutput.contains("no verified https://cyclonedx.org/bom attestation by \(scratch.file("src.pub"))"), "\(refused.errorOutput)")
        #expect(refused.errorOutput.contains("predicate type https://slsa.dev/provenance/v1, not https://cyclonedx.org/bom"), "\(refused.errorOutput)")
        let nothing = try await site.request("/v2/team/app/tags/list", as: nil)
        #expect(nothing.status == 404 || !String(decoding: nothing.body, as: UTF8.self).contains("\"1\""))
        let pushed = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--policy", try policy("slsaprovenance1")])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        let verified = try await AirlockTool.run("airgap", ["verify-attestation", "--key", scratch.file("src.pub"), "--type", "slsaprovenance1", "\(site.host)/team/app:1"])
        #expect(verified.succeeded, "\(verified.errorOutput)")
    }

    /// Signs each (predicate type, subject digest) statement with Python and pushes them as the image's `.att` manifest.
    func attach(_ statements: [(String, String)], to image: PushedImage, _ registry: RegistryServer, _ scratch: TemporaryDirectory) async throws {
        var layers: [[String: Any]] = []
        for (position, (predicateType, subject)) in statements.enumerated() {
            let statement = scratch.file("statement-\(image.repository.replacingOccurrences(of: "/", with: "-"))-\(position).json")
            try JSONSerialization.data(withJSONObject: [
                "_type": "https://in-toto.io/Statement/v0.1", "predicateType": predicateType, "predicate": ["note": "made by the test"],
                "subject": [["name": image.reference, "digest": ["sha256": String(subject.dropFirst("sha256:".count))]]],
            ] as [String: Any]).write(to: URL(fileURLWithPath: statement))
            let envelope = try await Tool.run("python3", [Peers.script("cosign-check.py"), "attest", scratch.file("src.key"), Self.password, statement]).check()
            let blob = try await registry.pushBlob(Data(envelope.output.trimmingCharacters(in: .whitespacesAndNewlines).utf8), repository: image.repository)
            layers.append(["mediaType": Self.envelopeType, "digest": blob.digest, "size": blob.size, "annotations": ["predicateType": predicateType]])
        }
        let config = try await registry.pushBlob(Data("{}".utf8), repository: image.repository)
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": ["mediaType": "application/vnd.oci.image.config.v1+json", "digest": config.digest, "size": config.size],
            "layers": layers,
        ] as [String: Any])
        _ = try await registry.pushManifest(manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", repository: image.repository,
                                            reference: "sha256-\(image.digest.dropFirst("sha256:".count)).att")
    }
}
