import Foundation
import OCI

/// Helm charts as OCI artifacts, exactly as `helm push` lays them out: a config blob holding Chart.yaml as JSON,
/// the `.tgz` as a layer, the `.prov` as a second layer when there is one (layers sorted by digest), and
/// annotations derived from Chart.yaml.
public enum HelmArtifact {
    public static let configMediaType = "application/vnd.cncf.helm.config.v1+json"
    public static let chartLayerMediaType = "application/vnd.cncf.helm.chart.content.v1.tar+gzip"
    public static let provenanceLayerMediaType = "application/vnd.cncf.helm.chart.provenance.v1.prov"
    /// The chart layer type of charts pushed by Helm before 3.7.
    public static let legacyChartLayerMediaType = "application/tar+gzip"

    /// The tag of a chart version: OCI tags cannot hold `+`, so Helm writes `_`.
    public static func tag(forVersion version: String) -> String { version.replacingOccurrences(of: "+", with: "_") }

    /// The chart version a tag stands for.
    public static func version(forTag tag: String) -> String { tag.replacingOccurrences(of: "_", with: "+") }

    /// Whether `manifest` is a Helm chart.
    public static func isChart(_ manifest: ImageManifest) -> Bool { manifest.config.mediaType == configMediaType }

    /// The chart archive layer of a chart manifest.
    public static func chartLayer(of manifest: ImageManifest) -> Descriptor? {
        manifest.layers.first { $0.mediaType == chartLayerMediaType || $0.mediaType == legacyChartLayerMediaType }
    }

    /// The provenance layer of a chart manifest, if any.
    public static func provenanceLayer(of manifest: ImageManifest) -> Descriptor? {
        manifest.layers.first { $0.mediaType == provenanceLayerMediaType }
    }

    /// The manifest bytes `helm push` writes for a chart with this metadata, these blobs and `created` time.
    public static func manifest(metadata: ChartMetadata, config: Descriptor, chart: Descriptor, provenance: Descriptor?, created: String) -> Data {
        func descriptor(_ d: Descriptor) -> GoJSON {
            .object([("mediaType", .string(d.mediaType)), ("digest", .string(d.digest.description)), ("size", .integer(d.size))])
        }
        let layers = ([chart] + (provenance.map { [$0] } ?? [])).sorted { $0.digest.description < $1.digest.description }
        let annotations = self.annotations(metadata: metadata, created: created)
            .sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }
        let json = GoJSON.object([
            ("schemaVersion", .integer(2)),
            ("config", descriptor(config)),
            ("layers", .array(layers.map(descriptor))),
            ("annotations", .object(annotations.map { ($0.key, .string($0.value)) })),
        ])
        return Data(json.text.utf8)
    }

    /// Helm's manifest annotations: description, title, version, url, created, source, authors from Chart.yaml,
    /// then the chart's own annotations (except title and version, which Helm never lets a chart override).
    public static func annotations(metadata m: ChartMetadata, created: String) -> [String: String] {
        var a: [String: String] = [:]
        func add(_ key: String, _ value: String) { if !value.trimmingCharacters(in: .whitespaces).isEmpty { a[key] = value } }
        add("org.opencontainers.image.description", m.description)
        add("org.opencontainers.image.title", m.name)
        add("org.opencontainers.image.version", m.version)
        add("org.opencontainers.image.url", m.home)
        add("org.opencontainers.image.created", created)
        if let source = m.sources.first { add("org.opencontainers.image.source", source) }
        if !m.maintainers.isEmpty {
            let authors = m.maintainers.map { $0.name + ($0.email.isEmpty ? "" : " (\($0.email))") }.joined(separator: ", ")
            add("org.opencontainers.image.authors", authors)
        }
        for (key, value) in m.annotations where key != "org.opencontainers.image.title" && key != "org.opencontainers.image.version" {
            a[key] = value
        }
        return a
    }

    /// RFC 3339 in UTC to the second, as Go's `time.RFC3339` writes a UTC time.
    public static func rfc3339(secondsSince1970 seconds: Int64) -> String {
        var t = time_t(seconds)
        var parts = tm()
        gmtime_r(&t, &parts)
        return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
                      Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec))
    }
}
