import Archive
import Foundation
import OCI

/// An opened bundle: one tar file, or the volumes of a split one read as one, with the safe index of its
/// entries (no links, no `..`, no duplicates, nothing truncated), read in place and never extracted.
public final class BundleFile: Sendable {
    /// The path as given: `NAME.tar` for both forms.
    public let path: String
    public let source: any RandomAccessSource
    /// The volumes' metadata when the bundle is split.
    public let parts: BundleParts?
    public let entries: TarIndex

    /// Opens `path` (`NAME.tar`, or for a split bundle `NAME.tar`, its first volume `NAME.tar.000` or
    /// `NAME.tar.parts.json`) in `store`: local files, or objects read in place.
    public init(path given: String, store: any ArchiveStore = LocalFiles()) throws {
        var path = given.hasSuffix(".parts.json") ? String(given.dropLast(".parts.json".count)) : given
        let base = String(path.dropLast(".000".count))
        if path.hasSuffix(".000"), try store.size(of: BundleParts.metadataPath(for: base)) != nil { path = base }
        self.path = path
        let metadata = BundleParts.metadataPath(for: path)
        if try store.size(of: path) != nil {
            source = try store.open(path)
            parts = nil
        } else if let metadataSize = try store.size(of: metadata) {
            let parts: BundleParts
            do {
                guard metadataSize <= 1 << 20 else { throw BundleError(bundle: path, artifact: metadata, reason: "is \(metadataSize) bytes, over the 1 MiB limit") }
                let data = try store.open(metadata).bytes(from: 0, length: metadataSize)
                parts = try JSONDecoder().decode(BundleParts.self, from: data)
            } catch let error as BundleError { throw error } catch {
                throw BundleError(bundle: path, artifact: metadata, reason: "unreadable volume metadata (\(error))")
            }
            // Not NSString's path functions: they fold the `//` of `s3://`.
            let slash = path.lastIndex(of: "/")
            let directory = slash.map { String(path[..<$0]) } ?? ""
            let fileName = slash.map { String(path[path.index(after: $0)...]) } ?? path
            var files: [any RandomAccessSource] = []
            for part in parts.parts {
                guard !part.name.contains("/"), part.name.hasPrefix(fileName) else {
                    throw BundleError(bundle: path, artifact: metadata, reason: "part name '\(part.name)' is not a volume of this bundle")
                }
                let partPath = directory.isEmpty ? part.name : directory + "/" + part.name
                guard let size = try store.size(of: partPath) else {
                    throw BundleError(bundle: path, artifact: part.name, reason: "volume is missing (expected \(parts.parts.count) volumes)")
                }
                guard size == part.size else {
                    throw BundleError(bundle: path, artifact: part.name, reason: "volume is \(size) bytes, expected \(part.size)")
                }
                files.append(try store.open(partPath))
            }
            source = ConcatenatedFiles(files: files)
            self.parts = parts
        } else {
            throw BundleError(bundle: path, artifact: nil, reason: "no such bundle (neither the file nor \(metadata.split(separator: "/").last ?? ""))")
        }
        entries = try TarIndex.build(from: source, name: path)
    }

    /// The bytes of a small entry (`index.json`, the record, manifests), at most `limit` bytes.
    public func contents(of name: String, limit: Int64 = Int64(Manifest.maximumSize)) throws -> Data {
        guard let entry = entries[name] else { throw BundleError(bundle: path, artifact: name, reason: "missing from the bundle") }
        guard entry.size <= limit else { throw BundleError(bundle: path, artifact: name, reason: "is \(entry.size) bytes, over the \(limit)-byte limit") }
        var data = Data(capacity: Int(entry.size))
        try entries.read(entry, from: source) { data.append(contentsOf: $0) }
        return data
    }

    /// The entry holding the detached signature over `index.json` (`cosign sign-blob` form: base64 of DER).
    public static let indexSignatureName = "index.json.sig"

    /// The entry name of blob `digest`.
    public static func blobName(_ digest: Digest) -> String { "blobs/\(digest.algorithm)/\(digest.encoded)" }

    /// The bundle's `index.json`.
    public func layoutIndex() throws -> ImageIndex {
        do { return try JSONDecoder().decode(ImageIndex.self, from: try contents(of: "index.json")) } catch let error as BundleError { throw error } catch {
            throw BundleError(bundle: path, artifact: "index.json", reason: "not an OCI image index (\(error))")
        }
    }

    /// The bundle record.
    public func record() throws -> BundleRecord {
        do { return try JSONDecoder().decode(BundleRecord.self, from: try contents(of: BundleRecord.fileName)) } catch let error as BundleError { throw error } catch {
            throw BundleError(bundle: path, artifact: BundleRecord.fileName, reason: "not a bundle record (\(error))")
        }
    }

    /// Manifest `descriptor`, its bytes checked against the digest.
    public func manifest(_ descriptor: Descriptor) throws -> Manifest {
        let name = Self.blobName(descriptor.digest)
        let bytes = try contents(of: name)
        let manifest: Manifest
        do { manifest = try Manifest(bytes: bytes, declaredType: descriptor.mediaType, source: name) } catch {
            throw BundleError(bundle: path, artifact: name, reason: error.reason)
        }
        return try manifest.verified("\(path): \(name)", digest: descriptor.digest, size: descriptor.size)
    }
}

/// Something wrong with a bundle: which bundle, which artifact in it, and what was expected.
public struct BundleError: CategorizedError, CustomStringConvertible, Sendable {
    public let bundle: String
    public let artifact: String?
    public let reason: String

    public init(bundle: String, artifact: String?, reason: String) {
        self.bundle = bundle
        self.artifact = artifact
        self.reason = reason
    }

    public var description: String { [bundle, artifact ?? "", reason].filter { !$0.isEmpty }.joined(separator: ": ") }
    public var category: ErrorCategory { .integrity }
}
