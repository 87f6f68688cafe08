import Glibc

/// Several files (or objects) read as one, in order: the volumes of a split archive.
public final class ConcatenatedFiles: RandomAccessSource {
    /// The files, in order.
    public let files: [any RandomAccessSource]
    /// The sum of their sizes.
    public let size: Int64
    /// Where each file starts in the whole.
    private let starts: [Int64]

    /// Opens `paths` in order.
    public convenience init(paths: [String]) throws(ArchiveError) {
        var files: [RandomAccessFile] = []
        for path in paths { files.append(try RandomAccessFile(path: path)) }
        self.init(files: files)
    }

    /// Joins files already open.
    public init(files: [any RandomAccessSource]) {
        self.files = files
        var starts: [Int64] = []
        var total: Int64 = 0
        for file in files { starts.append(total); total += file.size }
        self.starts = starts
        size = total
    }

    /// Opens the volumes of a split archive: `basePath.000`, `basePath.001`, … up to the first
    /// number that does not exist. `basePath.000` must exist.
    public convenience init(volumesOf basePath: String) throws(ArchiveError) {
        var paths: [String] = []
        while true {
            let path = SplitOutput.partPath(basePath, index: paths.count)
            guard access(path, F_OK) == 0 else { break }
            paths.append(path)
        }
        guard !paths.isEmpty else {
            throw ArchiveError(archive: basePath, reason: "has no volumes (expected \(SplitOutput.partPath(basePath, index: 0)))")
        }
        try self.init(paths: paths)
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        Int(try forEachPiece(from: offset, length: Int64(buffer.count)) { file, position, wanted, done in
            Int64(try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[Int(done)..<Int(done + wanted)]), at: position))
        })
    }

    /// `scan` through each file's own scan, piece by piece across volume boundaries.
    public func scan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try forEachPiece(from: offset, length: length) { file, position, wanted, _ in try file.scan(from: position, length: wanted, body) }
    }

    /// Each file's own sequential reader, one after another across volume boundaries.
    public func sequentialReader(from offset: Int64, length: Int64) -> any SequentialReader {
        var pieces: [(any RandomAccessSource, Int64, Int64)] = []
        _ = try? forEachPiece(from: offset, length: length) { file, position, wanted, _ in
            pieces.append((file, position, wanted))
            return wanted
        }
        return ChainedReader(readers: pieces.map { $0.0.sequentialReader(from: $0.1, length: $0.2) })
    }

    /// Splits `length` bytes from `offset` into one piece per file and hands each to `read` (the file, the offset in
    /// it, the piece's length, the bytes done before it), which returns how many bytes it got. A short piece ends the
    /// whole: a file shorter than it was when opened gives short reads only at the end. Returns the bytes done.
    private func forEachPiece(from offset: Int64, length: Int64,
                              _ read: (any RandomAccessSource, Int64, Int64, Int64) throws -> Int64) throws -> Int64 {
        guard offset >= 0 else { throw ArchiveError(archive: "volumes", reason: "read at negative offset \(offset)") }
        guard offset < size, length > 0 else { return 0 }
        var index = fileIndex(containing: offset)
        var done: Int64 = 0
        while done < length, index < files.count {
            let position = offset + done - starts[index]
            let wanted = min(length - done, files[index].size - position)
            let n = try read(files[index], position, wanted, done)
            done += n
            if n < wanted { break }
            index += 1
        }
        return done
    }

    /// The last file whose start is at or before `offset` (skipping empty files).
    private func fileIndex(containing offset: Int64) -> Int {
        var low = 0, high = starts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if starts[middle] <= offset { low = middle } else { high = middle - 1 }
        }
        return low
    }
}

/// Readers read one after another.
final class ChainedReader: SequentialReader {
    private var readers: ArraySlice<any SequentialReader>

    init(readers: [any SequentialReader]) { self.readers = readers[...] }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while let reader = readers.first {
            let n = try reader.read(into: buffer)
            if n > 0 { return n }
            readers = readers.dropFirst()
        }
        return 0
    }
}
