import Foundation
import OCI

/// A SLSA Verification Summary Attestation (`https://slsa.dev/verification_summary/v1`) for an image that passed
/// `airgap audit`: who verified it, when, against which policy, from which signatures and attestations.
public struct VerificationSummary: Sendable {
    public static let predicateType = "https://slsa.dev/verification_summary/v1"
    /// `verifier.id`.
    public static let verifierID = "urn:airlock:airgap-audit"

    /// The policy the image was checked against: where it is, and the SHA-256 of what it says.
    public struct Policy: Sendable {
        public var uri: String
        public var sha256: String
        public init(uri: String, sha256: String) {
            self.uri = uri
            self.sha256 = sha256
        }
    }

    public var policy: Policy
    /// `airgap`'s version, as `verifier.version`.
    public var toolVersion: String
    public var time: Date

    public init(policy: Policy, toolVersion: String, time: Date) {
        self.policy = policy
        self.toolVersion = toolVersion
        self.time = time
    }

    /// The levels a passing finding verified: custom `AIRLOCK_` properties (SLSA reserves `SLSA_` for its tracks,
    /// and the audit checks signatures and attestations, not a build track).
    public static func levels(of finding: AuditFinding) -> [String] {
        var levels: [String] = []
        if finding.signatures.contains(where: { !$0.site }) { levels.append("AIRLOCK_SIGNATURE_VERIFIED") }
        if finding.state == .countersigned { levels.append("AIRLOCK_COUNTERSIGNATURE_VERIFIED") }
        if finding.attestations.contains(where: \.verified) { levels.append("AIRLOCK_ATTESTATIONS_VERIFIED") }
        return levels
    }

    /// The in-toto statement (v1) for `finding` (which passed), its keys sorted.
    public func statement(for finding: AuditFinding, digest: Digest) throws -> Data {
        let inputs: [[String: Any]] = finding.inputs.map { ["uri": $0.uri, "digest": [$0.digest.algorithm: $0.digest.encoded]] }
        let statement: [String: Any] = [
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [["name": finding.repository, "digest": [digest.algorithm: digest.encoded]]],
            "predicateType": Self.predicateType,
            "predicate": [
                "verifier": ["id": Self.verifierID, "version": ["airgap": toolVersion]],
                "timeVerified": ISO8601DateFormatter().string(from: time),
                "resourceUri": "oci://\(finding.repository)@\(digest)",
                "policy": ["uri": policy.uri, "digest": ["sha256": policy.sha256]],
                "inputAttestations": inputs,
                "verificationResult": "PASSED",
                "verifiedLevels": Self.levels(of: finding),
            ] as [String: Any],
        ]
        return try JSONSerialization.data(withJSONObject: statement, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
