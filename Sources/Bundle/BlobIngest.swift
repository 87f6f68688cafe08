import Foundation
import OCI

/// One blob being written into a content store: hashed as it is written, and moved into place by
/// `commit` only when its size and SHA-256 match the descriptor.
///
/// Used by one transfer at a time; a lock keeps it consistent should that ever not hold.
public final class BlobIngest: BlobReceiver, @unchecked Sendable {
    public let expected: Descriptor
    let temporaryPath: String
    let destination: String

    private let lock = NSLock()
    private var fd: Int32
    private var hasher = SHA256Hasher()
    private var count: Int64 = 0
    /// Bytes not yet written: libcurl hands over 16 KiB at a time, the disk prefers larger writes.
    private let buffer: UnsafeMutableRawBufferPointer
    private var buffered = 0

    /// The write buffer of each ingest.
    static let bufferSize = 1 << 20

    init(expected: Descriptor, directory: String, destination: String) throws(StoreError) {
        self.expected = expected
        self.destination = destination
        temporaryPath = "\(directory)/\(expected.digest.encoded).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).part"
        fd = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "cannot be created (\(String(cString: strerror(errno))))") }
        // Held while writing, so a concurrent open of the store knows the file is in use.
        flock(fd, LOCK_EX)
        if expected.size > Int64(Self.bufferSize) { _ = posix_fallocate(fd, 0, off_t(expected.size)) }
        buffer = .allocate(byteCount: Self.bufferSize, alignment: 4096)
    }

    deinit {
        if fd >= 0 { close(fd); unlink(temporaryPath) }
        buffer.deallocate()
    }

    public var received: Int64 { lock.withLock { count } }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        lock.lock(); defer { lock.unlock() }
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "already committed or abandoned") }
        hasher.update(bytes)
        count += Int64(bytes.count)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, buffer.count - buffered)
            (buffer.baseAddress! + buffered).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            buffered += n
            offset += n
            if buffered == buffer.count { try flush() }
        }
    }

    public func restart() throws {
        lock.lock(); defer { lock.unlock() }
        buffered = 0
        guard fd >= 0, ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw StoreError(path: temporaryPath, reason: "cannot be truncated (\(String(cString: strerror(errno))))")
        }
        hasher.reset()
        count = 0
    }

    /// Checks size and digest, syncs, and renames the blob into place.
    public func commit() throws(StoreError) {
        lock.lock(); defer { lock.unlock() }
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "already committed or abandoned") }
        defer { close(fd); fd = -1 }
        do { try flush() } catch {
            unlink(temporaryPath)
            throw error
        }
        guard count == expected.size else {
            unlink(temporaryPath)
            throw StoreError(path: "blob \(expected.digest)", reason: "got \(count) bytes, expected \(expected.size)")
        }
        let actual = hasher.finalize()
        guard actual == expected.digest else {
            unlink(temporaryPath)
            throw StoreError(path: "blob \(expected.digest)", reason: "content hashes to \(actual), expected \(expected.digest)")
        }
        guard fsync(fd) == 0, rename(temporaryPath, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporaryPath)
            throw StoreError(path: destination, reason: "cannot be stored (\(reason))")
        }
    }

    /// Drops the partial blob.
    public func abandon() {
        lock.withLock {
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
            unlink(temporaryPath)
        }
    }

    private func flush() throws(StoreError) {
        guard buffered > 0 else { return }
        defer { buffered = 0 }
        guard writeFully(fd, UnsafeRawBufferPointer(rebasing: buffer[..<buffered])) else {
            throw StoreError(path: temporaryPath, reason: "write failed (\(String(cString: strerror(errno))))")
        }
    }
}
