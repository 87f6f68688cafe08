import COpenSSL
import OCI
import Foundation
import OCI

/// A public key that verifies signatures: ECDSA P-256 / P-384 / P-521, Ed25519, or RSA 2048–4096.
public final class PublicKey: @unchecked Sendable, CustomStringConvertible {
    /// The algorithms cosign uses keys with.
    public enum Kind: Sendable, Equatable, CustomStringConvertible {
        case ecdsa(curve: String)  // "P-256", "P-384", "P-521"
        case ed25519
        case rsa(bits: Int)

        public var description: String {
            switch self {
            case .ecdsa(let curve): "ECDSA \(curve)"
            case .ed25519: "Ed25519"
            case .rsa(let bits): "RSA \(bits)"
            }
        }

        /// The hash the algorithm signs with by default (cosign's `SupportedKeyDetails`).
        public var defaultHash: HashAlgorithm {
            switch self {
            case .ecdsa("P-384"): .sha384
            case .ecdsa("P-521"): .sha512
            default: .sha256
            }
        }
    }

    let key: OpaquePointer
    public let kind: Kind
    /// Where the key came from (a file name), for messages.
    public let origin: String

    /// Takes ownership of an EVP_PKEY; rejects curves and sizes cosign does not accept.
    init(taking key: OpaquePointer, origin: String) throws(TrustError) {
        do { kind = try Self.kind(of: key, origin: origin) } catch {
            EVP_PKEY_free(key)
            throw error
        }
        self.key = key
        self.origin = origin
    }

    deinit { EVP_PKEY_free(key) }

    /// Reads a PEM `PUBLIC KEY` (PKIX SubjectPublicKeyInfo), as in `cosign.pub`.
    public convenience init(pem text: String, origin: String = "public key") throws(TrustError) {
        let block = try PEMBlock.single(in: text, what: origin)
        guard block.label == "PUBLIC KEY" else {
            throw TrustError.malformed(origin, "expected a PEM PUBLIC KEY block, found \(block.label)")
        }
        try self.init(spki: block.der, origin: origin)
    }

    /// Reads DER SubjectPublicKeyInfo.
    public convenience init(spki der: Data, origin: String) throws(TrustError) {
        var unread = 0
        let parsed: OpaquePointer? = der.withUnsafeBytes { raw in
            guard let start = raw.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
            var cursor: UnsafePointer<UInt8>? = start
            let key = d2i_PUBKEY(nil, &cursor, raw.count)
            unread = raw.count - (cursor.map { $0 - start } ?? 0)
            return key
        }
        guard let parsed else { throw TrustError.malformed(origin, "not a valid public key (\(openSSLError()))") }
        guard unread == 0 else {
            EVP_PKEY_free(parsed)
            throw TrustError.malformed(origin, "not a valid public key (\(unread) bytes after the key's DER)")
        }
        try self.init(taking: parsed, origin: origin)
    }

    /// The public key of an X.509 certificate (PEM or DER), as found in keyless signatures.
    public convenience init(certificate: Data, origin: String) throws(TrustError) {
        var der = certificate
        if let text = String(data: certificate, encoding: .utf8), text.contains("-----BEGIN") {
            der = try PEMBlock.single(in: text, what: origin).der
        }
        let cert: OpaquePointer? = der.withUnsafeBytes { raw in
            var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_X509(nil, &cursor, raw.count)
        }
        guard let cert else { throw TrustError.malformed(origin, "not a valid X.509 certificate (\(openSSLError()))") }
        defer { X509_free(cert) }
        guard let key = X509_get_pubkey(cert) else { throw TrustError.malformed(origin, "the certificate has no usable public key") }
        try self.init(taking: key, origin: origin)
    }

    /// Reads a public key file; `path` names it in errors.
    public convenience init(file path: String) throws(TrustError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.malformed(path, "cannot be read") }
        try self.init(pem: String(decoding: data, as: UTF8.self), origin: path)
    }

    /// DER SubjectPublicKeyInfo.
    public var spki: Data { derBytes { i2d_PUBKEY(key, $0) }! }

    /// The key as a PEM `PUBLIC KEY` block, as cosign writes `cosign.pub`.
    public var pem: String { PEMBlock(label: "PUBLIC KEY", der: spki).text }

    /// base64(SHA-256(SPKI DER)): the `publicKey.hint` of a sigstore bundle signed with this key.
    public var hint: String { sha256(spki).base64EncodedString() }

    /// `sha256:<hex>` of the SPKI DER: how audit reports and evidence logs name the key
    /// (`openssl pkey -pubin -outform DER | sha256sum`).
    public var fingerprint: String { Digest.sha256(of: spki).description }

    public var description: String { "\(kind) key \(origin)" }

    /// Whether `signature` (ASN.1 DER for ECDSA) signs `message` hashed with `hash` (ignored for Ed25519).
    public func verify(signature: Data, message: Data, hash: HashAlgorithm = .sha256) -> Bool {
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let md: OpaquePointer? = kind == .ed25519 ? nil : hash.md
        guard EVP_DigestVerifyInit(context, nil, md, nil, key) == 1 else { _ = openSSLError(); return false }
        let result = signature.withUnsafeBytes { sig in
            message.withUnsafeBytes { msg in
                EVP_DigestVerify(context, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                                 msg.baseAddress?.assumingMemoryBound(to: UInt8.self), msg.count)
            }
        }
        if result != 1 { _ = openSSLError() }
        return result == 1
    }

    /// Whether `signature` signs the precomputed `digest` (made with `hash`): sigstore's messageSignature form.
    public func verify(signature: Data, digest: Data, hash: HashAlgorithm = .sha256) -> Bool {
        guard kind != .ed25519, let context = EVP_PKEY_CTX_new(key, nil) else { return false }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_verify_init(context) == 1, EVP_PKEY_CTX_set_signature_md(context, hash.md) == 1 else { _ = openSSLError(); return false }
        let result = signature.withUnsafeBytes { sig in
            digest.withUnsafeBytes { dig in
                EVP_PKEY_verify(context, sig.baseAddress?.assumingMemoryBound(to: UInt8.self), sig.count,
                                dig.baseAddress?.assumingMemoryBound(to: UInt8.self), dig.count)
            }
        }
        if result != 1 { _ = openSSLError() }
        return result == 1
    }

    static func kind(of key: OpaquePointer, origin: String) throws(TrustError) -> Kind {
        switch EVP_PKEY_get_base_id(key) {
        case EVP_PKEY_EC:
            var name = [CChar](repeating: 0, count: 64)
            var length = 0
            guard EVP_PKEY_get_utf8_string_param(key, "group", &name, name.count, &length) == 1 else {
                throw TrustError.unsupportedKey(origin, "EC key without a named curve")
            }
            switch String(cString: name) {
            case "prime256v1", "P-256": return .ecdsa(curve: "P-256")
            case "secp384r1", "P-384": return .ecdsa(curve: "P-384")
            case "secp521r1", "P-521": return .ecdsa(curve: "P-521")
            case let other: throw TrustError.unsupportedKey(origin, "curve \(other); expected P-256, P-384 or P-521")
            }
        case EVP_PKEY_ED25519:
            return .ed25519
        case EVP_PKEY_RSA:
            let bits = Int(EVP_PKEY_get_bits(key))
            guard (2048...4096).contains(bits) else { throw TrustError.unsupportedKey(origin, "RSA \(bits) bits; expected 2048 to 4096") }
            return .rsa(bits: bits)
        default:
            throw TrustError.unsupportedKey(origin, "expected ECDSA, Ed25519 or RSA")
        }
    }
}
