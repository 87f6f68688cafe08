import Foundation
import OCI

/// Checks one in-toto attestation (a DSSE envelope) for an image: signed over its PAE by a trusted key (or, in a
/// sigstore bundle with a certificate, by a keyless signer, checked as image signatures are), an in-toto
/// statement, naming the image's digest among its subjects, of the predicate type asked for. The same check for
/// an envelope from a `.att` layer and from a sigstore bundle.
public struct AttestationCheck: Sendable {
    /// An attestation that passed: who signed it and the statement exactly as signed.
    public struct Verified: Sendable {
        public let signer: TrustPolicy.Signer
        public let predicateType: String
        public let statement: Data
    }

    public let keys: [PublicKey]
    /// Keyless signers, for attestations in sigstore bundles that carry a certificate.
    public let keyless: [KeylessSigner]
    /// The predicate type required, or nil for any.
    public let type: AttestationType?

    public init(keys: [PublicKey], keyless: [KeylessSigner] = [], type: AttestationType?) {
        self.keys = keys
        self.keyless = keyless
        self.type = type
    }

    /// Verifies `envelope` for the image `digest`; `what` names the attestation in refusals, which name the check.
    /// `bundle` is the sigstore bundle that carried the envelope, if one did.
    public func verify(_ envelope: DSSEEnvelope, bundle: SigstoreBundle? = nil, digest: Digest, what: String) -> Result<Verified, TrustError> {
        let signer: TrustPolicy.Signer
        if let key = keys.first(where: { envelope.isSigned(by: $0) }) {
            signer = .key(key)
        } else if let bundle, bundle.leafCertificate != nil, !keyless.isEmpty {
            switch keylessSigner(bundle, digest: digest, what: what) {
            case .success(let found): signer = .keyless(found)
            case .failure(let problem): return .failure(problem)
            }
        } else {
            let names = keys.map(\.origin) + keyless.map(\.description)
            return .failure(.malformed(what, "the attestation's signature does not verify with \(names.joined(separator: ", "))"))
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
        return .success(Verified(signer: signer, predicateType: statement.predicateType, statement: envelope.payload))
    }

    /// The first keyless signer the bundle's certificate, log entries and timestamps satisfy, or every refusal.
    func keylessSigner(_ bundle: SigstoreBundle, digest: Digest, what: String) -> Result<KeylessSigner, TrustError> {
        let verification: SignatureVerification
        do { verification = try bundle.verification(artifactDigest: Data(hex: digest.encoded) ?? Data(), what: what) } catch {
            return .failure(.malformed(what, "keyless \(error)"))
        }
        var refusals: [String] = []
        for signer in keyless {
            do {
                _ = try verification.verify(keyless: signer)
                return .success(signer)
            } catch {
                refusals.append("keyless \(error)")
            }
        }
        return .failure(.malformed(what, refusals.joined(separator: "; ")))
    }
}
