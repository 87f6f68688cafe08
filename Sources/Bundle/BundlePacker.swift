import Archive
import Foundation
import OCI

/// Writes a bundle (format v1) from a content store: an uncompressed POSIX tar that is also an OCI image
/// layout — `oci-layout`, `index.json`, the bundle record, a docker-archive `manifest.json` for
/// single-platform images, then every manifest and blob once, manifests before what they reference.
/// Entries, their order and their metadata are fixed, so the same store content gives the same bytes.
public struct BundlePacker: Sendable {
    public let store: ContentStore
    /// The Airlock version recorded in the bundle.
    public let tool: String

    public init(store: ContentStore, tool: String) {
        self.store = store
        self.tool = tool
    }

    /// Packs the store's `index.json` entries `entries` (all of them when nil) into `output`.
    /// Every blob is hashed as it is read from the store; a mismatch aborts the bundle.
    /// `signIndex`, when given, signs the exact `index.json` bytes; its result is stored as `index.json.sig`.
    public func pack(entries selected: [Descriptor]? = nil, manifestText: String? = nil, signIndex: ((Data) throws -> Data)? = nil,
                     to output: any ArchiveOutput) throws -> BundleRecord {
        let entries = try (selected ?? store.index().manifests).sorted { ContentStore.identity($0) < ContentStore.identity($1) }
        var graph = ContentGraph()
        var artifacts: [BundleRecord.Artifact] = []
        for entry in entries {
            let size = try graph.add(entry, from: store)
            let a = entry.annotations ?? [:]
            let reference = LayoutAnnotation.reference(of: entry) ?? "@\(entry.digest)"
            artifacts.append(.init(kind: LayoutAnnotation.kind(of: entry), reference: reference, digest: entry.digest, mediaType: entry.mediaType, size: size,
                                   platforms: a[LayoutAnnotation.platforms].map { $0.split(separator: ",").map(String.init) },
                                   subject: a[LayoutAnnotation.subject].flatMap { try? Digest(parsing: $0) },
                                   sourceDigest: a[LayoutAnnotation.sourceDigest].flatMap { try? Digest(parsing: $0) }))
        }
        let record = BundleRecord(tool: tool, manifest: manifestText, artifacts: artifacts,
                                  blobCount: graph.ordered.count, blobBytes: graph.ordered.reduce(0) { $0 + $1.size })

        let tar = try TarWriter(output: output)
        try tar.addFile("oci-layout", data: Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
        let index = try ContentStore.encode(ImageIndex(manifests: entries))
        try tar.addFile("index.json", data: index)
        if let signIndex { try tar.addFile(BundleFile.indexSignatureName, data: try signIndex(index)) }
        try tar.addFile(BundleRecord.fileName, data: try ContentStore.encode(record))
        let dockerImages = try dockerArchiveManifest(entries)
        if !dockerImages.isEmpty { try tar.addFile("manifest.json", data: try ContentStore.encode(dockerImages)) }
        try tar.addDirectory("blobs")
        try tar.addDirectory("blobs/sha256")
        for blob in graph.ordered {
            try tar.addFile("blobs/\(blob.digest.algorithm)/\(blob.digest.encoded)", size: blob.size) { emit in
                try copyVerified(blob, emit)
            }
        }
        try tar.finish()
        return record
    }

    /// docker-archive entries (`docker load`) for the single-platform images among `entries`.
    func dockerArchiveManifest(_ entries: [Descriptor]) throws -> [DockerArchiveImage] {
        var images: [DockerArchiveImage] = []
        for entry in entries where entry.annotations?[LayoutAnnotation.kind] == ArtifactKind.image.rawValue
            && MediaType.isImageManifest(entry.mediaType) {
            guard case .image(let image) = try store.manifest(entry).content else { continue }
            images.append(DockerArchiveImage(
                Config: "blobs/sha256/\(image.config.digest.encoded)",
                RepoTags: entry.annotations?[LayoutAnnotation.referenceName].map { [$0] } ?? [],
                Layers: image.layers.map { "blobs/sha256/\($0.digest.encoded)" }))
        }
        return images
    }

    /// Streams a store blob to `emit`, checking size and SHA-256 on the way.
    func copyVerified(_ blob: Descriptor, _ emit: (UnsafeRawBufferPointer) throws -> Void) throws {
        let path = store.blobPath(blob.digest)
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(fd) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
        defer { buffer.deallocate() }
        var hasher = SHA256Hasher()
        var total: Int64 = 0
        while true {
            let n = read(fd, buffer.baseAddress, buffer.count)
            if n < 0 { if errno == EINTR { continue }; throw StoreError(path: path, reason: "read failed (\(String(cString: strerror(errno))))") }
            if n == 0 { break }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[..<n])
            total += Int64(n)
            guard total <= blob.size else { break }
            hasher.update(chunk)
            try emit(chunk)
        }
        let actual = hasher.finalize()
        guard total == blob.size, actual == blob.digest else {
            throw StoreError(path: path, reason: "store blob is corrupt: \(total) bytes hashing to \(actual), expected \(blob.size) bytes with \(blob.digest)")
        }
    }
}

/// One image of docker-archive's `manifest.json`, in docker's field names.
struct DockerArchiveImage: Codable, Sendable {
    var Config: String
    var RepoTags: [String]
    var Layers: [String]
}
