import Foundation
import Testing
import TestSupport

/// Signatures made at the source verify after `transit push` relocated the images, under the default repository
/// rule: signed by Airlock (`connected sign`) and by Python `cryptography` (independent; Debian's skopeo has
/// sigstore signing disabled),
/// bundled, pushed under a prefix, checked in the air gap with `--prefix` or a policy `remap:`. The same signatures
/// on another repository of the target are refused.
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
        for (image, signer) in [(app, "airlock"), (indie, "python")] {
            let relocated = "\(prefix)/\(image.repository):1"
            // Without the mapping the source identity is refused, as before.
            let plain = try await AirlockTool.run("airgap", ["verify", "--key", pub, relocated])
            #expect(plain.status == 5 && plain.errorOutput.contains("signed for \(source.host)/\(image.repository)"), "\(signer): \(plain.errorOutput)")
            // With it, the default rule accepts exactly the relocation, by flag or by policy.
            let flagged = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", prefix, relocated])
            #expect(flagged.succeeded, "\(signer): \(flagged.errorOutput)")
            let payloads = try #require(try JSONSerialization.jsonObject(with: flagged.stdout) as? [[String: Any]])
            let identity = (payloads.first?["critical"] as? [String: Any])?["identity"] as? [String: String]
            #expect(identity?["docker-reference"]?.hasPrefix("\(source.host)/\(image.repository)") == true, "\(signer): \(payloads)")
            let limited = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", prefix, "--signed-prefix", source.host, relocated])
            #expect(limited.succeeded, "\(signer): \(limited.errorOutput)")
            let otherSource = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", prefix, "--signed-prefix", "ghcr.io", relocated])
            #expect(otherSource.status == 5, "\(signer): \(otherSource.errorOutput)")
        }
        let policy = scratch.file("policy.yaml")
        try """
        version: 1
        keys:
          src: src.pub
        remap:
          prefix: \(prefix)
          signedPrefix: \(source.host)/team
        rules:
          - match: "\(prefix)/**"
            keys: [src]
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let byPolicy = try await AirlockTool.run("airgap", ["verify", "--policy", policy, "\(prefix)/team/app:1", "\(prefix)/team/indie:1"])
        #expect(byPolicy.succeeded, "\(byPolicy.errorOutput)")

        // The same image and signature copied onto another repository of the target: refused by default.
        let digestTag = "sha256-" + app.digest.dropFirst("sha256:".count) + ".sig"
        for tag in ["1", String(digestTag)] {
            try await Tool.run("skopeo", ["--insecure-policy", "copy", "-q", "--preserve-digests"]
                               + site.skopeoOptions(.source, user: nil) + site.skopeoOptions(.destination, user: nil)
                               + ["docker://\(prefix)/team/app:\(tag)", "docker://\(prefix)/team/copied:\(tag)"]).check()
        }
        for flags in [["--key", pub, "--prefix", prefix], ["--policy", policy]] {
            let copied = try await AirlockTool.run("airgap", ["verify"] + flags + ["\(prefix)/team/copied:1"])
            #expect(copied.status == 5, "\(flags): \(copied.errorOutput)")
            #expect(copied.errorOutput.contains("signed for \(source.host)/team/app, not \(prefix)/team/copied"), "\(copied.errorOutput)")
        }
        // Pushed elsewhere in the target (another prefix): the mapping does not reach it either.
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(site.host)/elsewhere"]).check()
        let elsewhere = try await AirlockTool.run("airgap", ["verify", "--key", pub, "--prefix", prefix, "\(site.host)/elsewhere/team/app:1"])
        #expect(elsewhere.status == 5 && elsewhere.errorOutput.contains("relocated by \(prefix)"), "\(elsewhere.errorOutput)")
    }
}
