import Foundation
import Testing
import TestSupport

/// Signatures made at the source verify after `transit push` relocated the images, under the default repository
/// rule: signed by Airlock (`connected sign`) and by Python `cryptography` (independent; Debian's skopeo has
/// sigstore signing disabled),
/// bundled, pushed under a prefix, checked in the air gap through the push record transit push left in the
/// registry, or (copied in without one) through `--prefix` or a policy `remap:`. The same signatures, even with
/// the record, on another repository of the target are refused.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct RelocationFlowTests {
    static let password = ["COSIGN_PASSWORD": "correct horse"]

    @Test func sourceSignaturesVerifyWhereThePushPutThemAndNowhereElse() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let site = try await RegistryServer()
        defer { site.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-relocation")
        try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("src")], environment: Self.password).check()
        let images = try await TestImages()
        try await images.build("app", layerSizes: [200_000])
        try await images.build("indie", layerSizes: [100_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        let indie = try await images.push("indie", to: source, repository: "team/indie", tag: "1")

        // Airlock signs team/app in a store and pushes the signature to the source registry.
        let store = scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, app.reference]).check()
        try await AirlockTool.run("connected", ["sign", "--key", scratch.file("src.key"), "--store", store, app.reference], environment: Self.password).check()
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", scratch.file("signed.tar")]).check()
        try await AirlockTool.run("transit", ["push", "-q", scratch.file("signed.tar"), "--to", source.host]).check()
        // Python `cryptography` signs team/indie with the same cosign key (an independent signer), pushed as its `.sig`.
        let key = scratch.file("src.key")
        let payloadFile = scratch.file("indie-payload.json")
        try await TestImages.pushCosignSignature(for: indie, to: source, signer: { payload in
            try payload.write(to: URL(fileURLWithPath: payloadFile))
            let signed = try await Tool.run("python3", [Peers.script("cosign-check.py"), "sign", key, "correct horse", payloadFile]).check()
            return signed.output.trimmingCharacters(in: .whitespacesAndNewlines)
        })

        // Bundle both with their signatures (checked at the source), push under a prefix.
        let bundle = scratch.file("site.tar")
        try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--verify-key", scratch.file("src.pub"), app.reference, indie.reference]).check()
        let prefix = "\(site.host)/mirror"
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", prefix]).check()

        let pub = scratch.file("src.pub")
        // With the record transit push left in each repository, the default rule accepts the relocation, no flags.
        for (image, signer) in [(app, "airlock"), (indie, "python")] {
            let records = try await tags(site, "mirror/\(image.repository)").filter { $0.hasPrefix("airlock-push-") }
            #expect(records.count == 1, "\(signer): \(records)")
            let relocated = "\(prefix)/\(image.repository):1"
            let verified = try await AirlockTool.run("airgap", ["verify", "--key", pub, relocated])
            #expect(verified.succeeded, "\(signer): \(verified.errorOutput)")
            let payloads = try #require(try JSONSerialization.jsonObject(with: verified.stdout) as? [[String: Any]])
            let identity = (payloads.first?["critical"] as? [String: Any])?["identity"] as? [String: String]
            #expect(identity?["docker-reference"]?.hasPrefix("\(source.host)/\(image.repository)") == true, "\(signer): \(payloads)")
        }

        // Without a record (the image and its signature copied in by skopeo): refused, unless told where the push put it.
        let bare = "\(site.host)/bare"
        for image in [app, indie] {
            try await copy(site, "\(prefix)/\(image.repository)", to: "\(bare)/\(image.repository)", tags: ["1", signatureTag(image)])
        }
        for (image, signer) in [(app, "airlock"), (indie, "python")] {
            let relocated = "\(bare)/\(image.repository):1"
            let plain = try await AirlockTool.run("airgap", ["verify", "--key", pub, relocated])
            #expect(plain.status == 5 && plain.errorOutput.contains("signed for \(source.host)/\(image.repository)"), "\(signer): \(plain.errorOutput)")
            let flagged = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", bare, relocated])
            #expect(flagged.succeeded, "\(signer): \(flagged.errorOutput)")
            let limited = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", bare, "--signed-prefix", source.host, relocated])
            #expect(limited.succeeded, "\(signer): \(limited.errorOutput)")
            let otherSource = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", bare, "--signed-prefix", "ghcr.io", relocated])
            #expect(otherSource.status == 5, "\(signer): \(otherSource.errorOutput)")
            let otherPrefix = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", prefix, relocated])
            #expect(otherPrefix.status == 5 && otherPrefix.errorOutput.contains("relocated by \(prefix)"), "\(signer): \(otherPrefix.errorOutput)")
        }
        let policy = scratch.file("policy.yaml")
        try """
        version: 1
        keys:
          src: src.pub
        remap:
          prefix: \(bare)
          signedPrefix: \(source.host)/team
        rules:
          - match: "\(site.host)/**"
            keys: [src]
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let byPolicy = try await AirlockTool.run("airgap", ["verify", "--policy", policy, "\(bare)/team/app:1", "\(bare)/team/indie:1"])
        #expect(byPolicy.succeeded, "\(byPolicy.errorOutput)")

        // The same image, signature and even the push record copied onto another repository: refused, every way.
        let records = try await tags(site, "mirror/team/app").filter { $0.hasPrefix("airlock-push-") }
        try await copy(site, "\(prefix)/team/app", to: "\(prefix)/team/copied", tags: ["1", signatureTag(app)] + records)
        try await copy(site, "\(prefix)/team/app", to: "\(bare)/team/copied", tags: ["1", signatureTag(app)])
        for (flags, copied) in [([], "\(prefix)/team/copied"), (["--prefix", prefix], "\(prefix)/team/copied"),
                                (["--prefix", bare], "\(bare)/team/copied")] {
            let refused = try await AirlockTool.run("airgap", ["verify", "--key", pub] + flags + ["\(copied):1"])
            #expect(refused.status == 5, "\(flags): \(refused.errorOutput)")
            #expect(refused.errorOutput.contains("signed for \(source.host)/team/app, not \(copied)"), "\(refused.errorOutput)")
        }
        let byPolicyCopied = try await AirlockTool.run("airgap", ["verify", "--policy", policy, "\(bare)/team/copied:1"])
        #expect(byPolicyCopied.status == 5, "\(byPolicyCopied.errorOutput)")

        // A push record that is not one: one error naming it, exit 1, nothing verified.
        let artifactType = "application/vnd.dev.airlock.push-record.v1+json"
        let empty = try await site.pushBlob(Data("{}".utf8), repository: "bare/team/app")
        let emptyDescriptor: [String: Any] = ["mediaType": "application/vnd.oci.empty.v1+json", "digest": empty.digest, "size": empty.size]
        let manifest = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "artifactType": artifactType,
            "config": emptyDescriptor, "layers": [emptyDescriptor],
            "annotations": ["dev.airlock.push-record": "not a record"],
        ] as [String: Any])
        _ = try await site.pushManifest(manifest, mediaType: "application/vnd.oci.image.manifest.v1+json", repository: "bare/team/app", reference: "airlock-push-bad")
        let malformed = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", bare, "\(bare)/team/app:1"])
        #expect(malformed.status == 1, "\(malformed.errorOutput)")
        #expect(malformed.errorOutput.contains("\(bare)/team/app:airlock-push-bad: push record: not a push record"), "\(malformed.errorOutput)")
        #expect(malformed.stdout.isEmpty)
    }

    /// The `.sig` tag of an image.
    func signatureTag(_ image: PushedImage) -> String { "sha256-" + image.digest.dropFirst("sha256:".count) + ".sig" }

    /// Copies tags between repositories of `registry` with skopeo, digests kept: behind Airlock's back.
    func copy(_ registry: RegistryServer, _ from: String, to: String, tags: [String]) async throws {
        for tag in tags {
            try await Tool.run("skopeo", ["--insecure-policy", "copy", "-q", "--preserve-digests"]
                               + registry.skopeoOptions(.source, user: nil) + registry.skopeoOptions(.destination, user: nil)
                               + ["docker://\(from):\(tag)", "docker://\(to):\(tag)"]).check()
        }
    }

    func tags(_ registry: RegistryServer, _ repository: String) async throws -> [String] {
        let response = try await registry.request("/v2/\(repository)/tags/list", as: nil)
        guard response.status == 200 else { return [] }
        return (try JSONSerialization.jsonObject(with: response.body) as? [String: Any])?["tags"] as? [String] ?? []
    }
}
