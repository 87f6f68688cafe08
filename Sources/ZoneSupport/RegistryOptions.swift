import ArgumentParser
import HTTP
import Registry

/// Options shared by every command that talks to registries.
public struct RegistryOptions: ParsableArguments, Sendable {
    @Option(help: ArgumentHelp("Docker config.json or containers auth.json with credentials.", valueName: "file"))
    public var authfile: String?

    @Option(help: ArgumentHelp("Credentials for every registry, as user:password.", valueName: "user:password"))
    public var creds: String?

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("PEM file of CA certificates to trust besides the system's.", valueName: "file"))
    public var caFile: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("PEM client certificate for mutual TLS.", valueName: "file"))
    public var cert: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("PEM private key of --client-cert.", valueName: "file"))
    public var key: String?

    @Option(name: .customLong("tls-verify"), help: ArgumentHelp("Verify registry certificates (--tls-verify=false skips the check).", valueName: "bool"))
    public var tlsVerify: Bool = true

    @Flag(name: .customLong("plain-http"), help: "Speak plain HTTP to every registry (loopback registries fall back to it by themselves).")
    public var plainHTTP = false

    @Option(help: ArgumentHelp("Attempts per request before giving up on transient failures.", valueName: "n"))
    public var retries: Int = 6

    @Flag(name: .customLong("debug-http"), help: "Print libcurl's verbose trace on standard error.")
    public var debugHTTP = false

    public init() {}

    public func validate() throws {
        if let creds, !creds.contains(":") { throw ValidationError("--creds takes user:password") }
        if (cert == nil) != (key == nil) { throw ValidationError("--cert and --key go together") }
        if retries < 1 { throw ValidationError("--retries must be at least 1") }
    }

    /// A registry client configured from these options.
    public func makeClient() throws -> RegistryClient {
        var transport = TransportOptions()
        transport.caFile = caFile
        transport.clientCertificate = cert
        transport.clientKey = key
        transport.verifyTLS = tlsVerify
        transport.plainHTTPHosts = plainHTTP ? ["*"] : []
        transport.debug = debugHTTP
        transport.userAgent = "airlock/\(AirlockVersion.current)"
        var explicit: Credentials?
        if let creds, let colon = creds.firstIndex(of: ":") {
            explicit = .basic(username: String(creds[..<colon]), password: String(creds[creds.index(after: colon)...]))
        }
        let store = try CredentialStore(authFile: authfile, explicit: explicit)
        return RegistryClient(options: transport, credentials: store, retry: RetryPolicy(attempts: retries))
    }
}
