import Foundation
import OCI
import Testing
import TestSupport
@testable import Trust

/// In-toto attestations in DSSE envelopes: signed by the key, about the image's digest, of the type asked for.
@Suite struct AttestationCheckTests {
    let key: PrivateKey
    let image = Digest.sha256(of: Data("image".utf8))

    init() throws { key = try PrivateKey.generateP256() }

    /// An envelope over a statement about `subject` with `predicateType`, signed by `signer` over the PAE.
    func envelope(subject: Digest, predicateType: String, payloadType: String = DSSEEnvelope.inTotoPayloadType,
                  signer: PrivateKey? = nil) throws -> DSSEEnvelope {
        let statement = try JSONSerialization.data(withJSONObject: [
            "_type": "https://in-toto.io/Statement/v1", "predicateType": predicateType, "predicate": ["builder": ["id": "test"]],
            "subject": [["name": "registry.site/app", "digest": [subject.algorithm: subject.encoded]]],
        ] as [String: Any], options: [.sortedKeys])
        let signature = try (signer ?? key).sign(DSSEEnvelope.pae(payloadType: payloadType, payload: statement))
        let json = try JSONSerialization.data(withJSONObject: [
            "payloadType": payloadType, "payload": statement.base64EncodedString(),
            "signatures": [["keyid": "", "sig": signature.base64EncodedString()]],
        ] as [String: Any])
        return try JSONDecoder().decode(DSSEEnvelope.self, from: json)
    }

    func check(_ type: String?) -> AttestationCheck { AttestationCheck(keys: [key.publicKey], type: type.flatMap(AttestationType.init)) }

    @Test func aSignedStatementAboutTheImageOfTheTypeAskedForVerifies() throws {
        let attestation = try envelope(subject: image, predicateType: "https://slsa.dev/provenance/v1")
        for type in [nil, "slsaprovenance1", "https://slsa.dev/provenance/v1"] {
            let verified = try check(type).verify(attestation, digest: image, what: "att").get()
            #expect(verified.predicateType == "https://slsa.dev/provenance/v1")
            #expect(verified.statement == attestation.payload)
        }
    }

    @Test func eachRefusalNamesItsCheck() throws {
        let other = Digest.sha256(of: Data("other".utf8))
        let cases: [(DSSEEnvelope, String?, String)] = [
            (try envelope(subject: other, predicateType: "https://spdx.dev/Document"), "spdxjson", "the statement is about \(other), not \(image)"),
            (try envelope(subject: image, predicateType: "https://spdx.dev/Document"), "slsaprovenance", "predicate type https://spdx.dev/Document, not https://slsa.dev/provenance/v0.2"),
            (try envelope(subject: image, predicateType: "https://spdx.dev/Document", signer: try PrivateKey.generateP256()), nil, "the attestation's signature does not verify with new key"),
            (try envelope(subject: image, predicateType: "https://spdx.dev/Document", payloadType: "text/plain"), nil, "payload type text/plain is not an in-toto statement"),
        ]
        for (attestation, type, reason) in cases {
            switch check(type).verify(attestation, digest: image, what: "registry.site/app:sha256-x.att layer 0") {
            case .success: Issue.record("accepted: \(reason)")
            case .failure(let error): #expect("\(error)" == "registry.site/app:sha256-x.att layer 0: \(reason)")
            }
        }
    }

    @Test func aRealAttestationAboutAnotherSubjectIsRefusedAfterItsSignatureVerifies() throws {
        let bundle = try SigstoreBundle.parse(try Data(contentsOf: URL(fileURLWithPath: Fixture.path("cosign/sigstore-go/bundle-publish.json"))), what: "bundle-publish.json")
        let attestation = try #require(bundle.dsseEnvelope)
        let publisher = try Fixture.key("cosign/sigstore-go/publish_key.pub")
        let result = AttestationCheck(keys: [publisher], type: nil).verify(attestation, digest: image, what: "bundle-publish.json")
        guard case .failure(let error) = result else { Issue.record("accepted an npm package's attestation for an image"); return }
        #expect("\(error)".contains("the statement is about sha512:76176ffa"), "\(error)")
    }

