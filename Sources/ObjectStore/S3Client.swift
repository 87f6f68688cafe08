import Foundation
import HTTP
import OCI

/// A client of S3-compatible storage (AWS S3, SeaweedFS, MinIO, RustFS, Ceph RGW), path-style addressing
/// (`ENDPOINT/BUCKET/KEY`), every request signed with SigV4 by libcurl and carrying the payload's SHA-256 in
/// `x-amz-content-sha256`, as strict servers require.
///
/// Every operation blocks the calling thread: bundle reads and writes are synchronous, like file I/O.
public struct S3Client: Sendable {
    public let credentials: S3Credentials
    let transport: CurlTransport
    let endpoint: String

    /// A client for `credentials` (whose endpoint, else `https://s3.REGION.amazonaws.com`) over `options` (CA file,
    /// TLS verification).
    public init(credentials: S3Credentials, options: TransportOptions = TransportOptions()) {
        self.credentials = credentials
        transport = CurlTransport(options: options)
        let endpoint = credentials.endpoint ?? "https://s3.\(credentials.region).amazonaws.com"
        self.endpoint = endpoint.hasSuffix("/") ? String(endpoint.dropLast()) : endpoint
    }

    /// The object's size, or nil when there is no such object.
    public func size(of location: S3Location) throws -> Int64? {
        let response = try perform(S3Request(.head, location, operation: "HEAD", accepting: [404]))
        guard response.status != 404 else { return nil }
        guard let length = response.headers["Content-Length"].flatMap({ Int64($0) }) else {
            throw S3Error.malformed(location, operation: "HEAD", detail: "no Content-Length")
        }
        return length
    }

    /// Bytes `range` of the object (at most `CurlTransport.collectLimit`), or all of a small object.
    public func read(_ location: S3Location, range: ClosedRange<Int64>? = nil) throws -> Data {
        var request = S3Request(.get, location, operation: "GET")
        if let range { request.headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)")) }
        let response = try perform(request)
        if let range, response.body.count != Int(range.count) {
            throw S3Error.malformed(location, operation: "GET", detail: "asked for \(range.count) bytes, got \(response.body.count)")
        }
        return response.body
    }

    /// Streams bytes `range` of the object to `sink` (any size, memory bounded by libcurl's buffer).
    public func stream(_ location: S3Location, range: ClosedRange<Int64>, to sink: any ResponseBodySink) throws {
        var request = S3Request(.get, location, operation: "GET")
        request.headers.append(("Range", "bytes=\(range.lowerBound)-\(range.upperBound)"))
        _ = try perform(request, sink: sink)
    }

    /// Writes a whole (small) object.
    public func write(_ data: Data, to location: S3Location) throws {
        _ = try perform(S3Request(.put, location, operation: "PUT", body: data))
    }

    /// Deletes the object (nothing happens when there is none).
    public func delete(_ location: S3Location) throws {
        _ = try perform(S3Request(.delete, location, operation: "DELETE", accepting: [404]))
    }

    /// Starts a multipart upload; returns its id.
    public func startUpload(to location: S3Location) throws -> String {
        let response = try perform(S3Request(.post, location, query: "uploads=", operation: "CreateMultipartUpload", body: Data()))
        guard let id = XMLElements.texts("UploadId", in: response.body).first else {
            throw S3Error.malformed(location, operation: "CreateMultipartUpload", detail: "no UploadId in the answer")
        }
        return id
    }

    /// The multipart uploads in progress for exactly this key, oldest first.
    public func uploads(of location: S3Location) throws -> [String] {
        var request = S3Request(.get, location, query: "prefix=\(Self.encode(location.key))&uploads=", operation: "ListMultipartUploads")
        request.addressesBucket = true
        let response = try perform(request)
        return XMLElements.blocks("Upload", in: response.body).compactMap { upload in
            guard XMLElements.texts("Key", in: upload).first.map(XMLElements.unescaped) == location.key else { return nil }
            return XMLElements.texts("UploadId", in: upload).first
        }
    }

    /// Uploads `bytes` as part `number` (1-based) of upload `id`; returns its ETag (without quotes).
    public func uploadPart(_ bytes: UnsafeRawBufferPointer, sha256: Digest, number: Int, of id: String, to location: S3Location) throws -> String {
        var request = S3Request(.put, location, query: "partNumber=\(number)&uploadId=\(Self.encode(id))", operation: "UploadPart \(number)")
        let base = UInt(bitPattern: bytes.baseAddress), count = bytes.count
        request.upload = (UploadBody(length: Int64(count)) { BufferReader(base: base, count: count) }, sha256)
        let response = try perform(request)
        guard let etag = response.headers["ETag"] else {
            throw S3Error.malformed(location, operation: "UploadPart \(number)", detail: "no ETag in the answer")
        }
        return XMLElements.unquoted(etag)
    }

