import Foundation
import OCI
import Registry

/// A registry as a copy's source and sink, through one shared client.
///
/// As a sink it uploads blobs read in place from a `RangeReadable` source (in one PUT up to `chunkSize`,
/// else in PATCH chunks), mounts blobs between its repositories, puts manifests by digest, and at commit
/// writes the tags one at a time and keeps the referrers tag-schema fallback (`sha256-<hex>` index) of each
/// subject current where the registry lacks the referrers API.
public struct RegistryEndpoint: ReferrersListing, Mountable {
    public let client: RegistryClient
    /// Blobs larger than this go up in PATCH chunks of this size.
    public let chunkSize: Int64
    /// Repositories tagged at once by `commit`.
    public let jobs: Int

    public init(client: RegistryClient, chunkSize: Int64 = 64 << 20, jobs: Int = 8) {
        self.client = client
        self.chunkSize = chunkSize
        self.jobs = jobs
    }

    // MARK: Source

    public func manifest(_ reference: String, in repository: Repository) async throws -> Manifest {
        try await client.manifest(repository, reference: reference)
    }

    public func manifestIfPresent(_ tag: String, in repository: Repository) async throws -> Manifest? {
        try await client.manifestIfPresent(repository, reference: tag)
    }

    public func readBlob(_ descriptor: Descriptor, in repository: Repository, into receiver: any BlobReceiver,
                         progress: @escaping @Sendable (Int64) -> Void) async throws {
        try await client.downloadBlob(repository, descriptor, into: receiver, progress: progress)
    }

    public func tags(_ repository: Repository) async throws -> Set<String>? {
        do { return Set(try await client.tags(repository)) } catch let error as RegistryError where error.kind != .network && error.kind != .tls {
            return nil   // listing denied or unsupported: look each tag up instead
        }
    }

    public func referrers(of subject: Digest, in repository: Repository, knownTags: Set<String>?) async throws -> [Descriptor] {
        try await client.referrers(repository, subject: subject, knownTags: knownTags)
    }

    // MARK: Sink

    public func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool {
        try await client.hasBlob(repository, descriptor.digest)
    }

    public func mount(_ descriptor: Descriptor, into repository: Repository, from home: Repository) async throws -> Bool {
        try await client.mountBlob(repository, descriptor.digest, from: home.path)
    }

    public func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                        progress: @escaping @Sendable (Int64) -> Void) async throws {
        if let ranged = source as? any RangeReadable {
            let check = BlobStreamCheck(name: "blob \(descriptor.digest)", expected: descriptor)
            try await client.uploadBlob(repository, descriptor, chunkSize: chunkSize) { offset, length in
                try ranged.blobRange(descriptor, offset: offset, length: length, check: check)
            }
        } else {
            // A source read once, in order (another registry): held in memory, so small blobs only.
            guard descriptor.size <= Self.bufferedLimit else {
                throw RegistryError(.protocolViolation, "blob \(descriptor.digest) (\(descriptor.size) bytes) cannot be sent to \(repository) from a source that is read only in order; copy through a content store")
            }
            let receiver = MemoryBlobReceiver(expected: descriptor)
            try await source.readBlob(descriptor, in: repository, into: receiver, progress: { _ in })
            try await client.uploadBlob(repository, data: try receiver.checkedData(what: "blob \(descriptor.digest)"), mediaType: descriptor.mediaType)
        }
        progress(descriptor.size)
    }

    /// The largest blob sent from a source that cannot be read at an offset.
    static let bufferedLimit: Int64 = 4 << 20

    public func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool {
        if try await client.manifestDescriptor(repository, reference: manifest.digest.description) != nil { return false }
        try await client.putManifest(repository, manifest, reference: manifest.digest.description)
        return true
    }

    public func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest? {
        try await client.manifestDescriptor(repository, reference: tag)?.digest
    }

    /// The tags, then the referrers fallback indexes. Within one repository tags go one at a time, in order:
    /// with CNCF distribution 2.8, a tag PUT running beside the PUT of an index that lists the same manifest
    /// sometimes fails the index with MANIFEST_BLOB_UNKNOWN (seen once in 20 pushes). Repositories share
    /// nothing, so up to `jobs` of them are tagged at once.
    public func commit(_ placements: [Placement]) async throws {
        var byRepository: [Repository: [Placement]] = [:]
        var order: [Repository] = []
        for placement in placements where placement.tag != nil {
            if byRepository[placement.repository] == nil { order.append(placement.repository) }
            byRepository[placement.repository, default: []].append(placement)
        }
        let limiter = ConcurrencyLimiter(limit: jobs)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for repository in order {
                let tags = byRepository[repository] ?? []
                group.addTask {
                    try await limiter.run {
                        for placement in tags {
                            if let tag = placement.tag { try await client.putManifest(repository, placement.manifest, reference: tag) }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await updateReferrersFallback(placements)
    }

    /// Where the registry lacks the referrers API, keeps the `sha256-<hex>` index of each subject's referrers.
    func updateReferrersFallback(_ placements: [Placement]) async throws {
        let referrers = placements.filter { $0.entry.kind == .referrer && $0.entry.subject != nil }
        let bySubject = Dictionary(grouping: referrers) { "\($0.repository) \($0.entry.subject!)" }
        for (_, group) in bySubject.sorted(by: { $0.key < $1.key }) {
            guard let first = group.first, let subject = first.entry.subject else { continue }
            let repository = first.repository
            // A registry with the API indexes referrers itself.
            _ = try? await client.referrers(repository, subject: subject)
            if !client.lacksReferrersAPI(repository.host) { continue }
            var index = ImageIndex(manifests: [])
            if let existing = try? await client.manifest(repository, reference: subject.tagForm), case .index(let current) = existing.content {
                index = current
            }
            for placement in group where !index.manifests.contains(where: { $0.digest == placement.manifest.digest }) {
                var descriptor = placement.manifest.descriptor
                descriptor.artifactType = placement.manifest.artifactType
                if case .image(let image) = placement.manifest.content { descriptor.annotations = image.annotations }
                index.manifests.append(descriptor)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let manifest = try Manifest(bytes: try encoder.encode(index), declaredType: MediaType.ociIndex, source: "referrers of \(subject)")
            try await client.putManifest(repository, manifest, reference: subject.tagForm)
        }
    }
}
