import OCI

/// Input that cluster configuration or manifest handling cannot use: where it is (file and line when known)
/// and what was expected.
public struct ClusterInputError: CategorizedError, CustomStringConvertible, Sendable {
    /// The file, artifact or option at fault.
    public let file: String
    /// The 1-based line, when the problem is at one.
    public let line: Int?
    /// What is wrong and what was expected.
    public let message: String
    public let category: ErrorCategory

    public init(file: String, line: Int? = nil, _ message: String, category: ErrorCategory = .invalidInput) {
        self.file = file
        self.line = line
        self.message = message
        self.category = category
    }

    /// `file:line: message`.
    public var description: String { file + (line.map { ":\($0)" } ?? "") + ": " + message }
}

/// Several input errors found in one pass, reported together (one per line).
public struct ClusterInputErrors: CategorizedError, CustomStringConvertible, Sendable {
    public let errors: [ClusterInputError]
    public init(_ errors: [ClusterInputError]) { self.errors = errors }
    public var category: ErrorCategory { errors.first?.category ?? .invalidInput }
    public var description: String { errors.map(\.description).joined(separator: "\n") }
}
