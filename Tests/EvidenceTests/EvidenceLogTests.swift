import Foundation
import OCI
import Testing
import TestSupport
import Trust
@testable import Evidence

/// Evidence logs as a command writes them, read back by the chain check: counts, chaining across runs, the
/// signed head, and every kind of tampering named by its line.
@Suite struct EvidenceLogTests {
    let tool = EvidenceLine.Tool(name: "transit", version: "0.1.0")
    let digest = Digest.sha256(of: Array("layer".utf8))

    /// A log of one run with `checks` checks (every fifth one failed), finished with `key`.
    func writeRun(_ path: String, checks: Int, key: PrivateKey? = nil, exit: Int32 = 0) throws {
        let log = try EvidenceLog(path: path, tool: tool, argv: ["transit", "verify", "site.tar"], host: "landing")
        for i in 0..<checks {
            log.record(CheckRecord(i % 2 == 0 ? .blob : .manifest, subject: "docker.io/library/nginx", digest: digest,
                                   passed: i % 5 != 4, reason: i % 5 == 4 ? "hashes to something else" : nil))
        }
        try log.finish(exit: exit, signingKey: key)
    }

    func lines(_ path: String) throws -> [Data] {
        try Data(contentsOf: URL(fileURLWithPath: path)).split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map { Data($0) }
    }

    func write(_ lines: [Data], to path: String) throws {
        try Data(lines.map { $0 + Data([0x0A]) }.joined()).write(to: URL(fileURLWithPath: path))
    }

    @Test func aRunIsFramedCountedAndChained() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        try writeRun(path, checks: 600)   // more than two batches
        let written = try lines(path)
        #expect(written.count == 602)
        let first = try JSONDecoder().decode(EvidenceLine.self, from: written[0])
        #expect(first.type == .runStart && first.prev == EvidenceLine.genesis && first.argv == ["transit", "verify", "site.tar"])
        let end = try JSONDecoder().decode(EvidenceLine.self, from: written[601])
        #expect(end.type == .runEnd && end.checks == 600 && end.failures == 120 && end.exit == 0)
        #expect(end.prev == EvidenceLine.chainHash(of: written[600]))
        // Compact, sorted keys: the bytes are what a canonical encoder makes.
        #expect(String(decoding: written[1], as: UTF8.self).hasPrefix("{\"digest\":\"\(digest)\",\"host\":\"landing\",\"kind\":\"blob\",\"prev\":\""))

        let summary = try EvidenceLogCheck(path: path).verify()
        #expect(summary.lines == 602 && summary.runs == 1 && summary.failedRuns == 0 && summary.unfinishedRuns == 0)
        #expect(summary.checks["blob"]?.pass == 240 && summary.checks["blob"]?.fail == 60)
        #expect(summary.checks["manifest"]?.pass == 240 && summary.checks["manifest"]?.fail == 60)
        #expect(summary.failures == 120 && summary.tools == ["transit 0.1.0"] && summary.hosts == ["landing"])
        #expect(summary.head == EvidenceLine.chainHash(of: written[601]))
    }

    @Test func runsAppendedToOneFileContinueItsChain() async throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        try writeRun(path, checks: 3, exit: 5)
        // Two runs at once: their batches interleave, each chained to whatever the file ended with.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<2 { group.addTask { try writeRun(path, checks: 700) } }
            try await group.waitForAll()
        }
        let summary = try EvidenceLogCheck(path: path).verify()
        #expect(summary.lines == 5 + 2 * 702 && summary.runs == 3 && summary.failedRuns == 1)
        #expect(summary.failures == 2 * 140)
    }

    @Test func theSignedHeadVerifiesAndNamesTheLastLine() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        let key = try PrivateKey.generateP256()
        try writeRun(path, checks: 4, key: key)
        let head = try Data(contentsOf: URL(fileURLWithPath: EvidenceHead.headPath(for: path)))
        #expect(head == EvidenceHead.contents(EvidenceLine.chainHash(of: try lines(path).last!)))
        let signature = Data(base64Encoded: try String(contentsOfFile: EvidenceHead.signaturePath(for: path), encoding: .utf8))!
        #expect(key.publicKey.verify(signature: signature, message: head))
        #expect(try EvidenceLogCheck(path: path).verify(key: key.publicKey).signature?.hasPrefix("verified with") == true)

        // Another key: refused as untrusted.
        let other = try PrivateKey.generateP256().publicKey
        #expect { try EvidenceLogCheck(path: path).verify(key: other) } throws: { ($0 as? EvidenceError)?.category == .untrusted }
        // A run appended without the key: the head no longer covers the last lines.
        try writeRun(path, checks: 1)
        #expect { try EvidenceLogCheck(path: path).verify(key: key.publicKey) } throws: { error in
            "\(error)".contains("it names line 6; lines 7–9 are not covered") && (error as? EvidenceError)?.category == .untrusted
        }
        // The chain alone still verifies.
        #expect(try EvidenceLogCheck(path: path).verify().lines == 9)
    }

    @Test func aMissingSignatureIsRefusedWhenAKeyIsGiven() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        try writeRun(path, checks: 2)
        #expect { try EvidenceLogCheck(path: path).verify(key: try PrivateKey.generateP256().publicKey) } throws: { error in
            "\(error)".contains("evidence.jsonl.head: missing") && (error as? EvidenceError)?.category == .untrusted
        }
    }

    /// (what is done to the 10-line log, the line the error must name).
    @Test(arguments: [("tamper 4", 5), ("delete 4", 4), ("swap 4 5", 4), ("insert 4", 5), ("cut", 10), ("tamper 1", 2)])
    func tamperingIsNamedByLine(_ change: String, _ line: Int) throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        try writeRun(path, checks: 8)
        var all = try lines(path)
        let words = change.split(separator: " ")
        let n = words.count > 1 ? Int(words[1])! - 1 : 0
        switch words[0] {
        case "tamper": all[n] = Data(String(decoding: all[n], as: UTF8.self).replacingOccurrences(of: "\"fail\"", with: "\"pass\"")
                                      .replacingOccurrences(of: "site.tar", with: "other.tar").replacingOccurrences(of: "\"blob\"", with: "\"manifest\"").utf8)
        case "delete": all.remove(at: n)
        case "swap": all.swapAt(n, n + 1)
        case "insert": all.insert(all[n], at: n)
        default: break
        }
        try write(all, to: path)
        if words[0] == "cut" {   // the last line loses its newline
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            try data.dropLast().write(to: URL(fileURLWithPath: path))
        }
        #expect { try EvidenceLogCheck(path: path).verify() } throws: { error in
            "\(error)".contains("evidence.jsonl: line \(line): ") && (error as? EvidenceError)?.category == .integrity
        }
    }

    @Test func aCutLogIsNotAppendedTo() throws {
        let dir = try TemporaryDirectory()
        let path = dir.file("evidence.jsonl")
        try Data("{\"type\":\"run-start\"".utf8).write(to: URL(fileURLWithPath: path))
        #expect { try writeRun(path, checks: 1) } throws: { "\($0)".contains("its last line has no newline") }
    }
}
