import Foundation
import OCI

/// The outcome of checking one image against a policy: the signatures that passed, and why others did not.
public struct ImageVerdict: Sendable, Encodable {
    /// A signature that verified and whose claims hold.
    public struct Accepted: Sendable, Encodable {
        /// `legacy` (`.sig` tag) or `bundle` (sigstore bundle referrer).
        public var format: String
        /// The trusted key it verified with (its file).
        public var key: String
        /// The signed payload (simple-signing JSON, or the in-toto statement), as signed.
        public var payload: String
        /// The key's `PublicKey.fingerprint`; nil for a keyless signer.
        public var keyFingerprint: String?
    }

    public var reference: String
    public var digest: Digest
    /// Whether the image passes the policy.
    public var trusted: Bool
    /// Where the deciding rule is written, or nil when no rule matched.
    public var rule: String?
    public var accepted: [Accepted]
    /// One line per signature that was rejected, and per unmet requirement.
    public var problems: [String]
    /// Set when the image is a platform subset (a filtered index) trusted through the source index it was filtered
    /// from: that index's digest. `accepted` are then the source index's signatures.
    public var platformSubsetOf: Digest? = nil
    /// For a platform subset: how the image relates to what the source signed (one sentence).
    public var provenance: String? = nil

    /// An image that is not trusted, and why (for checks other than signatures: attestations).
    public static func refused(_ reference: String, digest: Digest, problems: [String]) -> ImageVerdict {
        ImageVerdict(reference: reference, digest: digest, trusted: false, rule: nil, accepted: [], problems: problems)
    }

    /// What a trusted image is signed by: `signed (legacy by KEY)`, or for a platform subset
    /// `platform subset of sha256:S, which is signed (legacy by KEY)`.
    public var signedSummary: String {
        platformSubsetOf.map { "platform subset of \($0), which is \(signatures)" } ?? signatures
    }

    /// `signed (legacy by KEY, …)`: the accepted signatures.
    public var signatures: String {
        "signed (" + accepted.map { "\($0.format) by \($0.key)" }.joined(separator: ", ") + ")"
    }

    /// A one-line summary of why an untrusted image failed.
    public var reason: String {
        problems.isEmpty ? "not trusted" : problems.joined(separator: "; ")
    }
}

extension ImageVerdict {
    /// The checks this verdict stands for, as an evidence log records them: each accepted signature, then the
    /// policy rule's decision (with every reason when it refused).
    public var checkRecords: [CheckRecord] {
        let signed = platformSubsetOf ?? digest
        let signatures = accepted.map {
            CheckRecord(.signature, subject: reference, digest: signed, keyFingerprint: $0.keyFingerprint, passed: true,
                        reason: "\($0.format) signature by \($0.key)")
        }
        let decision = trusted ? "trusted by rule \(rule ?? "")" + (provenance.map { ": \($0)" } ?? "") : reason
        return signatures + [CheckRecord(.policyRule, subject: reference, digest: digest, passed: trusted, reason: decision)]
    }
}

extension AttestationCheck.Verified {
    /// The passed check, as an evidence log records it.
    public func checkRecord(subject: String, digest: Digest) -> CheckRecord {
        CheckRecord(.attestation, subject: subject, digest: digest, keyFingerprint: signer.fingerprint, passed: true,
                    reason: "\(predicateType) by \(signer.name)")
    }
}
