import Foundation
import OCI

/// Checks an image's signatures against a policy, offline: key signatures as `cosign verify --key
/// --insecure-ignore-tlog` does (plus containers/image's strict payload parsing and identity rules), keyless ones
/// (Fulcio certificate, log entry, timestamps) against the rule's trusted roots, identities and issuers.
public struct ImageSignatureVerifier: Sendable {
    public let policy: TrustPolicy

    public init(policy: TrustPolicy) {
        self.policy = policy
    }

    /// Decides whether `reference` (resolved to `digest`) is trusted, given the signatures found for it.
    public func verify(_ reference: Reference, digest: Digest, evidence: SignatureEvidence) -> ImageVerdict {
        var verdict = ImageVerdict(reference: reference.description, digest: digest, trusted: false, rule: nil, accepted: [], problems: [])
        guard let rule = policy.rule(for: reference) else {
            verdict.problems = ["no policy rule matches \(reference.name)"]
            return verdict
        }
        verdict.rule = rule.origin
        var satisfied = Set<ObjectIdentifier>()
        for (position, layer) in evidence.legacy.enumerated() {
            let what = "\(evidence.legacyOrigin ?? "signature") layer \(position)"
            switch checkLegacy(layer, what: what, reference: reference, digest: digest, rule: rule) {
            case .success(let (signer, payload)):
                satisfied.insert(signer.id)
                verdict.accepted.append(.init(format: "legacy", key: signer.name, payload: String(decoding: payload, as: UTF8.self),
                                             keyFingerprint: signer.fingerprint))
            case .failure(let problem):
                verdict.problems.append(problem.description)
            }
        }
        for bundle in evidence.bundles {
            switch checkBundle(bundle, digest: digest, rule: rule) {
            case .success(let (signer, payload)):
                satisfied.insert(signer.id)
                verdict.accepted.append(.init(format: "bundle", key: signer.name, payload: String(decoding: payload, as: UTF8.self),
                                             keyFingerprint: signer.fingerprint))
            case .failure(let problem):
                verdict.problems.append(problem.description)
            }
        }
        verdict.problems += evidence.problems
        let signers = rule.signers
        let missing = signers.filter { !satisfied.contains($0.id) }
        switch rule.requirement {
        case _ where signers.isEmpty:
            verdict.trusted = rule.allowUnsigned
        case .anyOf:
            verdict.trusted = !satisfied.isEmpty || (rule.allowUnsigned && evidence.isEmpty)
            if !verdict.trusted {
                verdict.problems.insert(evidence.isEmpty ? "no signature found (rule \(rule.origin))"
                                        : "no valid signature by \(signers.map(\.name).joined(separator: " or "))", at: 0)
            }
        case .allOf:
            verdict.trusted = missing.isEmpty
            if !verdict.trusted {
                verdict.problems.insert("not signed by \(missing.map(\.name).joined(separator: ", ")) (rule \(rule.origin) requires all-of)", at: 0)
            }
        }
        if verdict.trusted { verdict.problems = [] }
        return verdict
    }

    /// A legacy `.sig` layer: a key (or, for a layer with a certificate, a keyless signer) verifies the payload,
    /// the payload is strict, names the digest and the identity.
    func checkLegacy(_ layer: CosignSignatureLayer, what: String, reference: Reference, digest: Digest,
                     rule: TrustPolicy.Rule) -> Result<(TrustPolicy.Signer, Data), TrustError> {
        guard layer.layer.mediaType == CosignSignatureLayer.mediaType else {
            return .failure(.malformed(what, "media type \(layer.layer.mediaType) is not a signature"))
        }
        guard let signature = layer.signature, !signature.isEmpty else {
            let given = layer.layer.annotations?[CosignSignatureLayer.signatureAnnotation]
            return .failure(.malformed(what, given == nil ? "no \(CosignSignatureLayer.signatureAnnotation) annotation"
                                                          : "the \(CosignSignatureLayer.signatureAnnotation) annotation is not a base64 signature"))
        }
        let signer: TrustPolicy.Signer
        if let key = rule.keys.first(where: { $0.verify(signature: signature, message: layer.payload) }) {
            signer = .key(key)
        } else if !rule.keyless.isEmpty {
            switch KeylessEvidence.legacy(layer, signature: signature, what: what).flatMap({ Self.keyless($0, rule: rule, what: what) }) {
            case .success(let keyless): signer = .keyless(keyless)
            case .failure(let problem): return .failure(problem)
            }
        } else {
            return .failure(.malformed(what, "the signature does not verify with \(rule.keys.map(\.origin).joined(separator: ", "))"))
        }
        let payload: SimpleSigningPayload
        do { payload = try SimpleSigningPayload(parsing: layer.payload, what: what) } catch { return .failure(error) }
        guard payload.manifestDigest == digest else {
            return .failure(.malformed(what, "signs \(payload.manifestDigest), not \(digest) (the manifest was changed or the signature belongs elsewhere)"))
        }
        if let problem = identityProblem(payload.dockerReference, reference: reference, rule: rule.identity) {
            return .failure(.malformed(what, problem))
        }
        if let rekorKey = policy.rekorKey, case .key = signer {
            guard let annotation = layer.layer.annotations?[CosignSignatureLayer.rekorBundleAnnotation] else {
                return .failure(.malformed(what, "no Rekor bundle, and the policy requires one"))
            }
            do {
                try RekorSET(annotation: annotation, what: what).verify(rekorKey: rekorKey, signature: signature, payload: layer.payload, what: what)
            } catch { return .failure(error) }
        }
        return .success((signer, layer.payload))
    }

