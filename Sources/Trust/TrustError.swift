import OCI

/// Why a key, signature or policy cannot be used; each case names the artifact and what was expected.
public enum TrustError: CategorizedError, CustomStringConvertible, Sendable, Equatable {
    /// `what` cannot be parsed: `reason` says what was expected.
    case malformed(_ what: String, _ reason: String)
    /// A key of a kind or size Airlock does not accept.
    case unsupportedKey(_ what: String, _ reason: String)
    /// The password does not open the encrypted key `what`.
    case wrongPassword(_ what: String)
    /// A cryptographic operation failed in OpenSSL or libsodium.
    case crypto(_ operation: String, _ detail: String)

    public var description: String {
        switch self {
        case .malformed(let what, let reason): "\(what): \(reason)"
        case .unsupportedKey(let what, let reason): "\(what): unsupported key (\(reason))"
        case .wrongPassword(let what): "\(what): wrong password (the key cannot be decrypted with it)"
        case .crypto(let operation, let detail): "\(operation) failed: \(detail)"
        }
    }
}

extension TrustError {
    /// A key, signature or policy file that cannot be used is invalid input (exit 65).
    public var category: ErrorCategory { .invalidInput }
}
