import COpenSSL
import Foundation

/// OpenSSL's most recent error, as text (the error queue is cleared).
func openSSLError() -> String {
    var last = "unknown error"
    while case let code = ERR_get_error(), code != 0 {
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        last = String(cString: buffer)
    }
    return last
}

/// A memory BIO over `data` for OpenSSL's readers.
func withMemoryBIO<T>(_ data: Data, _ body: (OpaquePointer) throws -> T) rethrows -> T {
    try data.withUnsafeBytes { raw in
        let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count))!
        defer { BIO_free(bio) }
        return try body(bio)
    }
}

/// The DER bytes an `i2d_…` function writes.
func derBytes(_ encode: (UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?) -> Int32) -> Data? {
    let length = encode(nil)
    guard length > 0 else { return nil }
    var data = Data(count: Int(length))
    let written = data.withUnsafeMutableBytes { raw -> Int32 in
        var cursor: UnsafeMutablePointer<UInt8>? = raw.baseAddress!.assumingMemoryBound(to: UInt8.self)
        return encode(&cursor)
    }
    return written == length ? data : nil
}

/// SHA-256 of `data`.
func sha256(_ data: Data) -> Data {
    var out = [UInt8](repeating: 0, count: 32)
    data.withUnsafeBytes { raw in _ = SHA256(raw.baseAddress?.assumingMemoryBound(to: UInt8.self), raw.count, &out) }
    return Data(out)
}

/// A digest algorithm a signature scheme hashes with.
public enum HashAlgorithm: String, Sendable, Codable {
    case sha256, sha384, sha512

    /// The digest implementation, fetched from OpenSSL's provider once (`EVP_sha256()` and friends fetch it again
    /// on every use, a noticeable part of verifying a keyless signature's four ECDSA signatures).
    var md: OpaquePointer {
        switch self {
        case .sha256: Self.fetched.sha256 ?? EVP_sha256()
        case .sha384: Self.fetched.sha384 ?? EVP_sha384()
        case .sha512: Self.fetched.sha512 ?? EVP_sha512()
        }
    }

    nonisolated(unsafe) static let fetched = (sha256: EVP_MD_fetch(nil, "SHA256", nil), sha384: EVP_MD_fetch(nil, "SHA384", nil),
                                              sha512: EVP_MD_fetch(nil, "SHA512", nil))

    /// Hashes `data` with this algorithm.
    public func hash(_ data: Data) -> Data {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        data.withUnsafeBytes { raw in _ = EVP_Digest(raw.baseAddress, raw.count, &out, &length, md, nil) }
        return Data(out.prefix(Int(length)))
    }
}
