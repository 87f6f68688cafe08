/// How to reach registries: TLS trust, client certificates, plain HTTP, timeouts.
public struct TransportOptions: Sendable {
    /// A PEM bundle of CA certificates trusted in addition to the system's.
    public var caFile: String?
    /// A PEM client certificate and its key, for registries that require mutual TLS.
    public var clientCertificate: String?
    public var clientKey: String?
    /// `false` accepts any server certificate (`--tls-verify=false`).
    public var verifyTLS: Bool = true
    /// Hosts (`host[:port]`) spoken to over plain HTTP; `["*"]` for all (`--plain-http`).
    /// Loopback hosts fall back to plain HTTP when they do not speak TLS, as docker does.
    public var plainHTTPHosts: Set<String> = []
    /// Seconds to wait for a connection.
    public var connectTimeout: Int = 30
    /// A transfer that moves less than one byte per second for this many seconds is dropped and retried.
    public var stallTimeout: Int = 60
    public var userAgent: String = "airlock"
    /// Verbose libcurl output on standard error.
    public var debug: Bool = false

    public init() {}

    /// Whether `host` is to be spoken to over plain HTTP only.
    public func forcesPlainHTTP(_ host: String) -> Bool {
        plainHTTPHosts.contains("*") || plainHTTPHosts.contains(host)
    }
}
