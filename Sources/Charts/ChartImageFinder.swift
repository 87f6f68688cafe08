import OCI
import Yams

/// A container image a chart refers to, and every place it was found.
public struct ChartImage: Sendable, Codable, Equatable {
    /// The normalised reference (`docker.io/library/postgres:12-alpine`).
    public var reference: String
    /// Where it was found, e.g. `values.yaml: controller.image`, `charts/mariadb/images.lock`,
    /// `Chart.yaml: annotations.artifacthub.io/images`; a tag taken from `appVersion` says so.
    public var foundIn: [String]
}

/// Finds the images a chart and its subcharts name: Chart.yaml's `helm.sh/images` and `artifacthub.io/images`
/// annotations, Bitnami's `images.lock`, and default values: `image:` strings, and maps with a `repository`
/// (plus `registry`, `tag`, `digest`) under an `…image…` key or beside a `tag`/`digest`/`registry`.
/// A map without a tag takes the chart's `appVersion`, as most chart templates do.
/// Values that are not valid references (templates, empty strings) are left out.
public enum ChartImageFinder {
    public static func images(in chart: ChartArchive) -> [ChartImage] {
        var found: [(String, String)] = []
        for c in chart.allCharts {
            let prefix = c.location.isEmpty ? "" : c.location + "/"
            for key in ["helm.sh/images", "artifacthub.io/images"] {
                if let text = c.metadata.annotations[key] {
                    for image in listedImages(text) { found.append((image, "\(prefix)Chart.yaml: annotations.\(key)")) }
                }
            }
            if let lock = c.imagesLock, case .mapping(let top)? = try? Yams.compose(yaml: lock), let list = top["images"] {
                for image in imageFields(list) { found.append((image, "\(prefix)images.lock")) }
            }
            if let values = c.values, let root = try? Yams.compose(yaml: values) {
                walk(root, path: [], appVersion: c.metadata.appVersion) { found.append(($0, "\(prefix)values.yaml: \($1)")) }
            }
        }
        var order: [String] = []
        var places: [String: [String]] = [:]
        for (text, place) in found {
            guard let reference = try? Reference(parsing: text) else { continue }
            let key = reference.description
            if places[key] == nil { order.append(key) }
            if !(places[key]?.contains(place) ?? false) { places[key, default: []].append(place) }
        }
        return order.map { ChartImage(reference: $0, foundIn: places[$0] ?? []) }
    }

    /// The `image` fields of an annotation's YAML list (`- name: x\n  image: y`).
    static func listedImages(_ text: String) -> [String] {
        guard let node = try? Yams.compose(yaml: text) else { return [] }
        return imageFields(node)
    }

    static func imageFields(_ node: Node) -> [String] {
        guard case .sequence(let items) = node else { return [] }
        return items.compactMap { item in
            guard case .mapping(let map) = item else { return nil }
            return map["image"]?.string
        }
    }

    /// Walks default values, reporting each image reference with its dotted path.
    static func walk(_ node: Node, path: [String], appVersion: String, report: (String, String) -> Void) {
        let dotted = path.joined(separator: ".")
        switch node {
        case .mapping(let map):
            let key = path.last?.lowercased() ?? ""
            if let reference = mapReference(map, underImageKey: key.contains("image"), appVersion: appVersion) {
                report(reference.text, dotted + (reference.tagFromAppVersion ? " (tag from appVersion)" : ""))
            }
            for (k, v) in map {
                guard let name = k.string else { continue }
                if name == "image", case .scalar = v, let text = v.string, v.resolvedTag == .str {
                    if isCandidate(text) { report(text, (path + [name]).joined(separator: ".")) }
                    continue
                }
                walk(v, path: path + [name], appVersion: appVersion, report: report)
            }
        case .sequence(let items):
            for (i, item) in items.enumerated() {
                let indexed = path.isEmpty ? ["[\(i)]"] : path.dropLast() + [path[path.count - 1] + "[\(i)]"]
                walk(item, path: indexed, appVersion: appVersion, report: report)
            }
        default:
            return
        }
    }

    /// `registry/repository:tag@digest` from an image map, when it is one.
    static func mapReference(_ map: Node.Mapping, underImageKey: Bool, appVersion: String) -> (text: String, tagFromAppVersion: Bool)? {
        func field(_ key: String) -> String? {
            guard let node = map[key], node.resolvedTag != .null, case .scalar(let s) = node else { return nil }
            let value = s.string.trimmingCharacters(in: .whitespaces)
            return value.isEmpty ? nil : value
        }
        guard let repository = field("repository"), isCandidate(repository) else { return nil }
        let registry = field("registry")
        let tag = field("tag")
        let digest = field("digest")
        guard underImageKey || tag != nil || digest != nil || registry != nil else { return nil }
        var text = (registry.map { $0 + "/" } ?? "") + repository
        var fromAppVersion = false
        if let tag { text += ":" + tag } else if digest == nil, !appVersion.isEmpty { text += ":" + appVersion; fromAppVersion = true }
        if let digest, digest.hasPrefix("sha256:") { text += "@" + digest }
        return (text, fromAppVersion)
    }

    /// Plain text that could be a reference: no template braces, no URL scheme, no spaces.
    static func isCandidate(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("{{") && !text.contains("://") && !text.contains(" ")
    }
}
