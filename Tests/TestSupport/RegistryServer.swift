import Foundation

/// A real registry on 127.0.0.1 and a free port, with its own storage, config and log in a temporary
/// directory: the CNCF distribution registry (`docker-registry serve`, 2.8.x) by default, or Airlock's own
/// `airgap serve`.
///
/// ```swift
/// let registry = try await RegistryServer(tls: true, authentication: .basic(.random()))
/// defer { registry.stop() }
/// ```
/// The process is stopped (SIGTERM, then SIGKILL) by ``stop()`` or when the
/// value is released, and its directory is removed.
public final class RegistryServer: Sendable {
    /// How clients must authenticate.
    public enum Authentication: Sendable {
        /// Anonymous pull and push.
        case none
        /// HTTP basic auth against an htpasswd file (bcrypt) holding this user.
        case basic(TestUser)
        /// distribution's `auth: token`, backed by a ``TokenServer`` started
        /// with this configuration.
        case token(TokenServer.Configuration)
    }

    /// Which server runs.
    public enum Implementation: Sendable {
        /// `docker-registry serve` (CNCF distribution 2.8).
        case distribution
        /// `airgap serve` with these content arguments (`--store DIR`, `--bundle FILE`, `--read-only`, …);
        /// with none, a fresh store in the registry's directory (and `--delete`).
        case airgap([String])
    }

    /// Which skopeo flags ``skopeoOptions(_:user:)`` produces.
    public enum SkopeoRole: Sendable {
        /// `skopeo inspect`: `--tls-verify`, `--cert-dir`, `--creds`.
        case inspect
        /// Source of `skopeo copy`: `--src-…`.
        case source
        /// Destination of `skopeo copy`: `--dest-…`.
        case destination
    }

