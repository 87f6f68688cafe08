import Foundation
import COpenSSL

/// The MD5 of a multipart part, hex: what S3 gives as the part's ETag, so a part an interrupted upload left
/// can be recognised and not sent again. (Only for that comparison; content is checked with SHA-256.)
struct PartHash: ~Copyable {
    private let context: OpaquePointer

    init() {
        guard let context = EVP_MD_CTX_new() else { fatalError("OpenSSL could not allocate a digest context") }
        self.context = context
        EVP_DigestInit_ex(context, EVP_md5(), nil)
    }

    deinit { EVP_MD_CTX_free(context) }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// The hex digest; the hash then starts over.
    mutating func finalize() -> String {
        var out = [UInt8](repeating: 0, count: 16)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        EVP_DigestInit_ex(context, EVP_md5(), nil)
        return out.prefix(Int(length)).map { String(format: "%02x", $0) }.joined()
    }
}
