import Foundation
import Testing
import TestSupport

/// `transit load` of a bundle that is not one fails before the store is created: no empty layout is left behind.
struct BadBundleLoadTests {
    @Test func leavesNoStoreBehind() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-badload")
        let bundle = scratch.file("bad.tar")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: bundle))
        let result = try await AirlockTool.run("transit", ["load", "--store", scratch.file("store"), bundle])
        #expect(result.status != 0)
        #expect(result.errorOutput.hasPrefix("transit: error: "))
        #expect(!FileManager.default.fileExists(atPath: scratch.file("store")))
    }
}
