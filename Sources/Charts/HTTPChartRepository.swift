import Foundation
import OCI

/// A Helm chart repository served over HTTP(S): `URL/index.yaml` and the archives it lists.
public struct HTTPChartRepository: Sendable {
    /// The repository URL as given (a query part is kept, as Helm keeps it).
    public let url: String
    /// `user:password` for basic auth, sent to the repository's own host only (as Helm does by default).
    public let basicAuth: String?
    public let downloader: HTTPDownloader

    public static let indexSizeLimit: Int64 = 512 << 20
    public static let archiveSizeLimit: Int64 = 256 << 20

    public init(url: String, basicAuth: String?, downloader: HTTPDownloader) {
        self.url = url
        self.basicAuth = basicAuth
        self.downloader = downloader
    }

    /// A chart archive and its provenance file, downloaded and checked against the index.
    public struct Download: Sendable {
        public let entry: ChartIndexEntry
        public let url: String
        public let archive: HTTPDownloader.File
        public let provenance: HTTPDownloader.File?
    }

    /// `URL/index.yaml`, the query part kept.
    public var indexURL: String {
        let (base, query) = Self.splitQuery(url)
        return (base.hasSuffix("/") ? base : base + "/") + "index.yaml" + query
    }

    /// Downloads the index into `directory` and reads `chart`'s versions from it.
    public func index(of chart: String, scratch directory: String) async throws -> ChartRepositoryIndex {
        let path = directory + "/index-\(UInt32.random(in: 0...UInt32.max)).yaml"
        defer { unlink(path) }
        guard let file = try await downloader.download(indexURL, to: path, basicAuth: basicAuth, limit: Self.indexSizeLimit) else {
            throw ChartError.download(indexURL, "not found")
        }
        return try ChartRepositoryIndex(file: file.path, chart: chart, source: indexURL)
    }

    /// Downloads `entry`'s archive (and its `.prov` when the server has one) into `directory`, checking the
    /// archive's SHA-256 against the index. A mismatch leaves nothing behind.
    public func download(_ entry: ChartIndexEntry, into directory: String) async throws -> Download {
        guard let first = entry.urls.first else {
            throw ChartError.invalidIndex(indexURL, "\(entry.name) \(entry.version) has no urls")
        }
        let chartURL = Self.resolve(first, against: url)
        let auth = Self.host(of: chartURL) == Self.host(of: url) ? basicAuth : nil
        let base = directory + "/\(entry.name)-\(entry.version)-\(UInt32.random(in: 0...UInt32.max))"
        var expected: Digest?
        if let digest = entry.digest {
            guard let parsed = try? Digest(parsing: "sha256:" + digest.lowercased()) else {
                throw ChartError.invalidIndex(indexURL, "\(entry.name) \(entry.version) has digest '\(digest)', not a SHA-256")
            }
            expected = parsed
        }
        guard let archive = try await downloader.download(chartURL, to: base + ".tgz", basicAuth: auth, limit: Self.archiveSizeLimit,
                                                          expected: expected, what: "\(entry.name) \(entry.version) (\(chartURL))") else {
            throw ChartError.download(chartURL, "not found")
        }
        let provenance = try await downloader.download(Self.appendingToPath(chartURL, ".prov"), to: base + ".tgz.prov",
                                                       basicAuth: auth, limit: 1 << 20, missingIsNil: true)
        return Download(entry: entry, url: chartURL, archive: archive, provenance: provenance)
    }

    /// Helm's `ResolveReferenceURL`: an absolute URL as it is, else resolved against the repository URL taken
    /// as a directory, with the repository URL's query part.
    public static func resolve(_ reference: String, against repository: String) -> String {
        if let scheme = reference.range(of: "://"), !reference[..<scheme.lowerBound].contains("/") { return reference }
        let (base, query) = splitQuery(repository)
        let directory = base.hasSuffix("/") ? base : base + "/"
        guard let baseURL = URL(string: directory), let resolved = URL(string: reference, relativeTo: baseURL) else {
            return directory + reference + query
        }
        let (resolvedBase, _) = splitQuery(resolved.absoluteString)
        return resolvedBase + query
    }

    /// `url` with `suffix` added to its path (before any query).
    static func appendingToPath(_ url: String, _ suffix: String) -> String {
        let (base, query) = splitQuery(url)
        return base + suffix + query
    }

    static func splitQuery(_ url: String) -> (String, String) {
        guard let mark = url.firstIndex(of: "?") else { return (url, "") }
        return (String(url[..<mark]), String(url[mark...]))
    }

    static func host(of url: String) -> String? { URL(string: url)?.host }
}
