import Foundation
import HTTP
import OCI

/// Downloads chart repository files (`index.yaml`, `.tgz`, `.prov`) over HTTP(S) with the project's one
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
    /// With `expected`, the bytes must hash to it (`DigestMismatch` naming `what` otherwise), and a mismatch leaves
    /// no file behind. Returns nil for a 404 when `missingIsNil`, else throws `ChartError.download` for any failure.
    public func download(_ url: String, to path: String, basicAuth: String?, limit: Int64, expected: Digest? = nil,
                         what: String? = nil, missingIsNil: Bool = false) async throws -> File? {
        var request = HTTPRequest(.get, url)
        if let basicAuth { request.setHeader("Authorization", "Basic " + Data(basicAuth.utf8).base64EncodedString()) }
        return try await retry.run { _ -> RetryStep<File?> in
            let sink = try FileSink(path: path, limit: limit, url: url, verifier: DigestVerifier(what ?? url, digest: expected))
            let response: HTTPResponse
            do { response = try await transport.send(request, sink: sink) } catch let error as TransportError {
                sink.discard()
                return try .transient(error, giveUp: ChartError.download(url, error.isCertificateProblem
                    ? "the server's certificate is not trusted (\(error.detail)); use --ca-file or --tls-verify=false" : error.detail))
            } catch {
                sink.discard()
                throw error
            }
            if response.isSuccess { return .done(try sink.finish()) }
            sink.discard()
            if response.status == 404 && missingIsNil { return .done(nil) }
            let hint = response.status == 401 || response.status == 403 ? " (credentials refused or missing: give them with --creds)" : ""
            let failure = ChartError.download(url, "HTTP \(response.status)\(hint)")
            if let retry = RetryStep<File?>.transient(response, giveUp: .failure(failure)) { return retry }
            throw failure
        }
    }
}

/// Writes a response body to a file through a `DigestVerifier`, refusing more than `limit` bytes.
final class FileSink: ResponseBodySink, @unchecked Sendable {
    let path: String
    let limit: Int64
    let url: String
    private let handle: FileHandle
    private var verifier: DigestVerifier

    init(path: String, limit: Int64, url: String, verifier: consuming DigestVerifier) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw ChartError.download(url, "cannot write \(path)")
        }
        self.path = path
        self.limit = limit
        self.url = url
        self.handle = handle
        self.verifier = verifier
    }

    func begin(status: Int, headers: HTTPHeaders) throws {}

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard verifier.count + Int64(bytes.count) <= limit else { throw ChartError.download(url, "larger than the \(limit)-byte limit") }
        verifier.update(bytes)
        try handle.write(contentsOf: Data(bytes))
    }

    /// The file, once its digest is the expected one; a mismatch removes it.
    func finish() throws -> HTTPDownloader.File {
        try handle.close()
        let size = verifier.count
        do { return HTTPDownloader.File(path: path, digest: try verifier.finish(), size: size) } catch {
            unlink(path)
            throw error
        }
    }

    func discard() {
        try? handle.close()
        unlink(path)
    }
}
