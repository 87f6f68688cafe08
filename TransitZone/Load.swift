import ArgumentParser
import Bundle
import Foundation
import Pipeline
import ZoneSupport

/// `transit load`: a bundle into a content store.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Copy a bundle into a content store (an OCI image layout), checking every blob on the way."
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one), a path or s3://BUCKET/KEY.")
    var bundle: String

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Content store directory (created if missing).", valueName: "dir"))
    var store: String

    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    struct Summary: Encodable { var store: String; var blobsCopied: Int; var blobsPresent: Int; var bytes: Int64 }

    func run() async throws {
        try await runReportingErrors("transit", evidence: evidence) {
            let result = try await BundleLoad(bundle: try storage.openBundle(bundle), storePath: store).run()
            let copied = result.blobsFetched + result.manifestsPut
            if output.json {
                try printJSON(Summary(store: store, blobsCopied: copied, blobsPresent: result.blobsSkipped, bytes: result.bytesFetched))
            } else if !output.quiet {
                print("loaded \(bundle) into \(store): \(copied) blobs copied (\(ProgressView.format(bytes: result.bytesFetched))), \(result.blobsSkipped) already present")
            }
        }
    }
}
