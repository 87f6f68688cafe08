import Glibc

/// Small files written whole or not at all.
public enum AtomicFile {
    /// Writes `bytes` to a temporary file beside `path` (locked, so a killed run's is recognised and removed by the
    /// next bundle written there), syncs it and renames it over `path`, then syncs the directory.
    public static func write(_ bytes: [UInt8], to path: String) throws(ArchiveError) {
        let file = try StagedFile(destination: path)
        do { try bytes.withUnsafeBytes { try file.write($0) } } catch let error as ArchiveError { throw error } catch {
            throw ArchiveError(archive: path, reason: "cannot be written (\(error))")
        }
        try file.commit()
        syncDirectory(containing: path)
    }
}
