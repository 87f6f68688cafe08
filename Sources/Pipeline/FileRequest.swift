import OCI

/// A file to carry (a `files:` entry of the bundle manifest): downloaded from `url` and checked against its
/// required SHA-256, or read from a local `path`; written back under `name`.
public struct FileRequest: Sendable, Equatable {
    public enum Origin: Sendable, Equatable {
        case url(String)
        case path(String)
    }

    public var origin: Origin
    /// Required for a URL; optional (but checked when given) for a local path.
    public var sha256: Digest?
    /// The file name it travels and is exported under: no `/`, not `.` or `..`.
    public var name: String

    public init(origin: Origin, sha256: Digest?, name: String) {
        self.origin = origin
        self.sha256 = sha256
        self.name = name
    }

    /// Where it comes from, as messages name it.
    public var description: String {
        switch origin {
        case .url(let url): url
        case .path(let path): path
        }
    }

    /// Whether `name` can be a file name in an export directory.
    public static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && name != "." && name != ".." && !name.contains("/") && !name.contains("\0") && name.utf8.count <= 255
    }

    /// The reference it is found by: `files/NAME:TAG`, NAME lower-cased with every run of other characters a `-`
    /// (a repository path component), TAG the first 16 hex digits of its SHA-256.
    public static func reference(name: String, digest: Digest) -> String {
        var path = ""
        for character in name.lowercased() {
            if character.isASCII && (character.isLetter || character.isNumber) { path.append(character) }
            else if !path.isEmpty && path.last != "-" { path.append("-") }
        }
        while path.hasSuffix("-") { path.removeLast() }
        return "files/\(path.isEmpty ? "file" : path):\(digest.encoded.prefix(16))"
    }
}
