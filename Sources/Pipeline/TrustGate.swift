import OCI
import Trust

/// Checks a set of images against a policy before anything trusts them, and fails closed.
public struct TrustGate: Sendable {
    public let verifier: ImageSignatureVerifier

    public init(policy: TrustPolicy) {
        verifier = ImageSignatureVerifier(policy: policy)
    }

    /// One verdict per image, in order; signatures are looked up in `material`.
    public func verdicts(for images: [(reference: Reference, digest: Digest)], in material: any SignatureMaterial) async throws -> [ImageVerdict] {
        var verdicts: [ImageVerdict] = []
        for image in images {
            let evidence = try await SignatureCollector.collect(image.reference, digest: image.digest, from: material)
            var verdict = verifier.verify(image.reference, digest: image.digest, evidence: evidence)
            // No accepted signature of its own: a filtered index is trusted through its source index (PlatformSubsetTrust).
            if !verdict.trusted, let subset = try await PlatformSubsetTrust.verdict(image.reference, digest: image.digest, own: verdict,
                                                                                       material: material, verifier: verifier) {
                verdict = subset
            }
            if verdict.trusted, let rule = verifier.policy.rule(for: image.reference), !rule.attestations.isEmpty {
                verdict = try await requireAttestations(rule.attestations, of: image, verdict: verdict, in: material)
            }
            if let recorder = CheckRecording.recorder { verdict.checkRecords.forEach(recorder.record) }
            verdicts.append(verdict)
        }
        return verdicts
    }

    /// The verdict, refused unless each required attestation is present and verifies (with the reasons otherwise).
    func requireAttestations(_ requirements: [AttestationRequirement], of image: (reference: Reference, digest: Digest), verdict: ImageVerdict,
                             in material: any SignatureMaterial) async throws -> ImageVerdict {
        let (found, problems) = try await AttestationCollector.collect(image.reference, digest: image.digest, from: material)
        var missing: [String] = []
        for requirement in requirements {
            let check = AttestationCheck(keys: requirement.keys, type: requirement.type)
            var refusals: [String] = []
            guard !found.contains(where: { attestation in
                switch check.verify(attestation.envelope, bundle: attestation.bundle, digest: image.digest, what: attestation.origin) {
                case .success(let verified):
                    CheckRecording.report(verified.checkRecord(subject: image.reference.description, digest: image.digest))
                    return true
                case .failure(let error):
                    CheckRecording.report(CheckRecord(.attestation, subject: image.reference.description, digest: image.digest, passed: false,
                                                      reason: error.description))
                    refusals.append(error.description)
                    return false
                }
            }) else { continue }
            missing.append("no verified \(requirement.type) attestation by \(requirement.keys.map(\.origin).joined(separator: " or ")) (rule \(requirement.origin))")
            missing += refusals
        }
        guard !missing.isEmpty else { return verdict }
        return .refused(verdict.reference, digest: verdict.digest, problems: missing + problems)
    }

    /// Throws `SignatureCheckError` unless every image is trusted.
    public func require(_ images: [(reference: Reference, digest: Digest)], in material: any SignatureMaterial) async throws -> [ImageVerdict] {
        let verdicts = try await verdicts(for: images, in: material)
        let untrusted = verdicts.filter { !$0.trusted }
        if !untrusted.isEmpty { throw SignatureCheckError(untrusted: untrusted) }
        return verdicts
    }
}

/// Images whose signatures do not satisfy the policy, each with its reasons.
public struct SignatureCheckError: Error, CustomStringConvertible {
    public let untrusted: [ImageVerdict]
    public init(untrusted: [ImageVerdict]) { self.untrusted = untrusted }
    public var description: String {
        let lines = untrusted.map { "  \($0.reference)@\($0.digest): \($0.reason)" }
        return "\(untrusted.count) image\(untrusted.count == 1 ? "" : "s") not trusted:\n" + lines.joined(separator: "\n")
    }
}
