/// The annotation keys Airlock writes on `index.json` entries.
public enum LayoutAnnotation {
    /// The full normalised source reference, `docker.io/library/nginx:1.27.2` (OCI's own key).
    public static let referenceName = "org.opencontainers.image.ref.name"
    /// What the entry is: one of `ArtifactKind`.
    public static let kind = "dev.airlock.kind"
    /// For signatures, attestations and referrers: the digest of the manifest they are about.
    public static let subject = "dev.airlock.subject"
    /// For referrers (which have no tag): the repository they came from, `docker.io/library/nginx`.
    public static let repository = "dev.airlock.repository"
    /// For an index copied with a platform filter: the platforms whose manifests are present.
    public static let platforms = "dev.airlock.platforms"
}

/// The kinds of top-level artifact a store or bundle holds.
public enum ArtifactKind: String, Sendable, Codable, CaseIterable {
    case image, signature, attestation, sbom, referrer, chart, file
}
