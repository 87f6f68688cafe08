import ArgumentParser
import Evidence
import Foundation
import OCI
import Trust

/// `--evidence FILE` / `--evidence-key KEY`: append a record of every check a command makes to a hash-chained
/// JSON-lines log, and sign its chain head (see README, "Evidence log").
public struct EvidenceOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Append every check made (blobs, manifests, signatures, policy rules, …) to this JSON-lines evidence log, hash-chained.", valueName: "file"))
    public var evidence: String?

    @Option(name: .customLong("evidence-key"), help: ArgumentHelp("Sign the evidence log's chain head at the end (FILE.head, FILE.sig: cosign verify-blob format) with this cosign key.", valueName: "file"))
    public var evidenceKey: String?

    public init() {}

    public func validate() throws {
        if evidenceKey != nil && evidence == nil { throw ValidationError("--evidence-key signs the log --evidence FILE writes: give --evidence too") }
    }

    /// Runs `body` with every check it makes recorded in the log (when `--evidence` is given), framed by a
    /// `run-start` and a `run-end` line that carries the exit status `body` ends with; then signs the head.
    /// `tool` names the executable. Errors pass through unchanged.
    public func recording(_ tool: String, _ body: () async throws -> Void) async throws {
        guard let evidence else { return try await body() }
        let key = try evidenceKey.map { try loadSigningKey($0) }   // a wrong password fails before any work
        let log = try EvidenceLog(path: evidence, tool: EvidenceLine.Tool(name: tool, version: AirlockVersion.current), argv: CommandLine.arguments)
        var failure: (any Error)?
        do { try await CheckRecording.$recorder.withValue(log) { try await body() } } catch { failure = error }
        do {
            try log.finish(exit: failure.map(Self.exitStatus) ?? 0, signingKey: key)
        } catch {
            guard let failure else { throw error }
            FileHandle.standardError.write(Data("\(tool): error: \(TerminalText.escaped("\(error)"))\n".utf8))
            throw failure
        }
        if let failure { throw failure }
    }

    /// The exit status a command ends with for `error`.
    static func exitStatus(_ error: any Error) -> Int32 {
        if let exit = error as? ExitCode { return exit.rawValue }
        if error is ValidationError { return ExitStatus.usage }
        return ExitStatus.code(for: error)
    }
}

/// `runReportingErrors` for a command that checks things: its checks go to the `--evidence` log, if one is given.
public func runReportingErrors(_ tool: String, evidence: EvidenceOptions, _ body: () async throws -> Void) async throws {
    try await runReportingErrors(tool) { try await evidence.recording(tool, body) }
}
