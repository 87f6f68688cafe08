import Bundle
import Foundation
import OCI
import Pipeline

/// What every runtime's mirror configuration says: which upstream registries are served by the private
/// registry (at the repositories `transit push --to` wrote), how to reach it, and whether the upstream may
/// still be tried.
public struct MirrorSettings: Sendable {
    /// A file given on the command line: its path and its content.
    public struct LocalFile: Sendable, Equatable {
        public let path: String
        public let contents: String
        public init(path: String, contents: String) {
            self.path = path
            self.contents = contents
        }

        /// Reads `path` as text (PEM files, password files).
        public static func read(_ path: String, what: String) throws -> LocalFile {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ClusterInputError(file: path, "cannot read the \(what)", category: .io)
            }
            guard let text = String(data: data, encoding: .utf8) else { throw ClusterInputError(file: path, "the \(what) is not UTF-8 text") }
            return LocalFile(path: path, contents: text)
        }
    }

    /// Basic-auth credentials for the private registry.
    public struct Credentials: Sendable, Equatable {
        public let username: String
        public let password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        /// `base64(username:password)`, as `Authorization: Basic` and docker's `auth` field carry it.
        public var basicToken: String { Data("\(username):\(password)".utf8).base64EncodedString() }
    }

    /// The private registry and repository prefix, parsed exactly as `transit push --to` parses it.
    public let target: PushTarget
    /// Upstream registries as references name them (`docker.io`, `ghcr.io`, `registry.example.com:5000`), sorted.
    public let upstreams: [String]
    public var plainHTTP = false
    public var caCertificate: LocalFile?
    public var clientCertificate: LocalFile?
    public var clientKey: LocalFile?
    public var credentials: Credentials?
    /// Whether a runtime may still try the upstream registry when the mirror fails.
    public var fallback = true

    /// Validates and normalises the upstream names (`index.docker.io` is `docker.io`).
    public init(target: PushTarget, upstreams: [String]) throws {
        self.target = target
        var names = Set<String>()
        for upstream in upstreams {
            let trimmed = upstream.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            guard let reference = try? Reference(parsing: trimmed + "/airlock-probe:1"),
                  reference.registry == trimmed || reference.registry == Reference.dockerHubRegistry && trimmed == "index.docker.io" else {
                throw ClusterInputError(file: "--upstream", "'\(trimmed)' is not a registry host (expected HOST[:PORT], like docker.io or registry.example.com:5000)", category: .usage)
            }
            guard reference.registry != target.registry else {
                throw ClusterInputError(file: "--upstream", "'\(trimmed)' is the private registry itself", category: .usage)
            }
            names.insert(reference.registry)
        }
        guard !names.isEmpty else { throw ClusterInputError(file: "--upstream", "no upstream registry to mirror", category: .usage) }
        self.upstreams = names.sorted()
    }

    /// The upstream registries of the images a bundle record holds.
    public static func upstreams(of record: BundleRecord) -> [String] {
        let registries = record.artifacts.filter { $0.kind == .image }.compactMap { try? Reference(parsing: $0.reference).registry }
        return Array(Set(registries)).sorted()
    }

    /// `http` or `https`.
    public var scheme: String { plainHTTP ? "http" : "https" }

    /// `https://HOST:PORT`: the private registry's root.
    public var registryURL: String { "\(scheme)://\(target.registry)" }

    /// The mirror URL a containerd-style runtime uses with `override_path`: `https://HOST/v2/PREFIX`, or the root
    /// (no override needed) without a prefix.
    public var mirrorURL: String { registryURL + (target.prefix.map { "/v2/" + $0 } ?? "") }

    /// Whether `mirrorURL` carries a path the runtime must take as it is.
    public var overridesPath: Bool { target.prefix != nil }

    /// The private registry's location for containers-registries.conf: `HOST[:PORT][/PREFIX]`.
    public var mirrorLocation: String { target.description }

    /// The upstream's own API endpoint, for containerd's `server`: Docker Hub's is registry-1.docker.io; a loopback
    /// registry is spoken to over plain HTTP, as containerd does by default.
    public static func upstreamServer(_ registry: String) -> String {
        if registry == Reference.dockerHubRegistry { return "https://" + Reference.dockerHubAPIHost }
        return (Reference.isLoopback(registry: registry) ? "http://" : "https://") + registry
    }

    /// Whether any TLS material is configured.
    var hasTLSMaterial: Bool { caCertificate != nil || clientCertificate != nil }
}