    /// `127.0.0.1:PORT`, as used in image references.
    public let host: String
    /// `http://127.0.0.1:PORT` or `https://127.0.0.1:PORT`.
    public let url: URL
    /// Whether the registry serves HTTPS with a certificate from a test CA.
    public let isTLS: Bool
    /// PEM file of the test CA that signed the server certificate (TLS only).
    public let caFile: String?
    /// A directory holding only `ca.crt`, for skopeo's `--cert-dir` (TLS only).
    public let certificateDirectory: String?
    /// The basic-auth user, or in token mode the first configured user.
    public let user: TestUser?
    /// The token server the registry trusts (token mode only).
    public let tokenServer: TokenServer?
    /// The storage root (`storage.filesystem.rootdirectory`).
    public let dataDirectory: String
    /// The generated YAML configuration.
    public let configFile: String
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts a registry and waits until `GET /v2/` answers 200 or 401.
    /// `environment` is added to `airgap serve`'s (the AWS variables of a bundle kept in S3).
    public init(tls: Bool = false, authentication: Authentication = .none, implementation: Implementation = .distribution,
                environment: [String: String] = [:]) async throws {
        let directory = try TemporaryDirectory(prefix: "airlock-registry")
        self.directory = directory
        isTLS = tls
        dataDirectory = directory.file("data")
        configFile = directory.file("config.yml")

        var authSection = ""
        var airgapOptions: [String] = []
        switch authentication {
        case .none:
            user = nil
            tokenServer = nil
        case .basic(let basicUser):
            user = basicUser
            tokenServer = nil
            let htpasswdFile = directory.file("htpasswd")
            let entry = try await Tool.output("htpasswd", ["-Bbn", basicUser.username, basicUser.password])
            try Data((entry + "\n").utf8).write(to: URL(fileURLWithPath: htpasswdFile))
            airgapOptions += ["--htpasswd", htpasswdFile]
            authSection = """
                auth:
                  htpasswd:
                    realm: airlock-test-registry
                    path: \(yaml(htpasswdFile))

                """
        case .token(let configuration):
            let server = try await TokenServer(configuration)
            user = configuration.users.first
            tokenServer = server
            authSection = """
                auth:
                  token:
                    realm: \(yaml(server.realm.absoluteString))
                    service: \(yaml(configuration.service))
                    issuer: \(yaml(configuration.issuer))
                    rootcertbundle: \(yaml(server.certificateBundle))

                """
        }

        var tlsSection = ""
        if tls {
            let certificates = try await TestCertificates.create(in: directory)
            caFile = certificates.caFile
            certificateDirectory = certificates.caDirectory
            airgapOptions += ["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey]
            tlsSection = """
                  tls:
                    certificate: \(yaml(certificates.serverCertificate))
                    key: \(yaml(certificates.serverKey))

                """
        } else {
            caFile = nil
            certificateDirectory = nil
        }

        let scheme = tls ? "https" : "http"
        var attempt = 0
        while true {
            attempt += 1
            let port = try Ports.free()
            let config = """
                version: 0.1
                log:
                  level: info
                  formatter: text
                storage:
                  filesystem:
                    rootdirectory: \(yaml(dataDirectory))
                  delete:
                    enabled: true
                  maintenance:
                    uploadpurging:
                      enabled: false
                http:
                  addr: 127.0.0.1:\(port)
                  secret: \(UUID().uuidString)
                \(tlsSection)\(authSection)health:
                  storagedriver:
                    enabled: false

                """
            let process: ManagedProcess
            switch implementation {
            case .distribution:
                try Data(config.utf8).write(to: URL(fileURLWithPath: configFile))
                process = try ManagedProcess(
                    "docker-registry", ["serve", configFile], logFile: directory.file("registry-\(attempt).log"))
            case .airgap(let content):
                let arguments = content.isEmpty ? ["--store", dataDirectory, "--delete"] : content
                process = try ManagedProcess(
                    AirlockTool.binDirectory + "/airgap", ["serve", "--listen", "127.0.0.1:\(port)"] + arguments + airgapOptions,
                    logFile: directory.file("registry-\(attempt).log"), environment: environment)
            }
            let baseURL = "\(scheme)://127.0.0.1:\(port)"
            if try await Self.waitUntilReady(process, url: baseURL, caFile: caFile) {
                self.process = process
                host = "127.0.0.1:\(port)"
                url = URL(string: baseURL)!
                return
            }
            let log = process.logTail()
            process.stop()
            if attempt < 5 && (log.contains("address already in use") || log.contains("Address already in use")) { continue }
            throw HarnessError("the registry did not come up on \(baseURL); last log lines:\n\(log)")
        }
    }

    /// The registry's log (access log and errors), to print when a test fails.
    public var logFile: String { process.logFile }

    /// The last lines of the registry log.
    public func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Stops the registry (SIGTERM, then SIGKILL after `grace`) and its token server; the registry stays unusable.
    public func stop(grace: Duration = .seconds(5)) {
        process.stop(grace: grace)
        tokenServer?.stop()
    }

    /// Kills the registry with SIGKILL, mid-request if it is busy.
    public func kill() { process.killAbruptly() }

    /// curl options for this registry: `--cacert` for TLS and `-u` when `user` is given.
    public func curlOptions(user: TestUser? = nil) -> [String] {
        (caFile.map { ["--cacert", $0] } ?? []) + (user.map { ["-u", $0.colonSeparated] } ?? [])
    }

    /// skopeo flags to reach this registry, e.g. `["--dest-tls-verify=false"]`
    /// or `["--dest-cert-dir", dir, "--dest-creds", "user:password"]`.
    public func skopeoOptions(_ role: SkopeoRole, user: TestUser?) -> [String] {
        let prefix = switch role {
        case .inspect: "--"
        case .source: "--src-"
        case .destination: "--dest-"
        }
        var options = certificateDirectory.map { ["\(prefix)cert-dir", $0] } ?? ["\(prefix)tls-verify=false"]
        if let user { options += ["\(prefix)creds", user.colonSeparated] }
        return options
    }

    /// Returns true once `/v2/` answers 200 or 401, false if the process exits first. The 120 s limit only
    /// guards against a registry that hangs; a loaded machine can take far longer than usual to start one.
    private static func waitUntilReady(_ process: ManagedProcess, url: String, caFile: String?) async throws -> Bool {
        // Generous: on a machine loaded far past its cores (the sanitizer runs start a hundred registries at once),
        // a registry that is up can take seconds to answer, and a probe that gives up early never sees it.
        let deadline = ContinuousClock.now + .seconds(300)
        let options = caFile.map { ["--cacert", $0] } ?? []
        while ContinuousClock.now < deadline {
            guard process.isRunning else { return false }
            if let response = try? await Curl.request(url + "/v2/", options: options + ["--max-time", "30"]),
               response.status == 200 || response.status == 401 {
                return true
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
    }

    deinit { stop() }
}

/// A YAML double-quoted scalar (JSON string syntax is valid YAML).
private func yaml(_ value: String) -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = .withoutEscapingSlashes
    let data = try! encoder.encode(value)
    return String(decoding: data, as: UTF8.self)
}

/// A test CA and a server certificate for 127.0.0.1 / localhost, made with the openssl CLI.
struct TestCertificates {
    let caFile: String
    let caDirectory: String
    let serverCertificate: String
    let serverKey: String

    static func create(in directory: TemporaryDirectory) async throws -> TestCertificates {
        let caDirectory = directory.file("ca")
        try FileManager.default.createDirectory(atPath: caDirectory, withIntermediateDirectories: true)
        let caFile = caDirectory + "/ca.crt"
        let caKey = directory.file("ca.key")
        let serverKey = directory.file("server.key")
        let serverRequest = directory.file("server.csr")
        let serverCertificate = directory.file("server.crt")
        let extensions = directory.file("server.ext")
        let ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try await Tool.output("openssl", ["req", "-x509"] + ecKey + [
            "-keyout", caKey, "-out", caFile, "-days", "2", "-subj", "/CN=Airlock Test CA",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try await Tool.output("openssl", ["req"] + ecKey + [
            "-keyout", serverKey, "-out", serverRequest, "-subj", "/CN=localhost",
        ])
        try Data("""
            subjectAltName = IP:127.0.0.1, DNS:localhost
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth

            """.utf8).write(to: URL(fileURLWithPath: extensions))
        try await Tool.output("openssl", [
            "x509", "-req", "-in", serverRequest, "-CA", caFile, "-CAkey", caKey,
            "-set_serial", String(UInt64.random(in: 1...UInt64(Int64.max))),
            "-out", serverCertificate, "-days", "2", "-extfile", extensions,
        ])
        return TestCertificates(
            caFile: caFile, caDirectory: caDirectory,
            serverCertificate: serverCertificate, serverKey: serverKey)
    }
}
