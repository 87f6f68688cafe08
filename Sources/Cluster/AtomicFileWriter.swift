import Foundation

/// Writes files whole or not at all: each goes to a temporary file in its directory, is given its mode, and is
/// renamed into place.
public enum AtomicFileWriter {
    /// Writes `contents` to `path` with `mode` (0600 for secrets), creating parent directories.
    public static func write(_ contents: Data, to path: String, mode: Int) throws {
        let directory = (path as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory.isEmpty ? "." : directory, withIntermediateDirectories: true)
            let temporary = (directory.isEmpty ? "." : directory) + "/.airlock-" + UUID().uuidString + ".tmp"
            guard FileManager.default.createFile(atPath: temporary, contents: nil, attributes: [.posixPermissions: mode]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            do {
                let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: temporary))
                try handle.write(contentsOf: contents)
                try handle.synchronize()
                try handle.close()
                try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary)
                guard rename(temporary, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
            } catch {
                try? FileManager.default.removeItem(atPath: temporary)
                throw error
            }
        } catch {
            throw ClusterInputError(file: path, "cannot write the file (\(error.localizedDescription))", category: .io)
        }
    }
}
