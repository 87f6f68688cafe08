import OCI
import Trust

/// What `airgap audit` walks: the repositories and tags of a registry, or of a bundle before its push.
public protocol AuditInventory: Sendable {
    /// How the report names it: `registry HOST[/PREFIX]`, `bundle PATH`.
    var location: String { get }
    /// Every repository to look at.
    func repositories() async throws -> [Repository]
    /// Every tag of `repository`, Airlock's own (`.sig`, `.att`, push records) included.
    func tags(of repository: Repository) async throws -> [String]
    /// The manifest `tag` names.
    func manifest(tag: String, in repository: Repository) async throws -> Manifest
    /// Where the signatures, attestations and referrers of `repository`'s images are (its `tags` listed).
    func material(for repository: Repository, tags: Set<String>) -> any SignatureMaterial
    /// The relocations the push records among `tags` state, by image digest.
    func relocations(in repository: Repository, tags: Set<String>) async throws -> [Digest: [Relocation]]
}
