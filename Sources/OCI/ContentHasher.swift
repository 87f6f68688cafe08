import COpenSSL

/// Streaming SHA-256 (or SHA-512) over OpenSSL's EVP interface: feed bytes as they arrive, then `finalize`.
///
/// A value type wrapping one EVP context; copying it is not supported (it is `~Copyable`),
/// so a partially hashed stream has exactly one owner.
public struct ContentHasher: ~Copyable, @unchecked Sendable {
    private let context: OpaquePointer
    /// `sha256` or `sha512`: the registered algorithms of the OCI digest grammar.
    public let algorithm: String
    public private(set) var byteCount: Int64 = 0

    /// A hasher for `algorithm` (`sha256`, the default, or `sha512`; anything else hashes with SHA-256).
    public init(algorithm: String = "sha256") {
        // EVP_MD_CTX_new only fails when memory is exhausted; nothing sensible can follow.
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        self.algorithm = algorithm == "sha512" ? "sha512" : "sha256"
        EVP_DigestInit_ex(context, self.algorithm == "sha512" ? EVP_sha512() : EVP_sha256(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Hashes `bytes` in place.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
        byteCount += Int64(bytes.count)
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Starts over, as if no byte had been hashed.
    public mutating func reset() {
        EVP_DigestInit_ex(context, algorithm == "sha512" ? EVP_sha512() : EVP_sha256(), nil)
        byteCount = 0
    }

    /// The digest of everything hashed so far; the hasher then starts over.
    public mutating func finalize() -> Digest {
        var out = [UInt8](repeating: 0, count: 64)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        reset()
        return Digest(algorithm: algorithm, validHex: Self.hex(Array(out[..<Int(length)])))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        var chars = [UInt8](); chars.reserveCapacity(bytes.count * 2)
        for byte in bytes { chars.append(digits[Int(byte >> 4)]); chars.append(digits[Int(byte & 0xF)]) }
        return String(decoding: chars, as: UTF8.self)
    }
}
