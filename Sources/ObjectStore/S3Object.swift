import Archive
import Foundation
import HTTP
import Locking

/// An object read in place with Range requests, as a bundle (or one of its volumes) is read from a file: small
/// reads (tar headers, manifests) come from a few cached blocks, scans and uploads stream their whole range with
/// one request each. Nothing is written to local disk; memory is bounded by the cache and the streams' buffers.
public final class S3Object: RandomAccessSource {
    public let location: S3Location
    public let size: Int64
    let client: S3Client
    private let cache = Locked<BlockCache>(BlockCache())

    /// The bytes a cached block holds, and how many blocks are kept: enough for runs of tar headers and
    /// manifests, little wasted on the header that follows a large blob.
    public static let blockSize = 256 << 10
    static let cachedBlocks = 8
    /// How many times a broken transfer is resumed before the error stands.
    static let attempts = 4

    /// Opens `location`, whose size is asked once; a missing object is an error naming it.
    public init(_ location: S3Location, client: S3Client) throws {
        self.location = location
        self.client = client
        guard let size = try client.size(of: location) else {
            throw S3Error.refused(location, operation: "HEAD", status: 404, code: "NoSuchKey", message: "no such object")
        }
        self.size = size
    }

    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws -> Int {
        guard offset >= 0 else { throw S3Error.malformed(location, operation: "read", detail: "negative offset \(offset)") }
        let wanted = Int(min(Int64(buffer.count), size - offset))
        guard wanted > 0, let base = buffer.baseAddress else { return 0 }
        if wanted > Self.blockSize {
            var done = 0
            _ = try scan(from: offset, length: Int64(wanted)) { bytes in
                (base + done).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
                done += bytes.count
            }
            return done
        }
        var done = 0
        while done < wanted {
            let position = offset + Int64(done)
            let index = position / Int64(Self.blockSize)
            let block = try self.block(index)
            let start = Int(position - index * Int64(Self.blockSize))
            let n = min(wanted - done, block.count - start)
            guard n > 0 else { break }
            block.withUnsafeBytes { (base + done).copyMemory(from: $0.baseAddress! + start, byteCount: n) }
            done += n
        }
        return done
    }

    /// Streams the range with one request (resumed where it broke, a few times), handing chunks to `body`; a
    /// small range (a manifest) comes from the cached blocks.
    public func scan(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        let length = min(length, size - offset)
        guard length > 0 else { return 0 }
        if length <= Int64(Self.blockSize) {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(length), alignment: 16)
            defer { buffer.deallocate() }
            let n = try read(into: buffer, at: offset)
            try body(UnsafeRawBufferPointer(rebasing: buffer[..<n]))
            return Int64(n)
        }
        return try stream(from: offset, length: length, body)
    }

    /// One streamed request for the range, resumed where it broke up to `attempts` times.
    private func stream(from offset: Int64, length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws -> Int64 {
        try withoutActuallyEscaping(body) { body in
            let sink = ScanSink(body: body, wholeObject: offset == 0 && length == size)
            var failures = 0
            while sink.received < length {
                sink.wholeObject = sink.wholeObject && sink.received == 0
                do {
                    try client.stream(location, range: (offset + sink.received)...(offset + length - 1), to: sink)
                } catch let error where sink.bodyError == nil && Self.isTransient(error) && failures + 1 < Self.attempts {
                    failures += 1
                    Thread.sleep(forTimeInterval: RetryPolicy().delay(beforeRetry: failures))
                    continue
                }
                guard sink.received < length else { break }
                throw S3Error.malformed(location, operation: "GET", detail: "ended after \(sink.received) of \(length) bytes")
            }
            return sink.received
        }
    }

    public func sequentialReader(from offset: Int64, length: Int64) -> any SequentialReader {
        S3RangeStream(object: self, offset: offset, length: max(0, min(length, size - offset)))
    }

    /// Whether a failed request is worth resuming: the connection broke, or the server was briefly unwell.
    static func isTransient(_ error: any Error) -> Bool {
        switch error as? S3Error {
        case .interrupted: true
        case .refused(_, _, let status, _, _): status == 429 || status >= 500
        default: false
        }
    }

    private func block(_ index: Int64) throws -> Data {
        if let cached = cache.withLock({ $0.block(index) }) { return cached }
        let start = index * Int64(Self.blockSize)
        let end = min(size, start + Int64(Self.blockSize)) - 1
        var data = Data()
        data.reserveCapacity(Int(end - start + 1))
        _ = try stream(from: start, length: end - start + 1) { data.append(contentsOf: $0) }
        cache.withLock { $0.insert(data, at: index) }
        return data
    }
}

/// The few blocks of an object read last, oldest evicted first.
struct BlockCache {
    private var blocks: [(index: Int64, data: Data)] = []

    mutating func block(_ index: Int64) -> Data? {
        guard let at = blocks.firstIndex(where: { $0.index == index }) else { return nil }
        let hit = blocks.remove(at: at)
        blocks.append(hit)
        return hit.data
    }

    mutating func insert(_ data: Data, at index: Int64) {
        blocks.removeAll { $0.index == index }
        blocks.append((index, data))
        if blocks.count > S3Object.cachedBlocks { blocks.removeFirst() }
    }
}

/// Hands a streamed body to a scan's closure, counting what arrived.
private final class ScanSink: ResponseBodySink, @unchecked Sendable {
    let body: (UnsafeRawBufferPointer) throws -> Void
    /// Whether the range asked for is the whole object, so a server that ignores `Range` (200) still answers right.
    var wholeObject: Bool
    var received: Int64 = 0
    var bodyError: (any Error)?

    init(body: @escaping (UnsafeRawBufferPointer) throws -> Void, wholeObject: Bool) {
        self.body = body
        self.wholeObject = wholeObject
    }

    func begin(status: Int, headers: HTTPHeaders) throws {
        guard status == 206 || wholeObject else {
            bodyError = RangeIgnored(status: status)
            throw bodyError!
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        do { try body(bytes) } catch { bodyError = error; throw error }
        received += Int64(bytes.count)
    }
}

/// A server that answered a Range request with the whole object.
struct RangeIgnored: Error, CustomStringConvertible {
    let status: Int
    var description: String { "the server ignored the byte range asked for (answered \(status), not 206)" }
}
