import Foundation
import Trust

/// Verifies an evidence log line by line, never holding more than one line: each line's `prev` is the SHA-256 of
/// the line before it (the first one's the genesis value), each line is a log line, and with a key the signed
/// chain head (`EvidenceHead`) is the last line's. A changed, removed, inserted or reordered line breaks the chain at
/// the first line whose `prev` no longer matches; the error names that line.
public struct EvidenceLogCheck {
    public let path: String
    /// The longest line accepted (a line is one check; this only bounds memory on a file that is not a log).
    static let maximumLine = 1 << 20

    public init(path: String) { self.path = path }

    /// The log's summary, once every line chains; with `key`, also once the signed head is the last line's.
    public func verify(key: PublicKey? = nil) throws(EvidenceError) -> EvidenceSummary {
        guard let file = FileHandle(forReadingAtPath: path) else {
            throw EvidenceError(.notFound, "\(path): cannot open the evidence log (\(FileManager.default.fileExists(atPath: path) ? "unreadable" : "no such file"))")
        }
        defer { try? file.close() }
        // The signed head first: the walk then notes which line it names.
        let signed = try key.map { key throws(EvidenceError) in try EvidenceHead.verifiedHead(for: path, key: key) }
        var signedLine: Int?
        var tally = Tally(summary: EvidenceSummary(file: path))
        var prev = EvidenceLine.genesis
        var pending = Data()
        let decoder = JSONDecoder()
        while true {
            let chunk: Data
            do { chunk = try file.read(upToCount: 1 << 20) ?? Data() } catch { throw EvidenceError(.io, "\(path): cannot read: \(error)") }
            if chunk.isEmpty { break }
            pending.append(chunk)
            var start = pending.startIndex
            while let newline = pending[start...].firstIndex(of: 0x0A) {
                let bytes = pending[start..<newline]
                let number = tally.summary.lines + 1
                let line: EvidenceLine
                do { line = try decoder.decode(EvidenceLine.self, from: bytes) } catch {
                    throw .broken(path, line: number, "not an evidence line (a JSON object with type, run, time, tool, host, prev)")
                }
                guard line.prev == prev else {
                    let previous = number == 1 ? "the genesis value" : "the SHA-256 of line \(number - 1)"
                    throw .broken(path, line: number, "the chain is broken: prev is \(line.prev), \(previous) is \(prev) "
                                  + "(a line was changed, removed, inserted or moved here)")
                }
                prev = EvidenceLine.chainHash(of: bytes)
                if prev == signed { signedLine = number }
                try tally.add(line, number: number)
                start = newline + 1
            }
            pending.removeSubrange(pending.startIndex..<start)
            if pending.count > Self.maximumLine { throw .broken(path, line: tally.summary.lines + 1, "longer than \(Self.maximumLine) bytes") }
        }
        if !pending.isEmpty { throw .broken(path, line: tally.summary.lines + 1, "has no newline (the log was cut short)") }
        guard tally.summary.lines > 0 else { throw EvidenceError(.integrity, "\(path): empty: no evidence line") }
        tally.summary.head = prev
        if let key, let signed {
            guard signed == prev else {
                let place = signedLine.map { "line \($0); lines \($0 + 1)–\(tally.summary.lines) are not covered" } ?? "no line of the log"
                throw EvidenceError(.untrusted, "\(path): line \(tally.summary.lines): the signed head \(signed) is not the last line's hash \(prev) (it names \(place))")
            }
            tally.summary.signature = "verified with \(key.origin) (\(key.fingerprint))"
        }
        return tally.finish()
    }

    /// The summary being gathered, with the runs still open.
    struct Tally {
        var summary: EvidenceSummary
        var open: Set<String> = []
        var tools: Set<String> = []
        var hosts: Set<String> = []

        mutating func add(_ line: EvidenceLine, number: Int) throws(EvidenceError) {
            summary.lines = number
            summary.firstTime = summary.firstTime ?? line.time
            summary.lastTime = line.time
            tools.insert("\(line.tool.name) \(line.tool.version)")
            hosts.insert(line.host)
            switch line.type {
            case .runStart:
                summary.runs += 1
                open.insert(line.run)
            case .check:
                guard let kind = line.kind, let result = line.result, result == "pass" || result == "fail" else {
                    throw .broken(summary.file, line: number, "a check line needs a kind and a result (pass or fail)")
                }
                if result == "pass" { summary.checks[kind.rawValue, default: .init()].pass += 1 } else {
                    summary.checks[kind.rawValue, default: .init()].fail += 1
                    summary.failures += 1
                }
            case .runEnd:
                open.remove(line.run)
                if line.exit != 0 { summary.failedRuns += 1 }
            }
        }

        mutating func finish() -> EvidenceSummary {
            summary.unfinishedRuns = open.count
            summary.tools = tools.sorted()
            summary.hosts = hosts.sorted()
            return summary
        }
    }
}
