import ArgumentParser
import ZoneSupport

/// `airgap`: the disconnected-zone tool for auditors and cluster operators.
@main
struct Airgap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airgap",
        abstract: "Verify, audit and serve what the private registry holds, fully offline.",
        discussion: "Runs inside the air gap: verify signatures and attestations, audit a whole registry, serve a registry, write runtime mirror configuration, lint and rewrite Kubernetes manifests.",
        version: AirlockVersion.current,
        subcommands: [VerifyImages.self, VerifyAttestation.self, Audit.self, EvidenceCommands.self, Serve.self, MirrorConfig.self, Lint.self, Rewrite.self]
    )

    static func main() async { await mainEscapingUsageErrors() }
}
