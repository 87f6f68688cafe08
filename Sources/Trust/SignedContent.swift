import Foundation

/// What a signature signs, in the forms the signer's key, the transparency log and a timestamp authority see it.
public struct SignedContent: Sendable {
    public enum Form: Sendable {
        /// A legacy `.sig` payload (signed whole, SHA-256).
        case payload(Data)
        /// A sigstore message signature over an artifact's SHA-256 digest.
        case digest(Data)
        /// A DSSE envelope, signed over its PAE.
        case envelope(DSSEEnvelope)
    }

    public var form: Form
    /// The signature being checked (for an envelope, its first).
    public var signature: Data

    public init(form: Form, signature: Data) {
        self.form = form
        self.signature = signature
    }

    /// Whether `signature` verifies with `key`.
    public func verifies(with key: PublicKey) -> Bool {
        switch form {
        case .payload(let payload): key.verify(signature: signature, message: payload, hash: .sha256)
        case .digest(let digest): key.verify(signature: signature, digest: digest, hash: .sha256)
        case .envelope(let envelope):
            key.verify(signature: signature, message: DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: envelope.payload),
                       hash: key.kind.defaultHash)
        }
    }

    /// Why the log entry `body` does not record this signature by `verifier`, or nil when it does.
    func mismatch(with body: RekorEntryBody, verifier: RekorEntryBody.Verifier) -> String? {
        guard let position = body.signatures.firstIndex(of: signature) else { return "the log entry records another signature" }
        guard body.verifiers.indices.contains(position), body.verifiers[position] == verifier else {
            return "the log entry records another \(Self.name(of: verifier))"
        }
        switch (form, body.kind) {
        case (.payload(let payload), "hashedrekord"):
            return body.signedDigest == sha256(payload) ? nil : "the log entry records another payload digest"
        case (.digest(let digest), "hashedrekord"):
            return body.signedDigest == digest ? nil : "the log entry records another artifact digest"
        case (.envelope(let envelope), "hashedrekord"):
            let pae = DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: envelope.payload)
            return body.signedDigest == sha256(pae) ? nil : "the log entry records another envelope"
        case (.envelope(let envelope), "dsse"), (.envelope(let envelope), "intoto"):
            return body.payloadHash == sha256(envelope.payload) ? nil : "the log entry records another envelope payload"
        default:
            return "a \(body.kind) entry cannot record this kind of signature"
        }
    }

    static func name(of verifier: RekorEntryBody.Verifier) -> String {
        if case .certificate = verifier { return "certificate" }
        return "public key"
    }
}
