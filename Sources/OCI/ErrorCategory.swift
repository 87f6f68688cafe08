/// What kind of failure an error is, so a command can pick its exit code without knowing every module's errors.
public enum ErrorCategory: Sendable, Equatable {
    /// Bad flags or arguments.
    case usage
    /// Input that does not parse or is not allowed: a bundle manifest, reference, platform, digest, version
    /// constraint, key file, key password or trust policy.
    case invalidInput
    /// What was asked for does not exist (a manifest, a blob, a chart version).
    case notFound
    /// Bytes that do not match their digest or size, or content that cannot be used.
    case integrity
    /// A signature check failed: unsigned, signed by another key, or a signature that does not match.
    case untrusted
    /// The network failed: no connection, a dropped transfer, a timeout.
    case network
    /// A server answered, but refused or did not speak the protocol.
    case registryRefused
    /// Credentials refused, missing or unreadable.
    case authentication
    /// A server's TLS certificate is not trusted, or the handshake failed.
    case tls
    /// A local file or directory could not be read or written.
    case io
    /// The operation failed for a reason of no other category.
    case failure
}

/// An error that says which category of failure it is.
public protocol CategorizedError: Error {
    var category: ErrorCategory { get }
}
