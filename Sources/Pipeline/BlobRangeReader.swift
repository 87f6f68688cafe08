import Archive
import Bundle
import Foundation
import HTTP
import OCI

/// The running check of one blob being sent from a bundle, perhaps in several ranges (chunks) and
/// perhaps with a range sent twice (a retry), or written once into a bundle: bytes go through a `DigestVerifier` once, in order, and
/// the digest is compared the moment the last byte has been read.
public final class BlobStreamCheck: @unchecked Sendable {
    public let name: String
    public let expected: Descriptor
    private let lock = NSLock()
    private var verifier: DigestVerifier
    private var position: Int64 = 0

    public init(name: String, expected: Descriptor) {
        self.name = name
        self.expected = expected
        verifier = DigestVerifier(name, expected: expected)
    }

    /// Hashes `bytes` found at `offset` of the blob; throws `DigestMismatch` when the blob is complete and wrong.
    public func observe(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws(DigestMismatch) {
        lock.lock(); defer { lock.unlock() }
        guard offset == position else { return }   // a resend of bytes already hashed
        verifier.update(bytes)
        position += Int64(bytes.count)
        if position == expected.size { try verifier.finish() }
    }
}

/// Reads `length` bytes at `offset` of a blob that starts at `base` of `source` (a bundle entry, a store file, an
/// object) in place and in order, for an upload, feeding a `BlobStreamCheck`.
final class BlobRangeReader: UploadReader {
    let reader: any SequentialReader
    let check: BlobStreamCheck
    var position: Int64
    let end: Int64

    init(source: any RandomAccessSource, base: Int64, check: BlobStreamCheck, offset: Int64, length: Int64) {
        reader = source.sequentialReader(from: base + offset, length: length)
        self.check = check
        self.position = offset
        self.end = offset + length
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = Int(min(Int64(buffer.count), end - position))
        guard wanted > 0 else { return 0 }
        let n = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]))
        guard n > 0 else { throw BundleError(bundle: "", artifact: check.name, reason: "ends early, at byte \(position) of \(check.expected.size)") }
        try check.observe(UnsafeRawBufferPointer(rebasing: buffer[..<n]), at: position)
        position += Int64(n)
        return n
    }
}
