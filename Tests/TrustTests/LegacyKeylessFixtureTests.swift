import Foundation
import OCI
import Testing
@testable import Trust

/// The keyless `.sig` fixture made by real cosign (containers/image's `dir-img-cosign-fulcio-rekor-valid`: a Fulcio
/// certificate for mitr@redhat.com, its chain and a Rekor bundle), verified offline against the public-good trusted
/// root, and each negative variant refused by the check that should refuse it.
@Suite struct LegacyKeylessFixtureTests {
    static let directory = "cosign/containers-image/dir-img-cosign-fulcio-rekor-valid"
    static let identity = "mitr@redhat.com"
    static let issuer = "https://github.com/login/oauth"

    func publicGood() throws -> TrustedRoot { try TrustedRoot(file: Fixture.path("sigstore-public-good/trusted_root.json")) }

    func verdict(layer: CosignSignatureLayer, root: TrustedRoot, identity: String = identity, issuer: String = issuer) throws -> ImageVerdict {
        let signer = try KeylessSigner(identity: .exact(identity), issuer: .exact(issuer), trustedRoot: root, origin: "test")
        let verifier = ImageSignatureVerifier(policy: .requiring([], keyless: [signer], identity: .digest))
        var evidence = SignatureEvidence()
        evidence.legacy = [layer]
        let reference = try Reference(parsing: "192.168.64.2:5000/cosign-signed/fulcio-rekor-1")
        return verifier.verify(reference, digest: Fixture.manifestDigest(Self.directory), evidence: evidence)
    }

    func layer(removing annotation: String? = nil) throws -> CosignSignatureLayer {
        var layer = try Fixture.dirSignature("\(Self.directory)/signature-1")
        if let annotation { layer.layer.annotations?[annotation] = nil }
        return layer
    }

    /// The public-good root with the Rekor key `wNI9…` replaced by another key under the same log ID.
    func rootWithWrongRekorKey() throws -> TrustedRoot {
        var root = try JSONSerialization.jsonObject(with: Fixture.data("sigstore-public-good/trusted_root.json")) as! [String: Any]
        let otherKey = try Fixture.key("cosign/containers-image/cosign.pub").spki.base64EncodedString()
        root["tlogs"] = (root["tlogs"] as! [[String: Any]]).map { log in
            var log = log
            var key = log["publicKey"] as! [String: Any]
            key["rawBytes"] = otherKey
            log["publicKey"] = key
            return log
        }
        return try TrustedRoot(json: try JSONSerialization.data(withJSONObject: root), origin: "public good, wrong Rekor key")
    }

    @Test func thePublicGoodRootHoldsTheFixturesFulcioRootAndRekorKey() throws {
        let root = try publicGood()
        let fulcio = try #require(try Certificate.all(pem: String(decoding: Fixture.data("cosign/containers-image/fulcio_v1.crt.pem"), as: UTF8.self), what: "fulcio").first)
        #expect(root.certificateAuthorities.contains { $0.chain.last?.der == fulcio.der })
        let rekor = try Fixture.key("cosign/containers-image/rekor.pub")
        #expect(root.transparencyLogs.contains { $0.key.spki == rekor.spki && $0.logID == sha256(rekor.spki) })
    }

    @Test func verifiesAgainstThePublicGoodRoot() throws {
        let verdict = try verdict(layer: try layer(), root: try publicGood())
        #expect(verdict.trusted, "\(verdict.reason)")
        #expect(verdict.accepted.first?.key == "keyless \(Self.identity) (issuer \(Self.issuer))")
    }

    @Test func withoutTheRekorBundleThereIsNoLogProof() throws {
        let verdict = try verdict(layer: try layer(removing: CosignSignatureLayer.rekorBundleAnnotation), root: try publicGood())
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("log proof: no transparency log entry"), "\(verdict.reason)")
    }

    @Test func withoutTheCertificateItIsNotKeyless() throws {
        let verdict = try verdict(layer: try layer(removing: CosignSignatureLayer.certificateAnnotation), root: try publicGood())
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("no dev.sigstore.cosign/certificate annotation"), "\(verdict.reason)")
    }

    @Test func aWrongRekorKeyRefusesTheSET() throws {
        let verdict = try verdict(layer: try layer(), root: try rootWithWrongRekorKey())
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("log proof: the signed entry timestamp does not verify"), "\(verdict.reason)")
    }

    @Test func aWrongIdentityIsRefused() throws {
        let verdict = try verdict(layer: try layer(), root: try publicGood(), identity: "someone@example.com")
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("identity: the certificate is for mitr@redhat.com, not someone@example.com"), "\(verdict.reason)")
    }

    @Test func aWrongIssuerIsRefused() throws {
        let verdict = try verdict(layer: try layer(), root: try publicGood(), issuer: "https://accounts.google.com")
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("issuer: the certificate was issued for https://github.com/login/oauth"), "\(verdict.reason)")
    }

    @Test func aTamperedPayloadFailsTheSignature() throws {
        var tampered = try layer()
        tampered.payload[tampered.payload.count / 2] ^= 1
        let verdict = try verdict(layer: tampered, root: try publicGood())
        #expect(!verdict.trusted)
        #expect(verdict.reason.contains("signature: the signature does not verify with the certificate's key"), "\(verdict.reason)")
    }

    @Test func theZarfPodinfoSignatureVerifiesWithItsOwnIdentity() throws {
        // A real cosign keyless .sig from GitHub Actions (the zarf crane layout), against the same public-good root.
        let layout = "oci/zarf-crane-oci-layout"
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Fixture.data("\(layout)/blobs/sha256/\(Self.zarfSignatureManifest)"))
        let descriptor = try #require(manifest.layers.first)
        let layer = CosignSignatureLayer(layer: descriptor, payload: Fixture.data("\(layout)/blobs/sha256/\(descriptor.digest.encoded)"))
        let certificate = try #require(try Certificate.all(pem: descriptor.annotations![CosignSignatureLayer.certificateAnnotation]!, what: "zarf").first)
        let identity = try #require(certificate.subjectAlternativeNames.first)
        let signer = try KeylessSigner(identity: .exact(identity), issuer: .exact(try #require(certificate.oidcIssuer)), trustedRoot: try publicGood(), origin: "test")
        let payload = try SimpleSigningPayload(parsing: layer.payload, what: "zarf")
        let verifier = ImageSignatureVerifier(policy: .requiring([], keyless: [signer], identity: .digest))
        var evidence = SignatureEvidence()
        evidence.legacy = [layer]
        let verdict = verifier.verify(try Reference(parsing: "ghcr.io/stefanprodan/podinfo"), digest: payload.manifestDigest, evidence: evidence)
        #expect(verdict.trusted, "\(verdict.reason)")
    }

    static let zarfSignatureManifest: String = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixture.path("oci/zarf-crane-oci-layout/blobs/sha256"))) ?? []
        return names.first { $0.hasPrefix("6162308b") } ?? "6162308b"
    }()
}
