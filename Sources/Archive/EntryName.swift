/// The rules for entry names, shared by the writer and the safe reader: relative paths that stay
/// inside the archive's root, in one canonical spelling.
///
/// A leading `./` and trailing `/` are dropped; a lone `.` (or `./`) names the root directory.
/// Absolute paths, `..`, `.` and empty components, control characters and non-ASCII characters
/// (which tar formats spell in different charsets) are refused.
enum EntryName {
    /// The canonical form of `raw`, or why it is not acceptable.
    static func normalise(_ raw: String, isDirectory: Bool) -> Result<String, NameProblem> {
        if raw.isEmpty { return .failure(NameProblem("has an empty name")) }
        if raw.hasPrefix("/") { return .failure(NameProblem("is an absolute path; expected a path relative to the archive root")) }
        if raw.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) {
            return .failure(NameProblem("has a control character in its name"))
        }
        if raw.utf8.contains(where: { $0 >= 0x80 }) {
            return .failure(NameProblem("has a non-ASCII name; entry names are ASCII"))
        }
        var name = Substring(raw)
        while name.hasPrefix("./") { name = name.dropFirst(2) }
        while name.hasSuffix("/") { name = name.dropLast() }
        if name.isEmpty || name == "." {
            guard isDirectory else { return .failure(NameProblem("names the archive root but is not a directory")) }
            return .success(".")
        }
        for component in name.split(separator: "/", omittingEmptySubsequences: false) {
            switch component {
            case "": return .failure(NameProblem("has an empty path component ('//'); expected a canonical relative path"))
            case ".": return .failure(NameProblem("has a '.' path component; expected a canonical relative path"))
            case "..": return .failure(NameProblem("has a '..' path component, which would leave the archive root"))
            default: continue
            }
        }
        return .success(String(name))
    }
}

/// Why a name was refused.
struct NameProblem: Error {
    let reason: String
    init(_ reason: String) { self.reason = reason }
}
