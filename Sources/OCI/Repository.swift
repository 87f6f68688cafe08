/// A repository on a registry: where credentials are looked up (`registry`) and where requests go (`host`).
public struct Repository: Hashable, Sendable, CustomStringConvertible {
    /// The registry as references spell it: `docker.io`, `ghcr.io`, `127.0.0.1:5000`.
    public let registry: String
    /// The repository path: `library/nginx`.
    public let path: String

    public init(registry: String, path: String) {
        self.registry = registry
        self.path = path
    }

    public init(_ reference: Reference) {
        self.init(registry: reference.registry, path: reference.repository)
    }

    /// The host API requests go to (docker.io is served by registry-1.docker.io).
    public var host: String { registry == "docker.io" ? "registry-1.docker.io" : registry }

    public var description: String { "\(registry)/\(path)" }
}
