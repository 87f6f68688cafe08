import OCI

/// One reference to copy, optionally limited to some platforms.
public struct CopyRequest: Sendable, Hashable {
    public var reference: Reference
    /// Platforms to keep from a multi-platform index; nil keeps all.
    public var platforms: [Platform]?

    public init(reference: Reference, platforms: [Platform]? = nil) {
        self.reference = reference
        self.platforms = platforms
    }
}

/// How a copy runs.
public struct CopyOptions: Sendable {
    /// Transfers running at once, across all images.
    public var jobs: Int = 8
    /// Copy cosign's `sha256-<hex>.sig` / `.att` / `.sbom` tags of every copied manifest.
    public var signatures: Bool = true
    /// Copy the OCI referrers of every copied manifest.
    public var referrers: Bool = true
    /// Store an index copied with a platform filter byte for byte, naming children the copy left out
    /// (`--verbatim-index`), instead of a filtered index with the source index as its referrer (`PlatformSubset`).
    public var verbatimIndex: Bool = false

    /// Runs once everything is copied and before anything is recorded; throwing leaves nothing recorded
    /// (how `--verify-key` fails closed).
    public var gate: (@Sendable ([CopiedArtifact]) async throws -> Void)?

    public init(jobs: Int = 8, signatures: Bool = true, referrers: Bool = true,
                gate: (@Sendable ([CopiedArtifact]) async throws -> Void)? = nil, verbatimIndex: Bool = false) {
        self.jobs = jobs
        self.verbatimIndex = verbatimIndex
        self.signatures = signatures
        self.referrers = referrers
        self.gate = gate
    }
}

/// What a copy did, per requested reference and in total.
public struct CopyReport: Sendable, Codable {
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
    public var items: [Item]
    /// Every top-level artifact placed, attachments included.
    public var artifacts: [CopiedArtifact]
    /// Distinct blobs transferred, and their bytes.
    public var blobsFetched: Int
    public var bytesFetched: Int64
    /// Distinct blobs found already in the destination.
    public var blobsSkipped: Int
}

/// A requested reference that could not be copied.
public struct CopyError: Error, CustomStringConvertible {
    public let reference: String
    public let underlying: any Error
    public var description: String { "\(reference): \(underlying)" }
}
