import Bundle
import OCI
import Registry

/// Where a copy reads from: a registry, a store, a bundle.
public protocol ContentSource: Sendable {
    /// A manifest by tag or digest, its bytes checked against the digest when one was given.
    func manifest(_ repository: Repository, reference: String) async throws -> Manifest
    /// The manifest tagged `tag`, or nil when there is none.
    func manifestIfPresent(_ repository: Repository, tag: String) async throws -> Manifest?
    /// Every tag of `repository`, or nil when the source cannot list them.
    func tags(_ repository: Repository) async throws -> Set<String>?
    /// The manifests that refer to `subject`; `knownTags` (from `tags`) may spare requests.
    func referrers(_ repository: Repository, subject: Digest, knownTags: Set<String>?) async throws -> [Descriptor]
    /// Streams blob `descriptor` into `receiver`.
    func fetchBlob(_ repository: Repository, _ descriptor: Descriptor, into receiver: any BlobReceiver,
                   progress: @escaping @Sendable (Int64) -> Void) async throws
}

/// Where a copy writes to. Blobs and manifests first; `record` (tags, index entries) last.
public protocol ContentSink: Sendable {
    func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool
    /// Copies blob `descriptor` from `source`, checking its digest before it becomes visible.
    func receiveBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                     progress: @escaping @Sendable (Int64) -> Void) async throws
    func putManifest(_ manifest: Manifest, in repository: Repository) async throws
    /// Makes the copied artifacts findable by name; called once, after all their content is in place.
    func record(_ artifacts: [CopiedArtifact]) async throws
}

/// A top-level artifact a copy placed: an image, or a signature, attestation, SBOM or referrer of one.
public struct CopiedArtifact: Sendable, Hashable, Codable {
    public var kind: ArtifactKind
    /// The reference it is found by: `docker.io/library/nginx:1.27`, `…:sha256-<hex>.sig`, or `…@sha256:…`.
    public var reference: Reference
    public var descriptor: Descriptor
    /// The manifest a signature, attestation or referrer is about.
    public var subject: Digest?
    /// For an index copied with a platform filter: the platforms kept.
    public var platforms: [Platform]?
    /// For an index stored filtered (`PlatformSubset`): the digest of the source index it was filtered from.
    public var sourceDigest: Digest?

    public init(kind: ArtifactKind, reference: Reference, descriptor: Descriptor, subject: Digest? = nil, platforms: [Platform]? = nil,
                sourceDigest: Digest? = nil) {
        self.sourceDigest = sourceDigest
        self.kind = kind
        self.reference = reference
        self.descriptor = descriptor
        self.subject = subject
        self.platforms = platforms
    }
}
