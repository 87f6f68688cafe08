import Archive
import NIOCore
import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// GET and HEAD of `/v2/<name>/blobs/<digest>`: the whole blob or one range of it, read from the store or
/// straight from a bundle at the blob's offset. HEAD never opens the blob's data.
extension DistributionResponder {
    /// Bytes read from the file per write to the client.
    static let chunkSize = 256 * 1024

    func getBlob(_ digest: Digest, in repository: String, _ request: Request, head: Bool,
                 pacedBy eventLoop: any EventLoop) async throws -> Response {
        guard await catalog.hasBlob(digest, in: repository) else { throw DistributionError.blobUnknown(digest.description) }
        var headers: HTTPFields = [
            .dockerContentDigest: digest.description,
            .contentType: "application/octet-stream",
            .acceptRanges: "bytes",
        ]
        if head {
            guard let size = content.size(of: digest) else { throw DistributionError.blobUnknown(digest.description) }
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers)
        }
        // A GET finds the blob once: its location carries the size.
        guard let location = try content.location(of: digest) else { throw DistributionError.blobUnknown(digest.description) }
        let size = location.size
        switch ByteRange.request(request.headers[.range], size: size) {
        case .whole:
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers, body: Self.stream(location.source, from: location.offset, length: size, pacedBy: eventLoop))
        case .part(let start, let end):
            headers[.contentLength] = String(end - start + 1)
            headers[.contentRange] = "bytes \(start)-\(end)/\(size)"
            return Response(status: .partialContent, headers: headers,
                            body: Self.stream(location.source, from: location.offset + start, length: end - start + 1, pacedBy: eventLoop))
        case .unsatisfiable:
            throw DistributionError(.rangeNotSatisfiable, .rangeInvalid, "range \(request.headers[.range] ?? "") is outside the blob's \(size) bytes",
                                    headers: [.contentRange: "bytes */\(size)"])
        }
    }

    /// A body of `length` bytes read from `source` at `offset`, one chunk at a time. After each chunk it waits
    /// for a turn of the connection's event loop, by which time the chunk has been handed to the socket and the
    /// channel's writability tells the truth; so a slow client holds a chunk or two, not as much as the reader
    /// could read before the event loop got round to writing (tens of MiB per connection under load).
    static func stream(_ source: any RandomAccessSource, from offset: Int64, length: Int64, pacedBy eventLoop: any EventLoop) -> ResponseBody {
        ResponseBody(contentLength: Int(length)) { writer in
            var done: Int64 = 0
            while done < length {
                let want = Int(min(Int64(chunkSize), length - done))
                var buffer = ByteBufferAllocator().buffer(capacity: want)
                let read = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: want) { space in
                    try source.read(into: UnsafeMutableRawBufferPointer(rebasing: space[..<want]), at: offset + done)
                }
                guard read > 0 else { throw DistributionError(.internalServerError, .unknown, "blob ends early in its file") }
                done += Int64(read)
                try await writer.write(buffer)
                try await eventLoop.submit {}.get()
            }
            try await writer.finish(nil)
        }
    }
}
