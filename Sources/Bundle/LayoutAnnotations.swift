import OCI

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
    /// For charts: where the chart came from (`https://repo nginx@^1.2`, `oci://host/path/nginx@1.2.3`).
    public static let source = "dev.airlock.source"
    /// For an index copied with a platform filter: the platforms whose manifests are present.
    public static let platforms = "dev.airlock.platforms"
    /// For an index stored filtered by a platform filter: the digest of the source index (which travels as the
    /// filtered index's `application/vnd.dev.airlock.source-index.v1+json` referrer).
    public static let sourceDigest = "dev.airlock.source-digest"

    /// The reference an `index.json` entry is found by: its name, or `repository@digest` for a referrer.
    public static func reference(of entry: Descriptor) -> String? {
        let a = entry.annotations ?? [:]
        return a[referenceName] ?? a[repository].map { "\($0)@\(entry.digest)" }
    }

    /// The kind an `index.json` entry is annotated with (`image` when it says nothing).
    public static func kind(of entry: Descriptor) -> ArtifactKind {
        entry.annotations?[kind].flatMap(ArtifactKind.init(rawValue:)) ?? .image
    }
}

/// The kinds of top-level artifact a store or bundle holds.
public enum ArtifactKind: String, Sendable, Codable, CaseIterable {
    case image, signature, attestation, sbom, referrer, chart, file
}
