import Foundation
import OCI
import Registry

/// Downloads chart repository files (`index.yaml`, `.tgz`, `.prov`) over HTTP(S) with the registry client's
/// transport (proxies, `--ca-file`, `--tls-verify`, client certificates), streaming each body to a file
/// while hashing it, with basic auth and retries of transient failures.
public final class HTTPDownloader: Sendable {
    public let transport: CurlTransport
    public let retry: RetryPolicy

    public init(transport: CurlTransport, retry: RetryPolicy = RetryPolicy()) {
        self.transport = transport
        self.retry = retry
    }

    /// A finished download: where it is, its SHA-256 and size.
    public struct File: Sendable {
        public let path: String
        public let digest: Digest
        public let size: Int64
    }

    /// Downloads `url` to `path` (replacing it), at most `limit` bytes; `basicAuth` is `user:password`.
    /// Returns nil for a 404 when `missingIsNil`, else throws `ChartError.download` for any failure.
    public func download(_ url: String, to path: String, basicAuth: String?, limit: Int64,
                         missingIsNil: Bool = false) async throws -> File? {
        var request = HTTPRequest(.get, url)
        if let basicAuth { request.setHeader("Authorization", "Basic " + Data(basicAuth.utf8).base64EncodedString()) }
        var attempt = 1
        while true {
            let sink = try FileSink(path: path, limit: limit, url: url)
            let response: HTTPResponse
            do { response = try await transport.send(request, sink: sink) } catch let error as TransportError {
                sink.discard()
                guard error.isTransient, attempt < retry.attempts else {
                    throw ChartError.download(url, error.isCertificateProblem ? "the server's certificate is not trusted (\(error.detail)); use --ca-file or --tls-verify=false" : error.detail)
                }
                try await Task.sleep(nanoseconds: UInt64(retry.delay(beforeRetry: attempt) * 1e9))
                attempt += 1
                continue
            } catch {
                sink.discard()
                throw error
            }
            if response.isSuccess { return try sink.finish() }
            sink.discard()
            if response.status == 404 && missingIsNil { return nil }
            if RetryPolicy.isTransient(status: response.status), attempt < retry.attempts {
                try await Task.sleep(nanoseconds: UInt64(retry.delay(beforeRetry: attempt, retryAfter: RetryPolicy.retryAfterSeconds(response.headers["Retry-After"])) * 1e9))
                attempt += 1
                continue
            }
            let hint = response.status == 401 || response.status == 403 ? " (credentials refused or missing: give them with --creds)" : ""
            throw ChartError.download(url, "HTTP \(response.status)\(hint)")
        }
    }
}

/// Writes a response body to a file, hashing it, refusing more than `limit` bytes.
final class FileSink: ResponseBodySink, @unchecked Sendable {
    let path: String
    let limit: Int64
    let url: String
    private let handle: FileHandle
    private var hasher = SHA256Hasher()
    private var count: Int64 = 0

    init(path: String, limit: Int64, url: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ChartError.download(url, "cannot write \(path)")
        }
        self.path = path
        self.limit = limit
        self.url = url
        self.handle = handle
    }

    func begin(status: Int, headers: HTTPHeaders) throws {}

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        count += Int64(bytes.count)
        guard count <= limit else { throw ChartError.download(url, "larger than the \(limit)-byte limit") }
        hasher.update(bytes)
        try handle.write(contentsOf: Data(bytes))
    }

    func finish() throws -> HTTPDownloader.File {
        try handle.close()
        return HTTPDownloader.File(path: path, digest: hasher.finalize(), size: count)
    }

    func discard() {
        try? handle.close()
        unlink(path)
    }
}
