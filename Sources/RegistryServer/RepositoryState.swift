import OCI

/// What one repository of the server holds.
struct RepositoryState: Sendable {
    /// Tag → the manifest it names.
    var tags: [String: Descriptor] = [:]
    /// Manifests placed in the repository directly: tagged, referrers, and those pushed by digest.
    var roots: [Digest: Descriptor] = [:]
    /// Blobs uploaded or mounted into the repository.
    var linkedBlobs: Set<Digest> = []
    /// Everything the roots reach, worked out on first use and dropped when the roots change.
    var reach: Reach?

    /// The manifests and blobs a repository's roots lead to, and the referrers among them.
    struct Reach: Sendable {
        var manifests: [Digest: Descriptor] = [:]
        var blobs: Set<Digest> = []
        /// Subject → referrer descriptors (media type, size, artifact type, annotations).
        var referrers: [Digest: [Digest: Descriptor]] = [:]
    }

    var isEmpty: Bool { tags.isEmpty && roots.isEmpty && linkedBlobs.isEmpty }
}
