import Dispatch
import Locking
import Yams

/// Finds every image reference in Kubernetes YAML: multi-document streams (Helm and kustomize output), `List`
/// objects, workload pod specs and the custom resources of ``WorkloadImagePaths``.
public enum ManifestScanner {
    /// The images of each file, in file order, the files parsed side by side (one per core). A file that does not
    /// parse fails the whole call with the first such file's error.
    public static func images(in files: [ManifestFile]) throws -> [[ImageOccurrence]] {
        let results = Locked([Result<[ImageOccurrence], any Error>?](repeating: nil, count: files.count))
        DispatchQueue.concurrentPerform(iterations: files.count) { index in
            let result = Result { try images(in: files[index]) }
            results.withLock { $0[index] = result }
        }
        return try results.withLock { $0 }.map { try $0?.get() ?? [] }
    }

    /// The images of `file`, in document order. Malformed YAML is one error naming the file and line.
    public static func images(in file: ManifestFile) throws -> [ImageOccurrence] {
        var found: [ImageOccurrence] = []
        do {
            // The encoding is given: Yams' default reads the whole environment for every parser.
            let parser = try Parser(yaml: file.text, resolver: .basic, encoding: .utf8)
            while let root = try parser.nextRoot() {
                collect(object: root, file: file.path, into: &found)
            }
        } catch let error as YamlError {
            throw ClusterInputError(file: file.path, line: line(of: error), "not valid YAML: \(problem(of: error))")
        }
        return found
    }

    static func collect(object: Node, file: String, into found: inout [ImageOccurrence]) {
        guard let kind = value(object, "kind")?.scalar?.string else { return }
        if kind == "List" || kind.hasSuffix("List") && value(object, "items")?.sequence != nil {
            for item in value(object, "items")?.sequence ?? [] { collect(object: item, file: file, into: &found) }
            return
        }
        let apiVersion = value(object, "apiVersion")?.scalar?.string ?? ""
        let metadata = value(object, "metadata")
        let name = (metadata.flatMap { value($0, "name") } ?? metadata.flatMap { value($0, "generateName") })?.scalar?.string ?? "(unnamed)"
        for place in WorkloadImagePaths.places(kind: kind, apiVersion: apiVersion) {
            switch place {
            case .podSpec(let path):
                for spec in nodes(at: path[...], in: object).map(\.node) {
                    for list in WorkloadImagePaths.containerLists {
                        for container in value(spec, list)?.sequence ?? [] {
                            guard let image = value(container, "image")?.scalar else { continue }
                            let containerName = value(container, "name")?.scalar?.string ?? "(unnamed)"
                            found.append(occurrence(image, file: file, kind: kind, name: name, container: list == "containers" ? containerName : "\(containerName) (\(list))"))
                        }
                    }
                }
            case .image(let path):
                for (node, field) in nodes(at: path[...], in: object) {
                    guard let image = node.scalar else { continue }
                    found.append(occurrence(image, file: file, kind: kind, name: name, container: field))
                }
            }
        }
    }

    /// The nodes at `path` (with `[]` walking sequences) and the path written out (`spec.steps[2].image`).
    static func nodes(at path: ArraySlice<String>, in node: Node, written: String = "") -> [(node: Node, path: String)] {
        guard let first = path.first else { return [(node, written)] }
        let rest = path.dropFirst()
        let isSequence = first.hasSuffix("[]")
        let key = isSequence ? String(first.dropLast(2)) : first
        guard let child = value(node, key) else { return [] }
        let here = written.isEmpty ? key : written + "." + key
        guard isSequence else { return nodes(at: rest, in: child, written: here) }
        return (child.sequence ?? []).enumerated().flatMap { index, item in nodes(at: rest, in: item, written: "\(here)[\(index)]") }
    }

    /// The value of `key` in a mapping node (the last one, as YAML loaders keep).
    static func value(_ node: Node, _ key: String) -> Node? {
        guard case .mapping(let mapping) = node else { return nil }
        var found: Node?
        for pair in mapping {
            if case .scalar(let scalar) = pair.key, scalar.string == key { found = pair.value }
        }
        return found
    }

    static func occurrence(_ scalar: Node.Scalar, file: String, kind: String, name: String, container: String) -> ImageOccurrence {
        let style: ImageOccurrence.Style = switch scalar.style {
        case .plain: .plain
        case .singleQuoted: .singleQuoted
        case .doubleQuoted: .doubleQuoted
        default: .other
        }
        return ImageOccurrence(file: file, line: scalar.mark?.line ?? 0, column: scalar.mark?.column ?? 0, kind: kind, name: name,
                               container: container, value: scalar.string, style: style)
    }

    static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): mark.line
        case .duplicatedKeysInMapping(_, let context): context.mark.line
        default: nil
        }
    }

    static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(let context, let problem, _, _), .parser(let context, let problem, _, _), .composer(let context, let problem, _, _):
            (context.map { $0.text + " " } ?? "") + problem
        case .duplicatedKeysInMapping(let duplicates, _): "duplicate keys \(duplicates.joined(separator: ", "))"
        default: "\(error)"
        }
    }
}
