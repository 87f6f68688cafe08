import Foundation
import OCI
import Pipeline
import Locking

/// Shows copy progress on standard error: a live status line on a terminal, plain lines otherwise,
/// nothing when quiet.
public final class ProgressView: ProgressReporter, Sendable {
    public enum Style: Sendable { case live, lines, silent }

    struct State {
        var bytes: Int64 = 0
        var blobsDone = 0
        var blobsSkipped = 0
        var active = 0
        var referencesDone = 0
        var totalReferences = 0
        var lastDrawn = Date.distantPast
        var lastWidth = 0
    }

    let style: Style
    let started = Date()
    private let state = Locked(State())

    /// `quiet` silences it; otherwise it is live when standard error is a terminal.
    public init(quiet: Bool) {
        style = quiet ? .silent : (isatty(STDERR_FILENO) == 1 ? .live : .lines)
    }

    public func report(_ event: ProgressEvent) {
        guard style != .silent else { return }
        var line: String?
        state.withLock { s in
            switch event {
            case .planned(let references):
                s.totalReferences += references
            case .resolved(let reference, let digest):
                if style == .lines { line = "resolved \(reference) → \(digest)" }
            case .blobStarted:
                s.active += 1
            case .transferred(let bytes):
                s.bytes += bytes
            case .blobFinished(let digest, let size, let skipped):
                if skipped { s.blobsSkipped += 1 } else { s.active -= 1; s.blobsDone += 1 }
                if style == .lines, !skipped { line = "fetched \(digest) (\(Self.format(bytes: size)))" }
            case .referenceFinished(let reference):
                s.referencesDone += 1
                if style == .lines { line = "done \(reference)" }
            case .notice(let text):
                if style == .lines { line = text }
            }
            if style == .live, Date().timeIntervalSince(s.lastDrawn) >= 0.1 || { if case .referenceFinished = event { return true } else { return false } }() {
                s.lastDrawn = Date()
                let status = statusLine(s)
                let padding = max(0, s.lastWidth - status.count)
                s.lastWidth = status.count
                FileHandle.standardError.write(Data(("\r" + status + String(repeating: " ", count: padding)).utf8))
            }
        }
        if let line { FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    /// Ends the live line so later output starts on a fresh line.
    public func finish() {
        guard style == .live else { return }
        state.withLock { s in FileHandle.standardError.write(Data(("\r" + statusLine(s) + "\n").utf8)) }
    }

    private func statusLine(_ s: State) -> String {
        let seconds = max(Date().timeIntervalSince(started), 0.001)
        return "\(s.referencesDone)/\(s.totalReferences) images  \(Self.format(bytes: s.bytes))  \(Self.format(bytes: Int64(Double(s.bytes) / seconds)))/s  blobs \(s.blobsDone) fetched, \(s.blobsSkipped) present, \(s.active) active"
    }

    /// `1536` → `1.5 KiB`.
    public static func format(bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes), unit = 0
        while abs(value) >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }
}
