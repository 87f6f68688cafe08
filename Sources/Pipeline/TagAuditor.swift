import Foundation
import OCI
import Trust

/// The checks of `airgap audit`, in one place: walks an inventory (a registry or a bundle), and for every tag that
/// is not Airlock's own (signatures, attestations, referrer fallbacks, push records — read as evidence instead)
/// resolves the digest and platforms, verifies its signatures against the policy (relocation-aware, with the push
/// records of its repository), tells a signature for another repository from one that does not verify, looks for a
/// site key's countersignature and for attestations, and lists its referrers and the other tags naming its digest.
/// Only manifests and small blobs (signature payloads, envelopes, configs) are read, never a layer.
public struct TagAuditor: Sendable {
    public let policy: TrustPolicy
    /// Keys whose signature for the image's own repository counts as the site's countersignature.
    public let siteKeys: [PublicKey]
    /// Repository paths to audit (`*` within a segment, `**` across); nil: all.
    public let repositories: ReferencePattern?
    /// Only images whose config was `created` at or after this time (and those with no time to compare).
    public let since: Date?
    public let jobs: Int

    public init(policy: TrustPolicy, siteKeys: [PublicKey] = [], repositories: ReferencePattern? = nil, since: Date? = nil, jobs: Int = 8) {
        self.policy = policy
        self.siteKeys = siteKeys
        self.repositories = repositories
        self.since = since
        self.jobs = jobs
    }

    /// Whether `tag` is one Airlock or cosign derives from a digest (`sha256-<hex>`, `.sig`, `.att`, `.sbom`) or a
    /// push record: evidence about images, not an image of its own.
    public static func isEvidenceTag(_ tag: String) -> Bool {
        if tag.hasPrefix(PushRecord.tagPrefix) { return true }
        guard tag.hasPrefix("sha256-") else { return false }
        var hex = tag.dropFirst("sha256-".count)
        for suffix in [".sig", ".att", ".sbom"] where hex.hasSuffix(suffix) { hex = hex.dropLast(suffix.count) }
        return hex.count == 64 && hex.allSatisfy(\.isHexDigit)
    }

    /// One finding per audited tag, sorted by repository and tag.
    public func audit(_ inventory: any AuditInventory) async throws -> [AuditFinding] {
        let limiter = ConcurrencyLimiter(limit: jobs)
        let all = try await limiter.run { try await inventory.repositories() }
        let chosen = all.filter { repositories?.matches(path: $0.path) ?? true }
        var findings = try await withThrowingTaskGroup(of: [AuditFinding].self) { group in
            for repository in chosen {
                group.addTask { try await audit(repository, of: inventory, limiter: limiter) }
            }
            var findings: [AuditFinding] = []
            for try await part in group { findings += part }
            return findings
        }
        findings.sort { ($0.repository, $0.tag) < ($1.repository, $1.tag) }
        var byDigest: [Digest: [String]] = [:]
        for finding in findings { if let digest = finding.digest { byDigest[digest, default: []].append(finding.reference) } }
        for index in findings.indices {
            guard let digest = findings[index].digest else { continue }
            findings[index].sameDigest = byDigest[digest, default: []].filter { $0 != findings[index].reference }
        }
        return findings
    }

    func audit(_ repository: Repository, of inventory: any AuditInventory, limiter: ConcurrencyLimiter) async throws -> [AuditFinding] {
        let tags = Set(try await limiter.run { try await inventory.tags(of: repository) })
        let relocations = try await limiter.run { try await inventory.relocations(in: repository, tags: tags) }
        let material = inventory.material(for: repository, tags: tags)
        return try await withThrowingTaskGroup(of: AuditFinding?.self) { group in
            for tag in tags where !Self.isEvidenceTag(tag) {
                group.addTask {
                    try await limiter.run {
                        try await audit(tag, in: repository, of: inventory, material: material, relocations: relocations)
                    }
                }
            }
            var findings: [AuditFinding] = []
            for try await finding in group { if let finding { findings.append(finding) } }
            return findings
        }
    }