    @Test func cosignsRealKeylessAttestationVerifiesAndOnlyForItsSubject() throws {
        let file = "cosign/cosign-repo/oci-attestation.sigstore.json"
        let bundle = try SigstoreBundle.parse(Fixture.data(file), what: file)
        let envelope = try #require(bundle.dsseEnvelope)
        let statement = try JSONDecoder().decode(InTotoStatement.self, from: envelope.payload)
        let subject = try Digest(parsing: "sha256:" + (try #require(statement.subject.first?.digest["sha256"])))
        let certificate = try #require(try bundle.signingCertificate(what: file))
        let issuer = try #require(certificate.oidcIssuer)
        let signer = try KeylessSigner(identity: .exact(try #require(certificate.subjectAlternativeNames.first)), issuer: .exact(issuer),
                                       trustedRoot: try TrustedRoot(file: Fixture.path("sigstore-public-good/trusted_root.json")), origin: file)
        let check = AttestationCheck(keys: [], keyless: [signer], type: AttestationType("custom"))
        let verified = try check.verify(envelope, bundle: bundle, digest: subject, what: file).get()
        #expect(verified.predicateType == "https://cosign.sigstore.dev/attestation/v1")
        guard case .failure(let error) = check.verify(envelope, bundle: bundle, digest: image, what: file) else {
            Issue.record("accepted for another digest"); return
        }
        #expect("\(error)".hasPrefix(file + ": "), "\(error)")
        // Without the bundle (no certificate to check) nothing vouches for it.
        #expect(throws: TrustError.self) { try check.verify(envelope, digest: subject, what: file).get() }
    }

    @Test func typesAreCosignNamesOrURIs() {
        #expect(AttestationType("slsaprovenance")?.uri == "https://slsa.dev/provenance/v0.2")
        #expect(AttestationType("cyclonedx")?.uri == "https://cyclonedx.org/bom")
        #expect(AttestationType("vuln")?.uri == "https://cosign.sigstore.dev/attestation/vuln/v1")
        #expect(AttestationType("https://example.com/predicate/v1")?.uri == "https://example.com/predicate/v1")
        #expect(AttestationType("sbom") == nil)
    }
}

/// The policy's `attestations:` entries: parsed with names from `keys:`, errors with file, line and field.
@Suite struct AttestationPolicyTests {
    func policy(_ attestations: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "airlock-attest-policy")
        try FileManager.default.copyItem(atPath: Fixture.path("cosign/containers-image/cosign.pub"), toPath: directory.file("cosign.pub"))
        let path = directory.file("policy.yaml")
        try "version: 1\nkeys:\n  a: cosign.pub\nrules:\n  - match: \"**\"\n    keys: [a]\n    attestations:\n\(attestations)"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func entriesNameATypeAndKeys() throws {
        let (directory, path) = try policy("      - {type: slsaprovenance1, key: a}\n      - type: https://example.com/p/v1\n        keys: [a]\n")
        _ = directory
        let rule = try #require(try TrustPolicy(file: path).rules.first)
        #expect(rule.attestations.map(\.type.uri) == ["https://slsa.dev/provenance/v1", "https://example.com/p/v1"])
        #expect(rule.attestations.allSatisfy { $0.keys.count == 1 })
    }

    @Test(arguments: [
        ("      - {type: sbom, key: a}\n", ":8: rules[0].attestations[0].type: expected a cosign type name or a URI"),
        ("      - {type: spdx, key: b}\n", "rules[0].attestations[0].key: no key named b under keys:"),
        ("      - {type: spdx}\n", "rules[0].attestations[0]: missing key"),
        ("      - {key: a}\n", "rules[0].attestations[0]: missing type"),
        ("      - {type: spdx, key: a, when: always}\n", "rules[0].attestations[0].when: unknown field"),
    ])
    func badEntriesSayWhereAndWhat(_ attestations: String, _ fragment: String) throws {
        let (directory, path) = try policy(attestations)
        _ = directory
        #expect { try TrustPolicy(file: path) } throws: { "\($0)".contains(fragment) }
    }
}
