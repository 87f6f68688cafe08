import CCurl
import OCI

/// A request that got no HTTP response: the connection failed, TLS failed, or the transfer broke.
public struct TransportError: CategorizedError, CustomStringConvertible {
    /// libcurl's error code (-1 for Airlock's own limits).
    public let code: Int
    public let url: String
    public let detail: String
    /// Body bytes that had arrived before the failure.
    public let bytesReceived: Int64

    public var description: String { "\(url): \(detail)" }

    public var category: ErrorCategory { isCertificateProblem || isHandshakeFailure ? .tls : .network }

    /// Worth retrying: the network dropped or stalled, not a configuration problem.
    public var isTransient: Bool {
        let transient: [CURLcode] = [
            CURLE_COULDNT_CONNECT, CURLE_PARTIAL_FILE, CURLE_OPERATION_TIMEDOUT, CURLE_SEND_ERROR,
            CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_HTTP2, CURLE_HTTP2_STREAM, CURLE_COULDNT_RESOLVE_HOST,
        ]
        return transient.contains { Int($0.rawValue) == code }
    }

    /// The server's certificate was not trusted (unknown CA, wrong name, expired).
    public var isCertificateProblem: Bool {
        [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR]
            .contains { Int($0.rawValue) == code }
    }

    /// The TLS handshake failed, as it does when the server speaks plain HTTP.
    public var isHandshakeFailure: Bool { code == Int(CURLE_SSL_CONNECT_ERROR.rawValue) }
}
