import Foundation
import OCI

/// A Sigstore bundle (v0.1–v0.3, JSON): verification material plus a DSSE envelope or a message signature.
/// cosign v3 stores one per image signature as an OCI referrer.
public struct SigstoreBundle: Sendable, Decodable {
    public struct VerificationMaterial: Sendable, Decodable {
        public struct Hint: Sendable, Decodable { public var hint: String? }
        public struct RawBytes: Sendable, Decodable { public var rawBytes: Data }
        public struct Chain: Sendable, Decodable { public var certificates: [RawBytes] }
        public var publicKey: Hint?
        public var certificate: RawBytes?
        public var x509CertificateChain: Chain?
        public var tlogEntries: [LogEntry]?
        public var timestampVerificationData: TimestampData?
    }

    /// A transparency log entry as the bundle's protobuf JSON writes it (64-bit integers as strings).
    public struct LogEntry: Sendable, Decodable {
        public struct LogID: Sendable, Decodable { public var keyId: Data }
        public struct KindVersion: Sendable, Decodable { public var kind: String; public var version: String }
        public struct Promise: Sendable, Decodable { public var signedEntryTimestamp: Data }
        public struct Checkpoint: Sendable, Decodable { public var envelope: String }
        public struct Proof: Sendable, Decodable {
            public var logIndex: ProtoInt64
            public var rootHash: Data
            public var treeSize: ProtoInt64
            public var hashes: [Data]
            public var checkpoint: Checkpoint?
        }
        public var logIndex: ProtoInt64
        public var logId: LogID
        public var kindVersion: KindVersion
        public var integratedTime: ProtoInt64?
        public var inclusionPromise: Promise?
        public var inclusionProof: Proof?
        public var canonicalizedBody: Data

        /// The entry in the form the verifier checks.
        public var entry: TransparencyLogEntry {
            TransparencyLogEntry(logIndex: logIndex.value, logID: logId.keyId, kind: kindVersion.kind, version: kindVersion.version,
                                 integratedTime: integratedTime?.value, signedEntryTimestamp: inclusionPromise?.signedEntryTimestamp,
                                 inclusionProof: inclusionProof.map {
                                     MerkleInclusionProof(index: $0.logIndex.value, treeSize: $0.treeSize.value, rootHash: $0.rootHash, hashes: $0.hashes)
                                 },
                                 checkpoint: inclusionProof?.checkpoint?.envelope, body: canonicalizedBody)
        }
    }

    /// RFC 3161 timestamps over the signature.
    public struct TimestampData: Sendable, Decodable {
        public struct Signed: Sendable, Decodable { public var signedTimestamp: Data }
        public var rfc3161Timestamps: [Signed]?
    }

    public struct MessageSignature: Sendable, Decodable {
        public struct MessageDigest: Sendable, Decodable {
            public var algorithm: String
            public var digest: Data
        }
        public var messageDigest: MessageDigest?
        public var signature: Data
    }

    /// The bundle media types this reader accepts.
    public static let mediaTypes: Set<String> = [
        "application/vnd.dev.sigstore.bundle+json;version=0.1",
        "application/vnd.dev.sigstore.bundle+json;version=0.2",
        "application/vnd.dev.sigstore.bundle+json;version=0.3",
        "application/vnd.dev.sigstore.bundle.v0.3+json",
    ]

    /// Whether an OCI artifact or layer media type is a sigstore bundle.
    public static func isBundleType(_ type: String?) -> Bool {
        type?.hasPrefix("application/vnd.dev.sigstore.bundle") == true
    }

    public var mediaType: String
    public var verificationMaterial: VerificationMaterial?
    public var dsseEnvelope: DSSEEnvelope?
    public var messageSignature: MessageSignature?

