import Foundation
import OCI

/// A blob arriving in pieces whose digest the sender names only at the end (the distribution API's upload
/// sessions): appended in order and hashed as it arrives, then checked against the named digest and renamed
/// into the store, so a blob under `blobs/` is always whole. An interrupted upload leaves only an ingest file,
/// which the next open of the store removes. Used by one request at a time.
public final class BlobUpload: @unchecked Sendable {
    /// Bytes received so far.
    public private(set) var size: Int64 = 0
    private let path: String
    private let store: ContentStore
    private var fd: Int32
    private var hasher = ContentHasher()

    init(directory: String, store: ContentStore) throws(StoreError) {
        self.store = store
        path = "\(directory)/upload-\(UUID().uuidString.lowercased()).part"
        fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: path, reason: "cannot be created (\(String(cString: strerror(errno))))") }
        // Held while the upload lives, so a concurrent open of the store leaves the file alone.
        flock(fd, LOCK_EX)
    }

    deinit { abandon() }

    /// Appends `bytes` at the end.
    public func append(_ bytes: UnsafeRawBufferPointer) throws(StoreError) {
        guard fd >= 0 else { throw StoreError(path: path, reason: "upload already finished") }
        guard writeFully(fd, bytes) else {
            throw StoreError(path: path, reason: "write failed (\(String(cString: strerror(errno))))", systemError: errno)
        }
        hasher.update(bytes)
        size += Int64(bytes.count)
    }

    /// Checks the bytes against `digest` (`DigestMismatch`), syncs them and renames them into the store.
    public func commit(as digest: Digest) throws {
        guard fd >= 0 else { throw StoreError(path: path, reason: "upload already finished") }
        let actual = digest.algorithm == hasher.algorithm ? hasher.finalize() : try rehash(with: digest.algorithm)
        try DigestMismatch.check("upload", expected: digest, actual: actual, actualSize: size)
        let destination = store.blobPath(digest)
        let directory = (destination as NSString).deletingLastPathComponent
        guard fsync(fd) == 0, mkdir(directory, 0o755) == 0 || errno == EEXIST, rename(path, destination) == 0 else {
            throw StoreError(path: destination, reason: "cannot be stored (\(String(cString: strerror(errno))))", systemError: errno)
        }
        close(fd)
        fd = -1
    }

    /// Drops the partial blob.
    public func abandon() {
        guard fd >= 0 else { return }
        close(fd)
        fd = -1
        unlink(path)
    }

    /// The digest of what was written, with another algorithm than the one hashed on arrival.
    private func rehash(with algorithm: String) throws -> Digest {
        let file = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
        defer { try? file.close() }
        var other = ContentHasher(algorithm: algorithm)
        while let chunk = try file.read(upToCount: 1 << 20), !chunk.isEmpty {
            chunk.withUnsafeBytes { other.update($0) }
        }
        return other.finalize()
    }
}
