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
            let files = try ManifestFile.collect(paths)
            var errors: [ClusterInputError] = []

            // Map every image; note what the registry must be asked.
            var planned: [(file: ManifestFile, images: [(ImageOccurrence, Reference)])] = []
            var unpinned = Set<Reference>()
            for (file, occurrences) in zip(files, try ManifestScanner.images(in: files)) {
                var images: [(ImageOccurrence, Reference)] = []
                for occurrence in occurrences {
                    func failure(_ why: String) { errors.append(ClusterInputError(file: file.path, line: occurrence.line, "\(occurrence.object): container \(occurrence.container): \(why)")) }
                    do {
                        let target = try mapping.privateReference(for: try Reference(parsing: occurrence.value))
                        if let bundle {
                            guard let digest = bundle.digest(for: target) else { failure("\(occurrence.value) → \(target): not in the bundle"); continue }
                            images.append((occurrence, pinDigests && target.digest == nil ? target.withDigest(digest) : target))
                        } else {
                            if pinDigests && target.digest == nil { unpinned.insert(target) }
                            images.append((occurrence, target))
                        }
                    } catch let error as ReferenceError {
                        failure("cannot map '\(occurrence.value)': \(error.description)")
                    }
                }
                planned.append((file, images))
            }
            let digests = try await resolve(unpinned)

            // Edit the text of every file; write only when every file is ready.
            var results: [(file: ManifestFile, text: String, changed: Int)] = []
            var total = 0
            for (file, images) in planned {
                var edits: [ScalarEditor.Edit] = []
                for (occurrence, target) in images {
                    total += 1
                    var final = target
                    if target.digest == nil, pinDigests {
                        guard let digest = digests[target] else {
                            errors.append(ClusterInputError(file: file.path, line: occurrence.line, "\(occurrence.object): container \(occurrence.container): \(target) is not in the registry; cannot pin it"))
                            continue
                        }
                        final = target.withDigest(digest)
                    }
                    let text = ImageText.written(final, like: occurrence.value)
                    if text != occurrence.value { edits.append(.init(occurrence: occurrence, replacement: text)) }
                }
                do { results.append((file, try ScalarEditor.apply(edits, to: file.text), edits.count)) } catch let error as ClusterInputError { errors.append(error) }
            }
            guard errors.isEmpty else { throw ClusterInputErrors(errors) }

            try write(results.map { ($0.file, $0.text) })
            let changed = results.reduce(0) { $0 + $1.changed }
            FileHandle.standardError.write(Data("airgap rewrite: \(changed) of \(total) images rewritten in \(results.filter { $0.changed > 0 }.count) of \(files.count) file(s)\n".utf8))
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
