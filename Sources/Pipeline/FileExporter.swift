import Bundle
import Foundation
import OCI

/// Writes the files a bundle carries (`kind: file` artifacts) into a directory under their names, each hashed as
/// it is written. The bundle's structure is verified first; files appear only when all were written and checked.
public struct FileExporter {
    public let bundle: BundleFile

    public init(bundle: BundleFile) { self.bundle = bundle }

    /// One file written.
    public struct Exported: Sendable, Codable {
        public var file: String
        public var digest: Digest
        public var size: Int64
        /// Where it came from (the manifest's URL or path).
        public var origin: String?
    }

    public func export(to directory: String) async throws -> [Exported] {
        try await bundle.requireStructure(doing: "exported")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let writer = ChartExporter(bundle: bundle)
        var staged: [(temporary: String, final: String)] = []
        do {
            var exported: [Exported] = []
            for entry in try BundleSource(bundle: bundle).entries() where entry.kind == .file {
                guard let (name, layer) = FileArtifact.file(in: try bundle.manifest(entry.descriptor)) else {
                    throw BundleError(bundle: bundle.path, artifact: entry.label, reason: "is not a file artifact (\(FileArtifact.artifactType), one layer with a safe \(FileArtifact.titleAnnotation))")
                }
                if let other = exported.first(where: { $0.file == name }) {
                    guard other.digest == layer.digest else {
                        throw BundleError(bundle: bundle.path, artifact: entry.label, reason: "two different files are named \(name)")
                    }
                    continue
                }
                let temporary = "\(directory)/.\(name).\(getpid()).part"
                staged.append((temporary, "\(directory)/\(name)"))
                try writer.write(layer, to: temporary, what: entry.label)
                exported.append(Exported(file: name, digest: layer.digest, size: layer.size, origin: entry.origin))
            }
            for (temporary, final) in staged where rename(temporary, final) != 0 {
                throw BundleError(bundle: bundle.path, artifact: final, reason: "cannot be written (\(String(cString: strerror(errno))))")
            }
            return exported
        } catch {
            for (temporary, _) in staged { unlink(temporary) }
            throw error
        }
    }
}
