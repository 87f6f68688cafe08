import ArgumentParser
import Bundle
import Cluster
import Foundation
import OCI
import Pipeline
import Registry
import Trust
import ZoneSupport

/// `airgap audit`: every tag of a registry (or of a bundle before its push) against a policy, with a terminal
/// summary, a JSON report and a self-contained HTML report; optionally a signed verification summary per image.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit every tag of a registry (or a bundle) against trusted keys or a policy, offline.",
        discussion: """
        Walks the catalog (under PREFIX) and every tag, skipping the tags that are evidence (sha256-<hex>.sig/.att/.sbom, \
        referrer fallbacks, airlock-push-* records): each tag is resolved to its digest and platforms, and classified: \
        countersigned, signed, unsigned-allowed (these pass), unattested, other-repository, invalid, unsigned, no-rule, \
        unreadable. Prints one line per tag and the counts; --json and --html write the reports (see README). \
        Exit codes: 0 every tag passes, 5 some tag does not, 1 a registry or bundle could not be read, 3 credentials, \
        4 TLS, 65 a key or policy file.
        """
    )

    @Option(help: ArgumentHelp("The registry to audit, and optionally the part of its catalog: only repositories under PREFIX.", valueName: "host[/prefix]"))
    var registry: String?

    @Option(help: ArgumentHelp("A bundle to audit before it is pushed (names as the bundle records them).", valueName: "file"))
    var bundle: String?

    @OptionGroup var trust: TrustOptions
    @OptionGroup var relocation: RelocationOptions

    @Option(name: .customLong("site-key"), help: ArgumentHelp("Public key of the site (transit push --sign-key): a tag it signed for its own repository is countersigned. Repeatable.", valueName: "file"))
    var siteKeys: [String] = []

    @Option(help: ArgumentHelp("Only repositories whose path (as the catalog lists it, PREFIX included) matches; * within a segment, ** across.", valueName: "glob"))
    var repos: String?

    @Option(help: ArgumentHelp("Only images whose config says they were created at or after DATE (YYYY-MM-DD or RFC 3339); tags with no creation time are kept.", valueName: "date"))
    var since: String?

    @Option(help: ArgumentHelp("Write the report as JSON (schemaVersion 1).", valueName: "file"))
    var json: String?

    @Option(help: ArgumentHelp("Write the report as one self-contained HTML file.", valueName: "file"))
    var html: String?

    @Option(help: ArgumentHelp("Requests in flight at once.", valueName: "n"))
    var jobs: Int = 8

    @Option(name: .customLong("vsa-key"), help: ArgumentHelp("Private key (cosign.key): add a signed SLSA verification summary to the .att of each image whose signatures passed.", valueName: "file"))
    var vsaKey: String?

    @OptionGroup var registryOptions: RegistryOptions
    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        if (registry == nil) == (bundle == nil) { throw ValidationError("give --registry HOST[/PREFIX] or --bundle FILE") }
        if !trust.requested { throw ValidationError("give --key, --certificate-identity (keyless) or --policy") }
        try trust.keyless.requireTrustedRoot()
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if vsaKey != nil && bundle != nil { throw ValidationError("--vsa-key attaches summaries in a registry: use it with --registry") }
        if let since, TagAuditor.parseTime(since) == nil { throw ValidationError("--since \(since): expected YYYY-MM-DD or an RFC 3339 time") }
        if let registry {
            do { _ = try PushTarget(parsing: registry) } catch { throw ValidationError("--registry \(registry): \(error)") }
        }
    }

    func run() async throws {
        try await runReportingErrors("airgap", evidence: evidence) {
            guard var policy = try trust.trustPolicy() else { return }
            if let relocation = try relocation.relocation() { policy.relocations.append(relocation) }
            let sites = try siteKeys.map { try PublicKey(file: $0) }
            let signer = try vsaKey.map(loadSigningKey)
            let client = try registryOptions.makeClient()
            let inventory: any AuditInventory = if let registry {
                RegistryAuditInventory(client: client, scope: try PushTarget(parsing: registry))
            } else {
                try BundleAuditInventory(bundle: try BundleFile(path: bundle!))
            }
            let started = Date()
            let auditor = TagAuditor(policy: policy, siteKeys: sites, repositories: repos.map(ReferencePattern.init),
                                     since: since.flatMap(TagAuditor.parseTime), jobs: jobs)
            var findings = try await auditor.audit(inventory)
            findings.forEach(Self.recordEvidence)
            if let signer { findings = try await attachSummaries(to: findings, policy: policy, signer: signer, client: client, time: started) }
            let report = AuditReport(tool: "airgap \(AirlockVersion.current)", source: inventory.location, policy: policyDescription,
                                     siteKeys: Dictionary(sites.map { ($0.origin, $0.fingerprint) }, uniquingKeysWith: { first, _ in first }),
                                     repositories: repos, since: since, auditedAt: started, tags: findings)
            if let json { try AtomicFileWriter.write(try report.encoded(), to: json, mode: 0o644) }
            if let html { try AtomicFileWriter.write(Data(AuditHTML.render(report).utf8), to: html, mode: 0o644) }
            print(AuditSummary.text(report), terminator: "")
            let failing = findings.filter { !$0.passes }
            if !failing.isEmpty { throw AuditFailure(failing: failing, total: findings.count) }
        }
    }

    /// What the audit checked for one tag, for the evidence log (`--evidence`): each signature accepted with its
    /// key, each attestation, and the policy's decision with the tag's state.
    static func recordEvidence(_ finding: AuditFinding) {
        let subject = finding.reference
        for signature in finding.signatures {
            CheckRecording.report(CheckRecord(.signature, subject: subject, digest: finding.digest, keyFingerprint: signature.fingerprint,
                                              passed: true, reason: signature.site ? "site countersignature" : nil))
        }
        for attestation in finding.attestations {
            CheckRecording.report(CheckRecord(.attestation, subject: subject, digest: finding.digest, keyFingerprint: attestation.fingerprint,
                                              passed: attestation.verified, reason: attestation.problem ?? attestation.predicateType))
        }
        CheckRecording.report(CheckRecord(.policyRule, subject: subject, digest: finding.digest, passed: finding.passes,
                                          reason: ([finding.state.rawValue] + finding.problems).joined(separator: "; ")))
    }

    /// `--policy FILE` or `--key FILE, …` (and the keyless identity), as the report names it.
    var policyDescription: String {
        if let policy = trust.policy { return policy }
        return (trust.keys.map { "--key \($0)" } + (trust.keyless.identity.map { ["--certificate-identity \($0)"] } ?? [])).joined(separator: ", ")
    }

    /// The policy as a verification summary names it: the file and its SHA-256, or (flags) the SHA-256 of the
    /// sorted key fingerprints and keyless identities, one per line.
    func summaryPolicy(_ policy: TrustPolicy) throws -> VerificationSummary.Policy {
        if let path = trust.policy {
            guard let data = FileManager.default.contents(atPath: path) else { throw TrustError.malformed(path, "cannot be read") }
            return .init(uri: URL(fileURLWithPath: path).absoluteString, sha256: Digest.sha256(of: data).encoded)
        }
        let lines = policy.rules.flatMap { $0.keys.map(\.fingerprint) + $0.keyless.map(\.description) }.sorted()
        return .init(uri: "urn:airlock:audit:keys", sha256: Digest.sha256(of: Data(lines.map { $0 + "\n" }.joined().utf8)).encoded)
    }

    /// Signs and attaches a verification summary to each image whose signatures passed (once per repository and
    /// digest); records the `.att` tag in its findings.
    func attachSummaries(to findings: [AuditFinding], policy: TrustPolicy, signer: PrivateKey, client: RegistryClient, time: Date) async throws -> [AuditFinding] {
        let summary = VerificationSummary(policy: try summaryPolicy(policy), toolVersion: AirlockVersion.current, time: time)
        let attacher = AttestationAttacher(client: client, key: signer)
        var attached: [String: String] = [:]
        var result = findings
        for index in result.indices {
            let finding = result[index]
            guard let digest = finding.digest, [.signed, .countersigned].contains(finding.state) else { continue }
            let key = "\(finding.repository)@\(digest)"
            if attached[key] == nil {
                let repository = try Reference(parsing: "\(finding.repository)@\(digest)")
                attached[key] = try await attacher.attach(try summary.statement(for: finding, digest: digest), predicateType: VerificationSummary.predicateType,
                                                          to: digest, in: Repository(repository))
            }
            result[index].verificationSummary = attached[key]
        }
        return result
    }
}

/// Some tags do not satisfy the policy (exit 5, untrusted).
struct AuditFailure: CategorizedError, CustomStringConvertible {
    let failing: [AuditFinding]
    let total: Int
    var category: ErrorCategory { .untrusted }
    var description: String {
        let named = failing.prefix(5).map { "\($0.reference) (\($0.state.rawValue))" }.joined(separator: ", ")
        return "\(failing.count) of \(total) tags do not satisfy the policy: \(named)\(failing.count > 5 ? ", …" : "")"
    }
}
