extension TarIndex {
    /// The largest chunk `read(_:from:chunk:)` hands out.
    public static let chunkSize = 1024 * 1024

    /// Streams `entry`'s data from `source` (the archive this index was built from) in chunks of
    /// at most `chunkSize` bytes, reading in place. Fails if the source ends before the entry does.
    /// Errors thrown by `chunk` are passed through unchanged.
    public func read(_ entry: Entry, from source: RandomAccessSource,
                     chunk: (UnsafeRawBufferPointer) throws -> Void) throws {
        guard entry.size > 0 else { return }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(min(Int64(Self.chunkSize), entry.size)), alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < entry.size {
            let wanted = Int(min(Int64(buffer.count), entry.size - done))
            let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted])
            let n: Int
            do { n = try source.read(into: target, at: entry.offset + done) } catch {
                throw ArchiveError(archive: archive, entry: entry.name, reason: "cannot be read at offset \(entry.offset + done) (\(error))")
            }
            guard n == wanted else {
                throw ArchiveError(archive: archive, entry: entry.name,
                                   reason: "is truncated: the archive ends after \(done + Int64(n)) of its \(entry.size) bytes")
            }
            try chunk(UnsafeRawBufferPointer(target))
            done += Int64(n)
        }
    }
}
