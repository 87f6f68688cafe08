import Foundation
import OCI
import Testing
@testable import Trust

/// The sigstore bundle vectors (v0.1 and v0.3; DSSE and messageSignature), as the fixture README states them.
@Suite struct BundleFixtureTests {
    func bundle(_ file: String) throws -> SigstoreBundle { try SigstoreBundle.parse(Fixture.data(file), what: file) }

    func certificateKey(_ bundle: SigstoreBundle) throws -> PublicKey {
        try PublicKey(certificate: try #require(bundle.leafCertificate), origin: "leaf certificate")
    }

    /// The same bundle with one byte of its DSSE payload changed.
    func tampered(_ file: String) throws -> SigstoreBundle {
        var object = try JSONSerialization.jsonObject(with: Fixture.data(file)) as! [String: Any]
        var envelope = object["dsseEnvelope"] as! [String: Any]
        var payload = Data(base64Encoded: envelope["payload"] as! String)!
        payload[payload.count / 2] ^= 0x01
        envelope["payload"] = payload.base64EncodedString()
        object["dsseEnvelope"] = envelope
        return try SigstoreBundle.parse(try JSONSerialization.data(withJSONObject: object), what: file)
    }

    @Test func cosignV3ImageSignatureVerifiesWithItsCertificateKey() throws {
        let file = "cosign/sigstore-rs/bundle_v03.json"
        let parsed = try bundle(file)
        let key = try certificateKey(parsed)
        #expect(parsed.isSigned(by: key))
        let statement = try JSONDecoder().decode(InTotoStatement.self, from: parsed.dsseEnvelope!.payload)
        #expect(statement.predicateType == InTotoStatement.cosignSignPredicate)
        let subject = try Digest(parsing: "sha256:" + statement.subject[0].digest["sha256"]!)
        #expect(subject.encoded.hasPrefix("c811d58d"))
        try parsed.checkClaims(image: subject, what: file)
        #expect(throws: TrustError.self) { try parsed.checkClaims(image: .sha256(of: Data("other".utf8)), what: file) }
        #expect(!(try tampered(file)).isSigned(by: key))
        #expect(!parsed.isSigned(by: try Fixture.key("cosign/containers-image/cosign.pub")))
    }

    @Test func cosignAttestationBundleVerifiesButIsNotAnImageSignature() throws {
        let file = "cosign/cosign-repo/oci-attestation.sigstore.json"
        let parsed = try bundle(file)
        #expect(parsed.isSigned(by: try certificateKey(parsed)))
        #expect(!(try tampered(file)).isSigned(by: try certificateKey(parsed)))
        let statement = try JSONDecoder().decode(InTotoStatement.self, from: parsed.dsseEnvelope!.payload)
        let subject = try Digest(parsing: "sha256:" + statement.subject[0].digest["sha256"]!)
        #expect { try parsed.checkClaims(image: subject, what: file) } throws: { "\($0)".contains("is an attestation") }
    }

    @Test func v01KeySignedBundleVerifiesOverPAEOnly() throws {
        let parsed = try bundle("cosign/sigstore-go/bundle-publish.json")
        #expect(parsed.mediaType == "application/vnd.dev.sigstore.bundle+json;version=0.1")
        let key = try Fixture.key("cosign/sigstore-go/publish_key.pub")
        #expect(parsed.isSigned(by: key))
        let envelope = try #require(parsed.dsseEnvelope)
        #expect(!key.verify(signature: envelope.signatures[0].sig, message: envelope.payload))
    }

    @Test func messageSignatureWithHintVerifiesPrehashed() throws {
        let parsed = try bundle("cosign/sigstore-go/public-key-validity.sigstore.json")
        let key = try Fixture.key("cosign/sigstore-go/public-key-validity.pem")
        #expect(parsed.verificationMaterial?.publicKey?.hint == key.hint)
        let artifact = sha256(Data("test content".utf8))
        #expect(parsed.messageSignature?.messageDigest?.digest == artifact)
        #expect(parsed.isSigned(by: key, artifactDigest: artifact))
        #expect(!parsed.isSigned(by: key, artifactDigest: sha256(Data("other content".utf8))))
    }

    @Test(arguments: ["managed-key-happy-path", "managed-key-and-trusted-root"])
    func conformanceManagedKeyBundlesVerify(_ directory: String) throws {
        let parsed = try bundle("cosign/sigstore-conformance/\(directory)/bundle.sigstore.json")
        let key = try Fixture.key("cosign/sigstore-conformance/\(directory)/key.pub")
        #expect(parsed.isSigned(by: key, artifactDigest: sha256(Fixture.data("cosign/sigstore-conformance/a.txt"))))
        #expect(!parsed.isSigned(by: try Fixture.key("cosign/containers-image/cosign.pub"), artifactDigest: sha256(Fixture.data("cosign/sigstore-conformance/a.txt"))))
    }

    @Test func notABundleSaysWhatWasExpected() {
        #expect { try SigstoreBundle.parse(Data(#"{"mediaType":"text/plain"}"#.utf8), what: "x.json") } throws: {
            "\($0)".contains("x.json") && "\($0)".contains("expected v0.1, v0.2 or v0.3")
        }
    }
}
