import Foundation
import OCI
@testable import Pipeline
import Registry
import Locking

/// A registry held in memory, as a copy's source and sink, that writes down what happens to it: the engine's
/// unit tests need no registry process.
final class InMemoryEndpoint: ReferrersListing, ContentSink, Sendable {
    /// What the sink was asked to do, in order.
    enum Event: Equatable, Sendable {
        case blob(Digest)
        case manifest(Digest)
        case commit([String])
    }

    struct State {
        var blobs: [Digest: Data] = [:]
        var manifests: [Digest: Manifest] = [:]
        var tags: [String: Digest] = [:]   // "registry/path:tag"
        var events: [Event] = []
        var running = 0
        var mostRunning = 0
    }

    let state = Locked(State())
    /// Blobs whose transfer fails (a cut connection).
    let failing = Locked(Set<Digest>())
    /// Each blob transfer waits this long, so that transfers overlap.
    let transferDelay: Duration

    init(transferDelay: Duration = .zero) { self.transferDelay = transferDelay }

    var events: [Event] { state.withLock { $0.events } }

    // MARK: Building content

    @discardableResult
    func addBlob(_ text: String) -> Descriptor {
        let data = Data(text.utf8)
        let digest = Digest.sha256(of: data)
        state.withLock { $0.blobs[digest] = data }
        return Descriptor(mediaType: "application/vnd.oci.image.layer.v1.tar", digest: digest, size: Int64(data.count))
    }

    @discardableResult
    func addImage(config: String, layers: [String], tag: String? = nil, in repository: String = "example.com/app") throws -> Manifest {
        var configDescriptor = addBlob(config)
        configDescriptor.mediaType = MediaType.ociConfig
        let manifest = ImageManifest(config: configDescriptor, layers: layers.map { addBlob($0) })
        return try add(JSONEncoder().encode(manifest), tag: tag, in: repository)
    }

    @discardableResult
    func addIndex(_ children: [(Manifest, Platform)], tag: String?, in repository: String = "example.com/app") throws -> Manifest {
        let index = ImageIndex(manifests: children.map { Descriptor(mediaType: $0.0.mediaType, digest: $0.0.digest, size: Int64($0.0.bytes.count), platform: $0.1) })
        return try add(JSONEncoder().encode(index), tag: tag, in: repository)
    }

    func add(_ bytes: Data, tag: String?, in repository: String) throws -> Manifest {
        let manifest = try Manifest(bytes: bytes, declaredType: nil, source: "test")
        state.withLock { s in
            s.manifests[manifest.digest] = manifest
            if let tag { s.tags["\(repository):\(tag)"] = manifest.digest }
        }
        return manifest
    }

    // MARK: Source

    func manifest(_ reference: String, in repository: Repository) async throws -> Manifest {
        guard let manifest = try await manifestIfPresent(reference, in: repository) else {
            throw RegistryError(.notFound, "\(repository):\(reference) not found")
        }
        return manifest
    }

    func manifestIfPresent(_ reference: String, in repository: Repository) async throws -> Manifest? {
        state.withLock { s in
            let digest = (try? Digest(parsing: reference)) ?? s.tags["\(repository):\(reference)"]
            return digest.flatMap { s.manifests[$0] }
        }
    }

    func readBlob(_ descriptor: Descriptor, in repository: Repository, into receiver: any BlobReceiver,
                  progress: @escaping @Sendable (Int64) -> Void) async throws {
        guard let data = state.withLock({ $0.blobs[descriptor.digest] }) else {
            throw RegistryError(.notFound, "blob \(descriptor.digest) not found")
        }
        try data.withUnsafeBytes { try receiver.append($0) }
    }

    func tags(_ repository: Repository) async throws -> Set<String>? {
        state.withLock { s in Set(s.tags.keys.filter { $0.hasPrefix("\(repository):") }.map { String($0.dropFirst("\(repository):".count)) }) }
    }

    func referrers(of subject: Digest, in repository: Repository, knownTags: Set<String>?) async throws -> [Descriptor] { [] }

    // MARK: Sink

    func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool {
        state.withLock { $0.blobs[descriptor.digest] != nil }
    }

    func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                 progress: @escaping @Sendable (Int64) -> Void) async throws {
        state.withLock { s in s.running += 1; s.mostRunning = max(s.mostRunning, s.running) }
        defer { state.withLock { $0.running -= 1 } }
        if transferDelay > .zero { try await Task.sleep(for: transferDelay) }
        if failing.withLock({ $0.contains(descriptor.digest) }) {
            throw RegistryError(.network, "connection reset while sending \(descriptor.digest)")
        }
        let receiver = MemoryBlobReceiver(expected: descriptor)
        try await source.readBlob(descriptor, in: repository, into: receiver, progress: progress)
        let data = try receiver.checkedData(what: "blob \(descriptor.digest)")
        state.withLock { s in
            s.blobs[descriptor.digest] = data
            s.events.append(.blob(descriptor.digest))
        }
    }

    func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool {
        state.withLock { s in
            guard s.manifests[manifest.digest] == nil else { return false }
            s.manifests[manifest.digest] = manifest
            s.events.append(.manifest(manifest.digest))
            return true
        }
    }

    func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest? {
        state.withLock { $0.tags["\(repository):\(tag)"] }
    }

    func commit(_ placements: [Placement]) async throws {
        state.withLock { s in
            for placement in placements { if let tag = placement.tag { s.tags["\(placement.repository):\(tag)"] = placement.entry.descriptor.digest } }
            s.events.append(.commit(placements.compactMap { $0.tag.map { "\($0)" } }))
        }
    }
}
