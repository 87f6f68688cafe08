import ArgumentParser
import ZoneSupport

/// `transit`: the landing-zone tool that verifies bundles offline and pushes them into a private registry.
@main
struct Transit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "transit",
        abstract: "Verify Airlock bundles offline and push them into a private registry.",
        discussion: "Runs on the landing host between the zones. See the README for the bundle format and exit codes.",
        version: AirlockVersion.current,
        subcommands: [Verify.self, Push.self, Load.self, ExportCharts.self, ExportFiles.self, Fetch.self]
    )

    static func main() async { await mainEscapingUsageErrors() }
}
