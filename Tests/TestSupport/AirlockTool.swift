import Foundation

/// Runs Airlock's own executables, as built by `swift build` (or from `AIRLOCK_BIN_DIR`).
public enum AirlockTool {
    /// Where the executables are.
    public static let binDirectory: String = {
        if let dir = ProcessInfo.processInfo.environment["AIRLOCK_BIN_DIR"] { return dir }
        let root = #filePath.components(separatedBy: "/Tests/TestSupport/")[0]
        return root + "/.build/debug"
    }()

    /// The sanitizer the executables were built with (`address`, `thread`), as `scripts/asan.sh` and `tsan.sh`
    /// say in `AIRLOCK_SANITIZER`; nil for an ordinary build.
    public static let sanitizer = ProcessInfo.processInfo.environment["AIRLOCK_SANITIZER"]

    /// Runs `connected`, `transit` or `airgap` with `arguments`; throws only when it cannot be started.
    public static func run(_ tool: String, _ arguments: [String], environment: [String: String] = [:], input: Data? = nil,
                           timeout: Duration = .seconds(300)) async throws -> Tool.Result {
        let path = binDirectory + "/" + tool
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw HarnessError("\(path) is missing: run `swift build` before the integration tests")
        }
        // Proxies in the environment must not intercept loopback traffic.
        return try await Tool.run(path, arguments, environment: ["NO_PROXY": "*", "no_proxy": "*"].merging(environment) { $1 },
                                  input: input, timeout: timeout)
    }

    /// Every blob under `store/blobs/sha256` whose content does not hash to its name (should be none).
    public static func corruptBlobs(in store: String) async throws -> [String] {
        let dir = store + "/blobs/sha256"
        let names = try FileManager.default.contentsOfDirectory(atPath: dir)
        var bad: [String] = []
        for name in names {
            let sum = try await Tool.output("sha256sum", [dir + "/" + name])
            if !sum.hasPrefix(name + " ") { bad.append(name) }
        }
        return bad
    }
}

extension AirlockTool {
    /// Runs a tool as ``run(_:_:environment:input:timeout:)`` does, under `/usr/bin/time`, and returns its result
    /// with the peak resident memory of the tool's own process in KiB (the kernel's `ru_maxrss`).
    public static func runMeasuringMemory(_ tool: String, _ arguments: [String], environment: [String: String] = [:],
                                          timeout: Duration = .seconds(600)) async throws -> (result: Tool.Result, peakKiB: Int) {
        let scratch = try TemporaryDirectory(prefix: "airlock-memory")
        let report = scratch.file("maxrss")
        let measured = try await Tool.run("/usr/bin/time", ["-f", "%M", "-o", report, binDirectory + "/" + tool] + arguments,
                                          environment: ["NO_PROXY": "*", "no_proxy": "*"].merging(environment) { $1 }, timeout: timeout)
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        // GNU time adds a "Command exited with non-zero status N" line before the figure.
        guard let peak = text.split(separator: "\n").last.flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) else {
            throw HarnessError("/usr/bin/time wrote no memory figure for \(tool): \(text)")
        }
        let result = Tool.Result(command: [binDirectory + "/" + tool] + arguments, status: measured.status,
                                 stdout: measured.stdout, stderr: measured.stderr)
        return (result, peak)
    }
}