    /// A sigstore bundle: parses, verifies with a trusted key (or, with a certificate, a keyless signer of the
    /// rule), and signs this digest as an image signature.
    func checkBundle(_ bundle: SignatureEvidence.Bundle, digest: Digest, rule: TrustPolicy.Rule) -> Result<(TrustPolicy.Signer, Data), TrustError> {
        let parsed: SigstoreBundle
        do { parsed = try SigstoreBundle.parse(bundle.data, what: bundle.origin) } catch { return .failure(error) }
        let signer: TrustPolicy.Signer
        if let key = rule.keys.first(where: { parsed.isSigned(by: $0, artifactDigest: Data(hex: digest.encoded)) }) {
            signer = .key(key)
        } else if !rule.keyless.isEmpty, parsed.leafCertificate != nil {
            let evidence: Result<SignatureVerification, TrustError>
            do { evidence = .success(try parsed.verification(artifactDigest: Data(hex: digest.encoded) ?? Data(), what: bundle.origin)) } catch {
                evidence = .failure(.malformed(bundle.origin, "keyless \(error)"))
            }
            switch evidence.flatMap({ Self.keyless($0, rule: rule, what: bundle.origin) }) {
            case .success(let keyless): signer = .keyless(keyless)
            case .failure(let problem): return .failure(problem)
            }
        } else {
            return .failure(.malformed(bundle.origin, "the bundle's signature does not verify with \(rule.signers.map(\.name).joined(separator: ", "))"))
        }
        do { try parsed.checkClaims(image: digest, what: bundle.origin) } catch { return .failure(error) }
        return .success((signer, parsed.dsseEnvelope?.payload ?? Data(digest.description.utf8)))
    }

    /// The first keyless signer of `rule` the evidence satisfies, or every signer's refusal (each naming its check).
    static func keyless(_ evidence: SignatureVerification, rule: TrustPolicy.Rule, what: String) -> Result<KeylessSigner, TrustError> {
        var refusals: [String] = []
        for signer in rule.keyless {
            do {
                _ = try evidence.verify(keyless: signer)
                return .success(signer)
            } catch {
                refusals.append(rule.keyless.count == 1 ? "keyless \(error)" : "\(signer): \(error)")
            }
        }
        return .failure(.malformed(what, refusals.joined(separator: "; ")))
    }

    /// Why `signedReference` does not satisfy `rule` for `reference`, or nil when it does.
    func identityProblem(_ signedReference: String, reference: Reference, rule: TrustPolicy.IdentityRule) -> String? {
        switch rule {
        case .digest:
            return nil
        case .repository:
            guard let signed = try? Reference(parsing: signedReference) else { return "docker-reference \(signedReference) is not a reference" }
            if signed.name == reference.name || policy.relocations.contains(where: { $0.relocates(signed, to: reference) }) { return nil }
            let relocations = policy.relocations.isEmpty ? "" : "; relocated by \(policy.relocations.map(\.description).joined(separator: ", "))"
            return "signed for \(signed.name), not \(reference.name) (identity rule: repository\(relocations))"
        case .exact:
            let lastComponent = signedReference.split(separator: "/").last ?? ""
            guard let signed = try? Reference(parsing: signedReference), lastComponent.contains(":") || lastComponent.contains("@") else {
                return "docker-reference \(signedReference) has no tag (identity rule: exact)"
            }
            return signed.description == reference.description ? nil : "signed for \(signed), not \(reference) (identity rule: exact)"
        }
    }
}
