import Archive
import Bundle
import Foundation
import OCI

/// A bundle file (format v1) as a copy's sink, written in one pass: an uncompressed POSIX tar that is also an
/// OCI image layout — `oci-layout`, `index.json`, the optional `index.json.sig`, the bundle record, a
/// docker-archive `manifest.json` for single-platform images, then every manifest and blob once, manifests
/// before what they reference. Entries, their order and their metadata are fixed, so the same content gives
/// the same bytes. Blobs come from a layout read in place (a content store), hashed as they are written.
public final class BundleSink: OrderedSink, @unchecked Sendable {
    let tar: TarWriter
    let tool: String
    let manifestText: String?
    let lockText: String?
    let base: DeltaBase?
    let signIndex: (@Sendable (Data) throws -> Data)?
    private let lock = NSLock()
    /// The record written, once `begin` ran.
    public private(set) var record: BundleRecord?

    /// `tool` is the Airlock version recorded, `manifestText` and `lockText` the bundle manifest and lock file
    /// recorded verbatim; `base` makes a delta bundle (its blobs are left out and listed); `signIndex`, when
    /// given, signs the exact `index.json` bytes (stored as `index.json.sig`).
    public init(output: any ArchiveOutput, tool: String, manifestText: String?, lockText: String? = nil, base: DeltaBase? = nil,
                signIndex: (@Sendable (Data) throws -> Data)?) throws {
        self.tar = try TarWriter(output: output)
        self.base = base
        self.tool = tool
        self.manifestText = manifestText
        self.lockText = lockText
        self.signIndex = signIndex
    }

    public func leavesToBase(_ digest: Digest) -> Bool { base?.blobs.contains(digest) ?? false }

    public func begin(_ placements: [Placement], sizes: [Int64], content: [Descriptor], expected: [Descriptor]) async throws {
        let artifacts = zip(placements, sizes).map { placement, size in
            let entry = placement.entry
            return BundleRecord.Artifact(kind: entry.kind, reference: entry.label, digest: entry.descriptor.digest, mediaType: entry.descriptor.mediaType,
                                         size: size, platforms: entry.platforms?.map(\.description), subject: entry.subject,
                                         sourceDigest: entry.sourceDigest)
        }
        let record = BundleRecord(tool: tool, manifest: manifestText, lock: lockText, artifacts: artifacts,
                                  blobCount: content.count, blobBytes: content.reduce(0) { $0 + $1.size },
                                  base: base.map { base in
                                      BundleRecord.Base(digest: base.digest, blobs: expected.map { .init(digest: $0.digest, size: $0.size) })
                                  })
        try lock.withLock {
            try tar.addFile("oci-layout", data: Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8))
            let index = try ContentStore.encode(ImageIndex(manifests: placements.map(\.entry.indexEntry)))
            try tar.addFile("index.json", data: index)
            if let signIndex { try tar.addFile(BundleFile.indexSignatureName, data: try signIndex(index)) }
            try tar.addFile(BundleRecord.fileName, data: try ContentStore.encode(record))
            let dockerImages = Self.dockerArchiveManifest(placements)
            if !dockerImages.isEmpty { try tar.addFile("manifest.json", data: try ContentStore.encode(dockerImages)) }
            try tar.addDirectory("blobs")
            try tar.addDirectory("blobs/sha256")
            self.record = record
        }
    }

    /// docker-archive entries (`docker load`) for the single-platform images among `placements`.
    static func dockerArchiveManifest(_ placements: [Placement]) -> [DockerArchiveImage] {
        placements.compactMap { placement in
            guard placement.entry.kind == .image, case .image(let image) = placement.manifest.content,
                  MediaType.isImageManifest(placement.manifest.mediaType) else { return nil }
            return DockerArchiveImage(Config: "blobs/sha256/\(image.config.digest.encoded)", RepoTags: placement.entry.name.map { [$0] } ?? [],
                                      Layers: image.layers.map { "blobs/sha256/\($0.digest.encoded)" })
        }
    }

    public func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool { false }

    public func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                        progress: @escaping @Sendable (Int64) -> Void) async throws {
        guard let layout = source as? any LayoutSource else {
            throw StoreError(path: BundleFile.blobName(descriptor.digest), reason: "a bundle is written from a layout read in place (a content store)")
        }
        let location = try layout.present(descriptor)
        let check = BlobStreamCheck(name: "\(layout.layoutName): blob \(descriptor.digest)", expected: descriptor)
        try lock.withLock {
            try tar.addFile(BundleFile.blobName(descriptor.digest), size: descriptor.size) { emit in
                var offset: Int64 = 0
                let read = try location.source.scan(from: location.offset, length: descriptor.size) { chunk in
                    try check.observe(chunk, at: offset)
                    offset += Int64(chunk.count)
                    try emit(chunk)
                }
                guard read == descriptor.size else {
                    throw StoreError(path: layout.layoutName, reason: "blob \(descriptor.digest) is \(read) bytes, expected \(descriptor.size)")
                }
            }
        }
        progress(descriptor.size)
    }

    public func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool {
        try lock.withLock { try tar.addFile(BundleFile.blobName(manifest.digest), data: manifest.bytes) }
        return true
    }

    public func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest? { nil }

    /// Ends the tar; the output makes it visible (renames it into place) only when the caller finishes it.
    public func commit(_ placements: [Placement]) async throws {
        try lock.withLock { try tar.finish() }
    }
}

/// One image of docker-archive's `manifest.json`, in docker's field names.
struct DockerArchiveImage: Codable, Sendable {
    var Config: String
    var RepoTags: [String]
    var Layers: [String]
}
