import Foundation

/// The `Range` header of a blob GET (RFC 9110 §14.1.2, one range only) and the `Content-Range` of a chunk
/// upload (`start-end`, as the distribution spec writes it, or `bytes start-end/total`).
enum ByteRange {
    /// What a `Range` header asks of a blob of `size` bytes.
    enum Request: Equatable {
        /// The whole blob: no header, a header in another unit, or several ranges.
        case whole
        /// Bytes `start...end`, clamped to the blob.
        case part(start: Int64, end: Int64)
        /// A range that starts past the end, or ends before it starts.
        case unsatisfiable
    }

    /// Reads `header` for a blob of `size` bytes. `bytes=a-b`, `bytes=a-` and `bytes=-n` are understood; a
    /// malformed header is ignored, as RFC 9110 asks.
    static func request(_ header: String?, size: Int64) -> Request {
        guard let header, header.hasPrefix("bytes=") else { return .whole }
        let spec = header.dropFirst(6).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash], last = spec[spec.index(after: dash)...]
        if first.isEmpty {
            guard let suffix = Int64(last), suffix > 0 else { return last.isEmpty ? .whole : .unsatisfiable }
            guard size > 0 else { return .unsatisfiable }
            return .part(start: max(0, size - suffix), end: size - 1)
        }
        guard let start = Int64(first), start >= 0 else { return .whole }
        guard start < size else { return .unsatisfiable }
        if last.isEmpty { return .part(start: start, end: size - 1) }
        guard let end = Int64(last) else { return .whole }
        guard end >= start else { return .unsatisfiable }
        return .part(start: start, end: min(end, size - 1))
    }

    /// The first and last byte of a chunk's `Content-Range`, or nil when it cannot be read.
    static func chunk(_ header: String) -> (start: Int64, end: Int64)? {
        var text = Substring(header.trimmingCharacters(in: .whitespaces))
        if text.hasPrefix("bytes ") { text = text.dropFirst(6) }
        if let slash = text.firstIndex(of: "/") { text = text[..<slash] }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let start = Int64(parts[0]), let end = Int64(parts[1]), start >= 0, end >= start - 1 else { return nil }
        return (start, end)
    }
}