    /// The parts upload `id` already holds: number, ETag and size (to resume an interrupted upload).
    public func parts(of id: String, at location: S3Location) throws -> [(number: Int, etag: String, size: Int64)] {
        var parts: [(number: Int, etag: String, size: Int64)] = []
        var marker = 0
        while true {
            let response = try perform(S3Request(.get, location, query: "part-number-marker=\(marker)&uploadId=\(Self.encode(id))", operation: "ListParts"))
            for part in XMLElements.blocks("Part", in: response.body) {
                guard let number = XMLElements.texts("PartNumber", in: part).first.flatMap(Int.init),
                      let etag = XMLElements.texts("ETag", in: part).first,
                      let size = XMLElements.texts("Size", in: part).first.flatMap(Int64.init) else { continue }
                parts.append((number, XMLElements.unquoted(etag), size))
            }
            guard XMLElements.texts("IsTruncated", in: response.body).first == "true",
                  let next = XMLElements.texts("NextPartNumberMarker", in: response.body).first.flatMap(Int.init), next > marker else { return parts }
            marker = next
        }
    }

    /// Completes upload `id` from `parts` (number and ETag, in order).
    public func completeUpload(_ id: String, parts: [(number: Int, etag: String)], at location: S3Location) throws {
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(XMLElements.escaped($0.etag))</ETag></Part>" }.joined()
        let body = Data("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        let response = try perform(S3Request(.post, location, query: "uploadId=\(Self.encode(id))", operation: "CompleteMultipartUpload", body: body))
        // S3 can answer 200 with an error document when completion fails late.
        if let code = XMLElements.texts("Code", in: response.body).first {
            throw S3Error.refused(location, operation: "CompleteMultipartUpload", status: response.status, code: code,
                                  message: XMLElements.texts("Message", in: response.body).first ?? "")
        }
    }

    /// Abandons upload `id` and its parts.
    public func abortUpload(_ id: String, at location: S3Location) throws {
        _ = try perform(S3Request(.delete, location, query: "uploadId=\(Self.encode(id))", operation: "AbortMultipartUpload", accepting: [404]))
    }

    // MARK: Requests

    /// Sends `request` on the calling thread: a 2xx body goes to `sink` when given; another status throws.
    func perform(_ request: S3Request, sink: (any ResponseBodySink)? = nil) throws -> HTTPResponse {
        let location = request.location
        let key = request.addressesBucket ? "" : location.key
        let path = "/" + Self.encode(location.bucket) + "/" + key.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(separator: "/")
        var http = HTTPRequest(request.method, endpoint + path + (request.query.map { "?" + $0 } ?? ""), headers: request.headers,
                               body: request.body, followRedirects: false)
        if let (body, sha256) = request.upload {
            http.upload = body
            http.setHeader("x-amz-content-sha256", sha256.encoded)
        } else {
            http.setHeader("x-amz-content-sha256", Digest.sha256(of: request.body ?? Data()).encoded)
        }
        http.awsSignature = AWSSignature(accessKey: credentials.accessKey, secretKey: credentials.secretKey,
                                         region: credentials.region, sessionToken: credentials.sessionToken)
        let response: HTTPResponse
        do { response = try transport.perform(http, sink: sink) } catch let error as TransportError {
            throw S3Error.interrupted(location, operation: request.operation, cause: error)
        }
        guard response.isSuccess || request.accepting.contains(response.status) else {
            throw S3Error.refused(location, operation: request.operation, status: response.status,
                                  code: XMLElements.texts("Code", in: response.body).first ?? "",
                                  message: XMLElements.texts("Message", in: response.body).first ?? "")
        }
        return response
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 canonicalises.
    static func encode(_ text: String) -> String {
        let allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}

/// One S3 request before signing: what, where, and which statuses besides 2xx are answers rather than errors.
struct S3Request {
    var method: HTTPRequest.Method
    var location: S3Location
    var query: String?
    var operation: String
    var headers: [(String, String)] = []
    var body: Data?
    /// Whether the request is to the bucket (a listing) rather than the object; errors still name the object.
    var addressesBucket = false
    /// A streamed body and its SHA-256, instead of `body`.
    var upload: (UploadBody, Digest)?
    var accepting: Set<Int>

    init(_ method: HTTPRequest.Method, _ location: S3Location, query: String? = nil, operation: String, body: Data? = nil, accepting: Set<Int> = []) {
        self.method = method
        self.location = location
        self.query = query
        self.operation = operation
        self.body = body
        self.accepting = accepting
    }
}

/// Reads a buffer the caller keeps alive for the whole request (a multipart part), without copying it.
final class BufferReader: UploadReader {
    let base: UInt
    let count: Int
    var position = 0

    init(base: UInt, count: Int) {
        self.base = base
        self.count = count
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = min(buffer.count, count - position)
        guard n > 0, let start = UnsafeRawPointer(bitPattern: base) else { return 0 }
        buffer.baseAddress!.copyMemory(from: start + position, byteCount: n)
        position += n
        return n
    }
}
