extension TarIndex {
    /// The largest chunk `read(_:from:chunk:)` hands out: a mapped window of a file (other sources give 1 MiB).
    public static var chunkSize: Int { Int(RandomAccessFile.mappingWindow) }

    /// Streams `entry`'s data from `source` (the archive this index was built from) in chunks of
    /// at most `chunkSize` bytes, reading in place. Fails if the source ends before the entry does.
    /// Errors thrown by `chunk` are passed through unchanged.
    public func read(_ entry: Entry, from source: RandomAccessSource,
                     chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard entry.size > 0 else { return }
        var chunkFailed = false
        let delivered: Int64
        do {
            delivered = try source.scan(from: entry.offset, length: entry.size) { bytes in
                do { try chunk(bytes) } catch { chunkFailed = true; throw error }
            }
        } catch where !chunkFailed {
            throw ArchiveError(archive: archive, entry: entry.name, reason: "cannot be read (\(error))")
        }
        guard delivered == entry.size else {
            throw ArchiveError(archive: archive, entry: entry.name,
                               reason: "is truncated: the archive ends after \(delivered) of its \(entry.size) bytes")
        }
    }
}
