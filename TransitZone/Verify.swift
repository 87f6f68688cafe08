import ArgumentParser
import Bundle
import Foundation
import ZoneSupport

/// `transit verify`: check a bundle offline.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a bundle offline: volumes, every blob's SHA-256, every reference, the record.",
        discussion: "Lists every failure and exits 1 when there is any; nothing is written."
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one).")
    var bundle: String

    @Option(help: ArgumentHelp("Threads hashing blobs (default: one per core).", valueName: "n"))
    var threads: Int = ProcessInfo.processInfo.activeProcessorCount

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runReportingErrors("transit") {
            let started = Date()
            var report = BundleVerifier(bundle: try BundleFile(path: bundle), threads: threads).verify()
            report.seconds = Date().timeIntervalSince(started)   // opening and indexing the bundle included
            if output.json {
                try printJSON(report)
            } else {
                for failure in report.failures { FileHandle.standardError.write(Data("transit: \(failure)\n".utf8)) }
                if !output.quiet {
                    let rate = Double(report.bytes) / max(report.seconds, 0.001) / 1_048_576
                    print("\(report.verified ? "verified" : "FAILED") \(report.bundle): \(report.artifacts) artifacts, \(report.blobs) blobs, "
                          + "\(ProgressView.format(bytes: report.bytes)) in \(report.volumes) volume\(report.volumes == 1 ? "" : "s"), "
                          + String(format: "%.2f s (%.0f MiB/s)", report.seconds, rate)
                          + (report.verified ? "" : ", \(report.failures.count) failures"))
                }
            }
            if !report.verified { throw ExitCode(ExitStatus.failure) }
        }
    }
}
