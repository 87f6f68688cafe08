import Foundation
import HTTP
import OCI

/// A client of S3-compatible storage (AWS S3, SeaweedFS, MinIO, RustFS, Ceph RGW), path-style addressing
/// (`ENDPOINT/BUCKET/KEY`), every request signed with SigV4 by libcurl and carrying the payload's SHA-256 in
/// `x-amz-content-sha256`, as strict servers require.
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
    public func size(of location: S3Location) async throws -> Int64? {
        let response = try await send(.head, location, operation: "HEAD", accepting: [404])
        guard response.status != 404 else { return nil }
        guard let length = response.headers["Content-Length"].flatMap({ Int64($0) }) else {
            throw S3Error.malformed(location, operation: "HEAD", detail: "no Content-Length")
        }
        return length
    }

    /// Bytes `range` of the object (at most `CurlTransport.collectLimit`), or all of a small object.
    public func read(_ location: S3Location, range: ClosedRange<Int64>? = nil) async throws -> Data {
        let headers = range.map { [("Range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let response = try await send(.get, location, operation: "GET", headers: headers)
        if let range, response.body.count != Int(range.count) {
            throw S3Error.malformed(location, operation: "GET", detail: "asked for \(range.count) bytes, got \(response.body.count)")
        }
        return response.body
    }

    /// Writes a whole (small) object.
    public func write(_ data: Data, to location: S3Location) async throws {
        _ = try await send(.put, location, operation: "PUT", body: data)
    }

    /// Starts a multipart upload; returns its id.
    public func startUpload(to location: S3Location) async throws -> String {
        let response = try await send(.post, location, query: "uploads=", operation: "CreateMultipartUpload", body: Data())
        guard let id = Self.elements("UploadId", in: response.body).first else {
            throw S3Error.malformed(location, operation: "CreateMultipartUpload", detail: "no UploadId in the answer")
        }
        return id
    }

    /// Uploads part `number` (1-based) of upload `id`; returns its ETag (without quotes).
    public func uploadPart(_ data: Data, number: Int, of id: String, to location: S3Location) async throws -> String {
        let response = try await send(.put, location, query: "partNumber=\(number)&uploadId=\(Self.encode(id))", operation: "UploadPart \(number)", body: data)
        guard let etag = response.headers["ETag"] else {
            throw S3Error.malformed(location, operation: "UploadPart \(number)", detail: "no ETag in the answer")
        }
        return Self.unquoted(etag)
    }

    /// The parts upload `id` already holds: number, ETag and size (to resume an interrupted upload).
    public func parts(of id: String, at location: S3Location) async throws -> [(number: Int, etag: String, size: Int64)] {
        let response = try await send(.get, location, query: "uploadId=\(Self.encode(id))", operation: "ListParts")
        let text = String(decoding: response.body, as: UTF8.self)
        return text.components(separatedBy: "<Part>").dropFirst().compactMap { part in
            let data = Data(part.utf8)
            guard let number = Self.elements("PartNumber", in: data).first.flatMap(Int.init),
                  let etag = Self.elements("ETag", in: data).first,
                  let size = Self.elements("Size", in: data).first.flatMap(Int64.init) else { return nil }
            return (number, Self.unquoted(etag), size)
        }
    }

    /// Completes upload `id` from `parts` (number and ETag, in order).
    public func completeUpload(_ id: String, parts: [(number: Int, etag: String)], at location: S3Location) async throws {
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(Self.escape($0.etag))</ETag></Part>" }.joined()
        let body = Data("<CompleteMultipartUpload>\(list)</CompleteMultipartUpload>".utf8)
        let response = try await send(.post, location, query: "uploadId=\(Self.encode(id))", operation: "CompleteMultipartUpload", body: body)
        // S3 can answer 200 with an error document when completion fails late.
        if let code = Self.elements("Code", in: response.body).first {
            throw S3Error.refused(location, operation: "CompleteMultipartUpload", status: response.status, code: code,
                                  message: Self.elements("Message", in: response.body).first ?? "")
        }
    }

    /// Abandons upload `id` and its parts.
    public func abortUpload(_ id: String, at location: S3Location) async throws {
        _ = try await send(.delete, location, query: "uploadId=\(Self.encode(id))", operation: "AbortMultipartUpload", accepting: [404])
    }

    // MARK: Requests

    private func send(_ method: HTTPRequest.Method, _ location: S3Location, query: String? = nil, operation: String,
                      headers: [(String, String)] = [], body: Data? = nil, accepting: Set<Int> = []) async throws -> HTTPResponse {
        let path = "/" + Self.encode(location.bucket) + "/" + location.key.split(separator: "/", omittingEmptySubsequences: false).map { Self.encode(String($0)) }.joined(separator: "/")
        var request = HTTPRequest(method, endpoint + path + (query.map { "?" + $0 } ?? ""), headers: headers, body: body, followRedirects: false)
        request.setHeader("x-amz-content-sha256", Digest.sha256(of: body ?? Data()).encoded)
        request.awsSignature = AWSSignature(accessKey: credentials.accessKey, secretKey: credentials.secretKey,
                                            region: credentials.region, sessionToken: credentials.sessionToken)
        let response = try await transport.send(request)
        guard response.isSuccess || accepting.contains(response.status) else {
            throw S3Error.refused(location, operation: operation, status: response.status,
                                  code: Self.elements("Code", in: response.body).first ?? "",
                                  message: Self.elements("Message", in: response.body).first ?? "")
        }
        return response
    }

    /// RFC 3986 percent-encoding of everything but the unreserved characters, as SigV4 canonicalises.
    static func encode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// An ETag as S3 compares it: without the quotes a header or an XML listing (escaped) wraps it in.
    static func unquoted(_ etag: String) -> String {
        etag.replacingOccurrences(of: "&quot;", with: "").replacingOccurrences(of: "&#34;", with: "")
            .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// The text of every `<name>…</name>` element in an XML answer.
    static func elements(_ name: String, in body: Data) -> [String] {
        let text = String(decoding: body, as: UTF8.self)
        return text.components(separatedBy: "<\(name)>").dropFirst().compactMap { $0.components(separatedBy: "</\(name)>").first }
    }
}