    /// Parses bundle JSON; `what` names it in errors.
    public static func parse(_ data: Data, what: String) throws(TrustError) -> SigstoreBundle {
        let bundle: SigstoreBundle
        let decoder = JSONDecoder()
        // Protobuf's JSON readers (Go's, Python's) skip line breaks inside base64; so does this one.
        decoder.dataDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self).filter { !$0.isWhitespace }
            guard let data = Data(base64Encoded: text) else {
                throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Encountered Data is not valid Base64."))
            }
            return data
        }
        do { bundle = try decoder.decode(SigstoreBundle.self, from: data) } catch {
            throw TrustError.malformed(what, "not a sigstore bundle (\(Self.describe(error)))")
        }
        guard mediaTypes.contains(bundle.mediaType) else {
            throw TrustError.malformed(what, "bundle media type \(bundle.mediaType); expected v0.1, v0.2 or v0.3")
        }
        guard (bundle.dsseEnvelope == nil) != (bundle.messageSignature == nil) else {
            throw TrustError.malformed(what, "expected exactly one of dsseEnvelope and messageSignature")
        }
        return bundle
    }

    /// The leaf certificate, for keyless bundles.
    public var leafCertificate: Data? {
        verificationMaterial?.certificate?.rawBytes ?? verificationMaterial?.x509CertificateChain?.certificates.first?.rawBytes
    }

    /// Whether the bundle's signature verifies with `key` over `artifactDigest` (messageSignature, prehashed)
    /// or over the envelope's PAE (DSSE). Says nothing about what was signed. The key hint is only a hint
    /// (npm's bundles put their own key ids there), so the signature alone decides.
    public func isSigned(by key: PublicKey, artifactDigest: Data? = nil) -> Bool {
        if let envelope = dsseEnvelope { return envelope.isSigned(by: key) }
        guard let message = messageSignature else { return false }
        guard let digest = message.messageDigest?.digest ?? artifactDigest else { return false }
        if let artifactDigest, digest != artifactDigest { return false }
        return key.verify(signature: message.signature, digest: digest, hash: .sha256)
    }

    /// Checks that the bundle is a cosign image signature of `image`: a DSSE in-toto statement with the
    /// cosign sign predicate naming the digest, or a message signature over the digest itself.
    public func checkClaims(image: Digest, what: String) throws(TrustError) {
        if let envelope = dsseEnvelope {
            guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
                throw TrustError.malformed(what, "DSSE payload type \(envelope.payloadType); expected \(DSSEEnvelope.inTotoPayloadType)")
            }
            let statement: InTotoStatement
            do { statement = try JSONDecoder().decode(InTotoStatement.self, from: envelope.payload) } catch {
                throw TrustError.malformed(what, "the DSSE payload is not an in-toto statement")
            }
            guard statement.predicateType == InTotoStatement.cosignSignPredicate else {
                throw TrustError.malformed(what, "predicate \(statement.predicateType) is an attestation, not an image signature (\(InTotoStatement.cosignSignPredicate))")
            }
            guard statement.names(sha256: image.encoded) else {
                let named = statement.subject.compactMap { $0.digest["sha256"] }.map { "sha256:\($0)" }.joined(separator: ", ")
                throw TrustError.malformed(what, "signs \(named.isEmpty ? "no sha256 subject" : named), not \(image)")
            }
        } else if let message = messageSignature {
            guard let digest = message.messageDigest, digest.algorithm == "SHA2_256" else {
                throw TrustError.malformed(what, "message signature without a SHA2_256 digest")
            }
            guard digest.digest == Data(hex: image.encoded) else {
                throw TrustError.malformed(what, "the message signature is over sha256:\(digest.digest.hex), not \(image)")
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "missing \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context), DecodingError.dataCorrupted(let context):
            context.codingPath.map(\.stringValue).joined(separator: ".") + ": " + context.debugDescription
        default: "invalid JSON"
        }
    }
}

extension Data {
    /// Bytes from lowercase or uppercase hex; nil when `hex` is not hex.
    init?(hex: String) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hex.count / 2)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self.init(bytes)
    }

    /// Lowercase hex of the bytes.
    var hex: String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count * 2)
        for byte in self {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
