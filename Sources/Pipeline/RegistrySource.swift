import OCI
import Registry

/// Reads content from registries through one shared client.
public struct RegistrySource: ContentSource {
    public let client: RegistryClient

    public init(client: RegistryClient) { self.client = client }

    public func manifest(_ repository: Repository, reference: String) async throws -> Manifest {
        try await client.manifest(repository, reference: reference)
    }

    public func manifestIfPresent(_ repository: Repository, tag: String) async throws -> Manifest? {
        try await client.manifestIfPresent(repository, reference: tag)
    }

    public func tags(_ repository: Repository) async throws -> Set<String>? {
        do { return Set(try await client.tags(repository)) } catch let error as RegistryError where error.kind != .network && error.kind != .tls {
            return nil   // listing denied or unsupported: look each tag up instead
        }
    }

    public func referrers(_ repository: Repository, subject: Digest, knownTags: Set<String>?) async throws -> [Descriptor] {
        try await client.referrers(repository, subject: subject, knownTags: knownTags)
    }

    public func fetchBlob(_ repository: Repository, _ descriptor: Descriptor, into receiver: any BlobReceiver,
                          progress: @escaping @Sendable (Int64) -> Void) async throws {
        try await client.downloadBlob(repository, descriptor, into: receiver, progress: progress)
    }
}
