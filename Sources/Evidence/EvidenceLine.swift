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

    /// The line's exact bytes, without the newline.
    public func encoded(with encoder: JSONEncoder) throws -> Data { try encoder.encode(self) }

    /// The encoder of log lines: sorted keys, compact, slashes as they are.
    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The `prev` of the line that follows `bytes` (a line without its newline).
    public static func chainHash(of bytes: some Sequence<UInt8>) -> String { Digest.sha256(of: bytes).encoded }

    /// RFC 3339 UTC with milliseconds, as every line's `time`.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: TimeZone(identifier: "UTC")!))
    }
}
