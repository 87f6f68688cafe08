
/// Where `transit push` puts a bundle: `HOST[:PORT][/PREFIX]`. A source `REGISTRY/PATH:TAG` lands at
/// `HOST/PREFIX/PATH:TAG` (docker.io's `library/` kept), digests unchanged.
public struct PushTarget: Sendable, Equatable, CustomStringConvertible {
    public let registry: String
    public let prefix: String?

    /// Parses `--to`.
    public init(parsing text: String) throws(ReferenceError) {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        let parts = trimmed.split(separator: "/", maxSplits: 1).map(String.init)
        guard let host = parts.first, !host.isEmpty else { throw ReferenceError(text: text, reason: "expected HOST[:PORT][/PREFIX]") }
        // Validate both parts the way a reference would be.
        _ = try Reference(parsing: "\(host)/\(parts.count > 1 ? parts[1] + "/" : "")x:1")
        registry = host
        prefix = parts.count > 1 ? parts[1] : nil
    }

    public var description: String { registry + (prefix.map { "/" + $0 } ?? "") }

    /// The target repository of source repository `name` (`docker.io/library/nginx` → `HOST/PREFIX/library/nginx`).
    public func repository(for source: Reference) -> Repository {
        Repository(registry: registry, path: (prefix.map { $0 + "/" } ?? "") + source.repository)
    }
}
