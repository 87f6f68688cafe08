import COpenSSL
import Foundation

/// An X.509 certificate (OpenSSL), with what keyless verification reads from it: validity, subject alternative
/// names, code-signing use and the Fulcio extensions.
public final class Certificate: @unchecked Sendable {
    let x509: OpaquePointer
    /// The DER encoding, exactly as read.
    public let der: Data

    /// Reads a DER certificate; `what` names it in errors.
    public init(der: Data, what: String) throws(TrustError) {
        let parsed: OpaquePointer? = der.withUnsafeBytes { raw in
            var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_X509(nil, &cursor, raw.count)
        }
        guard let parsed else { throw TrustError.malformed(what, "not a DER X.509 certificate (\(openSSLError()))") }
        x509 = parsed
        self.der = der
    }

    /// Every `CERTIFICATE` block of a PEM text, in order.
    public static func all(pem text: String, what: String) throws(TrustError) -> [Certificate] {
        var certificates: [Certificate] = []
        for block in try PEMBlock.all(in: text) where block.label == "CERTIFICATE" {
            certificates.append(try Certificate(der: block.der, what: what))
        }
        return certificates
    }

    deinit { X509_free(x509) }

    /// When the certificate starts to be valid.
    public var notBefore: Date { Self.date(X509_get0_notBefore(x509)) ?? .distantFuture }
    /// When it stops being valid (inclusive).
    public var notAfter: Date { Self.date(X509_get0_notAfter(x509)) ?? .distantPast }

    /// Whether `time` lies within the validity period (both ends included).
    public func isValid(at time: Date) -> Bool { notBefore <= time && time <= notAfter }

    /// The subject public key.
    public func publicKey(what: String) throws(TrustError) -> PublicKey {
        guard let key = X509_get_pubkey(x509) else { throw TrustError.malformed(what, "the certificate has no usable public key") }
        return try PublicKey(taking: key, origin: what)
    }

    /// Whether the extended key usage allows code signing (Fulcio's leaves carry it).
    public var allowsCodeSigning: Bool {
        X509_get_extension_flags(x509) & UInt32(EXFLAG_XKUSAGE) != 0 && X509_get_extended_key_usage(x509) & UInt32(XKU_CODE_SIGN) != 0
    }

    /// Whether basic constraints say the certificate is a CA.
    public var isCA: Bool { X509_check_ca(x509) != 0 }

    /// Whether the certificate is self-issued and self-signed (a root).
    public var isSelfSigned: Bool { X509_get_extension_flags(x509) & UInt32(EXFLAG_SS) != 0 }

    /// The identities the subject alternative names carry: e-mail addresses, URIs, and Fulcio's OtherName
    /// username (`1.3.6.1.4.1.57264.1.7`).
    public var subjectAlternativeNames: [String] {
        guard let names = X509_get_ext_d2i(x509, NID_subject_alt_name, nil, nil) else { return [] }
        let stack = OpaquePointer(names)
        defer { GENERAL_NAMES_free(stack) }
        var result: [String] = []
        for index in 0..<OPENSSL_sk_num(stack) {
            guard let raw = OPENSSL_sk_value(stack, index) else { continue }
            let name = raw.assumingMemoryBound(to: GENERAL_NAME.self).pointee
            switch name.type {
            case GEN_EMAIL: if let text = Self.text(name.d.rfc822Name) { result.append(text) }
            case GEN_URI: if let text = Self.text(name.d.uniformResourceIdentifier) { result.append(text) }
            case GEN_OTHERNAME:
                guard let other = name.d.otherName?.pointee, Self.oid(other.type_id) == FulcioExtension.otherNameUsername,
                      let value = other.value?.pointee, value.type == V_ASN1_UTF8STRING,
                      let text = Self.text(value.value.utf8string) else { continue }
                result.append(text)
            default: continue
            }
        }
        return result
    }

    /// The OIDC issuer Fulcio recorded: the `1.3.6.1.4.1.57264.1.8` extension (a DER UTF8String), else the
    /// legacy `1.3.6.1.4.1.57264.1.1` (raw bytes).
    public var oidcIssuer: String? {
        if let value = extensionValue(FulcioExtension.issuerV2), let text = DERReader.utf8String(value) { return text }
        return extensionValue(FulcioExtension.issuerV1).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The raw value (inside the OCTET STRING) of the extension `oid`, or nil when absent.
    public func extensionValue(_ oid: String) -> Data? {
        guard let object = OBJ_txt2obj(oid, 1) else { return nil }
        defer { ASN1_OBJECT_free(object) }
        let position = X509_get_ext_by_OBJ(x509, object, -1)
        guard position >= 0, let ext = X509_get_ext(x509, position), let data = X509_EXTENSION_get_data(ext) else { return nil }
        return Self.bytes(data)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date? {
        guard let time else { return nil }
        var parts = tm()
        guard ASN1_TIME_to_tm(time, &parts) == 1 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }

    static func bytes(_ string: UnsafePointer<ASN1_STRING>?) -> Data? {
        guard let string, let data = ASN1_STRING_get0_data(string) else { return nil }
        return Data(bytes: data, count: Int(ASN1_STRING_length(string)))
    }

    static func text(_ string: UnsafeMutablePointer<ASN1_STRING>?) -> String? {
        bytes(string).map { String(decoding: $0, as: UTF8.self) }
    }

    static func oid(_ object: OpaquePointer?) -> String? {
        guard let object else { return nil }
        var buffer = [CChar](repeating: 0, count: 128)
        guard OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1) > 0 else { return nil }
        return String(cString: buffer)
    }
}

/// The object identifiers Fulcio puts in its certificates (sigstore's `docs/oid-info.md`).
public enum FulcioExtension {
    /// OIDC issuer, raw string (deprecated, still written).
    public static let issuerV1 = "1.3.6.1.4.1.57264.1.1"
    /// OIDC issuer, DER UTF8String.
    public static let issuerV2 = "1.3.6.1.4.1.57264.1.8"
    /// The OtherName SAN type for a username identity.
    public static let otherNameUsername = "1.3.6.1.4.1.57264.1.7"
}

/// The few DER shapes read by hand: a length, a UTF8String.
enum DERReader {
    /// The contents of a DER UTF8String, or nil when `der` is something else.
    static func utf8String(_ der: Data) -> String? {
        let bytes = [UInt8](der)
        guard bytes.first == 0x0C, let (length, header) = length(bytes, at: 1), header + length == bytes.count else { return nil }
        return String(bytes: bytes[header...], encoding: .utf8)
    }

    /// A DER length at `offset`: the length and where the contents start.
    static func length(_ bytes: [UInt8], at offset: Int) -> (Int, Int)? {
        guard offset < bytes.count else { return nil }
        let first = Int(bytes[offset])
        if first < 0x80 { return (first, offset + 1) }
        let count = first & 0x7F
        guard count > 0, count <= 4, offset + count < bytes.count else { return nil }
        var value = 0
        for byte in bytes[(offset + 1)...(offset + count)] { value = value << 8 | Int(byte) }
        return (value, offset + 1 + count)
    }
}
