import Archive
import Foundation
import HTTP

/// One range of an object streamed by a single request on a thread of its own, pulled in order by its consumer
/// (an upload into a registry): at most `Pipe.limit` bytes wait between the two. A broken transfer resumes
/// where it broke; dropping the reader stops the transfer.
final class S3RangeStream: SequentialReader {
    private let pipe: Pipe
    private let object: S3Object
    private let offset: Int64
    private let length: Int64
    private var started = false

    init(object: S3Object, offset: Int64, length: Int64) {
        self.object = object
        self.offset = offset
        self.length = length
        pipe = Pipe(length: length)
    }

    deinit { pipe.cancel() }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if !started {
            started = true
            Self.startTransfer(object: object, offset: offset, length: length, into: pipe)
        }
        return try pipe.take(into: buffer)
    }

    /// The transfer thread: streams what remains, resuming a few times when the connection breaks.
    private static func startTransfer(object: S3Object, offset: Int64, length: Int64, into pipe: Pipe) {
        let thread = Thread {
            var failures = 0
            var outcome: (any Error)?
            while let from = pipe.resumePoint() {
                do {
                    try object.client.stream(object.location, range: (offset + from)...(offset + length - 1), to: PipeSink(pipe: pipe))
                } catch is Pipe.Cancelled {
                    break
                } catch let error where S3Object.isTransient(error) && failures + 1 < S3Object.attempts {
                    failures += 1
                    Thread.sleep(forTimeInterval: RetryPolicy().delay(beforeRetry: failures))
                } catch {
                    outcome = error
                    break
                }
            }
            pipe.finish(error: outcome, location: object.location)
        }
        thread.stackSize = 512 * 1024
        thread.start()
    }

    /// The bytes between the transfer thread and the consumer, bounded.
    final class Pipe: @unchecked Sendable {
        struct Cancelled: Error {}
        static let limit = 2 << 20

        private let condition = NSCondition()
        private let length: Int64
        private var chunks: [Data] = []
        private var headOffset = 0
        private var buffered = 0
        private var received: Int64 = 0
        private var done = false
        private var failure: (any Error)?
        private var cancelled = false

        init(length: Int64) { self.length = length }

        /// Where the next request starts (bytes received so far), or nil when there is nothing more to fetch.
        func resumePoint() -> Int64? {
            condition.lock(); defer { condition.unlock() }
            return cancelled || received == length ? nil : received
        }

        /// Adds a chunk from the transfer, waiting while the consumer is `limit` bytes behind.
        func put(_ bytes: UnsafeRawBufferPointer) throws {
            condition.lock(); defer { condition.unlock() }
            while buffered >= Self.limit && !cancelled { condition.wait() }
            if cancelled { throw Cancelled() }
            chunks.append(Data(bytes))
            buffered += bytes.count
            received += Int64(bytes.count)
            condition.broadcast()
        }

        /// Takes the next bytes; 0 at the end; the transfer's error once everything before it was taken.
        func take(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
            condition.lock(); defer { condition.unlock() }
            while chunks.isEmpty {
                if let failure { throw failure }
                if done { return 0 }
                condition.wait()
            }
            let head = chunks[0]
            let n = min(buffer.count, head.count - headOffset)
            head.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + headOffset, byteCount: n) }
            headOffset += n
            buffered -= n
            if headOffset == head.count { chunks.removeFirst(); headOffset = 0 }
            condition.broadcast()
            return n
        }

        /// The transfer ended: with `error`, or short of the range (an error too), or whole.
        func finish(error: (any Error)?, location: S3Location) {
            condition.lock(); defer { condition.unlock() }
            done = true
            if let error { failure = error } else if received < length, !cancelled {
                failure = S3Error.malformed(location, operation: "GET", detail: "ended after \(received) of \(length) bytes")
            }
            condition.broadcast()
        }

        /// The consumer is gone: the transfer stops at its next chunk.
        func cancel() {
            condition.lock(); defer { condition.unlock() }
            cancelled = true
            chunks = []
            condition.broadcast()
        }
    }

    private final class PipeSink: ResponseBodySink, @unchecked Sendable {
        let pipe: Pipe
        init(pipe: Pipe) { self.pipe = pipe }

        func begin(status: Int, headers: HTTPHeaders) throws {
            guard status == 206 else { throw RangeIgnored(status: status) }
        }

        func write(_ bytes: UnsafeRawBufferPointer) throws { try pipe.put(bytes) }
    }
}
