import Charts
import Foundation
import OCI
import Yams

/// A bundle manifest (YAML, format v1): what the connected zone is to pull and bundle.
///
/// ```yaml
/// version: 1
/// name: lumen-platform
/// platforms: [linux/amd64, linux/arm64]   # default for every image; omitted = all platforms
/// images:
///   - docker.io/library/redis:7.4.1
///   - ref: quay.io/prometheus/prometheus:v3.1.0
///     platforms: [linux/amd64]
/// charts:
///   - repository: https://helm.nginx.com/stable    # or oci://ghcr.io/org/charts
///     name: nginx-ingress
///     version: "^2.6"                              # a version or constraint; omitted = newest release
///     images: true                                 # also pull the images the chart names
/// files:
///   - url: https://example.com/tool-1.2.tar.gz
///     sha256: 3b1f…                                # required with url
///   - path: ./site/ca.pem                         # relative to the manifest
///     name: site-ca.pem                            # optional; default: the URL's or path's last component
/// ```
public struct BundleManifest: Sendable {
    /// One image entry and the line it is on.
    public struct Image: Sendable {
        public var reference: Reference
        public var platforms: [Platform]?
        public var line: Int
    }

    public static let supportedVersion = 1

    public var version: Int
    public var name: String?
    public var platforms: [Platform]?
    public var images: [Image]
    public var charts: [Chart]
    public var files: [File]

    /// One file entry and the line it is on.
    public struct File: Sendable {
        public var request: FileRequest
        public var line: Int
    }

    /// One chart entry and the line it is on.
    public struct Chart: Sendable {
        public var request: ChartRequest
        public var line: Int
    }

