import OCI
import Yams

/// A chart's `Chart.yaml` as Helm loads it (chart API v1 and v2): the fields Helm knows, with Helm's defaults
/// (`apiVersion: v1` when unset, v1 `requirements.yaml` dependencies merged in) and Helm's clean-up of text
/// fields (whitespace becomes a space, unprintable characters go), so the config blob written from it is
/// byte for byte the one `helm push` writes.
public struct ChartMetadata: Sendable, Equatable {
    /// A maintainer entry.
    public struct Maintainer: Sendable, Equatable {
        public var name = "", email = "", url = ""
    }

    /// A dependency (Chart.yaml `dependencies`, or v1 `requirements.yaml`).
    public struct Dependency: Sendable, Equatable {
        public var name = "", version = "", repository = "", condition = "", alias = ""
        public var tags: [String] = []
        public var enabled = false
        public var importValues: [GoJSON] = []
    }

    public var name = ""
    public var home = ""
    public var sources: [String] = []
    public var version = ""
    public var description = ""
    public var keywords: [String] = []
    public var maintainers: [Maintainer] = []
    public var icon = ""
    public var apiVersion = ""
    public var condition = ""
    public var tags = ""
    public var appVersion = ""
    public var deprecated = false
    public var annotations: [String: String] = [:]
    public var kubeVersion = ""
    public var dependencies: [Dependency] = []
    public var type = ""

    /// Reads Chart.yaml text; `chart` names the chart in errors.
    public init(chartYAML text: String, chart: String) throws(ChartError) {
        let fields = try Self.mapping(text, file: "\(chart): Chart.yaml")
        let r = FieldReader(file: "\(chart): Chart.yaml")
        for (key, value) in fields {
            switch key {
            case "name": name = try r.string(value, key)
            case "home": home = try r.string(value, key)
            case "sources": sources = try r.strings(value, key)
            case "version": version = try r.string(value, key)
            case "description": description = try r.string(value, key)
            case "keywords": keywords = try r.strings(value, key)
            case "maintainers": maintainers = try r.maintainers(value)
            case "icon": icon = try r.string(value, key)
            case "apiVersion": apiVersion = try r.string(value, key)
            case "condition": condition = try r.string(value, key)
            case "tags": tags = try r.string(value, key)
            case "appVersion": appVersion = try r.string(value, key)
            case "deprecated": deprecated = try r.bool(value, key)
            case "annotations": annotations = try r.stringMap(value, key)
            case "kubeVersion": kubeVersion = try r.string(value, key)
            case "dependencies": dependencies = try r.dependencies(value)
            case "type": type = try r.string(value, key)
            default: continue   // Helm ignores fields it does not know
            }
        }
        if apiVersion.isEmpty { apiVersion = "v1" }
    }

    /// Merges a v1 chart's `requirements.yaml` (its `dependencies`), as Helm does.
    public mutating func mergeRequirements(_ text: String, chart: String) throws(ChartError) {
        let fields = try Self.mapping(text, file: "\(chart): requirements.yaml")
        let r = FieldReader(file: "\(chart): requirements.yaml")
        for (key, value) in fields where key == "dependencies" { dependencies = try r.dependencies(value) }
    }

