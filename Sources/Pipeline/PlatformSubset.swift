import Foundation
import OCI

/// An index copied with a platform filter that dropped some of its children.
///
/// What is stored under the image's name is then a **filtered index**: the source index with only the kept
/// children (in source order, every other field kept, deterministic bytes, so a new digest). The source index's
/// bytes travel beside it as an OCI referrer of the filtered index — its **provenance**: an image manifest with
/// artifact type `application/vnd.dev.airlock.source-index.v1+json`, the OCI empty config, one layer that is the
/// source index (with the source index's media type) and the filtered index as its subject. Signatures made for
/// the source index still verify the filtered one through it (`PlatformSubsetTrust`).
public struct PlatformSubset: Sendable {
    /// The artifact type of the provenance referrer.
    public static let artifactType = "application/vnd.dev.airlock.source-index.v1+json"
    /// The OCI empty blob (`{}`), the provenance referrer's config.
    public static let emptyBlob = Data("{}".utf8)
    public static let emptyDescriptor = Descriptor(mediaType: MediaType.ociEmpty, digest: .sha256(of: emptyBlob), size: Int64(emptyBlob.count))

    /// The index as the source serves it.
    public let source: Manifest
    /// The index stored instead: only the kept children.
    public let filtered: Manifest
    /// The referrer carrying `source`'s bytes, with `filtered` as its subject.
    public let provenance: Manifest

    /// The subset of index `source` that lists the children in `kept`, or nil when `kept` leaves none out (the index
    /// is then stored as it is, with its own digest).
    public static func make(source: Manifest, kept: [Descriptor]) throws -> PlatformSubset? {
        guard case .index(let index) = source.content else { return nil }
        let keptDigests = Set(kept.map(\.digest))
        guard index.manifests.contains(where: { !keptDigests.contains($0.digest) }) else { return nil }
        let what = "\(source.digest) filtered to \(kept.count) of \(index.manifests.count) manifests"
        let bytes = try ImageIndex.subsetBytes(of: source.bytes) { keptDigests.contains($0.digest) }
        let filtered = try Manifest(bytes: bytes, declaredType: source.mediaType, source: what)
        return PlatformSubset(source: source, filtered: filtered, provenance: try provenance(of: source, subject: filtered))
    }

    /// The provenance referrer of `subject`, carrying `source`, in a fixed field order.
    static func provenance(of source: Manifest, subject: Manifest) throws -> Manifest {
        func descriptor(_ d: Descriptor) -> GoJSON {
            .object([("mediaType", .string(d.mediaType)), ("digest", .string(d.digest.description)), ("size", .integer(d.size))])
        }
        let text = GoJSON.object([
            ("schemaVersion", .integer(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            ("artifactType", .string(artifactType)),
            ("config", descriptor(emptyDescriptor)),
            ("layers", .array([descriptor(source.descriptor)])),
            ("subject", descriptor(subject.descriptor)),
        ]).text
        return try Manifest(bytes: Data(text.utf8), declaredType: MediaType.ociManifest, source: "source-index referrer of \(subject.digest)")
    }

    /// What the copy puts besides the kept children: the empty config and the source index's bytes as blobs,
    /// the filtered index and its provenance referrer.
    func content() -> MemorySource {
        let made = MemorySource()
        made.add(Self.emptyBlob, mediaType: MediaType.ociEmpty)
        made.add(source.bytes, mediaType: source.mediaType)
        made.add(filtered)
        made.add(provenance)
        return made
    }

    /// The layout entry of the provenance referrer, in the image's repository `name`.
    func provenanceEntry(in name: Reference) -> LayoutEntry {
        var descriptor = provenance.descriptor
        descriptor.artifactType = Self.artifactType
        return LayoutEntry(kind: .referrer, reference: name, descriptor: descriptor, subject: filtered.digest)
    }
}