    /// Reads and checks the manifest at `path`.
    public init(contentsOf path: String) throws(BundleManifestError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw BundleManifestError(file: path, line: nil, field: nil, message: "cannot be read")
        }
        try self.init(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    /// Parses manifest text; `file` names it in errors.
    public init(yaml: String, file: String) throws(BundleManifestError) {
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch let error as YamlError {
            throw BundleManifestError(file: file, line: Self.line(of: error), field: nil, message: "not valid YAML (\(Self.problem(of: error)))")
        } catch {
            throw BundleManifestError(file: file, line: nil, field: nil, message: "not valid YAML (\(error))")
        }
        guard let root, case .mapping(let top) = root else {
            throw BundleManifestError(file: file, line: root?.mark?.line, field: nil, message: "expected a mapping with 'version' and 'images'")
        }
        let reader = Reader(file: file)
        var version: Int?
        var name: String?
        var platforms: [Platform]?
        var images: [Image] = []
        var charts: [Chart] = []
        var files: [File] = []
        for (keyNode, value) in top {
            let key = try reader.string(keyNode, field: "(key)")
            switch key {
            case "version":
                guard let v = value.int else { throw reader.error(value, key, "expected an integer") }
                version = v
            case "name":
                name = try reader.string(value, field: key)
            case "platforms":
                platforms = try reader.platforms(value, field: key)
            case "images":
                guard case .sequence(let list) = value else { throw reader.error(value, key, "expected a list of images") }
                for (position, entry) in list.enumerated() {
                    images.append(try reader.image(entry, field: "images[\(position)]"))
                }
            case "charts":
                guard case .sequence(let list) = value else { throw reader.error(value, key, "expected a list of charts") }
                for (position, entry) in list.enumerated() {
                    charts.append(try reader.chart(entry, field: "charts[\(position)]"))
                }
            case "files":
                guard case .sequence(let list) = value else { throw reader.error(value, key, "expected a list of files") }
                for (position, entry) in list.enumerated() {
                    files.append(try reader.file(entry, field: "files[\(position)]"))
                }
            default:
                throw reader.error(keyNode, key, "unknown field (expected version, name, platforms, images, charts, files)")
            }
        }
        guard let version else { throw BundleManifestError(file: file, line: root.mark?.line, field: "version", message: "missing; add 'version: 1'") }
        guard version == Self.supportedVersion else {
            throw BundleManifestError(file: file, line: nil, field: "version", message: "version \(version) is not supported (this airlock reads version \(Self.supportedVersion))")
        }
        var seen: [String: Int] = [:]
        for image in images {
            if let first = seen[image.reference.description] {
                throw BundleManifestError(file: file, line: image.line, field: "images", message: "\(image.reference) is listed twice (first on line \(first))")
            }
            seen[image.reference.description] = image.line
        }
        seen = [:]
        for chart in charts {
            if let first = seen[chart.request.description] {
                throw BundleManifestError(file: file, line: chart.line, field: "charts", message: "\(chart.request.description) is listed twice (first on line \(first))")
            }
            seen[chart.request.description] = chart.line
        }
        self.version = version
        self.name = name
        self.platforms = platforms
        self.images = images
        self.charts = charts
        self.files = files
        seen = [:]
        for entry in files {
            if let first = seen[entry.request.name] {
                throw BundleManifestError(file: file, line: entry.line, field: "files", message: "two files are named '\(entry.request.name)' (first on line \(first)); give one a 'name:'")
            }
            seen[entry.request.name] = entry.line
        }
    }

    /// The copies this manifest asks for, each with its own platforms or the manifest's default.
    public var copyRequests: [CopyRequest] {
        images.map { CopyRequest(reference: $0.reference, platforms: $0.platforms ?? platforms) }
    }

    private struct Reader {
        let file: String

        func error(_ node: Node, _ field: String, _ message: String) -> BundleManifestError {
            BundleManifestError(file: file, line: node.mark?.line, field: field, message: message)
        }

        func string(_ node: Node, field: String) throws(BundleManifestError) -> String {
            guard case .scalar(let scalar) = node, !scalar.string.isEmpty else { throw error(node, field, "expected a string") }
            return scalar.string
        }

        func platforms(_ node: Node, field: String) throws(BundleManifestError) -> [Platform] {
            guard case .sequence(let list) = node, !list.isEmpty else {
                throw error(node, field, "expected a non-empty list such as [linux/amd64, linux/arm64]")
            }
            var result: [Platform] = []
            for item in list {
                do { result.append(try Platform(parsing: try string(item, field: field))) } catch let e as PlatformError {
                    throw error(item, field, e.description)
                } catch let e as BundleManifestError { throw e } catch { throw self.error(item, field, "\(error)") }
            }
            return result
        }

        func reference(_ node: Node, field: String) throws(BundleManifestError) -> Reference {
            let text = try string(node, field: field)
            do { return try Reference(parsing: text) } catch { throw self.error(node, field, error.description) }
        }

        func chart(_ node: Node, field: String) throws(BundleManifestError) -> Chart {
            guard case .mapping(let map) = node else { throw error(node, field, "expected a mapping with repository and name") }
            var repository: String?, name: String?, version: String?
            var images = false, dependencies = false
            for (keyNode, value) in map {
                let key = try string(keyNode, field: field)
                switch key {
                case "repository": repository = try string(value, field: "\(field).repository")
                case "name": name = try string(value, field: "\(field).name")
                case "version": version = try string(value, field: "\(field).version")
                case "images", "dependencies":
                    guard let flag = value.bool else { throw error(value, "\(field).\(key)", "expected true or false") }
                    if key == "images" { images = flag } else { dependencies = flag }
                default: throw error(keyNode, "\(field).\(key)", "unknown field (expected repository, name, version, images, dependencies)")
                }
            }
            guard let repository else { throw error(node, "\(field).repository", "missing: an http(s):// chart repository URL or oci://HOST/PATH") }
            guard let name else { throw error(node, "\(field).name", "missing: the chart's name") }
            if let version {
                do { _ = try VersionConstraint(version) } catch { throw self.error(node, "\(field).version", error.description) }
            }
            do {
                return Chart(request: try ChartRequest(repository: repository, name: name, version: version, images: images, dependencies: dependencies),
                             line: node.mark?.line ?? 0)
            } catch { throw self.error(node, "\(field).repository", error.description) }
        }

        func file(_ node: Node, field: String) throws(BundleManifestError) -> File {
            guard case .mapping(let map) = node else { throw error(node, field, "expected a mapping with url and sha256, or path") }
            var url: String?, path: String?, sha256: Digest?, name: String?
            for (keyNode, value) in map {
                let key = try string(keyNode, field: field)
                switch key {
                case "url": url = try string(value, field: "\(field).url")
                case "path": path = try string(value, field: "\(field).path")
                case "name": name = try string(value, field: "\(field).name")
                case "sha256":
                    let text = try string(value, field: "\(field).sha256")
                    do { sha256 = try Digest(parsing: text.hasPrefix("sha256:") ? text : "sha256:" + text) } catch {
                        throw self.error(value, "\(field).sha256", "expected 64 lower-case hex digits (\(error))")
                    }
                default: throw error(keyNode, "\(field).\(key)", "unknown field (expected url, sha256, path, name)")
                }
            }
            let origin: FileRequest.Origin
            switch (url, path) {
            case (let url?, nil):
                guard url.hasPrefix("https://") || url.hasPrefix("http://") else { throw error(node, "\(field).url", "expected an http(s):// URL") }
                guard sha256 != nil else { throw error(node, "\(field).sha256", "missing: a file from a URL needs its SHA-256") }
                origin = .url(url)
            case (nil, let path?):
                let directory = (self.file as NSString).deletingLastPathComponent
                origin = .path(path.hasPrefix("/") || directory.isEmpty ? path : directory + "/" + path)
            default:
                throw error(node, field, "expected either url (with sha256) or path")
            }
            let last = (url ?? path ?? "").split(separator: "?").first.map { String($0.split(separator: "/").last ?? "") } ?? ""
            let fileName = name ?? last
            guard FileRequest.isSafeName(fileName) else {
                throw error(node, "\(field).name", "'\(fileName)' is not a file name (no '/', not '.' or '..'); give 'name:'")
            }
            return File(request: FileRequest(origin: origin, sha256: sha256, name: fileName), line: node.mark?.line ?? 0)
        }

        func image(_ node: Node, field: String) throws(BundleManifestError) -> Image {
            switch node {
            case .scalar:
                return Image(reference: try reference(node, field: field), platforms: nil, line: node.mark?.line ?? 0)
            case .mapping(let map):
                var reference: Reference?
                var platforms: [Platform]?
                for (keyNode, value) in map {
                    let key = try string(keyNode, field: field)
                    switch key {
                    case "ref": reference = try self.reference(value, field: "\(field).ref")
                    case "platforms": platforms = try self.platforms(value, field: "\(field).platforms")
                    default: throw error(keyNode, "\(field).\(key)", "unknown field (expected ref, platforms)")
                    }
                }
                guard let reference else { throw error(node, "\(field).ref", "missing: each image needs 'ref'") }
                return Image(reference: reference, platforms: platforms, line: node.mark?.line ?? 0)
            default:
                throw error(node, field, "expected a reference string or a mapping with 'ref'")
            }
        }
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        default: nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): problem
        default: String("\(error)".split(separator: "\n").first ?? "")   // the rest quotes the input's lines
        }
    }
}

/// A bundle manifest that cannot be used: the file, the line and field, and what was expected.
public struct BundleManifestError: Error, CustomStringConvertible {
    public let file: String
    public let line: Int?
    public let field: String?
    public let message: String
    public var description: String {
        var place = file
        if let line { place += ":\(line)" }
        return "\(place): " + (field.map { "\($0): " } ?? "") + message
    }
}
