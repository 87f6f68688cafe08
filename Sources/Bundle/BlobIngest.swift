import CLinux
import Dispatch
import Locking
import Foundation
import OCI

/// One blob being written into a content store: hashed as it arrives, and moved into place by
/// `commit` only when its size and SHA-256 match the descriptor.
///
/// The caller's thread hashes and copies into a small ring of buffers; a writer queue writes full
/// buffers to disk, so hashing and the kernel's copy into the page cache run side by side.
/// Memory stays at `bufferCount × bufferSize` however large the blob. Used by one transfer at a time.
public final class BlobIngest: BlobReceiver, @unchecked Sendable {
    public let expected: Descriptor
    let temporaryPath: String
    let destination: String

    static let bufferSize = 256 * 1024
    static let bufferCount = 4

    private let lock = NSLock()
    private var fd: Int32
    private var verifier: DigestVerifier
    /// Whether writes go around the page cache (full, aligned buffers only).
    private var directIO = false
    private var current: UnsafeMutableRawBufferPointer
    private var buffered = 0
    /// Buffers not in use, and a count of them to wait on.
    private let spare = Locked<[UnsafeMutableRawBufferPointer]>([])
    private let spareCount = DispatchSemaphore(value: 0)
    private let writer = DispatchQueue(label: "airlock.ingest.writer")
    /// errno of the first failed write, 0 while all went well.
    private let writeError = Locked<Int32>(0)

    init(expected: Descriptor, directory: String, destination: String) throws(StoreError) {
        self.expected = expected
        self.destination = destination
        verifier = DigestVerifier("blob \(expected.digest)", expected: expected)
        temporaryPath = "\(directory)/\(expected.digest.encoded).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).part"
        fd = open(temporaryPath, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "cannot be created (\(String(cString: strerror(errno))))") }
        // Held while writing, so a concurrent open of the store knows the file is in use.
        flock(fd, LOCK_EX)
        current = .allocate(byteCount: Self.bufferSize, alignment: 4096)
        let small = expected.size <= Int64(Self.bufferSize)
        if !small {
            _ = posix_fallocate(fd, 0, off_t(expected.size))
            // Large blobs bypass the page cache: the disk takes the bytes straight from our buffers,
            // sparing the CPU a copy per byte. Filesystems without O_DIRECT keep buffered writes.
            directIO = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | airlock_o_direct()) == 0
            spare.withLock { list in
                for _ in 1..<Self.bufferCount { list.append(.allocate(byteCount: Self.bufferSize, alignment: 4096)) }
            }
            for _ in 1..<Self.bufferCount { spareCount.signal() }
        }
    }

    deinit {
        writer.sync {}
        if fd >= 0 { close(fd); unlink(temporaryPath) }
        current.deallocate()
        spare.withLock { list in list.forEach { $0.deallocate() } }
    }

    public var received: Int64 { lock.withLock { verifier.count } }

    public func append(_ bytes: UnsafeRawBufferPointer) throws {
        lock.lock(); defer { lock.unlock() }
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "already committed or abandoned") }
        try checkWrites()
        verifier.update(bytes)
        var offset = 0
        while offset < bytes.count {
            let n = min(bytes.count - offset, current.count - buffered)
            (current.baseAddress! + buffered).copyMemory(from: bytes.baseAddress! + offset, byteCount: n)
            buffered += n
            offset += n
            if buffered == current.count { handOff() }
        }
    }

    public func restart() throws {
        lock.lock(); defer { lock.unlock() }
        writer.sync {}
        buffered = 0
        guard fd >= 0, ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw StoreError(path: temporaryPath, reason: "cannot be truncated (\(String(cString: strerror(errno))))")
        }
        writeError.withLock { $0 = 0 }
        verifier.reset()
    }

    /// Checks size and digest (`DigestMismatch`), syncs, and renames the blob into place (`StoreError`).
    public func commit() throws {
        lock.lock(); defer { lock.unlock() }
        guard fd >= 0 else { throw StoreError(path: temporaryPath, reason: "already committed or abandoned") }
        defer { close(fd); fd = -1 }
        if buffered > 0 {
            // The tail is not a whole number of blocks: write it through the page cache.
            if directIO { writer.sync {}; _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~airlock_o_direct()) }
            let n = buffered
            let buffer = current
            writer.sync { self.write(buffer, n) }
            buffered = 0
        }
        writer.sync {}
        do { try checkWrites() } catch {
            unlink(temporaryPath)
            throw error
        }
        do { try verifier.finish() } catch {
            unlink(temporaryPath)
            throw error
        }
        guard fsync(fd) == 0, rename(temporaryPath, destination) == 0 else {
            let code = errno
            unlink(temporaryPath)
            throw StoreError(path: destination, reason: "cannot be stored (\(String(cString: strerror(code))))", systemError: code)
        }
    }

    /// Drops the partial blob.
    public func abandon() {
        lock.withLock {
            writer.sync {}
            guard fd >= 0 else { return }
            close(fd)
            fd = -1
            unlink(temporaryPath)
        }
    }

    /// Queues the full current buffer for writing and takes a spare one (waiting if the writer is behind).
    /// Small blobs have no spares: their single buffer is written in place.
    private func handOff() {
        let full = current, n = buffered
        buffered = 0
        if Self.bufferCount == 1 || expected.size <= Int64(Self.bufferSize) {
            writer.sync { self.write(full, n) }
            return
        }
        let handed = HandedBuffer(pointer: full)
        writer.async {
            self.write(handed.pointer, n)
            self.spare.withLock { $0.append(handed.pointer) }
            self.spareCount.signal()
        }
        spareCount.wait()
        current = spare.withLock { $0.removeLast() }
    }

    /// Runs on the writer queue.
    private func write(_ buffer: UnsafeMutableRawBufferPointer, _ n: Int) {
        guard writeError.withLock({ $0 }) == 0 else { return }
        if !writeFully(fd, UnsafeRawBufferPointer(rebasing: buffer[..<n])) {
            let code = errno
            writeError.withLock { $0 = code }
        }
    }

    private func checkWrites() throws(StoreError) {
        let code = writeError.withLock { $0 }
        guard code == 0 else { throw StoreError(path: temporaryPath, reason: "write failed (\(String(cString: strerror(code))))", systemError: code) }
    }
}

/// A buffer passed to the writer queue; only one side uses it at a time.
private struct HandedBuffer: @unchecked Sendable {
    let pointer: UnsafeMutableRawBufferPointer
}
