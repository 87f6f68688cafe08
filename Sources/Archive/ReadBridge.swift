import CArchive

/// Connects libarchive's read and skip callbacks to a `RandomAccessSource`, keeping the source's
/// own error (libarchive only sees "-1").
///
/// Reads go through one fixed buffer; skips just move the position (clamped to the source's end,
/// so libarchive notices a truncated archive without reading the bytes it skips).
final class ReadBridge {
    let source: RandomAccessSource
    private let buffer: UnsafeMutableRawBufferPointer
    private(set) var position: Int64 = 0
    /// The first error the source threw.
    private(set) var sourceError: (any Error)?

    init(source: RandomAccessSource, bufferSize: Int) {
        self.source = source
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    fileprivate func read(_ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
        guard sourceError == nil else { return -1 }
        do {
            let n = try source.read(into: buffer, at: position)
            position += Int64(n)
            out?.pointee = UnsafeRawPointer(buffer.baseAddress)
            return la_ssize_t(n)
        } catch {
            sourceError = error
            return -1
        }
    }

    fileprivate func skip(_ request: Int64) -> Int64 {
        let n = max(0, min(request, source.size - position))
        position += n
        return n
    }
}

/// libarchive's read callback.
func readFromBridge(_: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> la_ssize_t {
    guard let clientData else { return -1 }
    return Unmanaged<ReadBridge>.fromOpaque(clientData).takeUnretainedValue().read(out)
}

/// libarchive's skip callback.
func skipInBridge(_: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ request: la_int64_t) -> la_int64_t {
    guard let clientData else { return 0 }
    return Unmanaged<ReadBridge>.fromOpaque(clientData).takeUnretainedValue().skip(request)
}
