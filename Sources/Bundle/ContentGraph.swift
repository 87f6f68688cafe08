import OCI

/// The content an artifact in a store needs, in bundle order: each manifest before the manifests and
/// blobs it references, every digest once.
public struct ContentGraph: Sendable {
    /// Every manifest and blob, in the order a streaming reader can use.
    public private(set) var ordered: [Descriptor] = []
    private var seen = Set<Digest>()

    public init() {}

    /// Adds `root` and everything below it that the store holds. Children of an index that the store lacks
    /// (left out by a platform filter) are skipped; a missing config or layer is an error.
    /// Returns the bytes of everything the artifact needs (shared content included).
    @discardableResult
    public mutating func add(_ root: Descriptor, from store: ContentStore) throws(StoreError) -> Int64 {
        var total: Int64 = 0
        // A config or layer is a blob whatever its media type (a source-index referrer's layer is an index's bytes).
        var pending = [(descriptor: root, isBlob: false)]
        var counted = Set<Digest>()
        while let (descriptor, isBlob) = pending.popLast() {
            guard counted.insert(descriptor.digest).inserted else { continue }
            total += descriptor.size
            if seen.insert(descriptor.digest).inserted { ordered.append(descriptor) }
            guard !isBlob, MediaType.isManifest(descriptor.mediaType) else { continue }
            let manifest = try store.manifest(descriptor)
            let children = manifest.children.filter { store.hasBlob($0) }
            for blob in manifest.blobs where !store.hasBlob(blob) {
                throw StoreError(path: store.blobPath(blob.digest), reason: "blob \(blob.digest) of \(descriptor.digest) is missing from the store")
            }
            // Reversed so that popLast visits them in document order.
            pending += (manifest.blobs.map { ($0, true) } + children.map { ($0, false) }).reversed()
        }
        return total
    }
}
