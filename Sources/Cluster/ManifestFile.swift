import Foundation

/// A Kubernetes YAML file to read: where it came from, the name to report, where it goes under an output
/// directory, and its text.
public struct ManifestFile: Sendable {
    /// The path read (`-` for standard input).
    public let path: String
    /// The path relative to the argument it was found under (its file name for a file argument); used under `-o DIR`.
    public let relativePath: String
    public let text: String

    public init(path: String, relativePath: String, text: String) {
        self.path = path
        self.relativePath = relativePath
        self.text = text
    }

    /// The file extensions read when a directory is given.
    public static let extensions: Set<String> = ["yaml", "yml"]

    /// Reads every argument: `-` is standard input, a directory is searched recursively for `*.yaml`/`*.yml`
    /// (in sorted order, hidden entries skipped), a file is read as it is. No argument means standard input.
    public static func collect(_ arguments: [String]) throws -> [ManifestFile] {
        var files: [ManifestFile] = []
        for argument in arguments.isEmpty ? ["-"] : arguments {
            if argument == "-" {
                files.append(try decode(FileHandle.standardInput.readDataToEndOfFile(), path: "-", relativePath: "stdin.yaml"))
                continue
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory) else {
                throw ClusterInputError(file: argument, "no such file or directory", category: .io)
            }
            if !isDirectory.boolValue {
                files.append(try read(argument, relativePath: (argument as NSString).lastPathComponent))
                continue
            }
            guard let walker = FileManager.default.enumerator(atPath: argument) else {
                throw ClusterInputError(file: argument, "cannot list the directory", category: .io)
            }
            var found: [String] = []
            while let relative = walker.nextObject() as? String {
                let name = (relative as NSString).lastPathComponent
                if name.hasPrefix(".") {
                    if walker.fileAttributes?[.type] as? FileAttributeType == .typeDirectory { walker.skipDescendants() }
                    continue
                }
                guard extensions.contains((name as NSString).pathExtension.lowercased()),
                      walker.fileAttributes?[.type] as? FileAttributeType == .typeRegular else { continue }
                found.append(relative)
            }
            for relative in found.sorted() {
                files.append(try read((argument as NSString).appendingPathComponent(relative), relativePath: relative))
            }
        }
        return files
    }

    static func read(_ path: String, relativePath: String) throws -> ManifestFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw ClusterInputError(file: path, "cannot read the file", category: .io) }
        return try decode(data, path: path, relativePath: relativePath)
    }

    static func decode(_ data: Data, path: String, relativePath: String) throws -> ManifestFile {
        guard let text = String(data: data, encoding: .utf8) else { throw ClusterInputError(file: path, "not UTF-8 text (expected Kubernetes YAML)") }
        return ManifestFile(path: path, relativePath: relativePath, text: text)
    }
}
