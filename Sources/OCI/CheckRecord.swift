/// One check that was made, as an evidence log records it: what kind of thing was checked, which one,
/// with which key, and whether it held.
public struct CheckRecord: Sendable, Equatable {
    /// What was checked.
    public enum Kind: String, Sendable, CaseIterable, Codable {
        /// A blob's bytes against its digest and size.
        case blob
        /// A manifest's bytes against its digest (or, resolved from a tag, the digest it hashes to).
        case manifest
        /// An image signature against a key or keyless signer, its payload's digest and identity.
        case signature
        /// An in-toto attestation: its signature and its subject digest.
        case attestation
        /// A policy rule's decision for an image (all its requirements together).
        case policyRule = "policy-rule"
        /// A volume of a split bundle against its recorded size and SHA-256.
        case bundleVolume = "bundle-volume"
        /// A bundle's record (airlock-bundle.json) against its index.json and blobs.
        case bundleRecord = "bundle-record"
        /// A bundle's own signature (index.json.sig).
        case bundleSignature = "bundle-signature"
    }

    public var kind: Kind
    /// What the check was about: a reference, a repository, a bundle entry or a volume.
    public var subject: String
    public var digest: Digest?
    /// `sha256:<hex>` of the DER SubjectPublicKeyInfo of the key that was involved, when one was.
    public var keyFingerprint: String?
    public var passed: Bool
    /// Why the check failed, or what passed it (a signature's format and key file).
    public var reason: String?

    public init(_ kind: Kind, subject: String, digest: Digest? = nil, keyFingerprint: String? = nil, passed: Bool, reason: String? = nil) {
        self.kind = kind
        self.subject = subject
        self.digest = digest
        self.keyFingerprint = keyFingerprint
        self.passed = passed
        self.reason = reason
    }
}

/// Receives every check a command makes (an evidence log); called from many tasks and threads at once.
public protocol CheckRecorder: Sendable {
    func record(_ check: CheckRecord)
}

/// Where checks are reported: the recorder bound to the running task, or none. A command binds one for its whole
/// run (`CheckRecording.$recorder.withValue(log) { … }`) and every engine and verifier below it reports to it;
/// with none bound, reporting costs one task-local read and builds nothing (the record is an autoclosure).
public enum CheckRecording {
    @TaskLocal public static var recorder: (any CheckRecorder)?

    /// Reports `check` to the bound recorder, if there is one.
    @inlinable
    public static func report(_ check: @autoclosure () -> CheckRecord) {
        if let recorder { recorder.record(check()) }
    }
}