    /// Helm's `Metadata.Validate`: cleans text fields and checks what a chart must have.
    public mutating func validate(chart: String) throws(ChartError) {
        let s = Self.sanitize
        name = s(name); description = s(description); home = s(home); icon = s(icon); condition = s(condition)
        tags = s(tags); appVersion = s(appVersion); kubeVersion = s(kubeVersion)
        sources = sources.map(s); keywords = keywords.map(s)
        maintainers = maintainers.map { Maintainer(name: s($0.name), email: s($0.email), url: s($0.url)) }
        func invalid(_ reason: String) -> ChartError { .invalidChart(chart, "Chart.yaml: \(reason)") }
        guard !name.isEmpty else { throw invalid("name is required") }
        guard name != "." && name != ".." && !name.contains("/") else { throw invalid("name '\(name)' is not allowed") }
        guard !version.isEmpty else { throw invalid("version is required") }
        guard SemanticVersion(version) != nil else { throw invalid("version '\(version)' is not a semantic version") }
        guard ["", "application", "library"].contains(type) else { throw invalid("type must be application or library, not '\(type)'") }
        var seen = Set<String>()
        for i in dependencies.indices {
            dependencies[i].name = s(dependencies[i].name); dependencies[i].version = s(dependencies[i].version)
            dependencies[i].repository = s(dependencies[i].repository); dependencies[i].condition = s(dependencies[i].condition)
            dependencies[i].tags = dependencies[i].tags.map(s)
            let alias = dependencies[i].alias
            if !alias.isEmpty, !alias.allSatisfy({ $0.isASCIILetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" }) {
                throw invalid("dependency '\(dependencies[i].name)' has disallowed characters in its alias")
            }
            let key = alias.isEmpty ? dependencies[i].name : alias
            guard seen.insert(key).inserted else { throw invalid("more than one dependency with name or alias '\(key)'") }
        }
    }

    /// Go's `unicode.IsSpace` characters become a space; characters Go's `unicode.IsPrint` rejects are dropped.
    static func sanitize(_ text: String) -> String {
        var out = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if scalar.properties.isWhitespace || scalar == "\u{85}" { out.append(" "); continue }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                 .nonspacingMark, .spacingMark, .enclosingMark, .decimalNumber, .letterNumber, .otherNumber,
                 .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
                 .finalPunctuation, .otherPunctuation, .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol:
                out.append(scalar)
            default: continue
            }
        }
        return String(out)
    }

    /// The config blob `helm push` writes: this metadata as Go's `json.Marshal` writes Helm's `Metadata`.
    public var helmConfigJSON: String {
        var m: [(String, GoJSON)] = []
        func add(_ key: String, _ value: String) { if !value.isEmpty { m.append((key, .string(value))) } }
        func add(_ key: String, _ values: [String]) { if !values.isEmpty { m.append((key, .array(values.map(GoJSON.string)))) } }
        add("name", name); add("home", home); add("sources", sources); add("version", version)
        add("description", description); add("keywords", keywords)
        if !maintainers.isEmpty {
            m.append(("maintainers", .array(maintainers.map { mt in
                .object([("name", mt.name), ("email", mt.email), ("url", mt.url)].filter { !$0.1.isEmpty }.map { ($0.0, GoJSON.string($0.1)) })
            })))
        }
        add("icon", icon); add("apiVersion", apiVersion); add("condition", condition); add("tags", tags)
        add("appVersion", appVersion)
        if deprecated { m.append(("deprecated", .bool(true))) }
        if !annotations.isEmpty {
            m.append(("annotations", .object(annotations.sorted { Array($0.key.utf8).lexicographicallyPrecedes(Array($1.key.utf8)) }.map { ($0.key, .string($0.value)) })))
        }
        add("kubeVersion", kubeVersion)
        if !dependencies.isEmpty {
            m.append(("dependencies", .array(dependencies.map { d in
                var o: [(String, GoJSON)] = [("name", .string(d.name))]
                if !d.version.isEmpty { o.append(("version", .string(d.version))) }
                o.append(("repository", .string(d.repository)))
                if !d.condition.isEmpty { o.append(("condition", .string(d.condition))) }
                if !d.tags.isEmpty { o.append(("tags", .array(d.tags.map(GoJSON.string)))) }
                if d.enabled { o.append(("enabled", .bool(true))) }
                if !d.importValues.isEmpty { o.append(("import-values", .array(d.importValues))) }
                if !d.alias.isEmpty { o.append(("alias", .string(d.alias))) }
                return .object(o)
            })))
        }
        add("type", type)
        return GoJSON.object(m).text
    }

    /// The top-level mapping of a YAML file, key by key (an empty file is an empty mapping).
    static func mapping(_ text: String, file: String) throws(ChartError) -> [(String, Node)] {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch { throw .invalidChart(file, "not valid YAML (\(error))") }
        guard let root else { return [] }
        guard case .mapping(let map) = root else { throw .invalidChart(file, "expected a mapping") }
        return map.compactMap { k, v in k.string.map { ($0, v) } }
    }
}

/// Reads YAML values into Helm's field types, converting as Helm's YAML-to-JSON step does
/// (a number or boolean in a text field becomes its text).
struct FieldReader {
    let file: String

    func fail(_ field: String, _ expected: String) -> ChartError { .invalidChart(file, "\(field): expected \(expected)") }

