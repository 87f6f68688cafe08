import OCI

/// The bundle record (`airlock-bundle.json`): what a bundle holds and where it came from.
/// Written in a fixed key order with no timestamps, so the same inputs give the same bytes.
public struct BundleRecord: Codable, Sendable, Equatable {
    /// The name of the record inside the bundle.
    public static let fileName = "airlock-bundle.json"
    public static let currentFormat = "airlock-bundle/v1"

    /// One top-level artifact: what was asked for and what it resolved to.
    public struct Artifact: Codable, Sendable, Equatable {
        public var kind: ArtifactKind
        /// The full normalised reference (for referrers: `repository@digest`).
        public var reference: String
        public var digest: Digest
        /// For an index bundled filtered by a platform filter: the source index's digest (`digest` is the filtered one's).
        public var sourceDigest: Digest?
        public var mediaType: String
        /// Bytes of every manifest and blob the artifact needs.
        public var size: Int64
        /// Platforms kept from an index copied with a filter.
        public var platforms: [String]?
        /// The manifest a signature, attestation or referrer is about.
        public var subject: Digest?

        public init(kind: ArtifactKind, reference: String, digest: Digest, mediaType: String, size: Int64,
                    platforms: [String]? = nil, subject: Digest? = nil, sourceDigest: Digest? = nil) {
            self.sourceDigest = sourceDigest
            self.kind = kind
            self.reference = reference
            self.digest = digest
            self.mediaType = mediaType
            self.size = size
            self.platforms = platforms
            self.subject = subject
        }
    }

    /// What a delta bundle builds on: the base's digest and every blob this bundle needs but leaves to it.
    public struct Base: Codable, Sendable, Equatable {
        /// SHA-256 of the base bundle's record (the same whether the base was given as the bundle or as its
        /// record), or of the lock file; nil for a content store.
        public var digest: Digest?
        /// The blobs left out because the base carried them, sorted by digest.
        public var blobs: [Blob]

        public struct Blob: Codable, Sendable, Equatable {
            public var digest: Digest
            public var size: Int64
            public init(digest: Digest, size: Int64) {
                self.digest = digest
                self.size = size
            }
        }

        public init(digest: Digest?, blobs: [Blob]) {
            self.digest = digest
            self.blobs = blobs.sorted { $0.digest < $1.digest }
        }
    }

    public var format: String
    /// The Airlock version that wrote the bundle.
    public var tool: String
    /// The bundle manifest (YAML) the bundle was made from, verbatim, when there was one.
    public var manifest: String?
    /// The lock file the bundle was made with (`connected bundle --lock`), verbatim.
    public var lock: String?
    public var artifacts: [Artifact]
    /// Distinct blobs (manifests included) and their total size.
    public var blobCount: Int
    public var blobBytes: Int64
    /// Set for a delta bundle (`connected bundle --since`): what it expects the target to have already.
    public var base: Base?

    public init(tool: String, manifest: String?, lock: String? = nil, artifacts: [Artifact], blobCount: Int, blobBytes: Int64, base: Base? = nil) {
        self.base = base
        self.format = Self.currentFormat
        self.tool = tool
        self.manifest = manifest
        self.lock = lock
        self.artifacts = artifacts
        self.blobCount = blobCount
        self.blobBytes = blobBytes
    }
}
