import ArgumentParser
import Foundation
import OCI
import Pipeline
import Registry
import Trust
import ZoneSupport

/// `airgap verify`: `cosign verify --key … --insecure-ignore-tlog` (or, keyless, `--certificate-identity …
/// --trusted-root …`) against a registry, fully offline.
struct VerifyImages: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify the cosign signatures of images in a registry against trusted keys or a policy, offline.",
        discussion: """
        Each reference is resolved to its digest; its sha256-<hex>.sig signatures and sigstore-bundle referrers are \
        checked. Prints, per image, the verified payloads as a JSON array (as cosign does) on standard output and \
        the checks made on standard error. A signature made before transit push names the source repository; \
        the record transit push leaves in each repository (tag airlock-push-<hex>), --prefix or the policy's remap: \
        say where the push put it, and the repository rule then accepts it for exactly that repository. Exit codes: 0 every image verified, 5 some image is unsigned or its \
        signatures do not verify, 1 a registry could not be read (or a push record in it is malformed), 3 credentials, 4 TLS.
        """
    )

    @Argument(help: "Image references (tag or digest).")
    var references: [String]

    @OptionGroup var trust: TrustOptions
    @OptionGroup var relocation: RelocationOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        if references.isEmpty { throw ValidationError("give the references of the images to verify") }
        if !trust.requested { throw ValidationError("give --key, --certificate-identity (keyless) or --policy") }
        try trust.keyless.requireTrustedRoot()
    }

    func run() async throws {
        try await runReportingErrors("airgap", evidence: evidence) {
            guard var policy = try trust.trustPolicy() else { return }
            if let relocation = try relocation.relocation() { policy.relocations.append(relocation) }
            let client = try registry.makeClient()
            let records = PushRecordLookup(client: client)
            var untrusted: [ImageVerdict] = []
            for text in references {
                let reference = try Reference(parsing: text)
                let digest = try await client.digest(of: reference)
                // What transit push recorded in the repository: where this image came from.
                var imagePolicy = policy
                imagePolicy.relocations += try await records.relocations(of: digest, in: Repository(reference))
                let verdict = try await TrustGate(policy: imagePolicy).verdicts(for: [(reference, digest)], in: RegistrySignatureMaterial(client: client))[0]
                guard verdict.trusted else { untrusted.append(verdict); continue }
                // A platform subset is trusted through the source index it was filtered from: say how.
                var subset = ""
                if let source = verdict.platformSubsetOf, let provenance = verdict.provenance {
                    subset = "\(reference.name)@\(digest) has no signature of its own: \(provenance).\n"
                        + "The source index \(source) is \(verdict.signatures); what it signed covers this subset.\n"
                }
                let keyless = verdict.accepted.filter { $0.key.hasPrefix("keyless ") }.map(\.key)
                let checks = keyless.isEmpty ? "  - The signatures were verified against the specified public key\n"
                    : "  - The signatures were verified against the certificate of \(keyless.joined(separator: ", "))\n"
                    + "  - The certificate chained to the trusted root at the logged signing time\n"
                    + "  - The transparency log entry and its proofs were verified offline\n"
                FileHandle.standardError.write(Data("""

                    Verification for \(reference.name)@\(digest) --
                    \(subset)The following checks were performed on each of these signatures:
                      - The cosign claims were validated

                    """.utf8) + Data(checks.utf8))
                // The payloads exactly as signed (each is JSON), as one array.
                print("[" + verdict.accepted.map(\.payload).joined(separator: ",") + "]")
            }
            if !untrusted.isEmpty { throw SignatureCheckError(untrusted: untrusted) }
        }
    }
}
