/// Bytes that can be read at any offset, like a file with `pread`: an archive to index, or the
/// place its entries are read from in place.
public protocol RandomAccessSource: Sendable {
    /// The total number of bytes.
    var size: Int64 { get }
    /// Reads up to `buffer.count` bytes starting at `offset` and returns how many were read.
    /// Fewer bytes than asked for means the end of the source was reached (0 at or past the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
}
