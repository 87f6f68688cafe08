import Foundation
import OCI

/// One line of an evidence log: a JSON object with sorted keys, no pretty printing, ended by a newline. A run of a
/// command writes a `run-start` line, one `check` line per check, and a `run-end` line; every line's `prev` is the
/// SHA-256 (hex) of the previous line's bytes without its newline, the first line's is `EvidenceLine.genesis`.
public struct EvidenceLine: Codable, Sendable, Equatable {
    /// What the line says.
    public enum LineType: String, Codable, Sendable {
        case runStart = "run-start"
        case check
        case runEnd = "run-end"
    }

    /// The program that wrote the line.
    public struct Tool: Codable, Sendable, Hashable {
        public var name: String
        public var version: String
        public init(name: String, version: String) { self.name = name; self.version = version }
    }

    /// The `prev` of a log's first line: 64 zeros.
    public static let genesis = String(repeating: "0", count: 64)

    public var type: LineType
    /// The run the line belongs to (several runs may share a file, and their lines may interleave).
    public var run: String
    /// When the line was written: RFC 3339, UTC, milliseconds.
    public var time: String
    public var tool: Tool
    public var host: String
    public var prev: String
    /// `run-start`: the command line, secrets replaced (`RedactedArguments`).
    public var argv: [String]?
    /// `check`: what was checked, which one, with which key, and the result (`pass`/`fail`) with its reason.
    public var kind: CheckRecord.Kind?
    public var subject: String?
    public var digest: String?
    public var key: String?
    public var result: String?
    public var reason: String?
    /// `run-end`: the run's checks, the failed ones among them, and the command's exit status.
    public var checks: Int?
    public var failures: Int?
    public var exit: Int32?

    public init(type: LineType, run: String, time: String, tool: Tool, host: String, prev: String = EvidenceLine.genesis) {
        self.type = type
        self.run = run
        self.time = time
        self.tool = tool
        self.host = host
        self.prev = prev
    }

    /// A `check` line for `record`.
    public init(check record: CheckRecord, run: String, time: String, tool: Tool, host: String) {
        self.init(type: .check, run: run, time: time, tool: tool, host: host)
        kind = record.kind
        subject = record.subject
        digest = record.digest?.description
        key = record.keyFingerprint
        result = record.passed ? "pass" : "fail"
        reason = record.reason
    }

    /// The line's exact bytes, without the newline: keys sorted, no spaces, slashes and non-ASCII as they are (what a
    /// canonical JSON writer makes; written by hand, since a log may take thousands of lines a second).
    public func encoded() -> Data {
        var out: [UInt8] = [UInt8(ascii: "{")]
        out.reserveCapacity(512)
        func name(_ key: StaticString) {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "\""))
            out.append(contentsOf: UnsafeBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount))
            out.append(contentsOf: [UInt8(ascii: "\""), UInt8(ascii: ":")])
        }
        func string(_ key: StaticString, _ value: String?) {
            guard let value else { return }
            name(key)
            Self.appendQuoted(value, to: &out)
        }
        func number(_ key: StaticString, _ value: Int?) {
            guard let value else { return }
            name(key)
            out.append(contentsOf: String(value).utf8)
        }
        if let argv {
            name("argv")
            out.append(UInt8(ascii: "["))
            for (position, argument) in argv.enumerated() {
                if position > 0 { out.append(UInt8(ascii: ",")) }
                Self.appendQuoted(argument, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
        number("checks", checks)
        string("digest", digest)
        number("exit", exit.map(Int.init))
        number("failures", failures)
        string("host", host)
        string("key", key)
        string("kind", kind?.rawValue)
        string("prev", prev)
        string("reason", reason)
        string("result", result)
        string("run", run)
        string("subject", subject)
        string("time", time)
        name("tool")
        out.append(contentsOf: #"{"name":"#.utf8)
        Self.appendQuoted(tool.name, to: &out)
        out.append(contentsOf: #","version":"#.utf8)
        Self.appendQuoted(tool.version, to: &out)
        out.append(UInt8(ascii: "}"))
        string("type", type.rawValue)
        out.append(UInt8(ascii: "}"))
        return Data(out)
    }

    /// `text` as a JSON string: quotes, backslashes and control characters escaped, everything else (UTF-8 included)
    /// as it is.
    static func appendQuoted(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        defer { out.append(UInt8(ascii: "\"")) }
        let bytes = text.utf8
        // Most values (digests, references, times) need no escape: appended whole.
        guard bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
            out.append(contentsOf: bytes)
            return
        }
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: Array("\\\"".utf8))
            case UInt8(ascii: "\\"): out.append(contentsOf: Array("\\\\".utf8))
            case 0x0A: out.append(contentsOf: Array("\\n".utf8))
            case 0x0D: out.append(contentsOf: Array("\\r".utf8))
            case 0x09: out.append(contentsOf: Array("\\t".utf8))
            case 0x08: out.append(contentsOf: Array("\\b".utf8))
            case 0x0C: out.append(contentsOf: Array("\\f".utf8))
            case ..<0x20:
                let hex = String(byte, radix: 16)
                out.append(contentsOf: Array(("\\u" + String(repeating: "0", count: 4 - hex.count) + hex).utf8))
            default: out.append(byte)
            }
        }
    }

    /// The `prev` of the line that follows `bytes` (a line without its newline).
    public static func chainHash(of bytes: some Sequence<UInt8>) -> String { Digest.sha256(of: bytes).encoded }

    /// RFC 3339 UTC with milliseconds, as every line's `time` (`2026-11-30T05:49:19.961Z`).
    public static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2) + "T"
            + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2) + "."
            + padded(Int32(milliseconds % 1000), 3) + "Z"
    }
}
