import ArgumentParser
import ZoneSupport

/// `airgap`: the disconnected-zone tool for auditors and cluster operators.
@main
struct Airgap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "airgap",
        abstract: "Verify, audit and serve what the private registry holds, fully offline.",
        discussion: "Runs inside the air gap. verify and serve are here; audit, mirror-config and rewrite are on the roadmap in the README.",
        version: AirlockVersion.current,
        subcommands: [VerifyImages.self, Serve.self]
    )
}
