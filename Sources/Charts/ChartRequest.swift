import OCI

/// A chart to pull: from an HTTP repository or an OCI registry, a version or constraint, and what else to take.
public struct ChartRequest: Sendable, Equatable {
    /// Where the chart is.
    public enum Source: Sendable, Equatable {
        /// An HTTP(S) chart repository URL; the chart is found by name in its `index.yaml`.
        case http(String)
        /// An OCI repository holding the chart's versions as tags (`oci://HOST/PATH/NAME` without `oci://`).
        case oci(Repository)
    }

    public var source: Source
    public var name: String
    /// A version or constraint (`1.2.3`, `^1.2`, `>=1.0 <2.0`); nil takes the newest release.
    public var version: String?
    /// Also pull the images the chart names (see `ChartImageFinder`).
    public var images: Bool
    /// Also pull the dependencies Chart.yaml lists that the archive does not carry under `charts/`.
    public var dependencies: Bool

    public init(source: Source, name: String, version: String? = nil, images: Bool = false, dependencies: Bool = false) {
        self.source = source
        self.name = name
        self.version = version
        self.images = images
        self.dependencies = dependencies
    }

    /// A request from a repository string: `https://…` / `http://…`, or `oci://HOST/PATH` (the chart is `PATH/NAME`).
    public init(repository: String, name: String, version: String?, images: Bool = false, dependencies: Bool = false) throws(ChartError) {
        if repository.hasPrefix("oci://") {
            let path = String(repository.dropFirst("oci://".count)).trimmingSuffix("/")
            let full = path.hasSuffix("/" + name) ? path : path + "/" + name
            guard let reference = try? Reference(parsing: full + ":x"), reference.registry == String(full.split(separator: "/").first ?? "") else {
                throw .invalidChart(repository, "expected oci://HOST[:PORT]/PATH")
            }
            self.init(source: .oci(Repository(reference)), name: name, version: version, images: images, dependencies: dependencies)
        } else if repository.hasPrefix("https://") || repository.hasPrefix("http://") {
            self.init(source: .http(repository), name: name, version: version, images: images, dependencies: dependencies)
        } else {
            throw .invalidChart(repository, "expected an http(s):// chart repository URL or oci://HOST/PATH")
        }
    }

    /// How the request reads in messages: `https://repo/ nginx@^1.2` or `oci://host/path/nginx@1.2.3`.
    public var description: String {
        let place: String
        switch source {
        case .http(let url): place = "\(url) \(name)"
        case .oci(let repository): place = "oci://\(repository)"
        }
        return place + (version.map { "@\($0)" } ?? "")
    }
}

extension String {
    func trimmingSuffix(_ suffix: String) -> String {
        var s = self
        while s.hasSuffix(suffix) { s.removeLast(suffix.count) }
        return s
    }
}
