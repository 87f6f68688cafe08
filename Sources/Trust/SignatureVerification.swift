import Foundation

/// One signature with the evidence it carries (a certificate or a key, transparency log entries, RFC 3161
/// timestamps), checked offline against a trusted root. The same checks serve legacy `.sig` layers and
/// sigstore bundles of every version.
public struct SignatureVerification: Sendable {
    public var content: SignedContent
    /// The signing certificate (keyless), or nil for a key-signed bundle.
    public var certificate: Certificate?
    public var logEntries: [TransparencyLogEntry]
    public var timestamps: [RFC3161Timestamp]
    /// Whether every log entry must carry an inclusion proof (sigstore bundles from v0.2 on).
    public var requireInclusionProof: Bool

    public init(content: SignedContent, certificate: Certificate?, logEntries: [TransparencyLogEntry], timestamps: [RFC3161Timestamp],
                requireInclusionProof: Bool) {
        self.content = content
        self.certificate = certificate
        self.logEntries = logEntries
        self.timestamps = timestamps
        self.requireInclusionProof = requireInclusionProof
    }

    /// What a verified keyless signature established.
    public struct Outcome: Sendable {
        /// The identities of the certificate and its OIDC issuer.
        public var identities: [String]
        public var issuer: String?
        /// The trusted times of signing (log promises and timestamps).
        public var signingTimes: [Date]
    }

    /// Keyless: the certificate's key verifies the signature; the log entries and timestamps verify against the
    /// signer's trusted root and record this signature; at every trusted signing time the certificate was valid and
    /// chained to a CA of the root; its SCTs verify; its identity and issuer are the signer's.
    public func verify(keyless signer: KeylessSigner) throws(KeylessFailure) -> Outcome {
        guard let certificate else { throw KeylessFailure(.malformed, "no signing certificate") }
        let key: PublicKey
        do { key = try certificate.publicKey(what: "signing certificate") } catch { throw KeylessFailure(.malformed, error.description) }
        guard content.verifies(with: key) else { throw KeylessFailure(.signature, "the signature does not verify with the certificate's key") }
        let root = signer.trustedRoot
        let times = try signingTimes(root: root, verifier: .certificate(certificate.der), certificate: certificate)
        for time in times where !certificate.isValid(at: time) {
            throw KeylessFailure(.expiredAtSigning, "signed at \(time), outside the certificate's validity \(certificate.notBefore) – \(certificate.notAfter)")
        }
        guard certificate.allowsCodeSigning else { throw KeylessFailure(.chain, "the certificate is not for code signing (extended key usage)") }
        var issuer: Certificate?
        for time in times { issuer = try root.verifyChain(certificate, at: time) }
        if let issuer { try SignedCertificateTimestamps.verify(certificate, issuer: issuer, in: root) }
        try signer.checkIdentity(of: certificate)
        return Outcome(identities: certificate.subjectAlternativeNames, issuer: certificate.oidcIssuer, signingTimes: times)
    }

    /// Key-signed: `key` verifies the signature; when a trusted root is given, the log entries and timestamps
    /// verify against it, record this signature and key, and give at least one trusted time.
    public func verify(key: PublicKey, root: TrustedRoot?) throws(KeylessFailure) {
        guard content.verifies(with: key) else { throw KeylessFailure(.signature, "the signature does not verify with \(key.origin)") }
        guard let root else { return }
        _ = try signingTimes(root: root, verifier: .publicKey(key.spki), certificate: nil)
    }

    /// Every log entry and timestamp verified, each entry recording this signature by `verifier` (and logged while
    /// `certificate` was valid); the trusted times they give (at least one).
    func signingTimes(root: TrustedRoot, verifier: RekorEntryBody.Verifier, certificate: Certificate?) throws(KeylessFailure) -> [Date] {
        guard !logEntries.isEmpty else { throw KeylessFailure(.logProof, "no transparency log entry") }
        var times: [Date] = []
        for entry in logEntries {
            guard entry.logIndex >= 0 else { throw KeylessFailure(.malformed, "log index \(entry.logIndex) is negative") }
            let body = try RekorEntryBody(entry.body)
            guard body.kind == entry.kind, body.version == entry.version else {
                throw KeylessFailure(.bodyMismatch, "the entry says \(entry.kind) \(entry.version), its body is \(body.kind) \(body.version)")
            }
            if let problem = content.mismatch(with: body, verifier: verifier) { throw KeylessFailure(.bodyMismatch, problem) }
            if let promised = try entry.verify(in: root, requireProof: requireInclusionProof) { times.append(promised) }
            if let certificate, let integrated = entry.integratedTime, integrated > 0, !entry.isRekorV2 {
                let time = Date(timeIntervalSince1970: TimeInterval(integrated))
                guard certificate.isValid(at: time) else {
                    throw KeylessFailure(.expiredAtSigning, "logged at \(time), outside the certificate's validity \(certificate.notBefore) – \(certificate.notAfter)")
                }
            }
        }
        for timestamp in timestamps { times.append(try timestamp.verify(signed: content.signature, in: root)) }
        guard !times.isEmpty else {
            throw KeylessFailure(.timestamp, "no trusted signing time: no verified log promise (SET) and no RFC 3161 timestamp")
        }
        return times
    }
}
