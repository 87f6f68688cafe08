import Foundation
import OCI
import Locking
import Trust

/// An evidence log being appended to by one run of a command: a `run-start` line when opened, a `check` line per
/// recorded check, a `run-end` line at `finish`. Lines are buffered (at most `batch` of them) and appended under an
/// exclusive `flock`, each batch chained to whatever line the file ends with then, so several commands can share one
/// file; only the last line is ever read. `finish` syncs the file and, with a key, signs the chain head.
public final class EvidenceLog: CheckRecorder {
    public let path: String
    /// Lines held before they are appended.
    static let batch = 256

    private let descriptor: Int32
    private let run = UUID().uuidString.lowercased()
    private let tool: EvidenceLine.Tool
    private let host: String

    private struct State {
        var pending: [EvidenceLine] = []
        var checks = 0
        var failures = 0
        /// The first write that failed: nothing more is written, and `finish` throws it.
        var error: EvidenceError?
        var finished = false
    }
    private let state = Locked(State())

    /// Opens (or creates) the log and appends the run's `run-start` line at once.
    public init(path: String, tool: EvidenceLine.Tool, argv: [String], host: String = EvidenceLog.hostName()) throws(EvidenceError) {
        self.path = path
        self.tool = tool
        self.host = host
        descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw EvidenceError(.io, "\(path): cannot open the evidence log: \(errorText())") }
        var start = line(.runStart)
        start.argv = RedactedArguments.redact(argv)
        _ = try append([start], sync: false, signingKey: nil)
    }

    deinit { close(descriptor) }

    private func line(_ type: EvidenceLine.LineType) -> EvidenceLine {
        EvidenceLine(type: type, run: run, time: EvidenceLine.timestamp(Date()), tool: tool, host: host)
    }

    public func record(_ check: CheckRecord) {
        let entry = EvidenceLine(check: check, run: run, time: EvidenceLine.timestamp(Date()), tool: tool, host: host)
        state.withLock { state in
            guard !state.finished else { return }
            state.checks += 1
            if !check.passed { state.failures += 1 }
            guard state.error == nil else { return }
            state.pending.append(entry)
            guard state.pending.count >= Self.batch else { return }
            do throws(EvidenceError) { _ = try append(state.pending, sync: false, signingKey: nil) } catch { state.error = error }
            state.pending.removeAll(keepingCapacity: true)
        }
    }

    /// Appends what is pending and the `run-end` line (the run's counts and `status`), syncs the file, and with
    /// `signingKey` writes the chain head to `headPath` and its signature to `signaturePath`. Returns the head:
    /// the SHA-256 (hex) of the `run-end` line.
    @discardableResult
    public func finish(exit status: Int32, signingKey: PrivateKey? = nil) throws(EvidenceError) -> String {
        let result: Result<String, EvidenceError> = state.withLock { state in
            if let error = state.error { return .failure(error) }
            var end = line(.runEnd)
            end.checks = state.checks
            end.failures = state.failures
            end.exit = status
            state.pending.append(end)
            state.finished = true
            defer { state.pending = [] }
            do throws(EvidenceError) { return .success(try append(state.pending, sync: true, signingKey: signingKey)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// Appends `lines` under the file lock, chained to the file's last line; returns the new head.
    private func append(_ lines: [EvidenceLine], sync: Bool, signingKey: PrivateKey?) throws(EvidenceError) -> String {
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else { throw EvidenceError(.io, "\(path): cannot lock the evidence log: \(errorText())") }
        }
        defer { flock(descriptor, LOCK_UN) }
        var head = try LastLine.chainHash(of: descriptor, path: path)
        var bytes = Data()
        for var line in lines {
            line.prev = head
            let encoded = line.encoded()
            head = EvidenceLine.chainHash(of: encoded)
            bytes.append(encoded)
            bytes.append(0x0A)
        }
        try write(bytes)
        if sync && fsync(descriptor) != 0 { throw EvidenceError(.io, "\(path): cannot sync the evidence log: \(errorText())") }
        if let signingKey { try EvidenceHead.write(head, for: path, signedWith: signingKey) }
        return head
    }

    private func write(_ bytes: Data) throws(EvidenceError) {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw EvidenceError(.io, "\(path): cannot append to the evidence log: \(errorText())") }
            done += n
        }
    }

    /// This machine's name, as every line's `host`.
    public static func hostName() -> String {
        var name = [CChar](repeating: 0, count: 256)
        guard gethostname(&name, name.count - 1) == 0 else { return "unknown" }
        return String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
