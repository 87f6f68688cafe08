import OCI

/// An S3 operation that failed, naming the object and what the storage said.
public enum S3Error: CategorizedError, CustomStringConvertible, Sendable {
    /// No usable credentials.
    case credentials(String)
    /// The storage refused the request: status, its error code and message.
    case refused(S3Location, operation: String, status: Int, code: String, message: String)
    /// An answer that could not be understood.
    case malformed(S3Location, operation: String, detail: String)

    public var description: String {
        switch self {
        case .credentials(let detail): "S3 credentials: \(detail)"
        case .refused(let location, let operation, let status, let code, let message):
            "\(location): \(operation) refused (\(status) \(code)\(message.isEmpty ? "" : ": " + message))"
        case .malformed(let location, let operation, let detail): "\(location): \(operation): \(detail)"
        }
    }

    public var category: ErrorCategory {
        switch self {
        case .credentials: .authentication
        case .refused(_, _, let status, _, _): status == 403 ? .authentication : status == 404 ? .notFound : .registryRefused
        case .malformed: .failure
        }
    }
}
