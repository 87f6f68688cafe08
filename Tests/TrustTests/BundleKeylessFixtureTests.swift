import Foundation
import OCI
import Testing
@testable import Trust

/// Real cosign v3 keyless bundles (fixture README: `sigstore-rs/bundle_v03.json`, an image signature, and
/// `cosign-repo/oci-attestation.sigstore.json`, an attestation) verified offline against the public-good root,
/// attestations through the same keyless check as signatures.
@Suite struct BundleKeylessFixtureTests {
    func publicGood() throws -> TrustedRoot { try TrustedRoot(file: Fixture.path("sigstore-public-good/trusted_root.json")) }

    /// The bundle, the SHA-256 its statement names, and a signer for its own certificate's identity and issuer.
    func open(_ file: String, identity: String? = nil) throws -> (SigstoreBundle, Data, KeylessSigner) {
        let bundle = try SigstoreBundle.parse(Fixture.data(file), what: file)
        let statement = try JSONDecoder().decode(InTotoStatement.self, from: try #require(bundle.dsseEnvelope).payload)
        let subjectHex = try #require(statement.subject.first?.digest["sha256"])
        let subject = try #require(Data(hex: subjectHex))
        let certificate = try #require(try bundle.signingCertificate(what: file))
        let ownIdentity = try #require(certificate.subjectAlternativeNames.first)
        let issuer = try #require(certificate.oidcIssuer)
        let signer = try KeylessSigner(identity: .exact(identity ?? ownIdentity), issuer: .exact(issuer), trustedRoot: try publicGood(), origin: file)
        return (bundle, subject, signer)
    }

    @Test(arguments: ["cosign/sigstore-rs/bundle_v03.json", "cosign/cosign-repo/oci-attestation.sigstore.json"])
    func verifiesOfflineAgainstThePublicGoodRoot(_ file: String) throws {
        let (bundle, subject, signer) = try open(file)
        let outcome = try bundle.verification(artifactDigest: subject, what: file).verify(keyless: signer)
        #expect(!outcome.signingTimes.isEmpty)
    }

    @Test func anotherIdentityIsRefused() throws {
        let file = "cosign/sigstore-rs/bundle_v03.json"
        let (bundle, subject, signer) = try open(file, identity: "https://github.com/someone/else/.github/workflows/x.yml@refs/heads/main")
        #expect(throws: KeylessFailure.self) { try bundle.verification(artifactDigest: subject, what: file).verify(keyless: signer) }
        do { _ = try bundle.verification(artifactDigest: subject, what: file).verify(keyless: signer) } catch let failure as KeylessFailure {
            #expect(failure.check == .identity, "\(failure)")
        }
    }

    @Test func theImageSignatureIsAcceptedAsOneAndTheAttestationIsNot() throws {
        for (file, isSignature) in [("cosign/sigstore-rs/bundle_v03.json", true), ("cosign/cosign-repo/oci-attestation.sigstore.json", false)] {
            let (_, subject, signer) = try open(file)
            var evidence = SignatureEvidence()
            evidence.bundles = [.init(origin: file, data: Fixture.data(file))]
            let verdict = ImageSignatureVerifier(policy: .requiring([], keyless: [signer]))
                .verify(try Reference(parsing: "ghcr.io/example/image:1"), digest: try Digest(parsing: "sha256:\(subject.hex)"), evidence: evidence)
            #expect(verdict.trusted == isSignature, "\(file): \(verdict.reason)")
            if !isSignature { #expect(verdict.reason.contains("is an attestation, not an image signature"), "\(verdict.reason)") }
        }
    }
}
