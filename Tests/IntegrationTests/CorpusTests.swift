import Foundation
import Testing
import TestSupport

/// Every entry of `Tests/Corpus/README.md` through the CLI: the documented exit code and one error line holding the
/// documented message. No peer is needed: every input fails while it is read.
struct CorpusTests {
    struct Entry: CustomStringConvertible, Sendable {
        let file: String
        let exitCode: Int32
        let message: String
        var description: String { file }
    }

    static let directory = #filePath.components(separatedBy: "/Tests/IntegrationTests/")[0] + "/Tests/Corpus"

    /// The README's table rows: `| \`file\` | what is wrong | exit | message |`.
    static let entries: [Entry] = {
        guard let readme = try? String(contentsOfFile: directory + "/README.md", encoding: .utf8) else { return [] }
        return readme.split(separator: "\n").compactMap { line -> Entry? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, cells[1].hasPrefix("`"), let code = Int32(cells[3]) else { return nil }
            return Entry(file: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), exitCode: code, message: cells[4])
        }
    }()

    @Test func everyFileHasAnEntry() throws {
        var files: [String] = []
        for kind in ["manifests", "references"] {
            files += try FileManager.default.contentsOfDirectory(atPath: Self.directory + "/" + kind).map { kind + "/" + $0 }
        }
        #expect(Set(files) == Set(Self.entries.map(\.file)))
    }

    @Test(arguments: entries)
    func isRejectedAsDocumented(entry: Entry) async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-corpus")
        let path = Self.directory + "/" + entry.file
        let arguments: [String]
        if entry.file.hasPrefix("references/") {
            arguments = ["pull", "--store", scratch.file("store"), String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)]
        } else {
            arguments = ["pull", "--store", scratch.file("store"), "-f", path]
        }
        let result = try await AirlockTool.run("connected", arguments)
        #expect(result.status == entry.exitCode)
        #expect(result.errorOutput.hasPrefix("connected: error: "))
        #expect(result.errorOutput.filter { $0 == "\n" }.count == 1)
        #expect(result.errorOutput.contains(entry.message), "\(result.errorOutput)")
    }
}
