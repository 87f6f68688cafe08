import Foundation

/// One of Airlock's executables started in the background, to be killed at a chosen moment
/// (crash-consistency tests) or waited for.
///
/// Output goes to files, as with ``Tool``, so nothing stalls on a full pipe.
public final class RunningTool: Sendable {
    /// The executable and its arguments, for messages.
    public let command: [String]
    /// The process id, for `kill`.
    public let pid: Int32
    private let process: Process
    private let scratch: TemporaryDirectory
    private let exited: AsyncStream<Void>

    /// Starts `tool` (`connected`, `transit`, `airgap`) with `arguments`.
    public init(_ tool: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let path = AirlockTool.binDirectory + "/" + tool
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("\(path) is missing: run `swift build` before the integration tests")
        }
        command = [path] + arguments
        scratch = try TemporaryDirectory(prefix: "airlock-running")
        for name in ["stdout", "stderr"] where !FileManager.default.createFile(atPath: scratch.file(name), contents: nil) {
            throw HarnessError("cannot create \(scratch.file(name))")
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment
            .merging(["NO_PROXY": "*", "no_proxy": "*"]) { $1 }.merging(environment) { $1 }
        let handles = [FileHandle(forWritingAtPath: scratch.file("stdout")), FileHandle(forWritingAtPath: scratch.file("stderr"))]
        defer { for handle in handles { try? handle?.close() } }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = handles[0]
        process.standardError = handles[1]
        let (stream, signal) = AsyncStream<Void>.makeStream()
        exited = stream
        process.terminationHandler = { _ in signal.finish() }
        try ProcessLaunch.start(process)
        pid = process.processIdentifier
    }

    /// Sends SIGKILL, as a power cut or the OOM killer would stop it.
    public func kill() { _ = Foundation.kill(pid, SIGKILL) }

    /// Waits for the process to exit (killing it after `timeout`, which only guards against a hang).
    public func wait(timeout: Duration = .seconds(600)) async throws -> Tool.Result {
        let pid = pid
        let guardTask = Task {
            try await Task.sleep(for: timeout)
            _ = Foundation.kill(pid, SIGKILL)
        }
        for await _ in exited {}
        guardTask.cancel()
        let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
        return Tool.Result(command: command, status: status,
                           stdout: try Data(contentsOf: URL(fileURLWithPath: scratch.file("stdout"))),
                           stderr: try Data(contentsOf: URL(fileURLWithPath: scratch.file("stderr"))))
    }

    /// Kills the process once `progress()` reaches `threshold` (checked every few milliseconds), then waits
    /// for it; returns the result and whether the kill came before the process finished on its own.
    public func kill(whenProgressReaches threshold: Int64, progress: () -> Int64) async throws -> (result: Tool.Result, killed: Bool) {
        var killed = false
        while process.isRunning {
            if progress() >= threshold {
                kill()
                killed = true
                break
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        let result = try await wait()
        return (result, killed && result.status == 128 + SIGKILL)
    }
}
