import Foundation
import OCI
import Testing
import TestSupport
import Trust

/// Tampered, forged, missing and mismatched signatures: `transit verify --key` and `transit push --key` fail
/// with the reason, and the target registry gains nothing. Sigstore-bundle (cosign v3) signatures verify.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct TrustTamperTests {
    enum Forgery: String, CaseIterable, Sendable {
        case tamperedPayload, digestMismatch, missingSignature, wrongKey, tamperedBundle
    }

    /// The reason each forgery must be rejected with.
    static let reasons: [Forgery: String] = [
        .tamperedPayload: "does not verify with",
        .digestMismatch: "not sha256:",
        .missingSignature: "no signature found",
        .wrongKey: "does not verify with",
        .tamperedBundle: "bundle's signature does not verify",
    ]

    @Test(arguments: Forgery.allCases)
    func forgedSignatureFailsVerifyAndPushesNothing(_ forgery: Forgery) async throws {
        let source = try await TrustFlowTests.SignedSource()
        defer { source.registry.stop() }
        let store = source.scratch.file("forged")
        let unsigned = forgery == .missingSignature || forgery == .tamperedBundle
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, source.app.reference] + (unsigned ? ["--no-signatures"] : [])).check()
        let surgery = try SignatureForgery(store: store)
        let image = try Reference(parsing: source.app.reference)
        let digest = try Digest(parsing: source.app.digest)
        let key = try CosignKeyFile.load(path: source.key("src")) { Data("correct horse".utf8) }
        switch forgery {
        case .tamperedPayload:
            let (payload, signature) = try surgery.legacyPayload(of: image, digest: digest)
            let changed = String(decoding: payload, as: UTF8.self).replacingOccurrences(of: source.registry.host, with: "evil.example")
            try surgery.setLegacySignature(of: image, digest: digest, payload: Data(changed.utf8), signature: signature)
        case .digestMismatch:
            // A genuine signature by the trusted key, but over another image's digest.
            let payload = SimpleSigningPayload(dockerReference: image.name, manifestDigest: try Digest(parsing: source.plain.digest)).bytes
            try surgery.setLegacySignature(of: image, digest: digest, payload: payload, signature: try key.sign(payload))
        case .tamperedBundle:
            try surgery.addBundleReferrer(of: image, digest: digest, subjectSize: Int64(source.app.size), subjectType: source.app.mediaType, key: key, tamper: true)
        case .missingSignature, .wrongKey:
            break
        }
        let bundle = source.scratch.file("forged.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", bundle]).check()
        let trusted = forgery == .wrongKey ? source.pub("other") : source.pub("src")

        let verify = try await AirlockTool.run("transit", ["verify", bundle, "--key", trusted])
        #expect(verify.status == 5, "\(verify.output)")
        #expect(verify.errorOutput.contains(Self.reasons[forgery]!), "\(verify.errorOutput)")
        #expect(verify.errorOutput.contains("\(source.app.reference)@\(source.app.digest): not trusted"))

        let target = try await RegistryServer()
        defer { target.stop() }
        let push = try await AirlockTool.run("transit", ["push", bundle, "--to", "\(target.host)/site", "--key", trusted])
        #expect(push.status == 5)
        #expect(push.errorOutput.contains(Self.reasons[forgery]!))
        let catalog = try await target.request("/v2/_catalog", as: nil)
        #expect(String(decoding: catalog.body, as: UTF8.self).contains(#""repositories":[]"#), "the target gained nothing")
    }

    @Test func cosignV3BundleReferrerVerifiesInTheBundleAndThroughTheFallbackTag() async throws {
        let source = try await TrustFlowTests.SignedSource()
        defer { source.registry.stop() }
        let store = source.scratch.file("v3")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, "--no-signatures", source.app.reference]).check()
        let key = try CosignKeyFile.load(path: source.key("src")) { Data("correct horse".utf8) }
        try SignatureForgery(store: store).addBundleReferrer(of: try Reference(parsing: source.app.reference), digest: try Digest(parsing: source.app.digest),
                                                             subjectSize: Int64(source.app.size), subjectType: source.app.mediaType, key: key)
        let bundle = source.scratch.file("v3.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", bundle]).check()
        let verify = try await AirlockTool.run("transit", ["verify", bundle, "--key", source.pub("src")])
        #expect(verify.succeeded, "\(verify.errorOutput)")
        #expect(verify.output.contains("signed (bundle by \(source.pub("src")))"))

        // distribution 2.8 has no referrers API: the push writes the sha256-<hex> fallback index, and
        // airgap verify finds the bundle through it.
        let target = try await RegistryServer()
        defer { target.stop() }
        try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(target.host)/site", "--key", source.pub("src")]).check()
        let airgap = try await AirlockTool.run("airgap", ["verify", "--key", source.pub("src"), "\(target.host)/site/team/app:1"])
        #expect(airgap.succeeded, "\(airgap.errorOutput)")
        let payloads = try #require(try JSONSerialization.jsonObject(with: airgap.stdout) as? [[String: Any]])
        #expect(payloads.first?["predicateType"] as? String == "https://sigstore.dev/cosign/sign/v1")
    }
}
