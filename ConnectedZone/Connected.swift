import ArgumentParser
import ZoneSupport

/// `connected`: the connected-zone tool that pulls what a site needs.
@main
struct Connected: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connected",
        abstract: "Pull images with their signatures and attestations for carrying across an air gap.",
        discussion: "Runs in the connected zone. See the README for the bundle manifest format and exit codes.",
        version: AirlockVersion.current,
        subcommands: [Pull.self, LockCommand.self, MakeBundle.self, Pack.self, Sign.self, GenerateKeyPair.self, ChartImagesCommand.self]
    )

    static func main() async { await mainEscapingUsageErrors() }
}
