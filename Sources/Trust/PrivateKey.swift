import COpenSSL
import Foundation

/// A private key that signs as cosign does: ECDSA (ASN.1 DER), Ed25519 or RSA PKCS#1 v1.5.
public final class PrivateKey: @unchecked Sendable {
    let key: OpaquePointer
    public let publicKey: PublicKey
    /// Where the key came from (a file name), for messages.
    public let origin: String

    init(taking key: OpaquePointer, origin: String) throws(TrustError) {
        guard let spki = derBytes({ i2d_PUBKEY(key, $0) }) else {
            EVP_PKEY_free(key)
            throw TrustError.malformed(origin, "its public half cannot be derived")
        }
        do { publicKey = try PublicKey(spki: spki, origin: origin) } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
        self.origin = origin
    }

    deinit { EVP_PKEY_free(key) }

    /// A new ECDSA P-256 key, the only kind `cosign generate-key-pair` makes.
    public static func generateP256() throws(TrustError) -> PrivateKey {
        guard let context = EVP_PKEY_CTX_new_from_name(nil, "EC", nil) else { throw TrustError.crypto("key generation", openSSLError()) }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_CTX_set_group_name(context, "P-256") == 1,
              EVP_PKEY_generate(context, &key) == 1, let key else {
            throw TrustError.crypto("key generation", openSSLError())
        }
        return try PrivateKey(taking: key, origin: "new key")
    }

    /// Reads PKCS#8 DER (v1 or v2), the plaintext inside cosign's encrypted key files. SEC1 is refused, as cosign does.
    public convenience init(pkcs8 given: Data, origin: String) throws(TrustError) {
        let der = PKCS8.downgradedV2(given) ?? given
        let info: OpaquePointer? = der.withUnsafeBytes { raw in
            var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_PKCS8_PRIV_KEY_INFO(nil, &cursor, raw.count)
        }
        guard let info else { throw TrustError.malformed(origin, "the decrypted key is not PKCS#8 (\(openSSLError()))") }
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        guard let key = EVP_PKCS82PKEY(info) else { throw TrustError.malformed(origin, "the PKCS#8 key cannot be used (\(openSSLError()))") }
        try self.init(taking: key, origin: origin)
    }

    /// Reads an unencrypted PEM private key: `PRIVATE KEY` (PKCS#8), `EC PRIVATE KEY` (SEC1) or `RSA PRIVATE KEY`.
    public convenience init(plainPEM text: String, origin: String) throws(TrustError) {
        let block = try PEMBlock.single(in: text, what: origin)
        guard ["PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY"].contains(block.label) else {
            throw TrustError.malformed(origin, "expected a PRIVATE KEY, EC PRIVATE KEY or RSA PRIVATE KEY block, found \(block.label)")
        }
        let parsed: OpaquePointer? = withMemoryBIO(Data(block.text.utf8)) { PEM_read_bio_PrivateKey($0, nil, nil, nil) }
        guard let parsed else { throw TrustError.malformed(origin, "not a valid \(block.label) (\(openSSLError()))") }
        try self.init(taking: parsed, origin: origin)
    }

    /// PKCS#8 DER of the key, what cosign encrypts.
    public var pkcs8: Data {
        let info = EVP_PKEY2PKCS8(key)!
        defer { PKCS8_PRIV_KEY_INFO_free(info) }
        return derBytes { i2d_PKCS8_PRIV_KEY_INFO(info, $0) }!
    }

    /// Signs `message`: SHA-256 (or the curve's hash) then ECDSA in ASN.1 DER; Ed25519 signs the message itself.
    public func sign(_ message: Data, hash: HashAlgorithm? = nil) throws(TrustError) -> Data {
        guard let context = EVP_MD_CTX_new() else { throw TrustError.crypto("signing", "no memory") }
        defer { EVP_MD_CTX_free(context) }
        let md: OpaquePointer? = publicKey.kind == .ed25519 ? nil : (hash ?? publicKey.kind.defaultHash).md
        guard EVP_DigestSignInit(context, nil, md, nil, key) == 1 else { throw TrustError.crypto("signing with \(origin)", openSSLError()) }
        let signature: [UInt8]? = message.withUnsafeBytes { raw in
            let bytes = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            var length = 0
            guard EVP_DigestSign(context, nil, &length, bytes, raw.count) == 1 else { return nil }
            var signature = [UInt8](repeating: 0, count: length)
            guard EVP_DigestSign(context, &signature, &length, bytes, raw.count) == 1 else { return nil }
            return Array(signature.prefix(length))
        }
        guard let signature else { throw TrustError.crypto("signing with \(origin)", openSSLError()) }
        return Data(signature)
    }
}
