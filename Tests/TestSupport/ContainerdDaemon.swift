import Foundation

/// Debian's `containerd` (1.6 or later) running as its own daemon: config, root, state and socket in a temporary
/// directory, the CRI plugin disabled, so tests can pull with `ctr` without touching the machine's containerd.
///
/// ```swift
/// let containerd = try await ContainerdDaemon()
/// defer { containerd.stop() }
/// try await containerd.ctr(["content", "fetch", "--hosts-dir", dir, reference]).check()
/// ```
public final class ContainerdDaemon: Sendable {
    /// Whether `containerd` and `ctr` are installed (and the tests run as root, which containerd needs).
    public static var available: Bool { Tool.available("containerd") && Tool.available("ctr") && getuid() == 0 }

    /// Why containerd tests are skipped.
    public static let unavailableReason = "containerd tests need Debian's containerd package (containerd, ctr) and root"

    /// The daemon's gRPC socket.
    public let socket: String
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts the daemon and waits until `ctr version` answers. The 120 s limit only guards against a daemon
    /// that hangs; a loaded machine can take far longer than usual to start one.
    public init() async throws {
        directory = try TemporaryDirectory(prefix: "airlock-containerd")
        socket = directory.file("containerd.sock")
        let config = directory.file("config.toml")
        try Data("""
            version = 2
            root = "\(directory.file("root"))"
            state = "\(directory.file("state"))"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]

            [grpc]
              address = "\(socket)"

            [ttrpc]
              address = "\(socket).ttrpc"

            [debug]
              level = "debug"

            """.utf8).write(to: URL(fileURLWithPath: config))
        process = try ManagedProcess("containerd", ["--config", config], logFile: directory.file("containerd.log"))
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            guard process.isRunning else { break }
            if FileManager.default.fileExists(atPath: socket), (try? await ctr(["version"]))?.succeeded == true { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        let log = process.logTail()
        process.stop()
        throw HarnessError("containerd did not come up on \(socket); last log lines:\n\(log)")
    }

    /// Runs `ctr --address SOCKET arguments…` (namespace `airlock-test`).
    public func ctr(_ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run("ctr", ["--address", socket, "--namespace", "airlock-test"] + arguments, timeout: .seconds(300))
    }

    /// The last lines of the daemon's log.
    public func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Stops the daemon.
    public func stop() { process.stop() }

    deinit { stop() }
}
