import ArgumentParser
import Bundle
import Foundation
import OCI
import Pipeline
import ZoneSupport

/// `connected pull`: copy images from registries into a content store.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Pull images, their signatures, attestations and referrers into a content store (an OCI image layout).",
        discussion: """
        Each reference is resolved to a digest and copied with every platform it has, or only those \
        given with --platform (which overrides a manifest's default, not an image's own list). Blobs \
        already in the store are not fetched again; blobs shared by several images are fetched once.
        """
    )

    @OptionGroup var what: PullOptions

    @Option(help: ArgumentHelp("Content store directory (created if missing).", valueName: "dir"))
    var store: String

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    func run() async throws {
        try await runReportingErrors("connected", evidence: evidence) {
            try what.checkInputs()
            let store = try ContentStore(at: self.store)
            let started = Date()
            let pulled = try await what.pull(into: store, registry: registry, quiet: output.quiet || output.json)
            let (report, charts) = (pulled.images, pulled.charts)
            let seconds = Date().timeIntervalSince(started)
            if output.json {
                try printJSON(PullSummary(store: store.root, seconds: seconds, report: report, charts: charts.charts))
            } else if !output.quiet {
                printCharts(charts)
                printFiles(pulled.files)
                printItems(report)
                print("pulled \(report.items.count) images into \(store.root): \(report.blobsFetched) blobs fetched "
                      + "(\(ProgressView.format(bytes: report.bytesFetched))), \(report.blobsSkipped) already present, "
                      + String(format: "%.1f s", seconds))
            }
        }
    }
}

/// One line per pulled image: reference, digest, size, attachments.
func printItems(_ report: CopyReport) {
    for item in report.items {
        print("\(item.reference) \(item.digest) \(ProgressView.format(bytes: item.bytes))"
              + (item.attached.isEmpty ? "" : " +\(item.attached.count) attached"))
    }
}

/// One line per file carried: its reference, digest and where it came from.
func printFiles(_ entries: [LayoutEntry]) {
    for entry in entries { print("\(entry.label) \(entry.descriptor.digest) from \(entry.origin ?? "?")") }
}

/// One line per pulled chart: reference, digest, where it came from, images and dependencies left out.
func printCharts(_ report: ChartPuller.Report) {
    for chart in report.charts {
        print("\(chart.reference) \(chart.digest) from \(chart.source)" + (chart.provenance ? " +prov" : "")
              + (chart.images.isEmpty ? "" : " (\(chart.images.count) images named)"))
        for dependency in chart.dependenciesNotPulled { print("  dependency not pulled: \(dependency)") }
    }
}

/// The `--json` output of `connected pull`.
struct PullSummary: Encodable {
    var store: String
    var seconds: Double
    var report: CopyReport
    var charts: [ChartPuller.PulledChart]

    enum CodingKeys: String, CodingKey { case store, seconds, images, charts, blobsFetched, bytesFetched, blobsSkipped }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(store, forKey: .store)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(report.items, forKey: .images)
        try c.encode(charts, forKey: .charts)
        try c.encode(report.blobsFetched, forKey: .blobsFetched)
        try c.encode(report.bytesFetched, forKey: .bytesFetched)
        try c.encode(report.blobsSkipped, forKey: .blobsSkipped)
    }
}
