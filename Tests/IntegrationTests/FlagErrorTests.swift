import Foundation
import Testing
import TestSupport

/// Bad flag values are usage errors (exit 64) that name the flag they came from, found before any work starts.
/// No peer is needed: each command stops at its arguments.
struct FlagErrorTests {
    @Test(arguments: ["lots", "0"])
    func chunkSizeNamesItself(value: String) async throws {
        let result = try await AirlockTool.run("transit", ["push", "--chunk-size", value, "--to", "127.0.0.1:9", "missing.tar"])
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("invalid --chunk-size '\(value)'"))
        #expect(!result.errorOutput.contains("--split '"))
    }

    @Test(arguments: ["0", "12Q"])
    func splitIsAUsageError(value: String) async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-split")
        let result = try await AirlockTool.run("connected", ["bundle", "--split", value, "-o", scratch.file("b.tar"), "127.0.0.1:9/never/pulled:1"])
        #expect(result.status == 64)
        #expect(result.errorOutput.contains("invalid --split '\(value)'"))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("b.tar")))
    }

    @Test func threadsZeroIsRefusedAsJobsZeroIs() async throws {
        let threads = try await AirlockTool.run("transit", ["verify", "--threads", "0", "missing.tar"])
        #expect(threads.status == 64)
        #expect(threads.errorOutput.contains("--threads must be between 1 and 256"))
        let jobs = try await AirlockTool.run("transit", ["push", "--jobs", "0", "--to", "127.0.0.1:9", "missing.tar"])
        #expect(jobs.status == 64)
    }
}
