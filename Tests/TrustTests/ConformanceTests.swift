import Foundation
import Testing
import Trust

/// sigstore-conformance's 70 `bundle-verify` cases through Airlock's verifier: each passes or is refused as its
/// name says, and each refusal names the check its README describes.
@Suite struct ConformanceTests {
    /// The check each `_fail` case must be refused by (read from the case's README).
    static let expectedRefusals: [String: KeylessFailure.Check] = [
        "bundle-empty-certificate-chain_fail": .malformed,
        "bundle-from-wrong-instance_fail": .logProof,            // the staging log is not in the production root
        "bundle-invalid-base64-signature_fail": .malformed,
        "bundle-malformed-json_fail": .malformed,
        "bundle-negative-log-index_fail": .malformed,
        "bundle-unknown-version_fail": .malformed,
        "bundle-with-root-cert_fail": .chain,
        "checkpoint-bad-keyhint_fail": .logProof,
        "checkpoint-wrong-roothash_fail": .logProof,
        "dsse-invalid-sig_fail": .signature,
        "dsse-mismatch-envelope_fail": .bodyMismatch,
        "dsse-mismatch-sig_fail": .bodyMismatch,
        "inclusion-proof-corrupted-hash_fail": .logProof,
        "incorrect-public-key_fail": .bodyMismatch,
        "integrated-time-in-future_fail": .expiredAtSigning,
        "intoto-expired-certificate_fail": .expiredAtSigning,    // logged in 2023 by a leaf valid from 2030
        "intoto-log-entry-mismatch_fail": .bodyMismatch,
        "intoto-missing-inclusion-proof_fail": .logProof,
        "intoto-set-outside-signing-cert-validity_fail": .expiredAtSigning,
        "intoto-tsa-timestamp-outside-cert-validity_fail": .expiredAtSigning,
        "invalid-checkpoint-signature_fail": .logProof,
        "invalid-ct-key_fail": .certificateTransparency,
        "invalid-inclusion-proof_fail": .logProof,
        "managed-key-no-key_fail": .signature,
        "managed-key-wrong-key_fail": .malformed,                // key.pub does not parse
        "message-digest-mismatch_fail": .bodyMismatch,
        "rekor2-checkpoint-missing-log-signature_fail": .logProof,
        "rekor2-checkpoint-missing-origin_fail": .logProof,
        "rekor2-checkpoint-missing-root-hash_fail": .logProof,
        "rekor2-checkpoint-missing-size_fail": .logProof,
        "rekor2-checkpoint-no-matching-signature_fail": .logProof,
        "rekor2-dsse-invalid-sig_fail": .signature,
        "rekor2-dsse-mismatch-envelope_fail": .bodyMismatch,
        "rekor2-dsse-mismatch-sig_fail": .bodyMismatch,
        "rekor2-no-inclusion-proof_fail": .logProof,
        "rekor2-no-timestamp_fail": .timestamp,
        "rekor2-timestamp-outside-trust-root-tsa-validity_fail": .timestamp,
        "rekor2-timestamp-outside-tsa-cert-validity_fail": .timestamp,
        "rekor2-timestamp-payload-mismatch_fail": .timestamp,
        "rekor2-timestamp-untrusted-tsa-with-embedded-cert_fail": .timestamp,
        "rekor2-timestamp-untrusted-tsa-without-embedded-cert_fail": .timestamp,
        "rekor2-timestamp-with-incorrect-time_fail": .expiredAtSigning,
        "set-invalid-signature_fail": .logProof,
        "signature-mismatch_fail": .signature,
        "trust-root-tlog-missing-validity-start_fail": .malformed,
        "wrong-hashedrekord-artifact_fail": .bodyMismatch,
        "wrong-hashedrekord-cert-and-sig_fail": .bodyMismatch,
        "wrong-hashedrekord-entry_fail": .bodyMismatch,
        "wrong-material_fail": .bodyMismatch,
    ]

    @Test func allSeventyCasesAreHere() {
        #expect(ConformanceCase.all.count == 70)
        #expect(Set(ConformanceCase.all.filter(\.expectsFailure).map(\.name)) == Set(Self.expectedRefusals.keys))
    }

    @Test(arguments: ConformanceCase.all)
    func bundleVerify(_ testCase: ConformanceCase) throws {
        let refusal = testCase.verify()
        if testCase.expectsFailure {
            let found = try #require(refusal, "\(testCase) verified but must be refused")
            #expect(found.check == Self.expectedRefusals[testCase.name]?.rawValue, "\(testCase): refused by \(found.check): \(found.detail)")
        } else {
            #expect(refusal == nil, "\(testCase): \(refusal.map { "\($0.check): \($0.detail)" } ?? "")")
        }
    }
}
