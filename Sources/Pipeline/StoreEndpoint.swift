import Archive
import Bundle
import OCI

/// A content store (an OCI image layout directory) as a copy's source and sink. As a sink, each blob is
/// written through the store's ingest (hashed as it arrives, renamed into place only when it matches), and
/// `commit` records the artifacts in `index.json`, all at once.
public struct StoreEndpoint: LayoutSource, ContentSink {
    public let store: ContentStore
    private let names = EntryNames()

    public init(store: ContentStore) { self.store = store }

    public func entry(named name: String) throws -> LayoutEntry? {
        try names.entry(named: name, load: entries)
    }

    public var layoutName: String { store.root }

    public func entries() throws -> [LayoutEntry] {
        try store.entries()
    }

    public func blobLocation(_ digest: Digest) throws -> (source: any RandomAccessSource, offset: Int64, size: Int64)? {
        guard let size = store.blobSize(digest) else { return nil }
        return (try RandomAccessFile(path: store.blobPath(digest)), 0, size)
    }

    public func hasBlob(_ descriptor: Descriptor, in repository: Repository) async throws -> Bool {
        store.hasBlob(descriptor)
    }

    public func putBlob(_ descriptor: Descriptor, in repository: Repository, from source: any ContentSource,
                        progress: @escaping @Sendable (Int64) -> Void) async throws {
        let ingest = try store.ingest(descriptor)
        do {
            try await source.readBlob(descriptor, in: repository, into: ingest, progress: progress)
            try ingest.commit()
        } catch {
            ingest.abandon()
            throw error
        }
    }

    public func putManifest(_ manifest: Manifest, in repository: Repository) async throws -> Bool {
        guard !store.hasBlob(manifest.descriptor) else { return false }
        try store.putManifest(manifest)
        return true
    }

    public func taggedDigest(_ tag: String, in repository: Repository) async throws -> Digest? {
        try entry(named: "\(repository):\(tag)")?.descriptor.digest
    }

    public func commit(_ placements: [Placement]) async throws {
        try store.record(placements.map(\.entry))
        names.forget()
    }
}
