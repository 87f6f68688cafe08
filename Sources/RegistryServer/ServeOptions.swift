/// How `airgap serve` behaves, beyond what it serves.
public struct ServeOptions: Sendable {
    /// `HOST:PORT` to listen on; port 0 picks a free one.
    public var host: String
    public var port: Int
    /// Whether DELETE of manifests, tags and blobs is allowed.
    public var allowDelete: Bool
    /// With `--mirror-layout`: the prefix `transit push` put the upstream repositories under ("" for none).
    /// A request carrying `ns=<upstream>` is then mapped the way `transit push` maps a source reference.
    public var mirrorPrefix: String?
    /// Certificate chain and key files (PEM) for HTTPS.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// An htpasswd file of bcrypt entries; nil serves without authentication.
    public var htpasswd: String?
    /// Access log lines as JSON instead of text.
    public var jsonLog: Bool

    public init(host: String = "127.0.0.1", port: Int = 5000, allowDelete: Bool = false, mirrorPrefix: String? = nil,
                tlsCertificate: String? = nil, tlsKey: String? = nil, htpasswd: String? = nil, jsonLog: Bool = false) {
        self.host = host
        self.port = port
        self.allowDelete = allowDelete
        self.mirrorPrefix = mirrorPrefix
        self.tlsCertificate = tlsCertificate
        self.tlsKey = tlsKey
        self.htpasswd = htpasswd
        self.jsonLog = jsonLog
    }
}
