import Foundation

/// Response headers, looked up case-insensitively; repeated headers keep every value.
public struct HTTPHeaders: Sendable {
    private var fields: [(name: String, value: String)] = []

    public init() {}

    mutating func append(name: String, value: String) { fields.append((name, value)) }

    /// The first value of `name`, if any.
    public subscript(_ name: String) -> String? {
        fields.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }.map(\.value)
    }
}

/// One HTTP request, as the transport sends it.
public struct HTTPRequest: Sendable {
    public enum Method: String, Sendable { case get = "GET", head = "HEAD", put = "PUT", post = "POST", patch = "PATCH", delete = "DELETE" }

    public var method: Method
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?
    /// A body streamed from a reader instead of `body` (blob uploads); opened anew for every attempt.
    public var upload: UploadBody?
    /// Whether 3xx answers are followed (blob storage often redirects to another host).
    public var followRedirects: Bool
    /// Signs the request with AWS Signature Version 4 (libcurl's `CURLOPT_AWS_SIGV4`), for S3-compatible storage.
    public var awsSignature: AWSSignature?

    public init(_ method: Method, _ url: String, headers: [(String, String)] = [], body: Data? = nil, followRedirects: Bool = true) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.followRedirects = followRedirects
    }

    /// Sets header `name`, replacing an earlier value.
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.0.caseInsensitiveCompare(name) == .orderedSame }
        headers.append((name, value))
    }
}

/// What libcurl needs to sign a request with AWS Signature Version 4. libcurl 7.88 signs the headers it is given but
/// adds no `x-amz-content-sha256`: the caller sets it (the payload's SHA-256, hex) on every request.
public struct AWSSignature: Sendable {
    public var accessKey: String
    public var secretKey: String
    public var region: String
    /// Sent as `x-amz-security-token` when the credentials are temporary.
    public var sessionToken: String?

    public init(accessKey: String, secretKey: String, region: String, sessionToken: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.region = region
        self.sessionToken = sessionToken
    }

    /// `CURLOPT_AWS_SIGV4`'s provider string for S3 in `region`.
    var provider: String { "aws:amz:\(region):s3" }
}

/// The final response to a request, after any redirects.
public struct HTTPResponse: Sendable {
    public let status: Int
    public let headers: HTTPHeaders
    /// The body when it was collected (not streamed to a sink), or an error body, up to a limit.
    public let body: Data
    /// The URL that answered, after redirects.
    public let url: String

    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// Receives a successful response body as it streams in.
public protocol ResponseBodySink: AnyObject, Sendable {
    /// Called once, before the first byte of a 2xx body (or at the end of an empty one).
    func begin(status: Int, headers: HTTPHeaders) throws
    /// Called for each chunk, in order.
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// A request body read as it is sent: `length` bytes from a reader made fresh for each attempt.
public struct UploadBody: Sendable {
    public let length: Int64
    public let open: @Sendable () throws -> any UploadReader

    public init(length: Int64, open: @escaping @Sendable () throws -> any UploadReader) {
        self.length = length
        self.open = open
    }
}

/// Produces an upload's bytes in order.
public protocol UploadReader: AnyObject {
    /// Fills the start of `buffer`; returns the byte count (0 only at the end).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}
