import Foundation
import OCI

/// Checks one in-toto attestation (a DSSE envelope) for an image: signed over its PAE by a trusted key, an in-toto
/// statement, naming the image's digest among its subjects, of the predicate type asked for. The same check for
/// an envelope from a `.att` layer and from a sigstore bundle.
public struct AttestationCheck: Sendable {
    /// An attestation that passed: the key that signed it and the statement exactly as signed.
    public struct Verified: Sendable {
        public let key: PublicKey
        public let predicateType: String
        public let statement: Data
    }

    public let keys: [PublicKey]
    /// The predicate type required, or nil for any.
    public let type: AttestationType?

    public init(keys: [PublicKey], type: AttestationType?) {
        self.keys = keys
        self.type = type
    }

    /// Verifies `envelope` for the image `digest`; `what` names the attestation in refusals, which name the check.
    public func verify(_ envelope: DSSEEnvelope, digest: Digest, what: String) -> Result<Verified, TrustError> {
        guard let key = keys.first(where: { envelope.isSigned(by: $0) }) else {
            return .failure(.malformed(what, "the attestation's signature does not verify with \(keys.map(\.origin).joined(separator: ", "))"))
        }
        guard envelope.payloadType == DSSEEnvelope.inTotoPayloadType else {
            return .failure(.malformed(what, "payload type \(envelope.payloadType) is not an in-toto statement"))
        }
        let statement: InTotoStatement
        do { statement = try JSONDecoder().decode(InTotoStatement.self, from: envelope.payload) } catch {
            return .failure(.malformed(what, "the payload is not an in-toto statement (\(error))"))
        }
        guard digest.algorithm == "sha256", statement.names(sha256: digest.encoded) else {
            let named = statement.subject.flatMap { $0.digest.map { "\($0.key):\($0.value)" } }.sorted().joined(separator: ", ")
            return .failure(.malformed(what, "the statement is about \(named.isEmpty ? "no subject" : named), not \(digest)"))
        }
        if let type, statement.predicateType != type.uri {
            return .failure(.malformed(what, "predicate type \(statement.predicateType), not \(type.uri)"))
        }
        return .success(Verified(key: key, predicateType: statement.predicateType, statement: envelope.payload))
    }
}
