import ArgumentParser
import Bundle
import Cluster
import Foundation
import OCI
import Pipeline
import Registry
import ZoneSupport

/// `airgap rewrite`: every image reference to the private registry, edited in place in the YAML text.
struct Rewrite: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rewrite",
        abstract: "Rewrite every image reference in Kubernetes YAML to the private registry, optionally pinned to digests.",
        discussion: """
        Uses transit push's mapping (REGISTRY/PATH:TAG → HOST/PREFIX/PATH:TAG); references already in the private \
        registry are kept. --pin-digests adds @sha256:… from the bundle record (--from-bundle) or the registry \
        (--from-registry). Only the image scalars change: comments, key order, quoting and layout stay byte for byte. \
        Writes to standard output, back to the files (-i) or under -o DIR; a reference that cannot be mapped or \
        pinned is an error naming the file and line, and then nothing is written. \
        Exit codes: 0 rewritten, 65 invalid YAML or a reference that cannot be mapped or pinned, 64 bad flags, 1/3/4 registry errors.
        """
    )

    @Argument(help: ArgumentHelp("YAML files or directories; - or nothing reads standard input.", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("The private registry, as given to transit push --to.", valueName: "host[:port][/prefix]"))
    var registry: String

    @Flag(name: .customLong("pin-digests"), help: "Pin every image to its digest.")
    var pinDigests = false

    @Option(name: .customLong("from-bundle"), help: ArgumentHelp("Take digests from this bundle's record (and refuse images it lacks).", valueName: "bundle"))
    var fromBundle: String?

    @Flag(name: .customLong("from-registry"), help: "Take digests from the private registry.")
    var fromRegistry = false

    @Flag(name: [.customShort("i"), .customLong("in-place")], help: "Rewrite the files themselves.")
    var inPlace = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the rewritten files under this directory (paths kept relative to each argument).", valueName: "dir"))
    var output: String?

    @OptionGroup var registryOptions: RegistryOptions

    func validate() throws {
        if fromBundle != nil && fromRegistry { throw ValidationError("give --from-bundle or --from-registry, not both") }
        if pinDigests && fromBundle == nil && !fromRegistry { throw ValidationError("--pin-digests needs --from-bundle or --from-registry") }
        if inPlace && output != nil { throw ValidationError("give -i or -o, not both") }
        if inPlace && (paths.isEmpty || paths.contains("-")) { throw ValidationError("-i rewrites files: standard input cannot be rewritten in place") }
    }

    func run() async throws {
        try await runReportingErrors("airgap") {
            let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: registry))
            let bundle = try fromBundle.map { BundleImageIndex(record: try BundleFile(path: $0).record(), mapping: mapping) }
            let rewrite = ImageRewrite(mapping: mapping, bundle: bundle, pinDigests: pinDigests)
            let files = try ManifestFile.collect(paths)
            let plan = rewrite.plan(files, images: try ManifestScanner.images(in: files))
            let edited = try rewrite.edit(plan, digests: try await resolve(plan.unpinned))
            try write(edited.map { ($0.file, $0.text) })
            let changed = edited.reduce(0) { $0 + $1.changed }
            let total = plan.files.reduce(0) { $0 + $1.images.count }
            FileHandle.standardError.write(Data("airgap rewrite: \(changed) of \(total) images rewritten in \(edited.filter { $0.changed > 0 }.count) of \(files.count) file(s)\n".utf8))
        }
    }

    /// The digest of each private reference, from the registry.
    func resolve(_ references: Set<Reference>) async throws -> [Reference: Digest] {
        guard !references.isEmpty else { return [:] }
        let client = try registryOptions.makeClient()
        var digests: [Reference: Digest] = [:]
        for reference in references {
            digests[reference] = try await client.manifestDescriptor(Repository(reference), reference: reference.manifestReference)?.digest
        }
        return digests
    }

    func write(_ results: [(file: ManifestFile, text: String)]) throws {
        if inPlace {
            for (file, text) in results where text != file.text {
                let mode = (try? FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int) ?? 0o644
                try AtomicFileWriter.write(Data(text.utf8), to: file.path, mode: mode)
            }
        } else if let output {
            for (file, text) in results {
                try AtomicFileWriter.write(Data(text.utf8), to: (output as NSString).appendingPathComponent(file.relativePath), mode: 0o644)
            }
        } else {
            for (index, (_, text)) in results.enumerated() {
                if index > 0 && !text.hasPrefix("---") { print("---") }
                print(text, terminator: text.hasSuffix("\n") || text.isEmpty ? "" : "\n")
            }
        }
    }
}
