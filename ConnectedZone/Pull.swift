import ArgumentParser
import Bundle
import Foundation
import OCI
import Pipeline
import Registry
import ZoneSupport

/// `connected pull`: copy images from registries into a content store.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull images, their signatures, attestations and referrers into a content store (an OCI image layout).",
        discussion: """
        Each reference is resolved to a digest and copied with every platform it has, or only those \
        given with --platform (which overrides a manifest's default, not an image's own list). Blobs \
        already in the store are not fetched again; blobs shared by several images are fetched once.
        """
    )

    @Argument(help: "Image references, e.g. docker.io/library/redis:7.4.1 or ghcr.io/org/app@sha256:….")
    var references: [String] = []

    @Option(name: [.customShort("f"), .customLong("manifest")], help: ArgumentHelp("Bundle manifest (YAML) listing the images.", valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp("Content store directory (created if missing).", valueName: "dir"))
    var store: String

    @Option(help: ArgumentHelp("Platforms to keep, comma-separated (default: all).", valueName: "list"))
    var platform: String?

    @Option(help: ArgumentHelp("Transfers at once, across all images.", valueName: "n"))
    var jobs: Int = 8

    @Flag(name: .customLong("no-signatures"), help: "Do not copy cosign .sig/.att/.sbom tags.")
    var noSignatures = false

    @Flag(name: .customLong("no-referrers"), help: "Do not copy OCI referrers.")
    var noReferrers = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if references.isEmpty && manifest == nil { throw ValidationError("give image references or --manifest FILE") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
    }

    func run() async throws {
        try await runReportingErrors("connected") {
            let requests = try plan()
            let store = try ContentStore(at: self.store)
            let client = try registry.makeClient()
            let view = ProgressView(quiet: output.quiet || output.json, totalReferences: requests.count)
            let engine = CopyEngine(source: RegistrySource(client: client), sink: StoreSink(store: store),
                                    options: CopyOptions(jobs: jobs, signatures: !noSignatures, referrers: !noReferrers),
                                    progress: view)
            let started = Date()
            let report: CopyReport
            do { report = try await engine.copy(requests) } catch {
                view.finish()
                throw error
            }
            view.finish()
            let seconds = Date().timeIntervalSince(started)
            if output.json {
                try printJSON(PullSummary(store: store.root, seconds: seconds, report: report))
            } else if !output.quiet {
                for item in report.items {
                    print("\(item.reference) \(item.digest) \(ProgressView.format(bytes: item.bytes))"
                          + (item.attached.isEmpty ? "" : " +\(item.attached.count) attached"))
                }
                print("pulled \(report.items.count) images into \(store.root): \(report.blobsFetched) blobs fetched "
                      + "(\(ProgressView.format(bytes: report.bytesFetched))), \(report.blobsSkipped) already present, "
                      + String(format: "%.1f s", seconds))
            }
        }
    }

    /// The copy requests from the arguments and the manifest, with --platform applied.
    func plan() throws -> [CopyRequest] {
        let platforms = try platform.map { list in try list.split(separator: ",").map { try Platform(parsing: String($0).trimmingCharacters(in: .whitespaces)) } }
        var requests: [CopyRequest] = []
        if let manifest {
            let parsed = try BundleManifest(contentsOf: manifest)
            requests += parsed.images.map { CopyRequest(reference: $0.reference, platforms: $0.platforms ?? platforms ?? parsed.platforms) }
        }
        requests += try references.map { CopyRequest(reference: try Reference(parsing: $0), platforms: platforms) }
        return requests
    }
}

/// The `--json` output of `connected pull`.
struct PullSummary: Encodable {
    var store: String
    var seconds: Double
    var report: CopyReport

    enum CodingKeys: String, CodingKey { case store, seconds, images, blobsFetched, bytesFetched, blobsSkipped }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(store, forKey: .store)
        try c.encode((seconds * 1000).rounded() / 1000, forKey: .seconds)
        try c.encode(report.items, forKey: .images)
        try c.encode(report.blobsFetched, forKey: .blobsFetched)
        try c.encode(report.bytesFetched, forKey: .bytesFetched)
        try c.encode(report.blobsSkipped, forKey: .blobsSkipped)
    }
}
