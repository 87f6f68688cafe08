import Foundation

/// A private containerd daemon (Debian's `containerd`), its root, state, socket and config in a temporary
/// directory, with the CRI plugin and the snapshotters it does not need disabled. `ctr` talks to it.
public final class ContainerdDaemon: Sendable {
    /// The daemon's gRPC socket, for `ctr --address`.
    public let socket: String
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts the daemon (as root) and waits until `ctr version` answers.
    public init() async throws {
        let directory = try TemporaryDirectory(prefix: "airlock-containerd")
        self.directory = directory
        socket = directory.file("containerd.sock")
        let config = directory.file("config.toml")
        try Data("""
            version = 2
            root = "\(directory.file("root"))"
            state = "\(directory.file("state"))"
            disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs",
                                "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.aufs"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"

            """.utf8).write(to: URL(fileURLWithPath: config))
        process = try ManagedProcess("containerd", ["--config", config], logFile: directory.file("containerd.log"))
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if try await Tool.run("ctr", ["--address", socket, "version"]).succeeded { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("containerd did not start; last log lines:\n\(process.logTail())")
    }

    /// Runs `ctr --address SOCKET ARGUMENTS…`.
    public func ctr(_ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run("ctr", ["--address", socket] + arguments)
    }

    /// Stops the daemon.
    public func stop() { process.stop() }

    deinit { stop() }
}
