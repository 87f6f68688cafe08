import Archive
import OCI
import Registry
import Foundation

/// The running SHA-256 of one blob being sent from a bundle, perhaps in several ranges (chunks) and
/// perhaps with a range sent twice (a retry): bytes are hashed once, in order, and the digest is
/// compared the moment the last byte has been read.
public final class BlobStreamCheck: @unchecked Sendable {
    public let name: String
    public let expected: Descriptor
    private let lock = NSLock()
    private var hasher = SHA256Hasher()
    private var position: Int64 = 0

    public init(name: String, expected: Descriptor) {
        self.name = name
        self.expected = expected
    }

    /// Hashes `bytes` found at `offset` of the blob; throws when the blob is complete and wrong.
    public func observe(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(BundleError) {
        lock.lock(); defer { lock.unlock() }
        guard offset == position else { return }   // a resend of bytes already hashed
        hasher.update(bytes)
        position += Int64(bytes.count)
        if position == expected.size {
            let actual = hasher.finalize()
            guard actual == expected.digest else {
                throw BundleError(bundle: "", artifact: name, reason: "content hashes to \(actual), expected \(expected.digest)")
            }
        }
    }
}

/// Reads `length` bytes at `offset` of a blob that starts at `base` of `source` (a file, a bundle entry), in
/// place, feeding a `BlobStreamCheck`.
public final class BlobRangeReader: UploadReader {
    let source: any RandomAccessSource
    let base: Int64
    let check: BlobStreamCheck
    var position: Int64
    let end: Int64

    public init(source: any RandomAccessSource, base: Int64, check: BlobStreamCheck, offset: Int64, length: Int64) {
        self.source = source
        self.base = base
        self.check = check
        self.position = offset
        self.end = offset + length
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = Int(min(Int64(buffer.count), end - position))
        guard wanted > 0 else { return 0 }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), at: base + position)
        guard n > 0 else { throw BundleError(bundle: "", artifact: check.name, reason: "ends early, at byte \(position) of \(check.expected.size)") }
        try check.observe(UnsafeRawBufferPointer(rebasing: buffer[..<n]), at: position)
        position += Int64(n)
        return n
    }
}
