import OCI

/// What `airgap audit` concluded about one tag, from the policy's point of view.
public enum AuditState: String, Codable, Sendable, CaseIterable {
    /// Trusted by the policy, and also signed for this repository by a site key (`--site-key`).
    case countersigned
    /// Trusted by the policy (its signatures, and the attestations the rule requires, verified).
    case signed
    /// No signature, and the rule allows that (`unsigned: allow`).
    case unsignedAllowed = "unsigned-allowed"
    /// Signed as the rule requires, but an attestation the rule requires is missing or does not verify.
    case unattested
    /// A trusted key signed this digest, but for another repository (neither this one nor one a push relocated here).
    case otherRepository = "other-repository"
    /// Signatures are present but none verifies with a trusted key, or one is malformed.
    case invalid
    /// No signature at all.
    case unsigned
    /// No rule of the policy matches the repository.
    case noRule = "no-rule"
    /// The tag's manifest cannot be read as an OCI or Docker manifest.
    case unreadable

    /// Whether a tag in this state satisfies the policy.
    public var passes: Bool { [.countersigned, .signed, .unsignedAllowed].contains(self) }
}

/// One audited tag: where it is, what it names, what signs and attests it, and the verdict.
public struct AuditFinding: Codable, Sendable {
    /// A signature that verified: the policy's (`site: false`) or a site key's countersignature (`site: true`).
    public struct Signature: Codable, Sendable {
        /// `legacy` (`.sig` tag) or `bundle` (sigstore bundle referrer).
        public var format: String
        /// The key's file (or the keyless identity).
        public var key: String
        /// `sha256:<hex>` of the key's SPKI DER; nil for keyless.
        public var fingerprint: String?
        /// Whether it verified with a `--site-key` (a countersignature) rather than a key of the policy.
        public var site: Bool
        /// The payload's `critical.identity.docker-reference` (a legacy signature).
        public var dockerReference: String?
        /// The payload's `optional` fields (a legacy signature), or the statement's predicate type (a bundle).
        public var annotations: [String: String]?
    }

    /// An in-toto attestation found for the image (`.att` layer or sigstore-bundle referrer).
    public struct Attestation: Codable, Sendable {
        public var origin: String
        /// The statement's predicate type, when the payload is a statement.
        public var predicateType: String?
        /// Whether it verified with a key of the policy or a site key, for this digest.
        public var verified: Bool
        public var key: String?
        public var fingerprint: String?
        /// Why it did not verify.
        public var problem: String?
    }

    /// A manifest whose subject is the image.
    public struct Referrer: Codable, Sendable {
        public var digest: Digest
        public var artifactType: String?
    }

    /// A signature, attestation or referrer manifest the verdict rests on: where it was read, and its digest.
    public struct Input: Codable, Sendable, Hashable {
        public var uri: String
        public var digest: Digest
    }

    /// `host/path` of the repository.
    public var repository: String
    public var tag: String
    /// Nil only when the manifest could not be read (`unreadable`).
    public var digest: Digest?
    public var mediaType: String?
    /// `os/arch[/variant]` of each platform of an index (empty for a single image).
    public var platforms: [String]
    /// The image config's `created` (with `--since`; for an index the newest of its platforms').
    public var created: String?
    public var state: AuditState
    public var passes: Bool
    /// Where the deciding policy rule is written.
    public var rule: String?
    public var signatures: [Signature]
    public var attestations: [Attestation]
    public var referrers: [Referrer]
    /// Other tags (`repository:tag`) of the audited registry naming the same digest.
    public var sameDigest: [String]
    /// The source repositories `transit push` records say this digest was pushed from.
    public var pushedFrom: [String]
    /// The signature, attestation and referrer manifests read for this tag.
    public var inputs: [Input]
    /// Why the tag fails the policy (empty when it passes).
    public var problems: [String]
    /// The `.att` tag the signed verification summary was added to (`--vsa-key`).
    public var verificationSummary: String?

    /// `repository:tag`.
    public var reference: String { "\(repository):\(tag)" }
}
