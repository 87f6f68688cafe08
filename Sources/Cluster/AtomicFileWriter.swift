import Foundation

/// Writes files whole or not at all, as other processes see them: each goes to a temporary file in its directory with
/// its final mode, and is renamed into place. Parent directories are made only when the temporary file cannot be
/// created without them. (No fsync: rewriting 10,000 manifests would spend most of its time there.)
public enum AtomicFileWriter {
    /// Writes `contents` to `path` with `mode` (0600 for secrets).
    public static func write(_ contents: Data, to path: String, mode: Int) throws {
        let directory = (path as NSString).deletingLastPathComponent
        let temporary = (directory.isEmpty ? "." : directory) + "/.airlock-" + UUID().uuidString + ".tmp"
        func failure(_ what: String) -> ClusterInputError {
            ClusterInputError(file: path, "cannot write the file (\(what): \(String(cString: strerror(errno))))", category: .io)
        }
        var descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        if descriptor < 0 && errno == ENOENT {
            do { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) } catch {
                throw ClusterInputError(file: path, "cannot create its directory (\(error.localizedDescription))", category: .io)
            }
            descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode_t(mode))
        }
        guard descriptor >= 0 else { throw failure("open") }
        var written = 0
        let complete = contents.withUnsafeBytes { buffer -> Bool in
            while written < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + written, buffer.count - written)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { return false }
                written += count
            }
            return true
        }
        // The mode is set again: the umask may have narrowed it at open.
        guard complete, fchmod(descriptor, mode_t(mode)) == 0, close(descriptor) == 0 else {
            let error = failure("write")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure("rename")
            unlink(temporary)
            throw error
        }
    }
}
