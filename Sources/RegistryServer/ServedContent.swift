import Archive
import Bundle
import Foundation
import OCI
import Pipeline

/// The bytes a server serves: the layouts it reads (a content store, or bundles in place) and, when it
/// accepts pushes, the store it writes. Blobs are found by digest in the first layout that has them.
struct ServedContent: Sendable {
    /// Read in order.
    let layouts: [any LayoutSource]
    /// Where pushes land; nil for a read-only server.
    let store: ContentStore?
    /// The repository links of the store (what was pushed or mounted into each repository).
    let links: RepositoryLinks?

    /// A read-write server over `store`.
    init(store: ContentStore) {
        layouts = [StoreEndpoint(store: store)]
        self.store = store
        links = RepositoryLinks(root: store.root + "/.airlock-serve/repositories")
    }

    /// A read-only server over layouts (bundles in place, or a store opened read-only).
    init(readOnly layouts: [any LayoutSource]) {
        self.layouts = layouts
        store = nil
        links = nil
    }

    /// Every layout's entries, in order.
    func entries() throws -> [LayoutEntry] {
        try layouts.flatMap { try $0.entries() }
    }

    /// Where blob `digest` lies.
    func location(of digest: Digest) throws -> (source: any RandomAccessSource, offset: Int64, size: Int64)? {
        for layout in layouts {
            if let location = try layout.blobLocation(digest) { return location }
        }
        return nil
    }

    /// The size of blob `digest`, nil when no layout holds it.
    func size(of digest: Digest) -> Int64? {
        if let store { return store.blobSize(digest) }
        return (try? location(of: digest))?.size
    }

    /// The exact bytes of manifest `descriptor`, checked against its digest; nil when absent or wrong.
    func manifestBytes(_ descriptor: Descriptor) -> Data? {
        guard descriptor.size <= Int64(Manifest.maximumSize), let location = try? location(of: descriptor.digest),
              location.size == descriptor.size else { return nil }
        var data = Data(count: Int(descriptor.size))
        let read = data.withUnsafeMutableBytes { (try? location.source.read(into: $0, at: location.offset)) ?? -1 }
        guard read == Int(descriptor.size), descriptor.digest.recomputed(over: data) == descriptor.digest else { return nil }
        return data
    }
}
