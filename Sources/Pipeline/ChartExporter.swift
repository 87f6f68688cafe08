import Bundle
import Charts
import Foundation
import OCI
import Yams

/// Writes the charts of a bundle as a static Helm chart repository: `NAME-VERSION.tgz` (and `.tgz.prov`) for
/// every chart, and an `index.yaml` listing each with its Chart.yaml fields (from the chart's config blob),
/// `created` (the manifest's annotation), the archive's SHA-256 and its URL (relative, or under `baseURL`).
///
/// The bundle's structure is verified first and every archive is hashed as it is written; files appear in the
/// directory only when all of them were written and checked.
public struct ChartExporter {
    public let bundle: BundleFile

    public init(bundle: BundleFile) { self.bundle = bundle }

    /// One chart written.
    public struct Exported: Sendable, Codable {
        public var name: String
        public var version: String
        public var file: String
        public var digest: Digest
        public var provenance: Bool
    }

    public func export(to directory: String, baseURL: String?) async throws -> [Exported] {
        try await bundle.requireStructure(doing: "exported")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var staged: [(temporary: String, final: String)] = []
        func stage(_ name: String) -> String {
            let temporary = "\(directory)/.\(name).\(getpid()).part"
            staged.append((temporary, "\(directory)/\(name)"))
            return temporary
        }
        do {
            var exported: [Exported] = []
            var entries: [String: [Node]] = [:]
            var newest = ""
            for entry in try BundleSource(bundle: bundle).entries() where entry.kind == .chart {
                let what = entry.label
                guard case .image(let manifest) = try bundle.manifest(entry.descriptor).content, HelmArtifact.isChart(manifest),
                      let layer = HelmArtifact.chartLayer(of: manifest) else {
                    throw BundleError(bundle: bundle.path, artifact: what, reason: "is not a Helm chart manifest")
                }
                let configData = try bundle.contents(of: BundleFile.blobName(manifest.config.digest))
                try DigestVerifier.verify(configData, "\(bundle.path): config of \(what)", expected: manifest.config)
                guard case .mapping(let config)? = try? Yams.compose(yaml: String(decoding: configData, as: UTF8.self)),
                      let name = config["name"]?.string, let version = config["version"]?.string else {
                    throw BundleError(bundle: bundle.path, artifact: what, reason: "config blob is not Helm chart metadata with a name and version")
                }
                let file = "\(name)-\(version).tgz"
                guard !exported.contains(where: { $0.file == file }) else { continue }
                try write(layer, to: stage(file), what: what)
                var provenance = false
                if let prov = HelmArtifact.provenanceLayer(of: manifest) {
                    try write(prov, to: stage(file + ".prov"), what: what)
                    provenance = true
                }
                var fields = config
                fields["urls"] = Node([Node(baseURL.map { ($0.hasSuffix("/") ? $0 : $0 + "/") + file } ?? file)])
                fields["digest"] = Node(layer.digest.encoded)
                if let created = manifest.annotations?["org.opencontainers.image.created"] {
                    fields["created"] = Node(created)
                    newest = max(newest, created)
                }
                entries[name, default: []].append(Self.node(.mapping(fields)))
                exported.append(Exported(name: name, version: version, file: file, digest: layer.digest, provenance: provenance))
            }
            var top: [(Node, Node)] = [("apiVersion", Node("v1", Tag(.str), .doubleQuoted))]
            top.append(("entries", Node(entries.sorted { $0.key < $1.key }.map { (Node($0.key), Node($0.value)) })))
            if !newest.isEmpty { top.append(("generated", Node(newest, Tag(.str), .doubleQuoted))) }
            let yaml = try Yams.serialize(node: Node(top))
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: stage("index.yaml")))
            for (temporary, final) in staged where rename(temporary, final) != 0 {
                throw BundleError(bundle: bundle.path, artifact: final, reason: "cannot be written (\(String(cString: strerror(errno))))")
            }
            return exported
        } catch {
            for (temporary, _) in staged { unlink(temporary) }
            throw error
        }
    }

    /// Streams blob `descriptor` from the bundle to `path`, checking size and SHA-256.
    func write(_ descriptor: Descriptor, to path: String, what: String) throws {
        let name = BundleFile.blobName(descriptor.digest)
        guard let entry = bundle.entries[name], entry.size == descriptor.size else {
            throw BundleError(bundle: bundle.path, artifact: what, reason: "\(name) is missing or not \(descriptor.size) bytes")
        }
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw BundleError(bundle: bundle.path, artifact: path, reason: "cannot be written")
        }
        defer { try? handle.close() }
        var verifier = DigestVerifier("\(bundle.path): \(name)", expected: descriptor)
        try bundle.entries.read(entry, from: bundle.source) { chunk in
            verifier.update(chunk)
            try handle.write(contentsOf: Data(chunk))
        }
        try verifier.finish()
    }

    /// A JSON value (composed by the YAML parser, which reads JSON) as YAML: text double-quoted (never mistaken
    /// for a number or a date), keys sorted.
    static func node(_ value: Node) -> Node {
        switch value {
        case .scalar(let scalar):
            return value.resolvedTagIsString ? Node(scalar.string, Tag(.str), .doubleQuoted) : Node(scalar.string)
        case .sequence(let items): return Node(items.map(node))
        case .mapping(let map):
            return Node(map.map { ($0.key.string ?? "", node($0.value)) }.sorted { $0.0 < $1.0 }.map { (Node($0.0), $0.1) })
        case .alias: return Node("null", Tag(.null))
        }
    }
}

extension Node {
    /// Whether this scalar was quoted or resolves to text (not a number, boolean or null).
    var resolvedTagIsString: Bool { tag.rawValue == Tag.Name.str.rawValue }
}
