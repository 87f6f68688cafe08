import Foundation

/// One HTTP response as received by curl.
public struct CurlResponse: Sendable {
    /// HTTP status code.
    public let status: Int
    /// Response headers in the order received.
    public let headers: [(name: String, value: String)]
    /// Response body (empty for HEAD).
    public let body: Data

    /// The first header called `name` (case-insensitive).
    public func header(_ name: String) -> String? {
        headers.first { $0.name.caseInsensitiveCompare(name) == .orderedSame }?.value
    }

    /// The body as UTF-8 text.
    public var text: String { String(decoding: body, as: UTF8.self) }
}

/// HTTP requests through the curl CLI, an HTTP client independent of the code under test.
public enum Curl {
    /// Sends one request with HTTP/1.1 and no proxy.
    ///
    /// - Parameters:
    ///   - headers: extra request headers.
    ///   - body: request body, sent as is (`--data-binary`).
    ///   - options: further curl options, e.g. `["--cacert", ca, "-u", "user:password"]`.
    public static func request(
        _ url: String,
        method: String = "GET",
        headers: [String: String] = [:],
        body: Data? = nil,
        options: [String] = []
    ) async throws -> CurlResponse {
        var arguments = ["-sS", "--noproxy", "*", "--http1.1", "--max-time", "60", "-H", "Expect:"]
        arguments += method == "HEAD" ? ["-I"] : ["-i", "-X", method]
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) {
            arguments += ["-H", "\(name): \(value)"]
        }
        if body != nil { arguments += ["--data-binary", "@-"] }
        arguments += options + [url]
        let result = try await Tool.run("curl", arguments, input: body)
        guard result.succeeded else {
            throw HarnessError("curl \(method) \(url) failed (status \(result.status)): \(result.errorOutput)")
        }
        return try parse(result.stdout, from: "\(method) \(url)")
    }

    /// Splits `curl -i` output into status, headers and body, skipping interim 1xx responses.
    private static func parse(_ output: Data, from request: String) throws -> CurlResponse {
        let separator = Data("\r\n\r\n".utf8)
        var rest = output[...]
        while let end = rest.range(of: separator) {
            let lines = String(decoding: rest[..<end.lowerBound], as: UTF8.self)
                .components(separatedBy: "\r\n")
            rest = rest[end.upperBound...]
            let statusFields = lines[0].split(separator: " ")
            guard statusFields.count >= 2, let status = Int(statusFields[1]) else { break }
            if (100..<200).contains(status) { continue }
            let headers = lines.dropFirst().compactMap { line -> (name: String, value: String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            return CurlResponse(status: status, headers: headers, body: Data(rest))
        }
        throw HarnessError("cannot parse the response to \(request): \(String(decoding: output.prefix(500), as: UTF8.self))")
    }
}
