import Foundation
import Yams

/// One version of one chart in a repository's `index.yaml`.
public struct ChartIndexEntry: Sendable, Equatable {
    public var name: String
    public var version: String
    /// Where the archive is: absolute, or relative to the repository URL.
    public var urls: [String]
    /// The archive's SHA-256 in hex, as the index gives it (Helm writes it without `sha256:`); nil when absent.
    public var digest: String?
    /// The `created` time as written in the index.
    public var created: String?
}

/// The versions of one chart in a Helm repository index (`index.yaml`, YAML or JSON), newest first, as Helm
/// sorts them after dropping the entries it would skip (no name, or a version that is not semver).
///
/// Large indexes are not parsed whole: in the block-style YAML every index writer produces, only the lines of
/// the chart asked for are composed; the file itself is memory-mapped, not read into the heap. Other shapes
/// (JSON, flow style) are parsed whole, up to `wholeParseLimit` bytes.
public struct ChartRepositoryIndex: Sendable {
    public let source: String
    public let chart: String
    public let entries: [ChartIndexEntry]

    public static let wholeParseLimit = 64 << 20

    /// Reads the versions of `chart` from the index file at `path`; `source` names the index in errors.
    public init(file path: String, chart: String, source: String) throws(ChartError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw .invalidIndex(source, "cannot be read (\(error.localizedDescription))")
        }
        try self.init(data: data, chart: chart, source: source)
    }

    /// Reads the versions of `chart` from index bytes.
    public init(data: Data, chart: String, source: String) throws(ChartError) {
        self.source = source
        self.chart = chart
        guard !data.isEmpty else { throw .invalidIndex(source, "is empty, expected a Helm repository index") }
        let items: [Node]?
        if let block = Self.blockStyleSections(data, chart: chart) {
            guard block.hasAPIVersion else { throw .invalidIndex(source, "has no apiVersion; is this a Helm repository index?") }
            items = try block.chartText.map { text throws(ChartError) in try Self.versions(ofChartYAML: text, chart: chart, source: source) } ?? nil
        } else {
            guard data.count <= Self.wholeParseLimit else {
                throw .invalidIndex(source, "is \(data.count) bytes and not block-style YAML; at most \(Self.wholeParseLimit) bytes are parsed whole")
            }
            items = try Self.versionsParsingWhole(data, chart: chart, source: source)
        }
        guard let items else { throw .unknownChart(chart: chart, repository: source) }
        var entries: [ChartIndexEntry] = []
        for item in items {
            guard case .mapping(let map) = item else { continue }
            func text(_ key: String) -> String? {
                guard let node = map[key], case .scalar(let s) = node, node.resolvedTag != .null else { return nil }
                return s.string
            }
            guard let version = text("version"), SemanticVersion(version) != nil else { continue }
            var urls: [String] = []
            if let list = map["urls"], case .sequence(let seq) = list { urls = seq.compactMap(\.string) }
            let digest = text("digest").map { $0.hasPrefix("sha256:") ? String($0.dropFirst(7)) : $0 }
            entries.append(ChartIndexEntry(name: text("name") ?? chart, version: version, urls: urls, digest: digest, created: text("created")))
        }
        // Helm sorts newest first by semver; equal versions keep index order here.
        self.entries = entries.enumerated().sorted { a, b in
            let c = SemanticVersion(a.element.version)!.compare(SemanticVersion(b.element.version)!)
            return c != 0 ? c > 0 : a.offset < b.offset
        }.map(\.element)
    }

    /// The entry Helm picks for `constraint`: an exact version string first, else the newest version the
    /// constraint allows (no constraint: the newest release).
    public func select(_ constraint: String?) throws(ChartError) -> ChartIndexEntry {
        let text = constraint?.trimmingCharacters(in: .whitespaces) ?? ""
        if !text.isEmpty, let exact = entries.first(where: { $0.version == text }) { return exact }
        let parsed = try VersionConstraint(text.isEmpty ? "*" : text)
        guard let match = entries.first(where: { SemanticVersion($0.version).map(parsed.allows) ?? false }) else {
            throw .noMatchingVersion(chart: chart, constraint: text.isEmpty ? "*" : text, available: entries.map(\.version))
        }
        return match
    }

    // MARK: - Block-style scanning

    struct BlockSections {
        var hasAPIVersion: Bool
        /// The chart's lines under `entries:`, or nil when the chart is not there.
        var chartText: String?
    }

    /// Finds `apiVersion:` and the lines of `entries: → chart:` in block-style YAML, or nil if the text is not
    /// laid out that way (then it is parsed whole).
    static func blockStyleSections(_ data: Data, chart: String) -> BlockSections? {
        data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> BlockSections? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var hasAPIVersion = false
            var inEntries = false
            var sawEntries = false
            var keyIndent: Int? = nil
            var chartStart: Int? = nil
            var chartEnd: Int? = nil
            var lineStart = 0
            let count = bytes.count
            while lineStart < count {
                var lineEnd = lineStart
                while lineEnd < count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
                var indent = 0
                while lineStart + indent < lineEnd && bytes[lineStart + indent] == 0x20 { indent += 1 }
                let contentStart = lineStart + indent
                let blank = contentStart >= lineEnd || bytes[contentStart] == 0x23 /* # */ || bytes[contentStart] == 0x0D
                if !blank {
                    if indent == 0 {
                        if chartStart != nil && chartEnd == nil { chartEnd = lineStart }
                        let line = String(decoding: UnsafeRawBufferPointer(rebasing: raw[contentStart..<lineEnd]), as: UTF8.self)
                        if line.hasPrefix("{") || line.hasPrefix("[") || line.hasPrefix("---") && sawEntries { return nil }
                        inEntries = false
                        if line.hasPrefix("apiVersion:") { hasAPIVersion = true }
                        if line.hasPrefix("entries:") {
                            let rest = line.dropFirst("entries:".count).trimmingCharacters(in: .whitespacesAndNewlines)
                            guard rest.isEmpty else { return nil }   // flow-style entries
                            inEntries = true
                            sawEntries = true
                        }
                    } else if inEntries {
                        if keyIndent == nil { keyIndent = indent }
                        if indent == keyIndent && bytes[contentStart] != 0x2D /* - */ {
                            if chartStart != nil && chartEnd == nil { chartEnd = lineStart }
                            let line = String(decoding: UnsafeRawBufferPointer(rebasing: raw[contentStart..<lineEnd]), as: UTF8.self)
                            if chartStart == nil, Self.key(of: line) == chart { chartStart = lineStart }
                        }
                    }
                }
                lineStart = lineEnd + 1
            }
            guard sawEntries else { return nil }
            guard let start = chartStart else { return BlockSections(hasAPIVersion: hasAPIVersion, chartText: nil) }
            let end = chartEnd ?? count
            return BlockSections(hasAPIVersion: hasAPIVersion,
                                 chartText: String(decoding: UnsafeRawBufferPointer(rebasing: raw[start..<end]), as: UTF8.self))
        }
    }

    /// The key of a `key:` line, unquoted.
    static func key(of line: String) -> String? {
        var text = Substring(line)
        if let quote = text.first, quote == "\"" || quote == "'" {
            guard let close = text.dropFirst().firstIndex(of: quote) else { return nil }
            let key = text[text.index(after: text.startIndex)..<close]
            return text[text.index(after: close)...].hasPrefix(":") ? String(key) : nil
        }
        guard let colon = text.firstIndex(of: ":") else { return nil }
        text = text[..<colon]
        return String(text).trimmingCharacters(in: .whitespaces)
    }

    static func versions(ofChartYAML text: String, chart: String, source: String) throws(ChartError) -> [Node] {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw .invalidIndex(source, "entries.\(chart): not valid YAML (\(error))") }
        guard case .mapping(let map)? = root, let value = map.first?.value else { return [] }
        guard case .sequence(let items) = value else {
            if value.resolvedTag == .null { return [] }
            throw .invalidIndex(source, "entries.\(chart): expected a list of versions")
        }
        return Array(items)
    }

    static func versionsParsingWhole(_ data: Data, chart: String, source: String) throws(ChartError) -> [Node]? {
        let root: Node?
        // JSON is YAML; Yams reads both.
        do { root = try Yams.compose(yaml: String(decoding: data, as: UTF8.self)) } catch {
            throw .invalidIndex(source, "not valid YAML or JSON (\(error))")
        }
        guard case .mapping(let top)? = root else { throw .invalidIndex(source, "expected a mapping with apiVersion and entries") }
        guard top["apiVersion"] != nil else { throw .invalidIndex(source, "has no apiVersion; is this a Helm repository index?") }
        guard let entries = top["entries"], case .mapping(let charts) = entries else {
            throw .invalidIndex(source, "has no entries mapping")
        }
        guard let versions = charts[chart] else { return nil }
        guard case .sequence(let items) = versions else { return versions.resolvedTag == .null ? [] : nil }
        return Array(items)
    }
}
