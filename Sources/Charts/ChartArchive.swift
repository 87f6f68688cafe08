import CArchive
import Foundation

/// What Airlock needs from a chart archive (`.tgz`), read as Helm reads one and no further: `Chart.yaml`
/// (with v1 `requirements.yaml`), `values.yaml`, Bitnami's `images.lock`, and the same of every subchart
/// under `charts/` (directories and nested `.tgz` files, at any depth).
///
/// The archive is streamed through libarchive; only those small files are kept. Helm's limits and rules
/// apply: gzip only, every path under one top directory, no absolute paths or `..`, at most 5 MiB per file
/// and 100 MiB in all once decompressed.
public struct ChartArchive: Sendable {
    public var metadata: ChartMetadata
    /// `values.yaml`, when the chart has one.
    public var values: String?
    /// Bitnami's `images.lock`, when the chart has one.
    public var imagesLock: String?
    /// Subcharts, in name order.
    public var subcharts: [ChartArchive]
    /// Where the chart sits in its parent: empty for the chart itself, else `charts/NAME` (nested: `charts/a/charts/b`).
    public var location: String
    /// The modification time of `Chart.yaml` in the archive, seconds since 1970.
    public var chartFileModified: Int64

    public static let maximumFileSize: Int64 = 5 << 20
    public static let maximumTotalSize: Int64 = 100 << 20

    /// Reads the archive at `path`; `name` identifies it in errors (defaults to the path).
    public init(path: String, name: String? = nil) throws(ChartError) {
        let label = name ?? path
        var info = stat()
        guard stat(path, &info) == 0 else { throw .invalidChart(label, "cannot be read (\(String(cString: strerror(errno))))") }
        let handle = FileHandle(forReadingAtPath: path)
        let head = (try? handle?.read(upToCount: 3)) ?? nil
        try? handle?.close()
        try Self.requireGzip(head.map { [UInt8]($0) } ?? [], label)
        let files = try Self.readFiles(label) { archive in archive_read_open_filename(archive, path, 64 * 1024) }
        try self.init(files: files, label: label, location: "")
    }

    /// Reads an archive held in memory (a subchart `.tgz` inside a chart).
    init(bytes: [UInt8], label: String, location: String) throws(ChartError) {
        try Self.requireGzip(Array(bytes.prefix(3)), label)
        let files: [String: ChartFile]
        do {
            files = try bytes.withUnsafeBytes { buffer in
                try Self.readFiles(label) { archive in archive_read_open_memory(archive, buffer.baseAddress, buffer.count) }
            }
        } catch let error as ChartError { throw error } catch { throw .invalidChart(label, "\(error)") }
        try self.init(files: files, label: label, location: location)
    }

    /// Builds the chart whose files (paths relative to its own directory) are `files`.
    init(files: [String: ChartFile], label: String, location: String) throws(ChartError) {
        guard let chartYAML = files["Chart.yaml"] else { throw .invalidChart(label, "Chart.yaml is missing") }
        var metadata = try ChartMetadata(chartYAML: chartYAML.text, chart: label)
        if let requirements = files["requirements.yaml"] { try metadata.mergeRequirements(requirements.text, chart: label) }
        try metadata.validate(chart: label)
        self.metadata = metadata
        values = files["values.yaml"]?.text
        imagesLock = files["images.lock"]?.text
        chartFileModified = chartYAML.modified
        self.location = location

        // Group what lies under charts/ by subchart name; names starting with `_` or `.` are not charts.
        var groups: [String: [String: ChartFile]] = [:]
        for (path, file) in files where path.hasPrefix("charts/") {
            let rest = path.dropFirst("charts/".count)
            guard let first = rest.split(separator: "/", maxSplits: 1).first else { continue }
            let sub = String(first)
            if sub.hasPrefix("_") || sub.hasPrefix(".") { continue }
            groups[sub, default: [:]][String(rest.dropFirst(sub.count).drop { $0 == "/" })] = file
        }
        var subcharts: [ChartArchive] = []
        for (sub, members) in groups.sorted(by: { $0.key < $1.key }) {
            let childLocation = (location.isEmpty ? "" : location + "/") + "charts/" + (sub.hasSuffix(".tgz") ? String(sub.dropLast(4)) : sub)
            let childLabel = "\(label) \(childLocation)"
            if sub.hasSuffix(".tgz") {
                guard let archive = members[""] else { continue }
                subcharts.append(try ChartArchive(bytes: archive.bytes, label: childLabel, location: childLocation))
            } else if members["Chart.yaml"] != nil {
                subcharts.append(try ChartArchive(files: members, label: childLabel, location: childLocation))
            }
        }
        self.subcharts = subcharts
    }

    /// This chart and every subchart below it, depth first.
    public var allCharts: [ChartArchive] { [self] + subcharts.flatMap(\.allCharts) }

