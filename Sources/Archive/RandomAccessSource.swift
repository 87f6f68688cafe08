import Foundation

/// Bytes that can be read at any offset, like a file with `pread`: an archive to index, or the
/// place its entries are read from in place.
public protocol RandomAccessSource: Sendable {
    /// The total number of bytes.
    var size: Int64 { get }
    /// Reads up to `buffer.count` bytes starting at `offset` and returns how many were read.
    /// Fewer bytes than asked for means the end of the source was reached (0 at or past the end).
    func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int
    /// Hands the `length` bytes starting at `offset` to `body` in order, in chunks of any size, and returns how
    /// many it handed over: fewer than `length` when the source ends first. Errors from `body` pass through.
    func scan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64
    /// A reader of the `length` bytes from `offset`, in order, pulled by its consumer (an upload). Sources whose
    /// reads are costly one by one (object storage) stream the whole range instead.
    func sequentialReader(from offset: Int64, length: Int64) -> any SequentialReader
}

/// Bytes of a range read in order by whoever pulls them.
public protocol SequentialReader: AnyObject {
    /// Fills the start of `buffer`; returns the byte count, 0 only at the end of the range (or of the source).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

/// A range read in order through `read(into:at:)`: what sources whose reads at an offset are cheap use.
final class PositionalReader: SequentialReader {
    let source: any RandomAccessSource
    var position: Int64
    let end: Int64

    init(source: any RandomAccessSource, offset: Int64, length: Int64) {
        self.source = source
        position = offset
        end = offset + length
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let wanted = Int(min(Int64(buffer.count), end - position))
        guard wanted > 0 else { return 0 }
        let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[..<wanted]), at: position)
        position += Int64(n)
        return n
    }
}

extension RandomAccessSource {
    /// The largest chunk the default `scan` reads at once.
    public static var scanChunkSize: Int { 1024 * 1024 }

    /// `scan` through `read`, one buffer of at most `scanChunkSize` bytes.
    public func scan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try readScan(from: offset, length: length, body)
    }

    public func sequentialReader(from offset: Int64, length: Int64) -> any SequentialReader {
        PositionalReader(source: self, offset: offset, length: length)
    }

    /// The `length` bytes at `offset`, collected (for small things: metadata, an index); fewer at the end.
    public func bytes(from offset: Int64, length: Int64) throws -> Data {
        var data = Data(capacity: Int(length))
        _ = try scan(from: offset, length: length) { data.append(contentsOf: $0) }
        return data
    }

    /// `scan` by copying through one buffer; what a source that cannot do better uses.
    func readScan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        guard length > 0 else { return 0 }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(min(Int64(Self.scanChunkSize), length)), alignment: 16)
        defer { buffer.deallocate() }
        var done: Int64 = 0
        while done < length {
            let wanted = Int(min(Int64(buffer.count), length - done))
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]), at: offset + done)
            if n > 0 { try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n])) }
            done += Int64(n)
            if n < wanted { break }
        }
        return done
    }
}
