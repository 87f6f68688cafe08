import Foundation

/// How much has been written under a directory: the progress measure crash tests kill at.
public enum DirectoryUsage {
    /// The sum of the sizes of the regular files under `path` (hidden ones included), 0 when it does not exist.
    /// Files that vanish while it walks (renamed or removed by the process under test) are skipped.
    public static func bytes(under path: String) -> Int64 {
        guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
        var total: Int64 = 0
        var info = stat()
        while let name = walker.nextObject() as? String {
            if lstat(path + "/" + name, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG {
                total += Int64(info.st_size)
            }
        }
        return total
    }

    /// The names of the files and directories directly in `path`, sorted.
    public static func names(in path: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []).sorted()
    }
}
