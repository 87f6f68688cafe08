import Foundation
import HTTP
import OCI
import Locking

extension RegistryClient {
    /// Blob `descriptor` read whole into memory, its digest checked; for small blobs only (signature
    /// payloads, sigstore bundles, configs) — larger than `limit` is an error.
    public func blobData(_ repository: Repository, _ descriptor: Descriptor, limit: Int64 = 4 << 20) async throws -> Data {
        guard descriptor.size <= limit else {
            throw RegistryError(.integrity, "blob \(descriptor.digest) of \(repository): \(descriptor.size) bytes, more than the \(limit) expected")
        }
        let receiver = MemoryBlobReceiver(expected: descriptor)
        try await downloadBlob(repository, descriptor, into: receiver)
        return try receiver.checkedData(what: "blob \(descriptor.digest) of \(repository)")
    }

    /// Uploads `data` as one blob unless `repository` has it; its digest is computed here.
    @discardableResult
    public func uploadBlob(_ repository: Repository, data: Data, mediaType: String) async throws -> Descriptor {
        let data = Data(data)  // zero-based indices for the reader
        let descriptor = Descriptor(mediaType: mediaType, digest: .sha256(of: data), size: Int64(data.count))
        if try await hasBlob(repository, descriptor.digest) { return descriptor }
        try await uploadBlob(repository, descriptor, chunkSize: Int64(data.count) + 1) { offset, length in
            DataUploadReader(data.subdata(in: Int(offset)..<Int(offset + length)))
        }
        return descriptor
    }
}

/// Collects a small blob in memory, refusing more than its descriptor says.
public final class MemoryBlobReceiver: BlobReceiver, Sendable {
    private let buffer = Locked(Data())
    let expected: Descriptor

    public init(expected: Descriptor) { self.expected = expected }

    public var received: Int64 { buffer.withLock { Int64($0.count) } }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try buffer.withLock { data in
            guard Int64(data.count + bytes.count) <= expected.size else {
                throw RegistryError(.integrity, "blob \(expected.digest): more than the \(expected.size) bytes expected")
            }
            data.append(contentsOf: bytes)
        }
    }

    public func restart() throws { buffer.withLock { $0.removeAll() } }

    /// The bytes, once they have the expected size and digest.
    public func checkedData(what: String) throws -> Data {
        let data = buffer.withLock { $0 }
        try DigestVerifier.verify(data, what, expected: expected)
        return data
    }
}

/// Reads an upload from bytes in memory.
public final class DataUploadReader: UploadReader {
    private let data: Data
    private var offset = 0

    public init(_ data: Data) { self.data = data }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = min(buffer.count, data.count - offset)
        guard count > 0 else { return 0 }
        data.copyBytes(to: buffer.bindMemory(to: UInt8.self), from: offset..<(offset + count))
        offset += count
        return count
    }
}
