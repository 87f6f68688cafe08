import ArgumentParser
import Bundle
import Cluster
import Foundation
import OCI
import Pipeline
import ZoneSupport

extension MirrorConfigFormat: ExpressibleByArgument {}

/// `airgap mirror-config`: the files each container runtime reads to pull from the private registry.
struct MirrorConfig: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mirror-config",
        abstract: "Write the registry-mirror configuration of containerd, k3s/RKE2, CRI-O/podman or Talos for the private registry.",
        discussion: """
        Upstream registries (docker.io, ghcr.io, …) are sent to HOST[:PORT][/PREFIX] at exactly the repositories \
        `transit push --to` wrote (the same mapping code); --from-bundle takes the upstreams from a bundle's record. \
        Files go under -o DIR (each written whole, secrets with mode 600) or to standard output with -o -. \
        Exit codes: 0 written, 64 bad flags, 65 invalid input (a registry, a bundle record), 1 a file could not be written.
        """
    )

    @Option(help: ArgumentHelp("The private registry, as given to transit push --to.", valueName: "host[:port][/prefix]"))
    var registry: String

    @Option(help: ArgumentHelp("Upstream registries to mirror, comma-separated (docker.io,ghcr.io,quay.io,registry.k8s.io).", valueName: "list"))
    var upstream: String?

    @Option(name: .customLong("from-bundle"), help: ArgumentHelp("Mirror the registries of the images this bundle holds.", valueName: "bundle"))
    var fromBundle: String?

    @Option(help: ArgumentHelp("containerd, k3s, cri-o, talos (>= 1.12) or talos-legacy (<= 1.11).", valueName: "format"))
    var format: MirrorConfigFormat

    @Option(name: .customLong("ca-file"), help: ArgumentHelp("PEM CA certificate that signed the private registry's certificate.", valueName: "file"))
    var caFile: String?

    @Option(name: .customLong("client-cert"), help: ArgumentHelp("PEM client certificate for mutual TLS.", valueName: "file"))
    var clientCert: String?

    @Option(name: .customLong("client-key"), help: ArgumentHelp("PEM private key of --client-cert.", valueName: "file"))
    var clientKey: String?

    @Flag(name: .customLong("plain-http"), help: "The private registry speaks plain HTTP.")
    var plainHTTP = false

    @Option(help: ArgumentHelp("User name for the private registry (with --password-file).", valueName: "user"))
    var username: String?

    @Option(name: .customLong("password-file"), help: ArgumentHelp("File holding the password (one trailing newline ignored).", valueName: "file"))
    var passwordFile: String?

    @Flag(name: .customLong("no-fallback"), help: "Never fall back to the upstream registry when the mirror fails.")
    var noFallback = false

    @Option(name: .shortAndLong, help: ArgumentHelp("Output directory, or - for standard output.", valueName: "dir|-"))
    var output: String

    func validate() throws {
        if (upstream == nil) == (fromBundle == nil) { throw ValidationError("give --upstream or --from-bundle (one of them)") }
        if (clientCert == nil) != (clientKey == nil) { throw ValidationError("--client-cert and --client-key go together") }
        if (username == nil) != (passwordFile == nil) { throw ValidationError("--username and --password-file go together") }
        if plainHTTP && (caFile != nil || clientCert != nil) { throw ValidationError("--plain-http has no TLS: drop --ca-file/--client-cert") }
        if output == "-" && (username != nil || clientKey != nil) {
            throw ValidationError("credentials and client keys are written only to files with mode 600: give -o DIR")
        }
    }

    func run() async throws {
        try await runReportingErrors("airgap") {
            let target = try PushTarget(parsing: registry)
            let upstreams = try fromBundle.map { MirrorSettings.upstreams(of: try BundleFile(path: $0).record()) }
                ?? (upstream ?? "").split(separator: ",").map(String.init)
            var settings = try MirrorSettings(target: target, upstreams: upstreams)
            settings.plainHTTP = plainHTTP
            settings.fallback = !noFallback
            settings.caCertificate = try caFile.map { try MirrorSettings.LocalFile.read($0, what: "CA certificate") }
            settings.clientCertificate = try clientCert.map { try MirrorSettings.LocalFile.read($0, what: "client certificate") }
            settings.clientKey = try clientKey.map { try MirrorSettings.LocalFile.read($0, what: "client key") }
            if let username, let passwordFile {
                var password = try MirrorSettings.LocalFile.read(passwordFile, what: "password file").contents
                if password.hasSuffix("\n") { password.removeLast() }
                guard !password.isEmpty else { throw ClusterInputError(file: passwordFile, "the password file is empty") }
                settings.credentials = .init(username: username, password: password)
            }
            let files = format.files(settings)
            if output == "-" {
                for file in files {
                    if files.count > 1 { print("# ==> \(file.path) <==") }
                    print(file.contents, terminator: "")
                }
                return
            }
            for file in files {
                let path = (output as NSString).appendingPathComponent(file.path)
                try AtomicFileWriter.write(Data(file.contents.utf8), to: path, mode: file.secret ? 0o600 : 0o644)
                print(path + (file.secret ? " (mode 600)" : ""))
            }
        }
    }
}