    /// The finding for one tag, or nil when `since` leaves it out.
    func audit(_ tag: String, in repository: Repository, of inventory: any AuditInventory, material repositoryMaterial: any SignatureMaterial,
               relocations: [Digest: [Relocation]]) async throws -> AuditFinding? {
        var finding = AuditFinding(repository: repository.description, tag: tag, digest: nil, mediaType: nil, platforms: [], created: nil,
                                   state: .unreadable, passes: false, rule: nil, signatures: [], attestations: [], referrers: [],
                                   sameDigest: [], pushedFrom: [], inputs: [], problems: [], verificationSummary: nil)
        let manifest: Manifest
        do { manifest = try await inventory.manifest(tag: tag, in: repository) } catch let error as ManifestError {
            finding.problems = ["\(error)"]
            return finding
        }
        let digest = manifest.digest
        let reference = try Reference(registry: repository.registry, repository: repository.path, tag: tag, digest: nil)
        let material = RecordingSignatureMaterial(repositoryMaterial)
        finding.digest = digest
        finding.mediaType = manifest.mediaType
        if case .index(let index) = manifest.content {
            finding.platforms = index.manifests.compactMap(\.platform).map(\.description).filter { $0 != "unknown/unknown" }
        }
        if let since {
            let created = try await Self.created(manifest, of: reference, in: material)
            if let created, created < since { return nil }
            finding.created = created.map { ISO8601DateFormatter().string(from: $0) }
        }

        var imagePolicy = policy
        imagePolicy.relocations += relocations[digest] ?? []
        finding.pushedFrom = (relocations[digest] ?? []).compactMap(\.signedPrefix)
        let verifier = ImageSignatureVerifier(policy: imagePolicy)
        let evidence = try await SignatureCollector.collect(reference, digest: digest, from: material)
        var verdict = verifier.verify(reference, digest: digest, evidence: evidence)
        if !verdict.trusted, let subset = try await PlatformSubsetTrust.verdict(reference, digest: digest, own: verdict, material: material, verifier: verifier) {
            verdict = subset
        }
        let site = siteKeys.isEmpty ? nil
            : ImageSignatureVerifier(policy: .requiring(siteKeys)).verify(reference, digest: digest, evidence: evidence)
        finding.rule = verdict.rule
        finding.signatures = signatures(verdict, site: site)
        finding.attestations = try await attestations(of: reference, digest: digest, in: material)
        finding.referrers = try await material.referrers(of: reference, digest: digest).map { referrer in
            var artifactType: String?
            if case .image(let image) = referrer.content { artifactType = image.artifactType ?? image.config.mediaType }
            return AuditFinding.Referrer(digest: referrer.digest, artifactType: artifactType)
        }

        guard let rule = imagePolicy.rule(for: reference) else {
            finding.state = .noRule
            finding.problems = verdict.problems
            finding.inputs = material.inputs
            return finding
        }
        if verdict.trusted, !rule.attestations.isEmpty {
            let gated = try await TrustGate(policy: imagePolicy).requireAttestations(rule.attestations, of: (reference, digest), verdict: verdict, in: material)
            if !gated.trusted {
                finding.state = .unattested
                finding.problems = gated.problems
            }
        }
        if verdict.trusted, finding.state != .unattested {
            finding.state = verdict.accepted.isEmpty ? .unsignedAllowed : site?.trusted == true ? .countersigned : .signed
        } else if !verdict.trusted {
            finding.problems = verdict.problems
            if evidence.isEmpty, evidence.problems.isEmpty, verdict.platformSubsetOf == nil {
                finding.state = .unsigned
            } else {
                var digestOnly = imagePolicy
                digestOnly.rules = digestOnly.rules.map { rule in var rule = rule; rule.identity = .digest; return rule }
                finding.state = ImageSignatureVerifier(policy: digestOnly).verify(reference, digest: digest, evidence: evidence).trusted
                    ? .otherRepository : .invalid
            }
        }
        finding.passes = finding.state.passes
        finding.inputs = material.inputs
        return finding
    }

