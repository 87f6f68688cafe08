import COpenSSL
import CSodium
import Foundation

/// cosign's encrypted private key file: a PEM block (`ENCRYPTED SIGSTORE PRIVATE KEY`, or the older
/// `ENCRYPTED COSIGN PRIVATE KEY`) whose body is JSON — scrypt parameters, a NaCl secretbox nonce and
/// the sealed PKCS#8 key (go-securesystemslib's `encrypted` format).
public enum CosignKeyFile {
    /// The label current cosign writes.
    public static let sigstoreLabel = "ENCRYPTED SIGSTORE PRIVATE KEY"
    /// The label cosign wrote before 2.0 (still read).
    public static let cosignLabel = "ENCRYPTED COSIGN PRIVATE KEY"
    /// The scrypt cost parameters cosign accepts: (N, r, p).
    public static let acceptedScrypt: [(n: UInt64, r: UInt64, p: UInt64)] = [(32768, 8, 1), (65536, 8, 1), (131072, 8, 1)]

    /// libsodium must be initialised once before use.
    static let sodiumReady: Bool = sodium_init() >= 0

    struct Body: Codable {
        struct KDF: Codable {
            struct Params: Codable {
                var N: UInt64
                var r: UInt64
                var p: UInt64
            }
            var name: String
            var params: Params
            var salt: Data
        }
        struct Cipher: Codable {
            var name: String
            var nonce: Data
        }
        var kdf: KDF
        var cipher: Cipher
        var ciphertext: Data
    }

    /// Reads a private key file as cosign does: encrypted (either label) with `password`, else plain PEM.
    public static func load(path: String, password: () throws -> Data) throws -> PrivateKey {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.malformed(path, "cannot be read") }
        let text = String(decoding: data, as: UTF8.self)
        let block = try PEMBlock.single(in: text, what: path)
        if block.label == sigstoreLabel || block.label == cosignLabel {
            return try decrypt(block, password: try password(), origin: path)
        }
        return try PrivateKey(plainPEM: text, origin: path)
    }

    /// Opens an encrypted block with `password`.
    public static func decrypt(_ block: PEMBlock, password: Data, origin: String) throws(TrustError) -> PrivateKey {
        let body: Body
        do { body = try JSONDecoder().decode(Body.self, from: block.der) } catch {
            throw TrustError.malformed(origin, "the encrypted key's body is not cosign's JSON (kdf, cipher, ciphertext)")
        }
        guard body.kdf.name == "scrypt" else { throw TrustError.malformed(origin, "key derivation \(body.kdf.name); expected scrypt") }
        let p = body.kdf.params
        guard acceptedScrypt.contains(where: { $0 == (p.N, p.r, p.p) }) else {
            throw TrustError.malformed(origin, "scrypt parameters N=\(p.N) r=\(p.r) p=\(p.p); expected N 32768, 65536 or 131072 with r=8 p=1")
        }
        guard body.cipher.name == "nacl/secretbox", body.cipher.nonce.count == 24 else {
            throw TrustError.malformed(origin, "cipher \(body.cipher.name); expected nacl/secretbox with a 24-byte nonce")
        }
        guard body.ciphertext.count >= 16 else { throw TrustError.malformed(origin, "the ciphertext is too short") }
        guard sodiumReady else { throw TrustError.crypto("libsodium", "initialisation failed") }
        let secret = try scrypt(password: password, salt: body.kdf.salt, n: p.N, r: p.r, p: p.p)
        var plaintext = [UInt8](repeating: 0, count: body.ciphertext.count - 16)
        let opened = body.ciphertext.withUnsafeBytes { ct in
            body.cipher.nonce.withUnsafeBytes { nonce in
                secret.withUnsafeBytes { key in
                    crypto_secretbox_open_easy(&plaintext, ct.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(ct.count),
                                               nonce.baseAddress!.assumingMemoryBound(to: UInt8.self), key.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
            }
        }
        guard opened == 0 else { throw TrustError.wrongPassword(origin) }
        defer { plaintext.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        return try PrivateKey(pkcs8: Data(plaintext), origin: origin)
    }

    /// Encrypts `key` as current cosign does: SIGSTORE label, scrypt N=65536 r=8 p=1, fresh salt and nonce.
    public static func encrypt(_ key: PrivateKey, password: Data, n: UInt64 = 65536) throws(TrustError) -> String {
        guard sodiumReady else { throw TrustError.crypto("libsodium", "initialisation failed") }
        var salt = [UInt8](repeating: 0, count: 32)
        var nonce = [UInt8](repeating: 0, count: 24)
        randombytes_buf(&salt, salt.count)
        randombytes_buf(&nonce, nonce.count)
        let secret = try scrypt(password: password, salt: Data(salt), n: n, r: 8, p: 1)
        var plaintext = [UInt8](key.pkcs8)
        defer { plaintext.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        var sealed = [UInt8](repeating: 0, count: plaintext.count + 16)
        let status = secret.withUnsafeBytes { k in
            crypto_secretbox_easy(&sealed, plaintext, UInt64(plaintext.count), nonce, k.baseAddress!.assumingMemoryBound(to: UInt8.self))
        }
        guard status == 0 else { throw TrustError.crypto("secretbox", "sealing failed") }
        // Go's json.Marshal field order and std base64, byte for byte.
        let json = #"{"kdf":{"name":"scrypt","params":{"N":\#(n),"r":8,"p":1},"salt":"\#(Data(salt).base64EncodedString())"},"#
            + #""cipher":{"name":"nacl/secretbox","nonce":"\#(Data(nonce).base64EncodedString())"},"#
            + #""ciphertext":"\#(Data(sealed).base64EncodedString())"}"#
        return PEMBlock(label: sigstoreLabel, der: Data(json.utf8)).text
    }

    /// scrypt(password, salt, N, r, p) → 32 bytes, the secretbox key.
    static func scrypt(password: Data, salt: Data, n: UInt64, r: UInt64, p: UInt64) throws(TrustError) -> Data {
        var out = [UInt8](repeating: 0, count: 32)
        let maxMemory = 128 * n * r * p + (1 << 20) * 4
        var secret = [CChar](password.map { CChar(bitPattern: $0) }) + [0]  // never empty, so never a nil pointer
        defer { secret.withUnsafeMutableBytes { sodium_memzero($0.baseAddress, $0.count) } }
        let status = salt.withUnsafeBytes { s in
            EVP_PBE_scrypt(secret, password.count, s.baseAddress?.assumingMemoryBound(to: UInt8.self), s.count, n, r, p, maxMemory, &out, out.count)
        }
        guard status == 1 else { throw TrustError.crypto("scrypt", openSSLError()) }
        return Data(out)
    }
}
