import Foundation
import OCI
import Testing
import TestSupport
import Trust

/// Keyless trust across the zones with a Sigstore of the test's own (Tests/Peers/keyless-pki.py: a CA and an
/// intermediate, a log key, a timestamp authority, written as trusted_root.json): an image signed keyless-style as
/// a legacy `.sig` and as a sigstore bundle referrer in registry A is bundled against that root, pushed to registry
/// B with `transit push --policy` requiring the identity, and verified by `airgap verify`; another identity, another
/// issuer, a leaf used outside its validity, a root without the CA and a timestamp by an untrusted TSA are refused,
/// each by its check.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct KeylessFlowTests {
    static let identity = "https://ci.airlock.test/acme/app/.github/workflows/release.yml@refs/heads/main"
    static let issuer = "https://token.ci.airlock.test"

    func pki(_ arguments: [String]) async throws -> Data {
        try await Tool.run("python3", [Peers.script("keyless-pki.py")] + arguments).check().stdout
    }

    /// Signs `image` in `store` keyless-style: a legacy `.sig` (unless `legacy` is false) and, with `bundle`, a v0.3
    /// bundle referrer.
    func sign(_ image: PushedImage, in store: String, pki directory: String, scratch: TemporaryDirectory,
              loggedAfterExpiry: Bool = false, timestamp: Bool = false, bundle: Bool = false) async throws {
        let forgery = try SignatureForgery(store: store)
        let reference = try Reference(parsing: image.reference)
        let digest = try Digest(parsing: image.digest)
        let payload = SimpleSigningPayload(dockerReference: reference.name, manifestDigest: digest).bytes
        let payloadFile = scratch.file("\(image.repository.replacingOccurrences(of: "/", with: "-")).payload")
        try payload.write(to: URL(fileURLWithPath: payloadFile))
        let annotations = try JSONDecoder().decode([String: String].self, from: try await pki(
            ["sign-legacy", directory, payloadFile, "--identity", Self.identity, "--issuer", Self.issuer] + (loggedAfterExpiry ? ["--logged-after-expiry"] : []) + (timestamp ? ["--timestamp"] : [])))
        try forgery.setLegacySignature(of: reference, digest: digest, payload: payload, annotations: annotations)
        if bundle {
            let signed = try await pki(["sign-bundle", directory, image.digest, "--identity", Self.identity, "--issuer", Self.issuer])
            try forgery.addBundleReferrer(of: reference, digest: digest, subjectSize: Int64(image.size), subjectType: image.mediaType, bundle: signed)
        }
    }

    func keylessFlags(identity: String = identity, issuer: String = issuer, root: String) -> [String] {
        ["--certificate-identity", identity, "--certificate-oidc-issuer", issuer, "--trusted-root", root]
    }

    @Test func keylessSignedImageCrossesAndVerifiesInTheAirgap() async throws {
        let source = try await RegistryServer()
        defer { source.stop() }
        let scratch = try TemporaryDirectory(prefix: "airlock-keyless")
        let ours = scratch.file("pki"), stranger = scratch.file("stranger")
        _ = try await pki(["init", ours])
        _ = try await pki(["init", stranger])
        let root = "\(ours)/trusted_root.json"
        // Our log and timestamp authority, but another CA: the root does not hold the CA that issued the leaves.
        var otherCA = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root))) as! [String: Any]
        let strangers = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(stranger)/trusted_root.json"))) as! [String: Any]
        otherCA["certificateAuthorities"] = strangers["certificateAuthorities"]
        let withoutOurCA = scratch.file("other-ca.json")
        try JSONSerialization.data(withJSONObject: otherCA).write(to: URL(fileURLWithPath: withoutOurCA))
        // Our CA and log, another timestamp authority: a timestamp by ours is not trusted.
        var otherTSA = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: root))) as! [String: Any]
        otherTSA["timestampAuthorities"] = strangers["timestampAuthorities"]
        let withoutOurTSA = scratch.file("other-tsa.json")
        try JSONSerialization.data(withJSONObject: otherTSA).write(to: URL(fileURLWithPath: withoutOurTSA))

        let images = try await TestImages()
        try await images.build("app", layerSizes: [200_000])
        try await images.build("late", layerSizes: [50_000])
        try await images.build("stamped", layerSizes: [40_000])
        let app = try await images.push("app", to: source, repository: "team/app", tag: "1")
        let late = try await images.push("late", to: source, repository: "team/late", tag: "1")
        let stamped = try await images.push("stamped", to: source, repository: "team/stamped", tag: "1")
        let store = scratch.file("store")
        try await AirlockTool.run("connected", ["pull", "-q", "--store", store, app.reference, late.reference, stamped.reference]).check()
        try await sign(app, in: store, pki: ours, scratch: scratch, bundle: true)
        try await sign(late, in: store, pki: ours, scratch: scratch, loggedAfterExpiry: true)
        try await sign(stamped, in: store, pki: ours, scratch: scratch, timestamp: true)
        let signed = scratch.file("signed.tar")
        try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", signed]).check()
        try await AirlockTool.run("transit", ["push", "-q", signed, "--to", source.host]).check()

        // At the source: verified keyless before anything is written; the trusted root travels in the signed bundle.
        let password = ["COSIGN_PASSWORD": "keyless"]
        try await AirlockTool.run("connected", ["generate-key-pair", "--output-key-prefix", scratch.file("bundle")], environment: password).check()
        let bundle = scratch.file("site.tar")
        let made = try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle, "--sign-key", scratch.file("bundle.key")]
                                                + keylessFlags(root: root) + [app.reference], environment: password)
        #expect(made.succeeded, "\(made.errorOutput)")
        let rootDigest = Digest.sha256(of: try Data(contentsOf: URL(fileURLWithPath: root)))
        #expect(try await Tool.run("tar", ["-tf", bundle]).check().output.contains("blobs/sha256/\(rootDigest.encoded)\n"))
        let refusedAtSource = try await AirlockTool.run("connected", ["bundle", "-q", "-o", scratch.file("late.tar")] + keylessFlags(root: root) + [late.reference])
        #expect(refusedAtSource.status == 5, "\(refusedAtSource.errorOutput)")
        #expect(!FileManager.default.fileExists(atPath: scratch.file("late.tar")))

        // Transit: the policy names the identity, the issuer and the root.
        let policy = scratch.file("policy.yaml")
        try """
        version: 1
        keyless:
          release:
            identity: \(Self.identity)
            issuer: \(Self.issuer)
            trustedRoot: pki/trusted_root.json
        rules:
          - match: "\(source.host)/team/*"
            keys: [release]
        """.write(toFile: policy, atomically: true, encoding: .utf8)
        let checked = try await AirlockTool.run("transit", ["verify", bundle, "--policy", policy])
        #expect(checked.succeeded, "\(checked.errorOutput)")
        #expect(checked.output.contains("signed (legacy by keyless \(Self.identity) (issuer \(Self.issuer)), bundle by keyless"), "\(checked.output)")
        // Without --trusted-root, the root the bundle carries, vouched for by the bundle signature.
        let carried = try await AirlockTool.run("transit", ["verify", bundle, "--bundle-key", scratch.file("bundle.pub"),
                                                             "--certificate-identity", Self.identity, "--certificate-oidc-issuer", Self.issuer])
        #expect(carried.succeeded, "\(carried.errorOutput)")
        #expect(carried.output.contains("signed (legacy by keyless"), "\(carried.output)")
        let unsigned = try await AirlockTool.run("transit", ["verify", bundle, "--certificate-identity", Self.identity, "--certificate-oidc-issuer", Self.issuer])
        #expect(unsigned.status == 64 && unsigned.errorOutput.contains("--bundle-key to use the trusted root"), "\(unsigned.errorOutput)")
        let site = try await RegistryServer()
        defer { site.stop() }
        let pushed = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", site.host, "--policy", policy])
        #expect(pushed.succeeded, "\(pushed.errorOutput)")
        let pushedWithCarriedRoot = try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(site.host)/carried", "--bundle-key", scratch.file("bundle.pub"),
                                                                          "--certificate-identity", Self.identity, "--certificate-oidc-issuer", Self.issuer])
        #expect(pushedWithCarriedRoot.succeeded, "\(pushedWithCarriedRoot.errorOutput)")
        let rootTags = try await site.request("/v2/sigstore/trusted-root/tags/list", as: nil)
        #expect(String(decoding: rootTags.body, as: UTF8.self).contains(String(rootDigest.encoded.prefix(12))), "the trusted root is pushed beside the images")

        // The air gap: both signatures verify offline with the root alone.
        let target = "\(site.host)/team/app:1"
        let airgap = try await AirlockTool.run("airgap", ["verify"] + keylessFlags(root: root) + ["--identity", "digest", target])
        #expect(airgap.succeeded, "\(airgap.errorOutput)")
        let payloads = try #require(try JSONSerialization.jsonObject(with: airgap.stdout) as? [[String: Any]])
        #expect(payloads.count == 2)
        #expect(airgap.errorOutput.contains("The certificate chained to the trusted root at the logged signing time"))
        let byPattern = try await AirlockTool.run("airgap", ["verify", "--certificate-identity-regexp", "^https://ci\\.airlock\\.test/acme/",
                                                              "--certificate-oidc-issuer-regexp", "airlock\\.test$", "--trusted-root", root,
                                                              "--identity", "digest", target])
        #expect(byPattern.succeeded, "\(byPattern.errorOutput)")
        // A legacy signature with an RFC 3161 timestamp (dev.sigstore.cosign/rfc3161timestamp) by the root's TSA.
        let stampedOK = try await AirlockTool.run("airgap", ["verify"] + keylessFlags(root: root) + ["--identity", "digest", stamped.reference])
        #expect(stampedOK.succeeded, "\(stampedOK.errorOutput)")

        // Refusals, each naming its check (both signatures of app; the one signature of late).
        let refusals: [([String], String, String)] = [
            (keylessFlags(identity: "https://ci.airlock.test/other", root: root), target, "identity: the certificate is for \(Self.identity)"),
            (keylessFlags(issuer: "https://accounts.example", root: root), target, "issuer: the certificate was issued for \(Self.issuer)"),
            (keylessFlags(root: withoutOurCA), target, "chain: the certificate does not chain to a CA"),
            (keylessFlags(root: root), late.reference, "expired at signing: logged at"),
            (keylessFlags(root: withoutOurTSA), stamped.reference, "timestamp: no trusted timestamp authority vouches for it"),
        ]
        for (flags, image, reason) in refusals {
            let refused = try await AirlockTool.run("airgap", ["verify"] + flags + ["--identity", "digest", image])
            #expect(refused.status == 5, "\(flags): \(refused.errorOutput)")
            #expect(refused.errorOutput.contains(reason), "\(flags): \(refused.errorOutput)")
        }
    }
}
