import ArgumentParser
import Bundle
import Charts
import Foundation
import Pipeline
import ZoneSupport

/// `connected chart-images`: the images a chart names, and where.
struct ChartImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chart-images",
        abstract: "List the container images a Helm chart names, with where each was found.",
        discussion: """
        CHART is a chart archive (.tgz), oci://HOST/PATH/NAME, or a chart NAME with --repo URL. Images come from \
        Chart.yaml's helm.sh/images and artifacthub.io/images annotations, Bitnami's images.lock, and default values \
        (image: strings, repository/registry/tag maps), subcharts included.
        """
    )

    @Argument(help: "A chart archive, oci://HOST/PATH/NAME, or a chart name with --repo.")
    var chart: String

    @Option(help: ArgumentHelp("HTTP(S) chart repository holding CHART.", valueName: "url"))
    var repo: String?

    @Option(help: ArgumentHelp("Version or constraint (default: the newest release).", valueName: "constraint"))
    var version: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions

    struct Listing: Encodable { var chart: String; var version: String; var images: [ChartImage] }

    func run() async throws {
        try await runReportingErrors("connected") {
            let listing: Listing
            if repo == nil && !chart.hasPrefix("oci://") {
                let archive = try ChartArchive(path: chart)
                listing = Listing(chart: archive.metadata.name, version: archive.metadata.version, images: ChartImageFinder.images(in: archive))
            } else {
                let request: ChartRequest
                if let repo { request = try ChartRequest(repository: repo, name: chart, version: version) } else {
                    let path = String(chart.dropFirst("oci://".count))
                    let name = String(path.split(separator: "/").last ?? "")
                    request = try ChartRequest(repository: "oci://" + path, name: name, version: version)
                }
                let scratch = NSTemporaryDirectory() + "airlock-chart-images-\(getpid())"
                defer { try? FileManager.default.removeItem(atPath: scratch) }
                let store = try ContentStore(at: scratch)
                let report = try await ChartPuller(store: store, client: try registry.makeClient(), basicAuth: registry.creds).pull([request])
                guard let pulled = report.charts.first else { throw ValidationError("no chart pulled") }
                listing = Listing(chart: pulled.name, version: pulled.version, images: pulled.images)
            }
            if output.json {
                try printJSON(listing)
            } else if !output.quiet {
                for image in listing.images { print("\(image.reference)\t\(image.foundIn.joined(separator: "; "))") }
            }
        }
    }
}
