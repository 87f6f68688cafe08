import ArgumentParser
import Archive
import Bundle
import Foundation
import OCI
import Pipeline
import Trust
import ZoneSupport

/// Where and how to write a bundle (shared by `bundle` and `pack`).
struct BundleOutputOptions: ParsableArguments {
    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The bundle file to write (NAME.tar), or an object (s3://BUCKET/KEY).", valueName: "file"))
    var output: String

    @Option(help: ArgumentHelp("Split into volumes NAME.tar.000, … of at most this size (700M, 4G, fat32), with NAME.tar.parts.json.", valueName: "size"))
    var split: String?

    @Option(name: .customLong("sign-key"), help: ArgumentHelp("Sign the bundle's index.json with this cosign key (index.json.sig, cosign sign-blob form).", valueName: "file"))
    var signKey: String?

    @Option(help: ArgumentHelp("Write a delta bundle: leave out every blob this earlier bundle (NAME.tar), its record (.json) or its lock file (.lock) carried.", valueName: "file"))
    var since: String?

    @Option(name: .customLong("since-store"), help: ArgumentHelp("Write a delta bundle: leave out every blob this content store holds.", valueName: "dir"))
    var sinceStore: String?

    @OptionGroup var storage: StorageOptions

    func validate() throws {
        if since != nil && sinceStore != nil { throw ValidationError("give --since or --since-store, not both") }
        if let split {   // before anything is pulled
            do { _ = try BundleLayout(splitArgument: split) } catch { throw ValidationError(error.description) }
        }
    }

    /// Where the bundle goes, its credentials and bucket checked when it is object storage: before anything is pulled.
    func destination() throws -> any ArchiveStore {
        let files = try storage.store(for: output)
        try storage.checkWritable(output, in: files)
        return files
    }

    func layout() throws -> BundleLayout {
        try split.map { try BundleLayout(splitArgument: $0) } ?? .single
    }

    /// The base of a delta bundle, when one was asked for.
    func base(registry: RegistryOptions) async throws -> DeltaBase? {
        if let sinceStore { return try DeltaBase.store(sinceStore) }
        guard let since else { return nil }
        return try await DeltaBase.since(since, files: try storage.store(for: since), client: try registry.makeClient())
    }
}

/// The `--json` output of `connected bundle` and `connected pack`.
struct BundleSummary: Encodable {
    var bundle: String
    var files: [String]
    var bytes: Int64
    var seconds: Double
    var record: BundleRecord
}

/// Writes the bundle and reports it.
func finishBundle(store: ContentStore, entries: [LayoutEntry]?, manifestText: String?, lockText: String? = nil, base: DeltaBase?,
                  options: BundleOutputOptions, files: any ArchiveStore, output: OutputOptions, started: Date) async throws {
    let key = try options.signKey.map(loadSigningKey)
    var signIndex: (@Sendable (Data) throws -> Data)?
    if let key { signIndex = { try BundleSignature.sign($0, with: key) } }
    let written = try await writeBundle(store: store, entries: entries, manifestText: manifestText, lockText: lockText, base: base, tool: "airlock \(AirlockVersion.current)",
                                        signIndex: signIndex, to: options.output, layout: try options.layout(), in: files)
    let seconds = Date().timeIntervalSince(started)
    if output.json {
        try printJSON(BundleSummary(bundle: options.output, files: written.files, bytes: written.bytes,
                                    seconds: (seconds * 1000).rounded() / 1000, record: written.record))
    } else if !output.quiet {
        let volumes = written.files.count > 1 ? " in \(written.files.count - 1) volumes" : ""
        let size = ProgressView.format(bytes: written.bytes)
        let time = String(format: "%.1f s", seconds)
        let delta = written.record.base.map { " (a delta: \($0.blobs.count) blobs left to the base)" } ?? ""
        print("wrote \(options.output): \(written.record.artifacts.count) artifacts, \(written.record.blobCount) blobs, \(size)\(volumes), \(time)\(delta)")
    }
}

/// `connected bundle`: pull, then pack what was pulled.
struct MakeBundle: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle",
        abstract: "Pull images into a content store and write them, with everything attached, as one bundle."
    )

    @OptionGroup var what: PullOptions
    @OptionGroup var bundle: BundleOutputOptions

    @Option(help: ArgumentHelp("Content store to pull into and keep (default: a temporary one beside the bundle).", valueName: "dir"))
    var store: String?

    @Option(help: ArgumentHelp("Pull exactly the digests of this lock file (from `connected lock`) and record it in the bundle.", valueName: "file"))
    var lock: String?

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    func run() async throws {
        try await runReportingErrors("connected", evidence: evidence) {
            let started = Date()
            let files = try bundle.destination()
            let lockText = try lock.map { path in
                guard let data = FileManager.default.contents(atPath: path) else { throw LockFileError(file: path, line: nil, message: "cannot be read") }
                return String(decoding: data, as: UTF8.self)
            }
            let locked = try lockText.map { try LockFile(yaml: $0, file: lock ?? "") }
            try what.checkInputs()
            let base = try await bundle.base(registry: registry)   // a bad --since fails before anything is pulled
            // Without --store: a scratch store beside the bundle (in the temporary directory for an object), taken over
            // from a killed run when one is there.
            let local = bundle.output.hasPrefix("s3://")
                ? NSTemporaryDirectory() + "/" + bundle.output.dropFirst("s3://".count).replacingOccurrences(of: "/", with: "_") : bundle.output
            let scratch = self.store == nil ? try ScratchStore(beside: local) : nil
            defer { scratch?.remove() }
            let store = try scratch?.store ?? ContentStore(at: self.store ?? "")
            let pulled = try await what.pull(into: store, registry: registry, quiet: output.quiet || output.json, lock: locked)
            let (report, charts) = (pulled.images, pulled.charts)
            if !output.quiet && !output.json { printCharts(charts); printFiles(pulled.files); printItems(report) }
            let manifestText = try what.manifest.map { try String(contentsOfFile: $0, encoding: .utf8) }
            try await finishBundle(store: store, entries: pulled.entries, manifestText: manifestText, lockText: lockText, base: base,
                             options: bundle, files: files, output: output, started: started)
        }
    }
}

/// `connected pack`: write a bundle of everything a content store holds.
struct Pack: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "pack", abstract: "Write a bundle of every artifact in a content store.")

    @Option(help: ArgumentHelp("Content store directory.", valueName: "dir"))
    var store: String

    @OptionGroup var bundle: BundleOutputOptions
    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    func run() async throws {
        try await runReportingErrors("connected", evidence: evidence) {
            let store = try ContentStore(at: self.store, create: false)
            let files = try bundle.destination()
            let base = try await bundle.base(registry: registry)
            try await finishBundle(store: store, entries: nil, manifestText: nil, base: base, options: bundle, files: files, output: output, started: Date())
        }
    }
}
