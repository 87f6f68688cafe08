import OCI

/// Why a keyless (certificate and log) signature was refused: the check that failed, and the details.
public struct KeylessFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The checks of keyless verification, as named in every refusal.
    public enum Check: String, Sendable, CaseIterable {
        /// The material cannot be read (a bundle, a certificate, a log entry).
        case malformed = "malformed"
        /// The signature does not verify with the certificate's (or the given) key.
        case signature = "signature"
        /// The certificate does not chain to a certificate authority of the trusted root.
        case chain = "chain"
        /// The certificate was not valid at the signing time.
        case expiredAtSigning = "expired at signing"
        /// No subject alternative name matches the required identity.
        case identity = "identity"
        /// The OIDC issuer does not match.
        case issuer = "issuer"
        /// The transparency log's promise (SET), inclusion proof or checkpoint does not verify.
        case logProof = "log proof"
        /// The log entry records another signature, digest, certificate or key.
        case bodyMismatch = "body mismatch"
        /// An RFC 3161 timestamp does not verify, or there is no trusted signing time.
        case timestamp = "timestamp"
        /// The certificate's embedded SCTs do not verify with a certificate-transparency log of the root.
        case certificateTransparency = "certificate transparency"
    }

    public var check: Check
    public var detail: String

    public init(_ check: Check, _ detail: String) {
        self.check = check
        self.detail = detail
    }

    public var description: String { "\(check.rawValue): \(detail)" }
}
