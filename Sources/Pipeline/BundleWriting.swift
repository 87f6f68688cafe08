import Archive
import Bundle
import Foundation
import OCI

/// How a bundle is laid out on disk: one tar, or volumes of at most `partSize` bytes.
public enum BundleLayout: Sendable, Equatable {
    case single
    case split(partSize: Int64)

    /// Parses `--split`: `fat32`, or a size such as `700M`, `4G`, `1GiB`, `2000000000` (rounded down to
    /// a whole number of 512-byte tar blocks). `option` is the flag the size came from, for the error.
    public init(splitArgument text: String, option: String = "--split") throws(BundleLayoutError) {
        if text.lowercased() == "fat32" { self = .split(partSize: SplitOutput.fat32PartSize); return }
        let units: [(String, Int64)] = [("kib", 1 << 10), ("mib", 1 << 20), ("gib", 1 << 30), ("tib", 1 << 40),
                                        ("k", 1 << 10), ("m", 1 << 20), ("g", 1 << 30), ("t", 1 << 40), ("b", 1), ("", 1)]
        let lower = text.lowercased()
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number > 0 else { continue }
            let total = number * Double(factor)
            guard total < Double(Int64.max / 2) else { throw BundleLayoutError(option: option, text: text, reason: "too large") }
            let bytes = Int64(total) / 512 * 512
            guard bytes >= 1 << 20 else { throw BundleLayoutError(option: option, text: text, reason: "must be at least 1 MiB") }
            self = .split(partSize: bytes)
            return
        }
        throw BundleLayoutError(option: option, text: text, reason: "expected fat32 or a size such as 700M, 4G, 1GiB")
    }
}

/// A `--split` (or `--chunk-size`) value that is not a size: a usage error.
public struct BundleLayoutError: Error, CustomStringConvertible {
    public let option: String
    public let text: String
    public let reason: String
    public var description: String { "invalid \(option) '\(text)': \(reason)" }
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
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Written last, after every volume is in place: a split bundle exists once its volume list does.
        do { try files.publish(try encoder.encode(parts), as: metadata) } catch {
            throw BundleError(bundle: path, artifact: metadata, reason: "cannot be written (\(error))")
        }
        return (record, output.parts.map(\.path) + [metadata], output.totalSize)
    }
}
