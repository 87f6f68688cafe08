import ArgumentParser
import Foundation
import OCI
import Pipeline
import Registry
import Trust
import ZoneSupport

/// `airgap verify-attestation`: `cosign verify-attestation --key … --type …` against a registry, offline.
struct VerifyAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-attestation",
        abstract: "Verify the in-toto attestations of images in a registry against trusted keys, offline.",
        discussion: """
        Each reference is resolved to its digest; the DSSE envelopes in its sha256-<hex>.att manifest and in \
        sigstore-bundle referrers are checked: signed by a key, an in-toto statement whose subject is the image's \
        digest, of the --type asked for. Prints each verified envelope as one JSON line on standard output (as \
        cosign does). Exit codes: 0 every image has a verified attestation, 5 some image has none, 1 a registry \
        could not be read, 3 credentials, 4 TLS.
        """
    )

    @Argument(help: "Image references (tag or digest).")
    var references: [String]

    @Option(name: .customLong("key"), help: ArgumentHelp("Public key (cosign.pub) an attestation must be signed with; repeat for any-of.", valueName: "file"))
    var keys: [String] = []

    @Option(help: ArgumentHelp("Predicate type: slsaprovenance, slsaprovenance02, slsaprovenance1, spdx, spdxjson, cyclonedx, link, vuln, openvex, custom, or a URI.", valueName: "type"))
    var type: String?

    @Option(help: ArgumentHelp("Trust policy (YAML): each image must carry the attestations its rule lists under attestations: (see README).", valueName: "file"))
    var policy: String?

    @OptionGroup var keyless: KeylessOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        if references.isEmpty { throw ValidationError("give the references of the images whose attestations to verify") }
        if (keys.isEmpty && !keyless.requested) == (policy == nil) { throw ValidationError("give --key or --certificate-identity (keyless), or --policy") }
        if policy != nil && type != nil { throw ValidationError("--type comes from the policy's attestations: entries with --policy") }
        try keyless.requireTrustedRoot()
        if let type, AttestationType(type) == nil { throw ValidationError("--type \(type): not a known type or a URI") }
    }

    func run() async throws {
        try await runReportingErrors("airgap", evidence: evidence) {
            let trustPolicy = try policy.map { try TrustPolicy(file: $0) }
            let flagged = AttestationCheck(keys: try keys.map { try PublicKey(file: $0) }, keyless: try keyless.signer().map { [$0] } ?? [],
                                           type: type.flatMap(AttestationType.init))
            let client = try registry.makeClient()
            let material = RegistrySignatureMaterial(client: client)
            var untrusted: [ImageVerdict] = []
            for text in references {
                let reference = try Reference(parsing: text)
                let digest = try await client.digest(of: reference)
                // Every check must be met by some attestation: the flags' one, or each of the policy rule's entries.
                var checks = [flagged]
                if let trustPolicy {
                    checks = trustPolicy.rule(for: reference)?.attestations.map { AttestationCheck(keys: $0.keys, type: $0.type) } ?? []
                    guard !checks.isEmpty else {
                        untrusted.append(.refused(reference.description, digest: digest, problems: ["the policy requires no attestation for \(reference.name)"]))
                        continue
                    }
                }
                let (found, problems) = try await AttestationCollector.collect(reference, digest: digest, from: material)
                var refusals = problems
                var verified: [AttestationCollector.Found] = []
                var unmet: [String] = []
                for check in checks {
                    var met = false
                    for attestation in found {
                        switch check.verify(attestation.envelope, bundle: attestation.bundle, digest: digest, what: attestation.origin) {
                        case .success(let checked):
                            CheckRecording.report(checked.checkRecord(subject: reference.description, digest: digest))
                            met = true
                            if !verified.contains(where: { $0.json == attestation.json }) { verified.append(attestation) }
                        case .failure(let error):
                            CheckRecording.report(CheckRecord(.attestation, subject: reference.description, digest: digest, passed: false,
                                                              reason: error.description))
                            refusals.append(error.description)
                        }
                    }
                    if !met {
                        let problem = found.isEmpty ? "no attestation found" : check.type.map { "no verified \($0.uri) attestation" } ?? "no attestation verified"
                        CheckRecording.report(CheckRecord(.policyRule, subject: reference.description, digest: digest, passed: false, reason: problem))
                        unmet.append(problem)
                    }
                }
                guard unmet.isEmpty else {
                    untrusted.append(.refused(reference.description, digest: digest, problems: unmet + refusals))
                    continue
                }
                FileHandle.standardError.write(Data("""

                    Verification for \(reference.name)@\(digest) --
                    The following checks were performed on each of these attestations:
                      - The attestation's signature was verified against the specified public key or certificate identity
                      - The statement's subject is the image's digest\(checks.compactMap(\.type).map { "\n  - The predicate type is \($0.uri)" }.joined())

                    """.utf8))
                for attestation in verified { print(String(decoding: attestation.json, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            }
            if !untrusted.isEmpty { throw SignatureCheckError(untrusted: untrusted) }
        }
    }
}
