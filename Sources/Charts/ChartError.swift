import OCI

/// Something wrong with a chart, a chart repository or a constraint: what it is and what was expected.
public enum ChartError: CategorizedError, CustomStringConvertible, Sendable, Equatable {
    /// A version constraint that does not parse.
    case invalidConstraint(String, String)
    /// A repository index that cannot be used (`source`, reason).
    case invalidIndex(String, String)
    /// A chart archive or its metadata that cannot be used (`chart`, reason).
    case invalidChart(String, String)
    /// No version of `chart` satisfies `constraint` (the versions there are).
    case noMatchingVersion(chart: String, constraint: String, available: [String])
    /// The repository does not list `chart`.
    case unknownChart(chart: String, repository: String)
    /// A download that failed (`url`, reason).
    case download(String, String)

    public var description: String {
        switch self {
        case .invalidConstraint(let text, let reason): "invalid version constraint '\(text)': \(reason)"
        case .invalidIndex(let source, let reason): "\(source): \(reason)"
        case .invalidChart(let chart, let reason): "\(chart): \(reason)"
        case .noMatchingVersion(let chart, let constraint, let available):
            "\(chart): no version matches '\(constraint)' (available: \(available.prefix(12).joined(separator: ", "))\(available.count > 12 ? ", …" : ""))"
        case .unknownChart(let chart, let repository): "\(repository) has no chart named '\(chart)'"
        case .download(let url, let reason): "\(url): \(reason)"
        }
    }
}

extension ChartError {
    public var category: ErrorCategory {
        switch self {
        case .invalidConstraint: .invalidInput
        case .invalidIndex, .invalidChart: .integrity
        case .noMatchingVersion, .unknownChart: .notFound
        case .download: .network
        }
    }
}
