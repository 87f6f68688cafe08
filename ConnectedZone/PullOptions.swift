import ArgumentParser
import Bundle
import Charts
import Foundation
import OCI
import Pipeline
import Registry
import ZoneSupport

/// What to pull: references, a bundle manifest, platforms, and how (shared by `pull` and `bundle`).
struct PullOptions: ParsableArguments {
    @Argument(help: "Image references, e.g. docker.io/library/redis:7.4.1 or ghcr.io/org/app@sha256:….")
    var references: [String] = []

    @Option(name: [.customShort("f"), .customLong("manifest")], help: ArgumentHelp("Bundle manifest (YAML) listing the images.", valueName: "file"))
    var manifest: String?

    @Option(help: ArgumentHelp("Platforms to keep, comma-separated (default: all).", valueName: "list"))
    var platform: String?

    @Option(help: ArgumentHelp("Transfers at once, across all images.", valueName: "n"))
    var jobs: Int = 8

    @Flag(name: .customLong("no-signatures"), help: "Do not copy cosign .sig/.att/.sbom tags.")
    var noSignatures = false

    @Flag(name: .customLong("no-referrers"), help: "Do not copy OCI referrers.")
    var noReferrers = false

    @Flag(name: .customLong("verbatim-index"), help: ArgumentHelp(
        "With --platform, keep a multi-platform index byte for byte (its digest, naming platforms left out) instead of a filtered index.",
        discussion: "Only for registries that accept an index whose manifests they lack; CNCF distribution refuses it on push."))
    var verbatimIndex = false

    @OptionGroup var trust: SourceTrustOptions

    func validate() throws {
        if references.isEmpty && manifest == nil { throw ValidationError("give image references or --manifest FILE") }
        if jobs < 1 || jobs > 64 { throw ValidationError("--jobs must be between 1 and 64") }
        if trust.requested && noSignatures && noReferrers {
            throw ValidationError("--verify-key/--policy need the signatures: drop --no-signatures or --no-referrers")
        }
    }

    /// What the arguments and the manifest ask for: images (`--platform` replaces the manifest's default
    /// platforms, not an image's own), charts, and the platforms of the images charts name.
    func requests() throws -> (images: [CopyRequest], charts: [ChartRequest], chartImagePlatforms: [Platform]?, files: [FileRequest]) {
        let platforms = try platform.map { list in try list.split(separator: ",").map { try Platform(parsing: String($0).trimmingCharacters(in: .whitespaces)) } }
        let parsed = try manifest.map { try BundleManifest(contentsOf: $0) }
        let defaultPlatforms = platforms ?? parsed?.platforms
        let images = (parsed?.images ?? []).map { CopyRequest(reference: $0.reference, platforms: $0.platforms ?? defaultPlatforms) }
            + (try references.map { CopyRequest(reference: try Reference(parsing: $0), platforms: platforms) })
        return (images, parsed?.charts.map(\.request) ?? [], defaultPlatforms, parsed?.files.map(\.request) ?? [])
    }

    /// Reads every input the pull needs (references, the manifest, platforms, keys and policy) without pulling,
    /// so bad input is refused before the store is created.
    func checkInputs() throws {
        _ = try requests()
        _ = try trust.trustPolicy()
        _ = try trust.carriedTrustedRoot()
    }

    /// Pulls the arguments and the manifest's images and charts into `store`, at the digests of `lock` when
    /// given, showing progress unless `quiet`.
    func pull(into store: ContentStore, registry: RegistryOptions, quiet: Bool, lock: LockFile? = nil) async throws -> StorePull.Report {
        let asked = try requests()
        var pull = StorePull(images: asked.images, charts: asked.charts, chartImagePlatforms: asked.chartImagePlatforms,
                             options: CopyOptions(jobs: jobs, signatures: !noSignatures, referrers: !noReferrers, verbatimIndex: verbatimIndex),
                             policy: try trust.trustPolicy(), chartCredentials: registry.creds, lock: lock,
                             trustedRoot: try trust.carriedTrustedRoot())
        pull.files = asked.files
        let view = ProgressView(quiet: quiet)
        defer { view.finish() }
        return try await pull.run(into: store, with: try registry.makeClient(), progress: view)
    }
}
