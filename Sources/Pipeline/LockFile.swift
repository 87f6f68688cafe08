import Foundation
import OCI
import Yams

/// A lock file (`airlock.lock`, YAML): every image of a bundle manifest resolved to a digest, with the platform
/// children it keeps and its cosign signature's digest, and every chart to its version and manifest digest.
/// Entries are sorted and one value is one line, so a change of the source is a small diff.
///
/// ```yaml
/// version: 1
/// images:
///   - ref: docker.io/library/redis:7.4.1
///     digest: sha256:…
///     platforms:
///       linux/amd64: sha256:…
///     signature: sha256:…
/// charts:
///   - source: "https://helm.nginx.com/stable nginx-ingress@^2.6"
///     ref: charts/nginx-ingress:2.6.1
///     version: "2.6.1"
///     digest: sha256:…
/// ```
public struct LockFile: Sendable, Equatable {
    /// One image: the reference as asked for, and what it resolved to.
    public struct Image: Sendable, Equatable {
        public var reference: Reference
        public var digest: Digest
        /// The children of an index kept by the platform filter (all of them without one), by platform.
        public var platforms: [String: Digest]
        /// The manifest tagged `sha256-<hex>.sig` for `digest`, when the source has one.
        public var signature: Digest?

        public init(reference: Reference, digest: Digest, platforms: [String: Digest] = [:], signature: Digest? = nil) {
            self.reference = reference
            self.digest = digest
            self.platforms = platforms
            self.signature = signature
        }
    }

    /// One chart: the request (with its constraint) and the version and manifest it resolved to.
    public struct Chart: Sendable, Equatable {
        /// The request as `ChartRequest.description` writes it.
        public var source: String
        /// `charts/NAME:TAG`.
        public var reference: String
        public var version: String
        public var digest: Digest

        public init(source: String, reference: String, version: String, digest: Digest) {
            self.source = source
            self.reference = reference
            self.version = version
            self.digest = digest
        }
    }

    public static let supportedVersion = 1

    public var images: [Image]
    public var charts: [Chart]

    public init(images: [Image], charts: [Chart]) {
        self.images = images.sorted { $0.reference.description < $1.reference.description }
        self.charts = charts.sorted { ($0.source, $0.reference) < ($1.source, $1.reference) }
    }

    /// The image locked for `reference`, if any.
    public func image(_ reference: Reference) -> Image? {
        images.first { $0.reference == reference }
    }

    /// The chart locked for a request, by its description.
    public func chart(source: String) -> Chart? {
        charts.first { $0.source == source }
    }

