import Foundation

/// The chain hash of a log file's last line, read backwards from its end (never the whole file).
enum LastLine {
    /// `EvidenceLine.genesis` for an empty file, else the SHA-256 of the last line without its newline; throws when
    /// the file does not end with a newline (a cut write).
    static func chainHash(of descriptor: Int32, path: String) throws(EvidenceError) -> String {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw EvidenceError(.io, "\(path): cannot stat the evidence log: \(errorText())") }
        let size = Int64(status.st_size)
        if size == 0 { return EvidenceLine.genesis }
        guard try read(descriptor, path: path, from: size - 1, count: 1) == [0x0A] else {
            throw EvidenceError(.integrity, "\(path): its last line has no newline (a write was cut short); nothing appended — check it with airgap evidence verify")
        }
        var chunks: [[UInt8]] = []
        var position = size - 1
        while position > 0 {
            let length = min(64 << 10, position)
            let chunk = try read(descriptor, path: path, from: position - length, count: Int(length))
            if let newline = chunk.lastIndex(of: 0x0A) {
                chunks.append(Array(chunk[(newline + 1)...]))
                break
            }
            chunks.append(chunk)
            position -= length
        }
        return EvidenceLine.chainHash(of: chunks.reversed().joined())
    }

    private static func read(_ descriptor: Int32, path: String, from offset: Int64, count: Int) throws(EvidenceError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EvidenceError(.io, "\(path): cannot read the evidence log's last line: \(n == 0 ? "the file shrank" : errorText())") }
            done += n
        }
        return bytes
    }
}

/// `strerror(errno)`.
func errorText() -> String { String(cString: strerror(errno)) }
