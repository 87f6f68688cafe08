import Archive
import Bundle
import Foundation
import OCI

/// Copies a bundle into a content store: every blob through the store's ingest (so each is checked against
/// its digest before it becomes visible), then the bundle's `index.json` entries, only when all is in place.
public struct BundleLoader: Sendable {
    public let bundle: BundleFile
    public let store: ContentStore

    public init(bundle: BundleFile, store: ContentStore) {
        self.bundle = bundle
        self.store = store
    }

    /// Returns how many blobs were copied and how many the store had already.
    public func load() throws -> (copied: Int, present: Int, bytes: Int64) {
        let structure = BundleVerifier(bundle: bundle, hashBlobs: false).verify()
        guard structure.verified else {
            throw BundleError(bundle: bundle.path, artifact: nil, reason: "fails verification, nothing loaded:\n  " + structure.failures.joined(separator: "\n  "))
        }
        let entries = try bundle.layoutIndex().manifests
        var copied = 0, present = 0
        var bytes: Int64 = 0
        for entry in bundle.entries.entries where entry.name.hasPrefix("blobs/sha256/") {
            let digest = try Digest(parsing: "sha256:" + entry.name.dropFirst("blobs/sha256/".count))
            let descriptor = Descriptor(mediaType: "application/octet-stream", digest: digest, size: entry.size)
            if store.hasBlob(descriptor) { present += 1; continue }
            let ingest = try store.ingest(descriptor)
            do {
                try bundle.entries.read(entry, from: bundle.source) { try ingest.append($0) }
                try ingest.commit()
            } catch {
                ingest.abandon()
                throw BundleError(bundle: bundle.path, artifact: entry.name, reason: "\(error)")
            }
            copied += 1
            bytes += entry.size
        }
        try store.record(entries)
        return (copied, present, bytes)
    }
}
