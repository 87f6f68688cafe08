import Foundation

/// Bytes that do not hash to the digest (or do not have the size) they were expected to have.
public struct DigestMismatch: CategorizedError, CustomStringConvertible, Sendable, Equatable {
    /// What was checked, as a noun phrase: "blob sha256:… of docker.io/library/nginx", "site.tar.001: volume".
    public let what: String
    public let expectedDigest: Digest
    /// The expected size, when it was known.
    public let expectedSize: Int64?
    public let actualDigest: Digest
    public let actualSize: Int64

    public init(what: String, expectedDigest: Digest, expectedSize: Int64?, actualDigest: Digest, actualSize: Int64) {
        self.what = what
        self.expectedDigest = expectedDigest
        self.expectedSize = expectedSize
        self.actualDigest = actualDigest
        self.actualSize = actualSize
    }

    public var category: ErrorCategory { .integrity }

    public var description: String {
        let expected = expectedSize.map { "\(expectedDigest) (\($0) bytes)" } ?? "\(expectedDigest)"
        return "\(what) hashes to \(actualDigest) (\(actualSize) bytes), expected \(expected)"
    }

    /// The one comparison: throws unless `actual` and `actualSize` are what was expected (a nil size is not checked).
    public static func check(_ what: String, expected: Digest, expectedSize: Int64? = nil,
                             actual: Digest, actualSize: Int64) throws(DigestMismatch) {
        guard actual == expected, expectedSize.map({ $0 == actualSize }) ?? true else {
            throw DigestMismatch(what: what, expectedDigest: expected, expectedSize: expectedSize, actualDigest: actual, actualSize: actualSize)
        }
    }
}

/// Hashes a stream as it passes and, at the end, compares it once with what was expected:
/// `update` with each chunk in order, then `finish`, which throws `DigestMismatch` naming the artifact,
/// the expected and the actual digest and size. Without an expected digest it only hashes and counts.
public struct DigestVerifier: ~Copyable, Sendable {
    public let what: String
    public let expectedDigest: Digest?
    public let expectedSize: Int64?
    private var hasher = ContentHasher()

    /// Expects `descriptor`'s digest and size.
    public init(_ what: String, expected descriptor: Descriptor) {
        self.init(what, digest: descriptor.digest, size: descriptor.size)
    }

    /// Expects `digest` (when given) and `size` (when given).
    public init(_ what: String, digest: Digest?, size: Int64? = nil) {
        self.what = what
        self.expectedDigest = digest
        self.expectedSize = size
    }

    /// Bytes hashed so far.
    public var count: Int64 { hasher.byteCount }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) { hasher.update(bytes) }

    /// Starts over, as if no byte had been seen (a download that restarts from the beginning).
    public mutating func reset() { hasher.reset() }

    /// The digest of everything seen, once it matches what was expected; the verifier then starts over.
    @discardableResult
    public mutating func finish() throws(DigestMismatch) -> Digest {
        let size = hasher.byteCount
        let actual = hasher.finalize()
        if let expectedDigest {
            try DigestMismatch.check(what, expected: expectedDigest, expectedSize: expectedSize, actual: actual, actualSize: size)
        }
        return actual
    }

    /// Checks bytes held in memory against `descriptor`.
    public static func verify(_ data: Data, _ what: String, expected descriptor: Descriptor) throws(DigestMismatch) {
        var verifier = DigestVerifier(what, expected: descriptor)
        data.withUnsafeBytes { verifier.update($0) }
        try verifier.finish()
    }
}

extension Manifest {
    /// This manifest, once its digest (and size, when given) are the expected ones.
    public func verified(_ what: String, digest: Digest, size: Int64? = nil) throws(DigestMismatch) -> Manifest {
        try DigestMismatch.check(what, expected: digest, expectedSize: size, actual: self.digest, actualSize: Int64(bytes.count))
        return self
    }
}
