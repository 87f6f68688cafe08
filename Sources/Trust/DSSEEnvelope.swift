import Foundation

/// A DSSE envelope (Dead Simple Signing Envelope): a typed payload and signatures over its PAE.
public struct DSSEEnvelope: Sendable, Decodable {
    public struct Signature: Sendable, Decodable {
        public var sig: Data
        public var keyid: String?
    }

    /// The in-toto payload type, the only one cosign signs images with.
    public static let inTotoPayloadType = "application/vnd.in-toto+json"

    public var payloadType: String
    public var payload: Data
    public var signatures: [Signature]

    /// Pre-Authentication Encoding: `DSSEv1 SP len(type) SP type SP len(payload) SP payload`.
    public static func pae(payloadType: String, payload: Data) -> Data {
        var out = Data("DSSEv1 \(payloadType.utf8.count) \(payloadType) \(payload.count) ".utf8)
        out.append(payload)
        return out
    }

    /// Whether any signature verifies over the PAE with `key`.
    public func isSigned(by key: PublicKey) -> Bool {
        let message = Self.pae(payloadType: payloadType, payload: payload)
        return signatures.contains { key.verify(signature: $0.sig, message: message, hash: key.kind.defaultHash) }
    }
}

/// An in-toto Statement (v0.1 or v1): what the attestation is about and what it says.
public struct InTotoStatement: Sendable, Decodable {
    public struct Subject: Sendable, Decodable {
        public var name: String?
        public var digest: [String: String]
    }

    public var type: String
    public var subject: [Subject]
    public var predicateType: String

    enum CodingKeys: String, CodingKey {
        case type = "_type", subject, predicateType
    }

    /// The predicate type `cosign sign` (v3) uses for an image signature.
    public static let cosignSignPredicate = "https://sigstore.dev/cosign/sign/v1"

    /// Whether some subject carries SHA-256 `hex`.
    public func names(sha256 hex: String) -> Bool {
        subject.contains { $0.digest["sha256"]?.lowercased() == hex.lowercased() }
    }
}
