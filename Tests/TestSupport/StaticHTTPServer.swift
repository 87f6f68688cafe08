import Foundation

/// `python3 -m http.server` serving a directory on 127.0.0.1 and a free port (a static Helm chart repository).
public final class StaticHTTPServer: Sendable {
    /// `http://127.0.0.1:PORT`.
    public let url: String
    private let process: ManagedProcess
    private let logDirectory: TemporaryDirectory

    /// Starts serving `directory` and waits until it answers.
    public init(directory: String) async throws {
        let port = try Ports.free()
        logDirectory = try TemporaryDirectory(prefix: "airlock-http")
        url = "http://127.0.0.1:\(port)"
        process = try ManagedProcess("python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", directory],
                                     logFile: logDirectory.file("log"))
        for _ in 0..<100 {
            if try await Tool.run("curl", ["-s", "-o", "/dev/null", url + "/"]).succeeded { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HarnessError("http.server on \(url) did not answer: \(process.logTail())")
    }

    /// The request lines it has logged so far (`GET /path HTTP/1.1`, `CONNECT host:443 HTTP/1.1`): as an HTTP
    /// proxy, what a client tried to reach.
    public func requestLines() -> [String] {
        let log = (try? String(contentsOfFile: logDirectory.file("log"), encoding: .utf8)) ?? ""
        return log.split(separator: "\n").compactMap { line in
            guard let open = line.firstIndex(of: "\""), let close = line.lastIndex(of: "\""), open < close else { return nil }
            return String(line[line.index(after: open)..<close])
        }
    }

    public func stop() { process.stop() }
    deinit { process.stop() }
}

/// The real Helm engine (helm-python-sdk, through `Tests/Peers/helmpy.py`), as an independent client.
public enum HelmEngine {
    /// Runs `helmpy.py ARGUMENTS`; throws when it fails.
    @discardableResult
    public static func run(_ arguments: [String]) async throws -> Tool.Result {
        try await Tool.run("python3", [Fixtures.helmpy] + arguments, timeout: .seconds(120)).check()
    }
}
