import ArgumentParser
import Foundation
import Pipeline
import ZoneSupport

/// `connected lock`: resolve a manifest to digests and write them down, or check that they still hold.
struct LockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lock",
        abstract: "Resolve every image tag, platform child, signature and chart version to a digest and write a lock file.",
        discussion: """
        Only manifests are read (and chart archives, which are small). `connected bundle --lock FILE` then pulls \
        exactly these digests. With --check nothing is written: every tag that moved since the lock was written \
        is listed, and the exit status is 2 when anything did.
        """
    )

    @OptionGroup var what: PullOptions

    @Option(name: [.customShort("o"), .customLong("output")], help: ArgumentHelp("The lock file to write, or with --check to compare with.", valueName: "file"))
    var lockFile: String = "airlock.lock"

    @Flag(help: "Compare the lock file with the sources now; write nothing.")
    var check = false

    @OptionGroup var registry: RegistryOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runReportingErrors("connected") {
            let asked = try what.requests()
            let resolver = LockResolver(images: asked.images, charts: asked.charts,
                                        chartImagePlatforms: asked.chartImagePlatforms, chartCredentials: registry.creds, jobs: what.jobs)
            let client = try registry.makeClient()
            guard check else {
                let lock = try await resolver.resolve(with: client)
                do { try Data(lock.yaml.utf8).write(to: URL(fileURLWithPath: lockFile), options: .atomic) } catch {
                    throw LockFileError(file: lockFile, line: nil, message: "cannot be written (\(error.localizedDescription))")
                }
                if output.json { try printJSON(["lock": lockFile]) } else if !output.quiet {
                    print("wrote \(lockFile): \(lock.images.count) images, \(lock.charts.count) charts")
                }
                return
            }
            let locked = try LockFile(contentsOf: lockFile)
            let drift = LockDrift(locked: locked, current: try await resolver.resolve(with: client))
            if output.json { try printJSON(drift) } else if !output.quiet {
                for change in drift.changes { print(change) }
                print(drift.isEmpty ? "\(lockFile) is up to date" : "\(lockFile) is out of date: \(drift.changes.count) changes")
            }
            if !drift.isEmpty { throw ExitCode(ExitStatus.checkFailed) }
        }
    }
}
