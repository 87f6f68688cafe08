import Foundation
import OCI
import Synchronization

/// One blob being written into a content store: hashed as it is written, and moved into place by
/// `commit` only when its size and SHA-256 match the descriptor.
public final class BlobIngest: BlobReceiver, Sendable {
    public let expected: Descriptor
    let temporaryPath: String
    let destination: String
    private let state: Mutex<State>

    private struct State: ~Copyable {
        var fd: Int32
        var hasher = SHA256Hasher()
        var received: Int64 = 0
    }

    init(expected: Descriptor, directory: String, destination: String) throws(StoreError) {
        self.expected = expected
        self.destination = destination
        temporaryPath = "\(directory)/\(expected.digest.encoded).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).part"
        let fd = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "cannot be created (\(String(cString: strerror(errno))))") }
        // Held while writing, so a concurrent open of the store knows the file is in use.
        flock(fd, LOCK_EX)
        state = Mutex(State(fd: fd))
    }

    deinit {
        state.withLock { s in
            if s.fd >= 0 { close(s.fd); unlink(temporaryPath) }
        }
    }

    public var received: Int64 { state.withLock { $0.received } }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { s throws(StoreError) in
            guard s.fd >= 0, writeFully(s.fd, bytes) else {
                throw StoreError(path: temporaryPath, reason: "write failed (\(String(cString: strerror(errno))))")
            }
            s.hasher.update(bytes)
            s.received += Int64(bytes.count)
        }
    }

    public func restart() throws {
        try state.withLock { s throws(StoreError) in
            guard s.fd >= 0, ftruncate(s.fd, 0) == 0, lseek(s.fd, 0, SEEK_SET) == 0 else {
                throw StoreError(path: temporaryPath, reason: "cannot be truncated (\(String(cString: strerror(errno))))")
            }
            s.hasher.reset()
            s.received = 0
        }
    }

    /// Checks size and digest, syncs, and renames the blob into place.
    public func commit() throws(StoreError) {
        try state.withLock { s throws(StoreError) in
            guard s.fd >= 0 else { throw StoreError(path: temporaryPath, reason: "already committed or abandoned") }
            let fd = s.fd
            s.fd = -1
            defer { close(fd) }
            guard s.received == expected.size else {
                unlink(temporaryPath)
                throw StoreError(path: "blob \(expected.digest)", reason: "got \(s.received) bytes, expected \(expected.size)")
            }
            let actual = s.hasher.finalize()
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
    }

    /// Drops the partial blob.
    public func abandon() {
        state.withLock { s in
            guard s.fd >= 0 else { return }
            close(s.fd)
            s.fd = -1
            unlink(temporaryPath)
        }
    }
}