    /// Every key the policy or the site names, by file: their fingerprints.
    var fingerprints: [String: String] {
        var known: [String: String] = [:]
        for key in policy.rules.flatMap(\.keys) + siteKeys { known[key.origin] = key.fingerprint }
        return known
    }

    /// The accepted signatures of the policy's verdict, then the site keys' (countersignatures), with their payloads' fields.
    func signatures(_ verdict: ImageVerdict, site: ImageVerdict?) -> [AuditFinding.Signature] {
        let fingerprints = fingerprints
        let own = verdict.accepted.map { ($0, false) }
        let countersigned = (site?.trusted == true ? site!.accepted : []).map { ($0, true) }
        return (own + countersigned).map { accepted, isSite in
            var signature = AuditFinding.Signature(format: accepted.format, key: accepted.key, fingerprint: fingerprints[accepted.key], site: isSite)
            let payload = Data(accepted.payload.utf8)
            if let parsed = try? SimpleSigningPayload(parsing: payload, what: "payload") {
                signature.dockerReference = parsed.dockerReference
                signature.annotations = parsed.annotations
            } else if let statement = try? JSONDecoder().decode(InTotoStatement.self, from: payload) {
                signature.annotations = ["predicateType": statement.predicateType]
            }
            return signature
        }
    }

    /// Every attestation found, each checked against every key of the policy and the site.
    func attestations(of reference: Reference, digest: Digest, in material: any SignatureMaterial) async throws -> [AuditFinding.Attestation] {
        let (found, problems) = try await AttestationCollector.collect(reference, digest: digest, from: material)
        let check = AttestationCheck(keys: policy.rules.flatMap(\.keys) + siteKeys, keyless: policy.rules.flatMap(\.keyless), type: nil)
        let fingerprints = fingerprints
        var attestations = found.map { attestation in
            var result = AuditFinding.Attestation(origin: attestation.origin, verified: false)
            switch check.verify(attestation.envelope, bundle: attestation.bundle, digest: digest, what: attestation.origin) {
            case .success(let verified):
                result.verified = true
                result.predicateType = verified.predicateType
                result.key = verified.signer.name
                result.fingerprint = fingerprints[verified.signer.name]
            case .failure(let problem):
                result.predicateType = (try? JSONDecoder().decode(InTotoStatement.self, from: attestation.envelope.payload))?.predicateType
                result.problem = problem.description
            }
            return result
        }
        attestations += problems.map { AuditFinding.Attestation(origin: reference.name, verified: false, problem: $0) }
        return attestations
    }

    /// The image config's `created` time; for an index, the newest of its images'. Nil when there is none.
    static func created(_ manifest: Manifest, of reference: Reference, in material: any SignatureMaterial) async throws -> Date? {
        switch manifest.content {
        case .image(let image):
            // An artifact's config (a chart's, an empty one) may be anything: only an image config's time counts.
            guard image.config.size <= SignatureCollector.blobLimit else { return nil }
            let bytes = try await material.smallBlob(image.config, of: reference)
            guard let config = try? JSONSerialization.jsonObject(with: bytes) as? [String: Any], let text = config["created"] as? String else { return nil }
            return parseTime(text)
        case .index(let index):
            var newest: Date?
            for child in index.manifests where MediaType.isManifest(child.mediaType) && !MediaType.isIndex(child.mediaType) {
                let created = try await Self.created(try await material.manifest(child, of: reference), of: reference, in: material)
                if let created, newest.map({ created > $0 }) ?? true { newest = created }
            }
            return newest
        }
    }

    /// An RFC 3339 time, with or without fractional seconds (Go writes nanoseconds); or a date alone (midnight UTC).
    public static func parseTime(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        // Go's nanoseconds: keep milliseconds.
        if let dot = text.firstIndex(of: "."), let end = text[dot...].firstIndex(where: { !$0.isNumber && $0 != "." }) {
            let digits = text[text.index(after: dot)..<end]
            if let date = formatter.date(from: String(text[..<dot]) + "." + digits.prefix(3).padding(toLength: 3, withPad: "0", startingAt: 0) + text[end...]) {
                return date
            }
        }
        formatter.formatOptions = [.withFullDate]
        return formatter.date(from: text)
    }
}
