import Archive
import Bundle
import Foundation

/// Copies an opened bundle (from object storage, usually) byte for byte to `path` in `files`: one file, or for a
/// split bundle the same volumes and their metadata, each volume checked against the SHA-256 its metadata gives.
/// Nothing appears at `path` unless everything was copied and checked.
public func fetchBundle(_ bundle: BundleFile, to path: String, in files: any ArchiveStore = LocalFiles(),
                        progress: (@Sendable (Int64) -> Void)? = nil) throws -> (files: [String], bytes: Int64) {
    let output: any ArchiveOutput
    if let parts = bundle.parts {
        output = try SplitOutput(basePath: path, partSize: parts.parts.first?.size ?? 0, store: files)
    } else {
        output = try FileOutput(path: path, store: files)
    }
    do {
        var copied: Int64 = 0
        let total = bundle.source.size
        while copied < total {
            let n = try bundle.source.scan(from: copied, length: total - copied) { bytes in
                try output.write(bytes)
                progress?(Int64(bytes.count))
            }
            guard n > 0 else { throw BundleError(bundle: bundle.path, artifact: nil, reason: "ended after \(copied) of \(total) bytes") }
            copied += n
        }
        guard let parts = bundle.parts, let split = output as? SplitOutput else {
            try output.finish()
            return ([path], copied)
        }
        try split.finish()
        for (written, expected) in zip(split.parts, parts.parts) where written.digest != expected.sha256 || written.size != expected.size {
            for part in split.parts { files.remove(part.path) }
            throw BundleError(bundle: bundle.path, artifact: expected.name, reason: "copied volume has SHA-256 \(written.digest), its metadata says \(expected.sha256)")
        }
        let metadata = BundleParts.metadataPath(for: path)
        let copy = BundleParts(parts: zip(split.parts, parts.parts).map { .init(name: String($0.path.split(separator: "/").last ?? ""), size: $1.size, sha256: $1.sha256) },
                               totalSize: parts.totalSize, sha256: parts.sha256)
        try files.publish(try copy.encoded(), as: metadata)
        return (split.parts.map(\.path) + [metadata], copied)
    } catch {
        output.abandon()
        throw error
    }
}
