import Archive
import Foundation
import HTTP
import OCI
import Registry
import Locking

/// Content made here as a copy's source: manifests and small blobs made in memory (signatures, chart
/// configs) and blobs in local files (downloaded chart archives), by digest, readable at any offset.
public final class MemorySource: RangeReadable {
    private let content = Locked<(blobs: [Digest: Data], files: [Digest: String], manifests: [Digest: Manifest])>(([:], [:], [:]))

    public init() {}

    /// Adds a blob; returns its descriptor with `mediaType`.
    @discardableResult
    public func add(_ data: Data, mediaType: String) -> Descriptor {
        let descriptor = Descriptor(mediaType: mediaType, digest: .sha256(of: data), size: Int64(data.count))
        content.withLock { $0.blobs[descriptor.digest] = data }
        return descriptor
    }

    /// Adds the file at `path` as blob `descriptor` (checked as it is read).
    public func add(file path: String, as descriptor: Descriptor) {
        content.withLock { $0.files[descriptor.digest] = path }
    }

    public func add(_ manifest: Manifest) {
        content.withLock { $0.manifests[manifest.digest] = manifest }
    }

    public func manifest(_ reference: String, in repository: Repository) async throws -> Manifest {
        guard let digest = try? Digest(parsing: reference), let manifest = content.withLock({ $0.manifests[digest] }) else {
            throw RegistryError(.notFound, "\(repository)@\(reference): not made here")
        }
        return manifest
    }

    public func manifestIfPresent(_ tag: String, in repository: Repository) async throws -> Manifest? { nil }

    public func readBlob(_ descriptor: Descriptor, in repository: Repository, into receiver: any BlobReceiver,
                         progress: @escaping @Sendable (Int64) -> Void) async throws {
        let (source, base) = try location(descriptor)
        let read = try source.scan(from: base, length: descriptor.size) { chunk in
            try receiver.append(chunk)
            progress(Int64(chunk.count))
        }
        guard read == descriptor.size else { throw RegistryError(.integrity, "blob \(descriptor.digest): \(read) bytes, expected \(descriptor.size)") }
    }

    public func blobRange(_ descriptor: Descriptor, offset: Int64, length: Int64, check: BlobStreamCheck) throws -> any UploadReader {
        let (source, base) = try location(descriptor)
        return BlobRangeReader(source: source, base: base, check: check, offset: offset, length: length)
    }

    /// Where blob `descriptor` is read from: its bytes in memory, or its file.
    private func location(_ descriptor: Descriptor) throws -> (any RandomAccessSource, Int64) {
        let (data, path) = content.withLock { ($0.blobs[descriptor.digest], $0.files[descriptor.digest]) }
        if let data, Int64(data.count) == descriptor.size { return (DataSource(data), 0) }
        if let path { return (try RandomAccessFile(path: path), 0) }
        throw RegistryError(.notFound, "blob \(descriptor.digest): not made here")
    }
}

/// Bytes in memory read like a file.
struct DataSource: RandomAccessSource {
    let data: Data
    init(_ data: Data) { self.data = Data(data) }
    var size: Int64 { Int64(data.count) }
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        let count = max(0, min(buffer.count, data.count - Int(offset)))
        guard count > 0 else { return 0 }
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: Int(offset)..<(Int(offset) + count))
        return count
    }
}
