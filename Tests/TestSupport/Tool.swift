import Foundation
import Locking

/// Runs command-line tools (skopeo, umoci, curl, openssl, …) for tests.
///
/// Output goes to temporary files rather than pipes, so a long-lived process
/// started concurrently by another test can never hold a pipe open and stall
/// the capture.
public enum Tool {
    /// The outcome of one run.
    public struct Result: Sendable {
        /// The executable and its arguments, for messages.
        public let command: [String]
        /// Exit status, or 128 + signal number when the process was killed by a signal.
        public let status: Int32
        /// Everything the process wrote to standard output.
        public let stdout: Data
        /// Everything the process wrote to standard error.
        public let stderr: Data

        /// Whether the process exited with status 0.
        public var succeeded: Bool { status == 0 }
        /// Standard output as UTF-8 text.
        public var output: String { String(decoding: stdout, as: UTF8.self) }
        /// Standard error as UTF-8 text.
        public var errorOutput: String { String(decoding: stderr, as: UTF8.self) }

        /// Returns `self` when the run succeeded, otherwise throws ``ToolError/failed(_:)``.
        @discardableResult
        public func check() throws -> Result {
            guard succeeded else { throw ToolError.failed(self) }
            return self
        }
    }

    /// Runs `executable` (an absolute path or a name looked up on `PATH`) and waits for it.
    ///
    /// - Parameters:
    ///   - environment: variables added to (or replacing those of) this process's environment.
    ///   - input: bytes fed to standard input; without it, standard input is empty.
    ///   - timeout: the process is killed with SIGKILL when it runs longer, and
    ///     ``ToolError/timedOut(command:after:)`` is thrown.
    public static func run(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        input: Data? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> Result {
        guard let path = path(of: executable) else { throw ToolError.notFound(executable) }
        let scratch = try TemporaryDirectory(prefix: "airlock-tool")
        let stdinFile = scratch.path + "/stdin"
        let stdoutFile = scratch.path + "/stdout"
        let stderrFile = scratch.path + "/stderr"
        try (input ?? Data()).write(to: URL(fileURLWithPath: stdinFile))
        for file in [stdoutFile, stderrFile] where !FileManager.default.createFile(atPath: file, contents: nil) {
            throw HarnessError("cannot create \(file)")
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handles = [FileHandle(forReadingAtPath: stdinFile), FileHandle(forWritingAtPath: stdoutFile), FileHandle(forWritingAtPath: stderrFile)]
        // Closed here: left open, they pile up past 1024 descriptors, where Foundation's Process.run()
        // overruns its fd_set and crashes.
        defer { for handle in handles { try? handle?.close() } }
        process.standardInput = handles[0]
        process.standardOutput = handles[1]
        process.standardError = handles[2]

        let (exited, exitSignal) = AsyncStream<Void>.makeStream()
        process.terminationHandler = { _ in exitSignal.finish() }
        do {
            try ProcessLaunch.start(process)
        } catch {
            throw ToolError.launchFailed(path, error)
        }
        // The child has its own copies: closed now, hundreds of tools running at once (the corpus) keep this
        // process's descriptors below 1024, past which Foundation's Process.run() overruns its fd_set.
        for handle in handles { try? handle?.close() }
        let pid = process.processIdentifier
        let timedOut = Flag()
        let killer = Task {
            try await Task.sleep(for: timeout)
            timedOut.set()
            kill(pid, SIGKILL)
        }
        await withTaskCancellationHandler {
            for await _ in exited {}
        } onCancel: {
            kill(pid, SIGKILL)
        }
        killer.cancel()
        let command = [path] + arguments
        if process.isRunning {
            // The waiting task was cancelled; the process has been sent SIGKILL.
            throw CancellationError()
        }
        if timedOut.isSet {
            throw ToolError.timedOut(command: command, after: timeout)
        }
        let status = process.terminationReason == .uncaughtSignal
            ? 128 + process.terminationStatus : process.terminationStatus
        return Result(
            command: command,
            status: status,
            stdout: try Data(contentsOf: URL(fileURLWithPath: stdoutFile)),
            stderr: try Data(contentsOf: URL(fileURLWithPath: stderrFile))
        )
    }

    /// Runs a tool, throws unless it exits with status 0, and returns its
    /// standard output without surrounding whitespace.
    @discardableResult
    public static func output(
        _ executable: String,
        _ arguments: [String] = [],
        environment: [String: String] = [:],
        input: Data? = nil,
        timeout: Duration = .seconds(120)
    ) async throws -> String {
        try await run(executable, arguments, environment: environment, input: input, timeout: timeout)
            .check().output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The absolute path of `name`: itself when it contains a `/` and is
    /// executable, otherwise the first match on `PATH`; nil when not found.
    public static func path(of name: String) -> String? {
        if name.contains("/") {
            return FileManager.default.isExecutableFile(atPath: name) ? name : nil
        }
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in searchPath.split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    /// Whether `name` can be run, e.g. `Tool.available("skopeo")`.
    public static func available(_ name: String) -> Bool {
        path(of: name) != nil
    }
}

/// Why ``Tool`` could not produce a successful result.
public enum ToolError: Error, CustomStringConvertible {
    /// The executable is neither an executable path nor on `PATH`.
    case notFound(String)
    /// The executable exists but could not be started.
    case launchFailed(String, any Error)
    /// The process exited with a non-zero status.
    case failed(Tool.Result)
    /// The process ran longer than its timeout and was killed.
    case timedOut(command: [String], after: Duration)

    public var description: String {
        switch self {
        case .notFound(let name):
            return "\(name): not found on PATH"
        case .launchFailed(let path, let error):
            return "\(path): could not be started: \(error)"
        case .failed(let result):
            return "`\(result.command.joined(separator: " "))` exited with status \(result.status)\n"
                + "stderr: \(result.errorOutput.suffix(4000))\nstdout: \(result.output.suffix(2000))"
        case .timedOut(let command, let timeout):
            return "`\(command.joined(separator: " "))` was killed after running for \(timeout)"
        }
    }
}

/// A thread-safe flag that can be set once.
final class Flag: Sendable {
    private let state = Locked(false)

    func set() { state.withLock { $0 = true } }

    var isSet: Bool { state.withLock { $0 } }
}
