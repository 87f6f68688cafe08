import Bundle
import HTTP
import Archive
import Foundation
import OCI
import Locking

/// An OCI image layout read as a copy's source, in place: a content store or a bundle file. Its artifacts
/// are its `index.json` entries; tags are looked up there, blobs by digest.
public protocol LayoutSource: RangeReadable {
    /// What the layout is called in messages (its path).
    var layoutName: String { get }
    /// The layout's artifacts.
    func entries() throws -> [LayoutEntry]
    /// The artifact named `name` (not a referrer), or nil.
    func entry(named name: String) throws -> LayoutEntry?
    /// Where blob `digest` lies, or nil when the layout lacks it.
    func blobLocation(_ digest: Digest) throws -> (source: any RandomAccessSource, offset: Int64, size: Int64)?
}

extension LayoutSource {
    public func manifest(_ reference: String, in repository: Repository) async throws -> Manifest {
        guard let manifest = try await lookUpManifest(reference, in: repository) else {
            throw StoreError(path: layoutName, reason: "\(repository):\(reference) is not in the layout")
        }
        return manifest
    }

    public func manifestIfPresent(_ tag: String, in repository: Repository) async throws -> Manifest? {
        try await lookUpManifest(tag, in: repository)
    }

    /// The manifest a digest or a tag of `repository` names, its bytes checked against the digest.
    private func lookUpManifest(_ reference: String, in repository: Repository) async throws -> Manifest? {
        let digest: Digest
        if reference.contains(":"), let given = try? Digest(parsing: reference) {
            digest = given
        } else {
            guard let entry = try entry(named: "\(repository):\(reference)") else { return nil }
            digest = entry.descriptor.digest
        }
        guard let location = try blobLocation(digest) else { return nil }
        guard location.size <= Manifest.maximumSize else {
            throw StoreError(path: layoutName, reason: "manifest \(digest) is \(location.size) bytes, over the \(Manifest.maximumSize)-byte limit")
        }
        var bytes = Data(capacity: Int(location.size))
        _ = try location.source.scan(from: location.offset, length: location.size) { bytes.append(contentsOf: $0) }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: bytes, declaredType: nil, source: "\(layoutName): \(digest)") } catch {
            throw StoreError(path: layoutName, reason: "\(digest): \(error.reason)")
        }
        guard manifest.digest == digest else {
            throw StoreError(path: layoutName, reason: "manifest \(digest): content hashes to \(manifest.digest)")
        }
        return manifest
    }

    public func readBlob(_ descriptor: Descriptor, in repository: Repository, into receiver: any BlobReceiver,
                         progress: @escaping @Sendable (Int64) -> Void) async throws {
        let location = try present(descriptor)
        let read = try location.source.scan(from: location.offset, length: descriptor.size) { chunk in
            try receiver.append(chunk)
            progress(Int64(chunk.count))
        }
        guard read == descriptor.size else {
            throw StoreError(path: layoutName, reason: "blob \(descriptor.digest) ends after \(read) of \(descriptor.size) bytes")
        }
    }

    public func blobRange(_ descriptor: Descriptor, offset: Int64, length: Int64, check: BlobStreamCheck) throws -> any UploadReader {
        let location = try present(descriptor)
        return BlobRangeReader(source: location.source, base: location.offset, check: check, offset: offset, length: length)
    }

    /// Where blob `descriptor` lies; an error naming it when the layout lacks it or has another size.
    func present(_ descriptor: Descriptor) throws -> (source: any RandomAccessSource, offset: Int64, size: Int64) {
        guard let location = try blobLocation(descriptor.digest) else {
            throw StoreError(path: layoutName, reason: "blob \(descriptor.digest) is missing")
        }
        guard location.size == descriptor.size else {
            throw StoreError(path: layoutName, reason: "blob \(descriptor.digest) is \(location.size) bytes, expected \(descriptor.size)")
        }
        return location
    }
}

/// A layout's named entries, read once and kept until the layout changes.
final class EntryNames: Sendable {
    private let names = Locked<[String: LayoutEntry]?>(nil)

    /// The entry named `name`, reading the layout's entries with `load` the first time.
    func entry(named name: String, load: () throws -> [LayoutEntry]) throws -> LayoutEntry? {
        if let known = names.withLock({ $0 }) { return known[name] }
        var byName: [String: LayoutEntry] = [:]
        for entry in try load() where entry.kind != .referrer { if let entryName = entry.name { byName[entryName] = entry } }
        names.withLock { $0 = byName }
        return byName[name]
    }

    /// Forgets the entries (the layout was written).
    func forget() { names.withLock { $0 = nil } }
}
