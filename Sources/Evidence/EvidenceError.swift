import OCI

/// An evidence log that cannot be written, or that does not verify: names the file (and the line), says what was expected.
public struct EvidenceError: CategorizedError, CustomStringConvertible, Sendable {
    public let message: String
    public let category: ErrorCategory

    public init(_ category: ErrorCategory, _ message: String) {
        self.category = category
        self.message = message
    }

    /// A line that breaks the chain or the format (exit 1).
    static func broken(_ path: String, line: Int, _ reason: String) -> EvidenceError {
        EvidenceError(.integrity, "\(path): line \(line): \(reason)")
    }

    public var description: String { message }
}
