import Foundation
import Testing
import TestSupport

/// Raw control bytes from the input never reach the terminal: an error prints them as `\u{…}` escapes, on one line.
/// No peer is needed: each input fails while it is parsed.
struct ControlBytesInErrorsTests {
    @Test func escapeSequenceInAReference() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-ctl")
        let result = try await AirlockTool.run("connected", ["pull", "--store", scratch.file("s"), "nginx\u{1B}[2J\u{1B}[H:1"])
        #expect(result.status == 65)
        #expect(!result.errorOutput.contains("\u{1B}"))
        #expect(result.errorOutput.contains("\\u{1B}[2J"))
        #expect(result.errorOutput.filter { $0 == "\n" }.count == 1)
    }

    @Test func binaryManifestFile() async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-ctl")
        let manifest = scratch.file("binary.yaml")
        try Data([0x00, 0x01, 0x0A, 0x7F, 0x0D, 0x00, 0x0A, 0x9B, 0xFF]).write(to: URL(fileURLWithPath: manifest))
        let result = try await AirlockTool.run("connected", ["pull", "--store", scratch.file("s"), "-f", manifest])
        #expect(result.status == 65)
        #expect(!result.errorOutput.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" || (0x7F...0x9F).contains($0.value) })
        #expect(result.errorOutput.filter { $0 == "\n" }.count == 1)
    }
}
