import ArgumentParser
import Foundation
import Pipeline
import ZoneSupport

/// `transit fetch`: a local copy of a bundle kept in object storage.
struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Copy a bundle from S3-compatible storage (s3://BUCKET/KEY) to a local file, split volumes as volumes.",
        discussion: "The copy appears only when complete; each volume of a split bundle is checked against its metadata. The other transit commands read s3:// bundles in place, so this is only for sites that want a local copy."
    )

    @Argument(help: "The bundle: s3://BUCKET/KEY (NAME.tar, or NAME.tar.parts.json for a split one).")
    var bundle: String

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The local file to write (NAME.tar; volumes become NAME.tar.000, …).", valueName: "file"))
    var output: String

    @OptionGroup var storage: StorageOptions
    @OptionGroup var outputOptions: OutputOptions

    func run() async throws {
        try await runReportingErrors("transit") {
            let started = Date()
            let copied = try fetchBundle(try storage.openBundle(bundle), to: output, in: try storage.store(for: output))
            let seconds = Date().timeIntervalSince(started)
            if outputOptions.json {
                try printJSON(FetchOutput(bundle: bundle, files: copied.files, bytes: copied.bytes, seconds: (seconds * 1000).rounded() / 1000))
            } else if !outputOptions.quiet {
                print("fetched \(bundle) to \(output): \(ProgressView.format(bytes: copied.bytes)) in \(copied.files.count) file\(copied.files.count == 1 ? "" : "s"), "
                      + String(format: "%.1f s (%.0f MiB/s)", seconds, Double(copied.bytes) / max(seconds, 0.001) / 1_048_576))
            }
        }
    }
}

/// `transit fetch --json`.
struct FetchOutput: Encodable {
    var bundle: String
    var files: [String]
    var bytes: Int64
    var seconds: Double
}
