import OCI
import Registry
import Trust

/// A registry as `airgap audit` walks it: the catalog (under a prefix), each repository's tags (both paginated),
/// manifests and small blobs only, never a layer.
public struct RegistryAuditInventory: AuditInventory {
    public let client: RegistryClient
    /// `HOST[/PREFIX]`: the registry, and the part of its catalog audited.
    public let scope: PushTarget

    public init(client: RegistryClient, scope: PushTarget) {
        self.client = client
        self.scope = scope
    }

    public var location: String { "registry \(scope)" }

    public func repositories() async throws -> [Repository] {
        try await client.catalog(scope.registry)
            .filter { path in scope.prefix.map { path == $0 || path.hasPrefix($0 + "/") } ?? true }
            .map { Repository(registry: scope.registry, path: $0) }
    }

    public func tags(of repository: Repository) async throws -> [String] {
        try await client.tags(repository)
    }

    public func manifest(tag: String, in repository: Repository) async throws -> Manifest {
        try await client.manifest(repository, reference: tag)
    }

    public func material(for repository: Repository, tags: Set<String>) -> any SignatureMaterial {
        RegistrySignatureMaterial(client: client, listedTags: tags)
    }

    public func relocations(in repository: Repository, tags: Set<String>) async throws -> [Digest: [Relocation]] {
        try await PushRecordLookup(client: client).relocations(in: repository, tags: tags)
    }
}