    /// The lock as YAML: fixed field order, sorted entries, a trailing newline.
    public var yaml: String {
        var lines = ["# Written by `connected lock`. `connected bundle --lock` pulls exactly these digests;",
                     "# `connected lock --check` reports what moved since.",
                     "version: \(Self.supportedVersion)"]
        lines.append(images.isEmpty ? "images: []" : "images:")
        for image in images {
            lines.append("  - ref: \(image.reference)")
            lines.append("    digest: \(image.digest)")
            if !image.platforms.isEmpty {
                lines.append("    platforms:")
                for (platform, digest) in image.platforms.sorted(by: { $0.key < $1.key }) { lines.append("      \(platform): \(digest)") }
            }
            if let signature = image.signature { lines.append("    signature: \(signature)") }
        }
        lines.append(charts.isEmpty ? "charts: []" : "charts:")
        for chart in charts {
            lines.append("  - source: \(Self.quoted(chart.source))")
            lines.append("    ref: \(chart.reference)")
            lines.append("    version: \(Self.quoted(chart.version))")
            lines.append("    digest: \(chart.digest)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
    static func quoted(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .withoutEscapingSlashes
        let data = (try? encoder.encode(text)) ?? Data("\"\"".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// Reads and checks the lock at `path`.
    public init(contentsOf path: String) throws(LockFileError) {
        guard let data = FileManager.default.contents(atPath: path) else { throw LockFileError(file: path, line: nil, message: "cannot be read") }
        try self.init(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses lock text; `file` names it in errors.
    public init(yaml: String, file: String) throws(LockFileError) {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            // One line: the rest of a YAML error quotes the input.
            let problem = (error as? YamlError).map(BundleManifest.problem(of:)) ?? String("\(error)".split(separator: "\n").first ?? "")
            throw LockFileError(file: file, line: nil, message: "not valid YAML (\(problem))")
        }
        guard let root, case .mapping(let top) = root else { throw LockFileError(file: file, line: nil, message: "expected a mapping with 'version', 'images' and 'charts'") }
        let reader = LockReader(file: file)
        try reader.onlyKnownFields(["version", "images", "charts"], in: top)
        guard let version = top["version"]?.int else {
            let problem = top["version"] == nil ? "missing" : "expected an integer"
            throw LockFileError(file: file, line: top["version"]?.mark?.line, message: "version: \(problem); a lock starts with 'version: 1'")
        }
        guard version == Self.supportedVersion else {
            throw LockFileError(file: file, line: nil, message: "version \(version) is not supported (this airlock reads version \(Self.supportedVersion))")
        }
        var images: [Image] = []
        for node in try reader.list(top["images"], field: "images") { images.append(try reader.image(node)) }
        var charts: [Chart] = []
        for node in try reader.list(top["charts"], field: "charts") { charts.append(try reader.chart(node)) }
        self.init(images: images, charts: charts)
    }
}

/// Reads a lock file's entries, naming the line of anything wrong.
private struct LockReader {
    let file: String

    func error(_ node: Node, _ message: String) -> LockFileError { LockFileError(file: file, line: node.mark?.line, message: message) }

    func list(_ node: Node?, field: String) throws(LockFileError) -> [Node] {
        guard let node else { return [] }
        guard case .sequence(let items) = node else { throw error(node, "\(field): expected a list") }
        return Array(items)
    }

    func mapping(_ node: Node, _ what: String) throws(LockFileError) -> Node.Mapping {
        guard case .mapping(let map) = node else { throw error(node, "expected a mapping for \(what)") }
        return map
    }

    /// Refuses a key the lock format does not have (a typo would otherwise be ignored).
    func onlyKnownFields(_ known: Set<String>, in map: Node.Mapping) throws(LockFileError) {
        for key in map.keys where !known.contains(key.string ?? "") {
            throw error(key, "\(key.string ?? "(key)"): unknown field (expected \(known.sorted().joined(separator: ", ")))")
        }
    }

    func string(_ map: Node.Mapping, _ key: String, in node: Node) throws(LockFileError) -> String {
        guard let value = map[key]?.string, !value.isEmpty else { throw error(node, "\(key): missing") }
        return value
    }

    func digest(_ text: String, _ field: String, in node: Node) throws(LockFileError) -> Digest {
        do { return try Digest(parsing: text) } catch { throw self.error(node, "\(field): \(error)") }
    }

    func image(_ node: Node) throws(LockFileError) -> LockFile.Image {
        let map = try mapping(node, "an image")
        try onlyKnownFields(["ref", "digest", "platforms", "signature"], in: map)
        let text = try string(map, "ref", in: node)
        let reference: Reference
        do { reference = try Reference(parsing: text) } catch { throw self.error(node, "ref: \(error)") }
        var image = LockFile.Image(reference: reference, digest: try digest(try string(map, "digest", in: node), "digest", in: node))
        if let platforms = map["platforms"] {
            let children = try mapping(platforms, "platforms")
            for (key, value) in children {
                guard let platform = key.string, let child = value.string else { throw error(platforms, "platforms: expected PLATFORM: DIGEST lines") }
                image.platforms[platform] = try digest(child, "platforms.\(platform)", in: platforms)
            }
        }
        if let signature = map["signature"]?.string { image.signature = try digest(signature, "signature", in: node) }
        return image
    }

    func chart(_ node: Node) throws(LockFileError) -> LockFile.Chart {
        let map = try mapping(node, "a chart")
        try onlyKnownFields(["source", "ref", "version", "digest"], in: map)
        return LockFile.Chart(source: try string(map, "source", in: node), reference: try string(map, "ref", in: node),
                              version: try string(map, "version", in: node),
                              digest: try digest(try string(map, "digest", in: node), "digest", in: node))
    }
}

/// A lock file that cannot be used: the file, the line, and what was expected.
public struct LockFileError: CategorizedError, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { "\(file)\(line.map { ":\($0)" } ?? ""): \(message)" }
    public var category: ErrorCategory { .invalidInput }
}
