import ArgumentParser
import Bundle
import Foundation
import Pipeline
import ZoneSupport

/// `transit verify`: check a bundle offline.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a bundle offline: volumes, every blob's SHA-256, every reference, the record; with --key or --policy every image's signatures, with --bundle-key the bundle's own.",
        discussion: "Lists every failure; exits 1 when the content is damaged, 5 when only a signature check failed. Nothing is written."
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one), a path or s3://BUCKET/KEY.")
    var bundle: String

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("For a delta bundle: the bundle it builds on, in which every blob the delta expects is checked.", valueName: "file"))
    var base: String?

    @Option(help: ArgumentHelp("Threads hashing blobs (default: one per core).", valueName: "n"))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var trust: BundleTrustOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var evidence: EvidenceOptions

    func validate() throws {
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256") }
    }

    func run() async throws {
        try await runReportingErrors("transit", evidence: evidence) {
            let started = Date()
            let file = try storage.openBundle(bundle)
            var report = await file.verified(threads: threads, base: try base.map { try storage.openBundle($0) })
            let signatures = trust.requested ? try await trust.makeCheck().check(file) : nil
            report.seconds = Date().timeIntervalSince(started)   // opening and indexing the bundle included
            if output.json {
                try printJSON(VerifyOutput(report: report, signatures: signatures))
            } else {
                for failure in report.failures + (signatures?.failures ?? []) { FileHandle.standardError.write(Data("transit: \(failure)\n".utf8)) }
                if let signatures, !output.quiet {
                    if let bundleSignature = signatures.bundleSignature { print("bundle signature \(bundleSignature)") }
                    for verdict in signatures.images where verdict.trusted {
                        print("\(verdict.reference)@\(verdict.digest): \(verdict.signedSummary)")
                    }
                }
                if let base = report.base, !output.quiet {
                    let bytes = base.blobs.reduce(Int64(0)) { $0 + $1.size }
                    print("delta bundle: expects \(base.blobs.count) blobs (\(ProgressView.format(bytes: bytes))) from its base"
                          + (base.digest.map { " (record \($0))" } ?? " (a content store)")
                          + (report.baseChecked ? ", checked in \(self.base ?? "")" : ", not checked here (--base BUNDLE checks them)"))
                    for blob in base.blobs { print("  expects \(blob.digest) \(ProgressView.format(bytes: blob.size))") }
                }
                if !output.quiet {
                    let rate = Double(report.bytes) / max(report.seconds, 0.001) / 1_048_576
                    print("\(report.verified ? "verified" : "FAILED") \(report.bundle): \(report.artifacts) artifacts, \(report.blobs) blobs, "
                          + "\(ProgressView.format(bytes: report.bytes)) in \(report.volumes) volume\(report.volumes == 1 ? "" : "s"), "
                          + String(format: "%.2f s (%.0f MiB/s)", report.seconds, rate)
                          + (report.verified ? "" : ", \(report.failures.count) failures"))
                }
            }
            if !report.verified { throw ExitCode(ExitStatus.failure) }
            if signatures?.failures.isEmpty == false { throw ExitCode(ExitStatus.untrusted) }
        }
    }
}

/// `transit verify --json`: the integrity report, and the signature checks when asked for.
struct VerifyOutput: Encodable {
    var report: BundleVerifier.Report
    var signatures: BundleTrustCheck.Outcome?

    enum CodingKeys: String, CodingKey { case verified, signatures }

    func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(report.verified && signatures?.failures.isEmpty != false, forKey: .verified)
        try c.encodeIfPresent(signatures, forKey: .signatures)
    }
}
