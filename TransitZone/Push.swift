import ArgumentParser
import Bundle
import Foundation
import OCI
import Pipeline
import Trust
import ZoneSupport

extension ExistingTags: ExpressibleByArgument {}

/// `transit push`: a bundle into a registry.
struct Push: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Push a bundle into any OCI distribution registry; tags move last, only when everything else succeeded.",
        discussion: """
        REGISTRY/PATH:TAG lands at HOST/PREFIX/PATH:TAG with its digest unchanged (docker.io's library/ kept); \
        signatures keep their sha256-<hex>.sig tags, referrers their subjects. The bundle's structure is checked \
        before anything is sent and every blob's SHA-256 as it streams. Blobs the target has are skipped, blobs \
        another repository of the target has are mounted, so a rerun sends only what is missing.
        """
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one), a path or s3://BUCKET/KEY.")
    var bundle: String

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Target registry, with an optional repository prefix.", valueName: "host[:port][/prefix]"))
    var to: String

    @Option(help: ArgumentHelp("Uploads at once, across all images.", valueName: "n"))
    var jobs: Int = 8

    @Option(name: .customLong("chunk-size"), help: ArgumentHelp("Blobs larger than this are sent in PATCH chunks of this size (e.g. 64M).", valueName: "size"))
    var chunkSize: String = "64M"

    @Option(help: "A tag the target already has with other content: overwrite, skip (leave it), or fail (push nothing).")
    var existing: ExistingTags = .overwrite

    @Flag(name: .customLong("dry-run"), help: "Check the bundle and the target, print the plan, send nothing.")
    var dryRun = false

    @OptionGroup var trust: BundleTrustOptions

    @Option(name: .customLong("sign-key"), help: ArgumentHelp("Countersign every pushed image for its new reference with this cosign key.", valueName: "file"))
    var signKey: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
        do { _ = try ByteSize.parse(chunkSize, option: "--chunk-size") } catch { throw ValidationError(error.description) }
    }

    func run() async throws {
        try await runReportingErrors("transit", evidence: evidence) {
            var options = BundlePush.Options()
            options.jobs = jobs
            options.existing = existing
            options.dryRun = dryRun
            options.chunkSize = try ByteSize.parse(chunkSize, option: "--chunk-size")
            let file = try storage.openBundle(bundle)
            options.signer = try signKey.map { ImageSigner(key: try loadSigningKey($0)) }   // a wrong password fails first
            if trust.requested { options.trust = try trust.makeCheck() }
            let report = try await BundlePush(bundle: file, client: try registry.makeClient(), target: try PushTarget(parsing: to), options: options).run()
            if output.json {
                try printJSON(report)
            } else if !output.quiet {
                for artifact in report.artifacts { print("\(artifact.target) \(artifact.digest)\(artifact.tagged ? "" : " (tag left as it was)")") }
                for image in report.countersigned ?? [] { print("countersigned \(image)") }
                print("\(dryRun ? "would push" : "pushed") \(report.artifacts.count) artifacts to \(report.target): \(report.blobsUploaded) blobs uploaded "
                      + "(\(ProgressView.format(bytes: report.bytesUploaded))), \(report.blobsMounted) mounted, \(report.blobsPresent) present, "
                      + "\(report.manifestsPut) manifests, " + String(format: "%.2f s", report.seconds))
            }
        }
    }
}
