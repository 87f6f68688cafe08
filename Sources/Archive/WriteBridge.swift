import CArchive
import Glibc

/// Connects libarchive's write callback to an `ArchiveOutput`, keeping the output's own error
/// (libarchive only sees "-1").
final class WriteBridge {
    let output: ArchiveOutput
    /// The first error the output threw.
    var outputError: (any Error)?

    init(output: ArchiveOutput) { self.output = output }

    /// How errors name the archive being written.
    var label: String { output.archiveName }

    /// An error for a failed libarchive call: the output's error if it caused it, else libarchive's message.
    func error(_ archive: OpaquePointer, entry: String?, doing what: String) -> ArchiveError {
        if let outputError {
            if let error = outputError as? ArchiveError { return error }
            return ArchiveError(archive: label, entry: entry, reason: "\(what): \(outputError)")
        }
        let message = archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
        return ArchiveError(archive: label, entry: entry, reason: "\(what): \(message)")
    }
}

/// libarchive's write callback: hands the bytes to the bridge's output, or returns -1 and keeps its error.
func writeToBridge(_: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int) -> la_ssize_t {
    guard let clientData else { return -1 }
    let bridge = Unmanaged<WriteBridge>.fromOpaque(clientData).takeUnretainedValue()
    guard bridge.outputError == nil else { return -1 }
    do {
        try bridge.output.write(UnsafeRawBufferPointer(start: buffer, count: length))
        return la_ssize_t(length)
    } catch {
        bridge.outputError = error
        return -1
    }
}
