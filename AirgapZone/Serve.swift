import ArgumentParser
import Bundle
import Foundation
import Pipeline
import RegistryServer
import ZoneSupport

/// `airgap serve`: an embedded OCI distribution registry over a content store or bundles in place.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve a content store (read-write) or bundles in place (read-only) as an OCI distribution registry.",
        discussion: """
        Speaks the OCI distribution spec v1.1: pulls, pushes (monolithic, chunked, streamed), cross-repository \
        mounts, tag lists and the catalog with pagination, the referrers API, and deletion with --delete. A content \
        store is served as transit push would leave it without a prefix (docker.io/library/nginx:1.27 is \
        library/nginx:1.27); pushes are checked byte for byte and written into the store. Bundles are served \
        in place, split volumes included, without writing anything. Prints "listening on URL" once ready; \
        one access-log line per request on standard error. Stops gracefully on SIGTERM. Exit codes: 0 stopped, \
        1 a store, bundle or file cannot be used, 2 usage.
        """
    )

    @Option(help: "Content store to serve and push into (created when missing).")
    var store: String?

    @Option(name: .customLong("bundle"), help: "Bundle to serve read-only, in place (repeatable; a split bundle by its first volume; a path or s3://BUCKET/KEY).")
    var bundles: [String] = []

    @OptionGroup var storage: StorageOptions

    @Option(help: "Address to listen on, HOST:PORT (port 0 picks a free one). Loopback unless you name another address.")
    var listen = "127.0.0.1:5000"

    @Flag(help: "Refuse pushes and deletes on a store (bundles are always read-only).")
    var readOnly = false

    @Flag(help: "Allow DELETE of manifests, tags and blobs.")
    var delete = false

    @Option(name: .customLong("mirror-layout"),
            help: ArgumentHelp("Map mirror requests (?ns=UPSTREAM) onto where `transit push --to HOST/PREFIX` put them; give the PREFIX, or '' for none.", valueName: "PREFIX"))
    var mirrorPrefix: String?

    @Option(help: "Certificate chain (PEM) for HTTPS.")
    var tlsCert: String?

    @Option(help: "Private key (PEM) for HTTPS.")
    var tlsKey: String?

    @Option(help: "htpasswd file of bcrypt entries (htpasswd -B); clients must authenticate with HTTP Basic.")
    var htpasswd: String?

    @Option(help: "Access log format: text or json.")
    var logFormat = "text"

    func validate() throws {
        if (store == nil) == bundles.isEmpty { throw ValidationError("give either --store DIR or --bundle FILE (one or more)") }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        if !["text", "json"].contains(logFormat) { throw ValidationError("--log-format is text or json") }
        _ = try address()
    }

    func run() async throws {
        try await runReportingErrors("airgap") {
            let (host, port) = try address()
            let options = ServeOptions(host: host, port: port, allowDelete: delete, mirrorPrefix: mirrorPrefix,
                                       tlsCertificate: tlsCert, tlsKey: tlsKey, htpasswd: htpasswd, jsonLog: logFormat == "json")
            let server: RegistryServer
            if let store {
                server = readOnly
                    ? RegistryServer(readOnly: [StoreEndpoint(store: try ContentStore(at: store, create: false))], options: options)
                    : try RegistryServer(store: store, options: options)
            } else {
                server = RegistryServer(readOnly: try bundles.map { BundleSource(bundle: try storage.openBundle($0)) }, options: options)
            }
            let scheme = tlsCert == nil ? "http" : "https"
            let mode = server.isWritable ? "read-write" : "read-only"
            try await server.run { port in
                FileHandle.standardOutput.write(Data("listening on \(scheme)://\(host):\(port) (\(mode))\n".utf8))
            }
        }
    }

    /// `--listen` as host and port.
    private func address() throws -> (String, Int) {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("--listen is HOST:PORT, not '\(listen)'")
        }
        var host = String(listen[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "127.0.0.1" : host, port)
    }
}