    func string(_ node: Node, _ field: String) throws(ChartError) -> String {
        guard case .scalar(let scalar) = node else { throw fail(field, "a string") }
        switch node.resolvedTag {
        case .null: return ""
        case .float:
            guard let d = node.float else { return scalar.string }
            return GoJSON.format(d)
        case .int: return node.int.map(String.init) ?? scalar.string
        case .bool: return node.bool.map { $0 ? "true" : "false" } ?? scalar.string
        default: return scalar.string
        }
    }

    func strings(_ node: Node, _ field: String) throws(ChartError) -> [String] {
        if node.resolvedTag == .null { return [] }
        guard case .sequence(let items) = node else { throw fail(field, "a list of strings") }
        var out: [String] = []
        for item in items { out.append(try string(item, field)) }
        return out
    }

    func bool(_ node: Node, _ field: String) throws(ChartError) -> Bool {
        if node.resolvedTag == .null { return false }
        guard let b = node.bool else { throw fail(field, "true or false") }
        return b
    }

    func stringMap(_ node: Node, _ field: String) throws(ChartError) -> [String: String] {
        if node.resolvedTag == .null { return [:] }
        guard case .mapping(let map) = node else { throw fail(field, "a mapping of strings") }
        var out: [String: String] = [:]
        for (k, v) in map { out[try string(k, field)] = try string(v, "\(field).\(k.string ?? "")") }
        return out
    }

    func maintainers(_ node: Node) throws(ChartError) -> [ChartMetadata.Maintainer] {
        if node.resolvedTag == .null { return [] }
        guard case .sequence(let items) = node else { throw fail("maintainers", "a list") }
        var out: [ChartMetadata.Maintainer] = []
        for item in items {
            guard case .mapping(let map) = item else { throw fail("maintainers", "no empty or null entries") }
            var m = ChartMetadata.Maintainer()
            for (k, v) in map {
                switch k.string {
                case "name": m.name = try string(v, "maintainers.name")
                case "email": m.email = try string(v, "maintainers.email")
                case "url": m.url = try string(v, "maintainers.url")
                default: continue
                }
            }
            out.append(m)
        }
        return out
    }

    func dependencies(_ node: Node) throws(ChartError) -> [ChartMetadata.Dependency] {
        if node.resolvedTag == .null { return [] }
        guard case .sequence(let items) = node else { throw fail("dependencies", "a list") }
        var out: [ChartMetadata.Dependency] = []
        for item in items {
            guard case .mapping(let map) = item else { throw fail("dependencies", "no empty or null entries") }
            var d = ChartMetadata.Dependency()
            for (k, v) in map {
                switch k.string {
                case "name": d.name = try string(v, "dependencies.name")
                case "version": d.version = try string(v, "dependencies.version")
                case "repository": d.repository = try string(v, "dependencies.repository")
                case "condition": d.condition = try string(v, "dependencies.condition")
                case "alias": d.alias = try string(v, "dependencies.alias")
                case "tags": d.tags = try strings(v, "dependencies.tags")
                case "enabled": d.enabled = try bool(v, "dependencies.enabled")
                case "import-values":
                    if case .sequence(let values) = v { d.importValues = values.map(Self.json) }
                    else if v.resolvedTag != .null { throw fail("dependencies.import-values", "a list") }
                default: continue
                }
            }
            out.append(d)
        }
        return out
    }

    /// Any YAML value as JSON, maps with their keys sorted as Go sorts map keys.
    static func json(_ node: Node) -> GoJSON {
        switch node {
        case .scalar(let scalar):
            switch node.resolvedTag {
            case .null: return .null
            case .bool: return node.bool.map(GoJSON.bool) ?? .string(scalar.string)
            case .int: return node.int.map { .integer(Int64($0)) } ?? .string(scalar.string)
            case .float: return node.float.map(GoJSON.number) ?? .string(scalar.string)
            default: return .string(scalar.string)
            }
        case .sequence(let items): return .array(items.map(json))
        case .mapping(let map):
            let members = map.map { ($0.key.string ?? "", json($0.value)) }
            return .object(members.sorted { Array($0.0.utf8).lexicographicallyPrecedes(Array($1.0.utf8)) })
        case .alias: return .null
        }
    }
}

extension Node {
    /// The tag the YAML resolver gave this node (`str`, `int`, `float`, `bool`, `null`, …).
    var resolvedTag: Tag.Name { Tag.Name(rawValue: tag.rawValue) }
}
