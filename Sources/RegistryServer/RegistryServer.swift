import Bundle
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import NIOSSL
import Pipeline
import UnixSignals

/// `airgap serve`: a distribution-spec registry over a content store (read-write) or bundles in place
/// (read-only), on Hummingbird. Stops gracefully on SIGTERM or SIGINT: in-flight requests finish.
public struct RegistryServer: Sendable {
    let content: ServedContent
    let options: ServeOptions

    /// A read-write server over the store at `path` (created when missing).
    public init(store path: String, options: ServeOptions) throws {
        content = ServedContent(store: try ContentStore(at: path))
        self.options = options
    }

    /// A read-only server over layouts: bundles (split volumes included) or a store, read in place.
    public init(readOnly layouts: [any LayoutSource], options: ServeOptions) {
        content = ServedContent(readOnly: layouts)
        self.options = options
    }

    /// Whether the server accepts pushes.
    public var isWritable: Bool { content.store != nil }

    /// Serves until SIGTERM or SIGINT; `onReady` gets the port once the server listens.
    public func run(onReady: @escaping @Sendable (Int) -> Void) async throws {
        let authenticator = try options.htpasswd.map { try HtpasswdAuthenticator(path: $0) }
        // Pushed artifacts are named after the server's address (without a port picked at random).
        let authority = options.port == 0 ? options.host : "\(options.host):\(options.port)"
        let catalog = try RegistryCatalog(content: content, authority: authority)
        let responder = DistributionResponder(catalog: catalog, uploads: UploadSessions(), options: options,
                                              authenticator: authenticator, log: AccessLog(json: options.jsonLog))
        let http = HTTP1Channel.Configuration(additionalChannelHandlers: [ExpectContinueHandler()],
                                              idleTimeout: .seconds(Self.idleSeconds))
        var server = HTTPServerBuilder.http1(configuration: http)
        if let certificate = options.tlsCertificate, let key = options.tlsKey {
            let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
            let tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain,
                                                               privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
            server = try .tls(server, tlsConfiguration: tls)
        }
        var logger = Logger(label: "airgap-serve")
        logger.logLevel = .warning
        let app = Application(
            responder: responder, server: server,
            configuration: ApplicationConfiguration(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in onReady(channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// A connection that sends nothing for this long is closed, so an idle or stalled client holds no worker.
    static let idleSeconds: Int64 = 120
}
