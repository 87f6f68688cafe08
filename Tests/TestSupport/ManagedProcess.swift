import Foundation

/// A long-running peer process (registry, token server, proxy) whose standard
/// output and error go to a log file.
///
/// A watchdog shell sends it SIGTERM if the test process dies without
/// stopping it, so no server outlives the tests.
final class ManagedProcess: Sendable {
    /// Where the process's standard output and standard error go.
    let logFile: String
    private let process: Process
    private let watchdog: Process
    private let stopped = Flag()

    /// Starts `executable` with `arguments`, its environment this process's plus `environment`.
    init(_ executable: String, _ arguments: [String], logFile: String, environment: [String: String] = [:]) throws {
        guard let path = Tool.path(of: executable) else { throw ToolError.notFound(executable) }
        guard FileManager.default.createFile(atPath: logFile, contents: nil),
              let log = FileHandle(forWritingAtPath: logFile)
        else { throw HarnessError("cannot create log file \(logFile)") }
        defer { try? log.close() }
        self.logFile = logFile

        process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = log
        process.standardError = log
        do {
            try ProcessLaunch.start(process)
        } catch {
            throw ToolError.launchFailed(path, error)
        }

        watchdog = Process()
        watchdog.executableURL = URL(fileURLWithPath: "/bin/sh")
        watchdog.arguments = [
            "-c",
            #"while kill -0 "$1" && kill -0 "$2"; do sleep 1; done 2>/dev/null; kill -TERM "$2" 2>/dev/null"#,
            "watchdog", String(getpid()), String(process.processIdentifier),
        ]
        watchdog.standardInput = FileHandle.nullDevice
        watchdog.standardOutput = FileHandle.nullDevice
        watchdog.standardError = FileHandle.nullDevice
        do {
            try ProcessLaunch.start(watchdog)
        } catch {
            kill(process.processIdentifier, SIGKILL)
            throw ToolError.launchFailed("/bin/sh", error)
        }
    }

    var isRunning: Bool { process.isRunning }

    /// Sends SIGTERM, then SIGKILL if the process is still alive after
    /// `grace`; returns once it has exited. Later calls do nothing.
    func stop(grace: Duration = .seconds(5)) {
        guard !stopped.isSet else { return }
        stopped.set()
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            if !waitForExit(within: grace) {
                kill(process.processIdentifier, SIGKILL)
                _ = waitForExit(within: .seconds(5))
            }
        }
        if watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
    }

    /// Sends SIGKILL at once, as a power cut would stop it; returns once it has exited.
    func killAbruptly() {
        guard !stopped.isSet else { return }
        stopped.set()
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            _ = waitForExit(within: .seconds(30))
        }
        if watchdog.isRunning { kill(watchdog.processIdentifier, SIGKILL) }
    }

    /// The last `lines` lines of the log.
    func logTail(lines: Int = 40) -> String {
        let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false)
            .suffix(lines).joined(separator: "\n")
    }

    /// Waits until the log contains a line `PORT=<n>` (printed by the Python
    /// peers once they listen) and returns `n`; throws if the peer exits first.
    ///
    /// `timeout` only guards against a peer that hangs: on a loaded machine a Python
    /// peer can take well over 15 s to import its modules and start, which is no failure.
    func announcedPort(name: String, timeout: Duration = .seconds(120)) async throws -> UInt16 {
        let deadline = ContinuousClock.now + timeout
        while true {
            let expired = ContinuousClock.now >= deadline  // read first: the log is checked once more after it
            let text = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
            for line in text.split(separator: "\n") where line.hasPrefix("PORT=") {
                if let port = UInt16(line.dropFirst("PORT=".count)) { return port }
            }
            guard process.isRunning else {
                throw HarnessError("\(name) exited with status \(process.terminationStatus) before listening; last log lines:\n\(logTail())")
            }
            if expired { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError("\(name) did not announce its port within \(timeout); last log lines:\n\(logTail())")
    }

    private func waitForExit(within timeout: Duration) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return false }
            usleep(10_000)
        }
        return true
    }

    deinit { stop() }
}
