import HTTP
import OCI

/// Where a copy reads from: a registry, a content store, a bundle file.
public protocol ContentSource: Sendable {
    /// A manifest by tag or digest, its bytes checked against the digest when one was given.
    func manifest(_ reference: String, in repository: Repository) async throws -> Manifest
    /// The manifest tagged `tag`, or nil when there is none.
    func manifestIfPresent(_ tag: String, in repository: Repository) async throws -> Manifest?
    /// Streams blob `descriptor` into `receiver`, which checks its digest.
    func readBlob(_ descriptor: Descriptor, in repository: Repository, into receiver: any BlobReceiver,
                  progress: @escaping @Sendable (Int64) -> Void) async throws
}

/// A source that can say what is attached to a manifest: cosign's `sha256-<hex>.sig|.att|.sbom` tags and
/// OCI referrers (a registry; a layout records its attachments as entries instead).
public protocol ReferrersListing: ContentSource {
    /// Every tag of `repository`, or nil when the source cannot list them.
    func tags(_ repository: Repository) async throws -> Set<String>?
    /// The manifests that refer to `subject`; `knownTags` (from `tags`) may spare requests.
    func referrers(of subject: Digest, in repository: Repository, knownTags: Set<String>?) async throws -> [Descriptor]
}

/// A source whose blobs can be read at any offset, so a sink can send a blob in chunks and resend a
/// chunk after a failure (a bundle file, a content store).
public protocol RangeReadable: ContentSource {
    /// A reader of `length` bytes at `offset` of blob `descriptor`; every byte passes `check` once, in order.
    func blobRange(_ descriptor: Descriptor, offset: Int64, length: Int64, check: BlobStreamCheck) throws -> any UploadReader
}

/// Where a copy writes to. Blobs and manifests first, children before parents; `commit` (tags,
/// `index.json` entries) last, once, only when everything else is in place.
public protocol ContentSink: Sendable {
    func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool
    /// Copies blob `descriptor` from `source`; the digest is checked before the blob becomes visible.
    func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                 progress: @escaping @Sendable (Int64) -> Void) async throws
    /// Stores a manifest by digest (not tagged); returns false when the sink had it already.
    func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool
    /// The digest `tag` names in `repository` now, or nil (for the `--existing` policy).
    func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest?
    /// Makes the copied artifacts findable by name: tags, `index.json` entries.
    func commit(_ placements: [Placement]) async throws
}

/// A sink written in one pass, in a fixed order (a bundle file): it is told the whole plan first, then gets
/// every manifest and blob once, each manifest before what it references.
public protocol OrderedSink: ContentSink {
    /// Whether the sink leaves blob `digest` to a base its readers already have (a delta bundle's): such a blob
    /// is listed as expected, never sent. Manifests are always sent.
    func leavesToBase(_ digest: Digest) -> Bool
    /// `placements` are the artifacts, `sizes` the bytes each needs, `content` everything in the order it will
    /// come, `expected` the blobs left to the base.
    func begin(_ placements: [Placement], sizes: [Int64], content: [Descriptor], expected: [Descriptor]) async throws
}

/// A sink that can place a blob it already holds in one repository into another without sending it.
public protocol Mountable: ContentSink {
    func mount(_ descriptor: Descriptor, into repository: Repository, from home: Repository) async throws -> Bool
}

/// A top-level artifact as a copy placed it: its layout entry (named as at the source), the repository it
/// went to in the sink, its root manifest, and whether its tag is to be written.
public struct Placement: Sendable {
    public var entry: LayoutEntry
    public var repository: Repository
    public var manifest: Manifest
    /// False when `--existing skip` leaves the sink's tag as it was.
    public var tagged: Bool

    /// The tag the sink writes for it (nil for referrers and untagged references).
    public var tag: String? { tagged ? entry.tag : nil }
    /// Where it landed: `repository:tag`, or `repository@digest`.
    public var target: String { "\(repository)" + (entry.tag.map { ":\($0)" } ?? "@\(entry.descriptor.digest)") }
}
