import ArgumentParser
import Evidence
import Foundation
import Trust
import ZoneSupport

/// `airgap evidence`: the evidence logs `--evidence` writes.
struct EvidenceCommands: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Check the hash-chained evidence logs that --evidence writes.",
        subcommands: [EvidenceVerify.self]
    )
}

/// `airgap evidence verify`: the chain of an evidence log, line by line, and its signed head.
struct EvidenceVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an evidence log's hash chain (and, with --key, its signed chain head) and summarize it.",
        discussion: """
        Reads the log line by line: each line's prev must be the SHA-256 of the line before it (the first one's: 64 \
        zeros). With --key, FILE.sig must verify FILE.head and the head must be the last line's hash. Exit codes: 0 the \
        log is intact (the checks it records may have failed: see the summary), 1 a line was changed, removed, inserted \
        or reordered (the error names the first line where the chain breaks), 5 the head's signature is missing, does \
        not verify with the key, or does not cover the last line.
        """
    )

    @Argument(help: "The evidence log (JSON lines).")
    var file: String

    @Option(help: ArgumentHelp("Public key (cosign.pub) the chain head's signature FILE.sig must verify with.", valueName: "file"))
    var key: String?

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runReportingErrors("airgap") {
            let summary = try EvidenceLogCheck(path: file).verify(key: try key.map { try PublicKey(file: $0) })
            if output.json { return try printJSON(summary) }
            guard !output.quiet else { return }
            print("\(summary.file): chain intact, \(summary.lines) lines, head \(summary.head)")
            if let signature = summary.signature { print("head signature \(signature)") }
            print("runs: \(summary.runs) (\(summary.failedRuns) failed, \(summary.unfinishedRuns) unfinished)")
            for (kind, tally) in summary.checks.sorted(by: { $0.key < $1.key }) { print("  \(kind): \(tally.pass) passed, \(tally.fail) failed") }
            print("failed checks: \(summary.failures)")
            if let first = summary.firstTime, let last = summary.lastTime { print("from \(first) to \(last)") }
            print("tools: \(summary.tools.joined(separator: ", "))")
            print("hosts: \(summary.hosts.joined(separator: ", "))")
        }
    }
}
