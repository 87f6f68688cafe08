import Archive
import Bundle
import Foundation
import OCI

/// How a bundle is laid out on disk: one tar, or volumes of at most `partSize` bytes.
public enum BundleLayout: Sendable, Equatable {
    case single
    case split(partSize: Int64)

    /// Parses `--split`: `fat32`, or a size (`ByteSize`) such as `700M`, `4G`, `1GiB`, `2000000000`, rounded down
    /// to a whole number of 512-byte tar blocks.
    public init(splitArgument text: String) throws(SizeArgumentError) {
        if text.lowercased() == "fat32" { self = .split(partSize: SplitOutput.fat32PartSize); return }
        self = .split(partSize: try ByteSize.parse(text, option: "--split", expected: "fat32 or a size such as 700M, 4G, 1GiB") / 512 * 512)
    }
}

/// Writes a bundle of a store's artifacts to `path` in `files` (local, or object storage) as copy(store → bundle),
/// whole or in volumes with their metadata; nothing appears at `path` unless the whole bundle was written. `entries` nil packs the whole store;
/// `base` makes it a delta bundle.
public func writeBundle(store: ContentStore, entries: [LayoutEntry]?, manifestText: String?, lockText: String? = nil,
                        base: DeltaBase? = nil, tool: String, signIndex: (@Sendable (Data) throws -> Data)? = nil, to path: String,
                        layout: BundleLayout, in files: any ArchiveStore = LocalFiles()) async throws -> (record: BundleRecord, files: [String], bytes: Int64) {
    let roots = try (entries ?? store.entries()).sorted { $0.identity < $1.identity }.map(CopyRoot.entry)
    func pack(into output: any ArchiveOutput) async throws -> BundleRecord {
        let sink = try BundleSink(output: output, tool: tool, manifestText: manifestText, lockText: lockText, base: base, signIndex: signIndex)
        _ = try await CopyEngine(source: StoreEndpoint(store: store), sink: sink).copy(roots)
        guard let record = sink.record else { throw BundleError(bundle: path, artifact: nil, reason: "nothing was written") }
        return record
    }
    switch layout {
    case .single:
        let output = try FileOutput(path: path, store: files)
        do {
            let record = try await pack(into: output)
            return (record, [path], output.bytesWritten)
        } catch { output.abandon(); throw error }
    case .split(let partSize):
        let metadata = BundleParts.metadataPath(for: path)
        let output = try SplitOutput(basePath: path, partSize: partSize, metadataPath: metadata, store: files)
        let record: BundleRecord
        do { record = try await pack(into: output) } catch { output.abandon(); throw error }
        guard let whole = output.digest else { throw BundleError(bundle: path, artifact: nil, reason: "volumes were not finished") }
        let parts = BundleParts(parts: output.parts.map { .init(name: String($0.path.split(separator: "/").last ?? ""), size: $0.size, sha256: $0.digest) },
                                totalSize: output.totalSize, sha256: whole)
        // Written last, after every volume is in place: a split bundle exists once its volume list does.
        do { try files.publish(try parts.encoded(), as: metadata) } catch {
            throw BundleError(bundle: path, artifact: metadata, reason: "cannot be written (\(error))")
        }
        return (record, output.parts.map(\.path) + [metadata], output.totalSize)
    }
}
