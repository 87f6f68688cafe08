import Foundation
import HTTP
import OCI

extension RegistryClient {
    /// Streams the blob `descriptor` of `repository` into `receiver`, following redirects and resuming with
    /// `Range` after a dropped connection. `progress` gets each chunk's size (negative when a download restarts).
    public func downloadBlob(_ repository: Repository, _ descriptor: Descriptor, into receiver: any BlobReceiver,
                             progress: (@Sendable (Int64) -> Void)? = nil) async throws {
        let what = "blob \(descriptor.digest) of \(repository)"
        let sink = ResumingSink(receiver: receiver, expectedSize: descriptor.size, what: what, progress: progress)
        if descriptor.size > 0 && receiver.received >= descriptor.size { return }
        try await retry.run { _ -> RetryStep<Void> in
            let before = receiver.received
            let headers = before > 0 ? [("Range", "bytes=\(before)-")] : []
            let response: HTTPResponse
            do {
                response = try await send(.get, repository, path: "/v2/\(repository.path)/blobs/\(descriptor.digest)", headers: headers, sink: sink)
            } catch let error as TransportError {
                // The connection broke: resume from where it stopped, at once when bytes arrived.
                if receiver.received > before { return .resume }
                // A broken transfer names the blob it was moving; TLS problems keep their advice.
                let failure = RegistryError.transport(error, host: repository.host)
                return .retry(giveUp: .failure(failure.kind == .network ? RegistryError(.network, "\(what): \(error.detail)") : failure))
            }
            if response.status == 416 {
                // The server cannot serve the rest: start over.
                try receiver.restart()
                progress?(-before)
                return .retry(after: 0, giveUp: .failure(RegistryError.http(response, what)))
            }
            guard response.isSuccess else { throw RegistryError.http(response, what) }
            if descriptor.size == 0 || receiver.received >= descriptor.size { return .done(()) }
            if receiver.received > before { return .resume }
            return .retry(after: 0, giveUp: .failure(
                RegistryError(.integrity, "\(what): the registry ended the blob at \(receiver.received) of \(descriptor.size) bytes")))
        }
    }
}

/// Feeds a response body to a `BlobReceiver`, checking that a resumed response continues where it left off
/// and that no more bytes arrive than the descriptor says.
final class ResumingSink: ResponseBodySink, @unchecked Sendable {
    let receiver: any BlobReceiver
    let expectedSize: Int64
    let what: String
    let progress: (@Sendable (Int64) -> Void)?

    init(receiver: any BlobReceiver, expectedSize: Int64, what: String, progress: (@Sendable (Int64) -> Void)?) {
        self.receiver = receiver
        self.expectedSize = expectedSize
        self.what = what
        self.progress = progress
    }

    func begin(status: Int, headers: HTTPHeaders) throws {
        let have = receiver.received
        if status == 206 {
            guard let start = headers["Content-Range"].flatMap(Self.rangeStart), start == have else {
                throw RegistryError(.protocolViolation, "\(what): asked to resume at byte \(have), got Content-Range \(headers["Content-Range"] ?? "none")")
            }
        } else if have > 0 {
            // The server ignored Range and sends the whole blob again.
            try receiver.restart()
            progress?(-have)
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard receiver.received + Int64(bytes.count) <= expectedSize else {
            throw RegistryError(.integrity, "\(what): more than the \(expectedSize) bytes its descriptor says")
        }
        try receiver.append(bytes)
        progress?(Int64(bytes.count))
    }

    /// `bytes 100-199/200` → 100.
    static func rangeStart(_ header: String) -> Int64? {
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("bytes ") else { return nil }
        return trimmed.dropFirst(6).split(separator: "-").first.flatMap { Int64($0) }
    }
}
