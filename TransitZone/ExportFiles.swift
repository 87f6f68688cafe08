import ArgumentParser
import Bundle
import Foundation
import Pipeline
import ZoneSupport

/// `transit export-files`: the files a bundle carries, written back under their names.
struct ExportFiles: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-files",
        abstract: "Write the files a bundle carries (the manifest's files: entries) into a directory, each checked against its SHA-256.",
        discussion: "Files appear in the directory only when all of them were written and checked."
    )

    @Argument(help: "The bundle: NAME.tar (or NAME.tar.parts.json for a split one), a path or s3://BUCKET/KEY.")
    var bundle: String

    @OptionGroup var storage: StorageOptions

    @Option(help: ArgumentHelp("Directory to write (created if missing).", valueName: "dir"))
    var dir: String

    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await runReportingErrors("transit") {
            let exported = try await FileExporter(bundle: try storage.openBundle(bundle)).export(to: dir)
            if output.json {
                try printJSON(exported)
            } else if !output.quiet {
                for file in exported { print("\(file.file) \(file.digest) \(ProgressView.format(bytes: file.size))") }
                print("exported \(exported.count) files to \(dir)")
            }
        }
    }
}