    /// One kept file of an archive.
    struct ChartFile: Sendable {
        var bytes: [UInt8]
        var modified: Int64
        /// The file as text, without a UTF-8 byte order mark (Helm drops it).
        var text: String {
            let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
            return String(decoding: body, as: UTF8.self)
        }
    }

    static func requireGzip(_ head: [UInt8], _ label: String) throws(ChartError) {
        guard head.starts(with: [0x1F, 0x8B, 0x08]) else {
            throw .invalidChart(label, head.isEmpty ? "is empty, expected a gzipped chart archive (.tgz)" : "is not a gzipped archive, expected a chart archive (.tgz)")
        }
    }

    /// Whether Airlock keeps a file at `path` (relative to the chart's top directory).
    static func isKept(_ path: String) -> Bool {
        let components = path.split(separator: "/")
        guard let last = components.last else { return false }
        if ["Chart.yaml", "values.yaml", "images.lock", "requirements.yaml"].contains(last) { return true }
        return components.count >= 2 && components[components.count - 2] == "charts" && last.hasSuffix(".tgz")
    }

    /// Streams the archive, applying Helm's path rules and size limits, and returns the kept files by path.
    static func readFiles(_ label: String, open: (OpaquePointer) -> Int32) throws(ChartError) -> [String: ChartFile] {
        guard let archive = archive_read_new() else { throw .invalidChart(label, "libarchive could not allocate a reader") }
        defer { archive_read_free(archive) }
        archive_read_support_filter_gzip(archive)
        archive_read_support_format_tar(archive)
        func failure(_ what: String) -> ChartError {
            let detail = archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
            return .invalidChart(label, "\(what) (\(detail))")
        }
        guard open(archive) == ARCHIVE_OK else { throw failure("cannot be opened as a gzipped tar") }
        var files: [String: ChartFile] = [:]
        var remaining = maximumTotalSize
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var entry: OpaquePointer?
        while true {
            let status = archive_read_next_header(archive, &entry)
            if status == ARCHIVE_EOF { break }
            guard status == ARCHIVE_OK || status == ARCHIVE_WARN, let entry else { throw failure("is not a valid chart archive") }
            let fileType = UInt32(archive_entry_filetype(entry)) & 0o170000
            if fileType == 0o040000 { continue }
            let raw = (archive_entry_pathname_utf8(entry) ?? archive_entry_pathname(entry)).map { String(cString: $0) } ?? ""
            let delimiter: Character = raw.contains("\\") ? "\\" : "/"
            let parts = raw.split(separator: delimiter, omittingEmptySubsequences: false).map(String.init)
            if parts.first == "Chart.yaml" { throw .invalidChart(label, "Chart.yaml is not inside the chart's directory") }
            let path = Self.clean(parts.dropFirst().joined(separator: "/"))
            if raw.hasPrefix("/") || path.hasPrefix("/") { throw .invalidChart(label, "contains an absolute path: \(raw)") }
            if path == "." { throw .invalidChart(label, "contains content outside the chart's directory: \(raw)") }
            if path.hasPrefix("..") { throw .invalidChart(label, "refers to a parent directory: \(raw)") }
            guard fileType == 0o100000 else { throw .invalidChart(label, "\(raw) is a link or special file; charts hold regular files only") }
            let size = archive_entry_size(entry)
            if size > remaining { throw .invalidChart(label, "decompresses to more than \(maximumTotalSize) bytes") }
            if size > maximumFileSize { throw .invalidChart(label, "\(raw) is \(size) bytes, over Helm's \(maximumFileSize)-byte limit per file") }
            let keep = isKept(path)
            var data: [UInt8] = []
            var read: Int64 = 0
            while true {
                let n = buffer.withUnsafeMutableBytes { archive_read_data(archive, $0.baseAddress, $0.count) }
                if n == 0 { break }
                guard n > 0 else { throw failure("\(raw) cannot be read") }
                read += Int64(n)
                guard read <= size, read <= maximumFileSize else { throw .invalidChart(label, "\(raw) holds more bytes than its header says") }
                if keep { data.append(contentsOf: buffer[0..<n]) }
            }
            remaining -= read
            if keep { files[path] = ChartFile(bytes: data, modified: Int64(archive_entry_mtime(entry))) }
        }
        guard files["Chart.yaml"] != nil else { throw .invalidChart(label, "Chart.yaml is missing") }
        return files
    }

    /// `path.Clean` for archive paths: drops `.` and empty components and resolves `a/..`.
    static func clean(_ path: String) -> String {
        var out: [Substring] = []
        let absolute = path.hasPrefix("/")
        for component in path.split(separator: "/", omittingEmptySubsequences: true) {
            if component == "." { continue }
            if component == "..", let last = out.last, last != ".." { out.removeLast(); continue }
            if component == "..", absolute { continue }
            out.append(component)
        }
        let joined = out.joined(separator: "/")
        if absolute { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }
}
