import ArgumentParser
import Bundle
import Foundation
import Pipeline
import ZoneSupport

/// `transit export-charts`: a bundle's charts as a static chart repository.
struct ExportCharts: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-charts",
        abstract: "Write a bundle's Helm charts as a static chart repository: index.yaml and NAME-VERSION.tgz (+ .prov).",
        discussion: "Serve the directory with any web server; `helm repo add NAME URL` then finds every chart. URLs in index.yaml are relative unless --base-url is given."
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one), a path or s3://BUCKET/KEY.")
    var bundle: String

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Directory to write (created if missing).", valueName: "dir"))
    var dir: String

    @Option(name: .customLong("base-url"), help: ArgumentHelp("URL the directory will be served at, for absolute chart URLs.", valueName: "url"))
    var baseURL: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runReportingErrors("transit") {
            let exported = try await ChartExporter(bundle: try storage.openBundle(bundle)).export(to: dir, baseURL: baseURL)
            if output.json {
                try printJSON(exported)
            } else if !output.quiet {
                for chart in exported { print("\(chart.file) \(chart.digest)\(chart.provenance ? " +prov" : "")") }
                print("exported \(exported.count) charts to \(dir)/index.yaml")
            }
        }
    }
}
