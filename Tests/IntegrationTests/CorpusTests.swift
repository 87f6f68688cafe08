import Foundation
import Testing
import TestSupport

/// Every entry of `Tests/Corpus/README.md` through the CLI: the documented exit code, the documented message on
/// standard error, every line of it the tool's own, and nothing left in the scratch directory. No peer is needed:
/// every input fails before a registry would be asked (references point at 127.0.0.1:1, which nothing serves).
struct CorpusTests {
    struct Entry: CustomStringConvertible, Sendable {
        let file: String
        let exitCode: Int32
        let message: String
        var description: String { file }
        var kind: String { String(file.prefix { $0 != "/" }) }
    }

    static let directory = #filePath.components(separatedBy: "/Tests/IntegrationTests/")[0] + "/Tests/Corpus"

    /// The directories of entries; `support/` holds the good bundle and key the entries are checked against.
    static let kinds = ["manifests", "references", "bundles", "split", "signatures", "keys", "private-keys", "policies", "locks", "argv"]

    /// The README's table rows: `| \`file\` | what is wrong | exit | message |`.
    static let entries: [Entry] = {
        guard let readme = try? String(contentsOfFile: directory + "/README.md", encoding: .utf8) else { return [] }
        return readme.split(separator: "\n").compactMap { line -> Entry? in
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 6, cells[1].hasPrefix("`"), let code = Int32(cells[3]) else { return nil }
            let message = cells[4].hasPrefix("`") && cells[4].hasSuffix("`") ? String(cells[4].dropFirst().dropLast()) : cells[4]
            return Entry(file: cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")), exitCode: code, message: message)
        }
    }()

    @Test func everyFileHasAnEntry() throws {
        var files: [String] = []
        for kind in Self.kinds {
            files += try FileManager.default.contentsOfDirectory(atPath: Self.directory + "/" + kind).map { kind + "/" + $0 }
        }
        #expect(Set(files) == Set(Self.entries.map(\.file)))
        #expect(Self.entries.count >= 150)
    }

    @Test(arguments: entries)
    func isRejectedAsDocumented(entry: Entry) async throws {
        let scratch = try TemporaryDirectory(prefix: "airlock-corpus")
        let (tool, arguments) = try Self.invocation(of: entry, scratch: scratch.path)
        let result = try await AirlockTool.run(tool, arguments, environment: ["COSIGN_PASSWORD": "corpus"])
        let lines = result.errorOutput.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(result.status == entry.exitCode, "\(result.errorOutput)")
        #expect(result.errorOutput.contains(entry.message), "\(result.errorOutput)")
        #expect(result.errorOutput.hasSuffix("\n"))
        if entry.kind == "bundles" || entry.kind == "split" || entry.kind == "signatures" {
            // `transit verify` lists every failure, one `transit: ARTIFACT: what is wrong` line each.
            #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("transit: ") }, "\(result.errorOutput)")
        } else if entry.exitCode == 64 {
            // A usage error: ArgumentParser's `Error: …` line, then the command's usage.
            #expect(lines.first?.hasPrefix("Error: ") == true && lines.first?.contains(entry.message) == true, "\(result.errorOutput)")
        } else {
            #expect(lines.count == 1 && lines[0].hasPrefix("\(tool): error: "), "\(result.errorOutput)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty, "left behind in \(scratch.path)")
    }

    /// The command line an entry is given to, by the directory it is in (the list in the README).
    static func invocation(of entry: Entry, scratch: String) throws -> (tool: String, arguments: [String]) {
        let path = directory + "/" + entry.file
        let good = (bundle: directory + "/support/signed.tar", key: directory + "/support/corpus.pub")
        let unserved = "127.0.0.1:1/corpus/app:1"
        switch entry.kind {
        case "manifests": return ("connected", ["pull", "--store", scratch + "/store", "-f", path])
        case "references": return ("connected", ["pull", "--store", scratch + "/store", try String(contentsOfFile: path, encoding: .utf8)])
        case "bundles": return ("transit", ["verify", path])
        case "split": return ("transit", ["verify", path + "/b.tar"])
        case "signatures": return ("transit", ["verify", path, "--key", good.key, "--bundle-key", good.key])
        case "keys": return ("transit", ["verify", good.bundle, "--key", path])
        case "private-keys": return ("connected", ["sign", "--key", path, "--store", scratch + "/store", unserved])
        case "policies": return ("transit", ["verify", good.bundle, "--policy", path])
        case "locks": return ("connected", ["bundle", "--lock", path, "-o", scratch + "/b.tar", "--store", scratch + "/store", unserved])
        case "argv":
            // One argument a line, the first the tool; @CORPUS@ and @SCRATCH@ stand for those directories.
            let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            let arguments = lines.map { $0.replacingOccurrences(of: "@CORPUS@", with: directory).replacingOccurrences(of: "@SCRATCH@", with: scratch) }
            return (arguments[0], Array(arguments.dropFirst()))
        default: throw HarnessError("\(entry.file): not in a corpus directory (\(kinds.joined(separator: ", ")))")
        }
    }
}
