import OCI

/// One reference to copy, optionally limited to some platforms.
public struct CopyRequest: Sendable, Hashable {
    public var reference: Reference
    /// Platforms to keep from a multi-platform index; nil keeps all.
    public var platforms: [Platform]?
    /// The digest a lock file pinned the reference to: the source is asked for it, not for the tag, and
    /// the artifact keeps the reference's name.
    public var pinned: Digest?

    public init(reference: Reference, platforms: [Platform]? = nil, pinned: Digest? = nil) {
        self.reference = reference
        self.platforms = platforms
        self.pinned = pinned
    }
}

/// What a copy starts from: references to resolve at the source (attachments discovered there), or the
/// artifacts a layout (a store, a bundle) records, each already resolved and its attachments listed.
public enum CopyRoot: Sendable, Hashable {
    case reference(CopyRequest)
    case entry(LayoutEntry)
}

/// What to do with a tag the sink already has with other content.
public enum ExistingTags: String, Sendable, CaseIterable { case overwrite, skip, fail }

/// How a copy runs.
public struct CopyOptions: Sendable {
    /// Transfers running at once, across all artifacts.
    public var jobs: Int = 8
    /// For references: copy cosign's `sha256-<hex>.sig` / `.att` / `.sbom` tags of every copied manifest.
    public var signatures: Bool = true
    /// For references: copy the OCI referrers of every copied manifest.
    public var referrers: Bool = true
    /// For references with a platform filter: store the index byte for byte, naming children the copy left
    /// out (`--verbatim-index`), instead of a filtered index with the source index as its referrer (`PlatformSubset`).
    public var verbatimIndex: Bool = false
    /// Where an artifact of source repository `reference` goes in the sink (the same repository by default).
    public var destination: @Sendable (Reference) -> Repository = { Repository($0) }
    /// Tags the sink has with other content.
    public var existing: ExistingTags = .overwrite
    /// Plan and check only: nothing is sent or committed.
    public var dryRun = false
    /// Commit the placements (tags, `index.json` entries); false leaves that to the caller, who may have
    /// more to copy before anything is named.
    public var commit = true
    /// Runs once all content is in place and before anything is committed; throwing leaves nothing
    /// committed (how `--verify-key` fails closed).
    public var gate: (@Sendable ([LayoutEntry]) async throws -> Void)?

    public init(jobs: Int = 8, signatures: Bool = true, referrers: Bool = true, verbatimIndex: Bool = false,
                gate: (@Sendable ([LayoutEntry]) async throws -> Void)? = nil) {
        self.jobs = jobs
        self.verbatimIndex = verbatimIndex
        self.signatures = signatures
        self.referrers = referrers
        self.gate = gate
    }
}

/// What a copy did, per root and in total.
public struct CopyReport: Sendable {
    public struct Item: Sendable, Codable {
        public var reference: String
        /// The digest stored: the source's, or the filtered index's when a platform filter dropped children.
        public var digest: Digest
        /// The digest the reference resolved to at the source, when it differs from `digest` (a filtered index).
        public var sourceDigest: Digest?
        public var mediaType: String
        /// Platforms kept from an index (all of them when no filter was given); empty for a single image.
        public var platforms: [String]
        /// Size of every manifest and blob the reference needs.
        public var bytes: Int64
        public var manifests: Int
        public var blobs: Int
        /// Blobs this reference transferred.
        public var blobsFetched: Int
        /// Blobs already in the destination, or transferred for another reference of this run.
        public var blobsSkipped: Int
        /// Signatures, attestations, SBOMs and referrers copied with it, by reference.
        public var attached: [String]
    }
    /// One per root, in the order given.
    public var items: [Item]
    /// Every top-level artifact placed, attachments included, in the order they were committed.
    public var placements: [Placement]
    /// Distinct blobs transferred, and their bytes.
    public var blobsFetched: Int
    public var bytesFetched: Int64
    /// Distinct blobs the sink had already.
    public var blobsSkipped: Int
    /// Blobs placed in a repository by mounting them from another one of the sink.
    public var blobsMounted: Int
    /// Manifests the sink did not have.
    public var manifestsPut: Int

    /// The layout entries of everything placed.
    public var entries: [LayoutEntry] { placements.map(\.entry) }
}

/// A root that could not be copied, with the reference or entry it named.
public struct CopyError: Error, CustomStringConvertible {
    public let reference: String
    public let underlying: any Error
    public var description: String { "\(reference): \(underlying)" }
}
