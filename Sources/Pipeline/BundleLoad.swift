import Bundle
import OCI

/// `transit load`: a bundle into a content store, as copy(bundle → store): every blob through the store's
/// ingest (checked against its digest before it becomes visible), the entries recorded only when all is in place.
/// A delta bundle loads only into a store that holds every blob it leaves to its base. The store is opened (and
/// created) only once the bundle's structure checked, so a bad bundle leaves no empty layout behind.
public struct BundleLoad: Sendable {
    public let bundle: BundleFile
    public let storePath: String

    public init(bundle: BundleFile, storePath: String) {
        self.bundle = bundle
        self.storePath = storePath
    }

    public func run(progress: any ProgressReporter = SilentProgress()) async throws -> CopyReport {
        try await bundle.requireStructure(doing: "loaded")
        let store = try ContentStore(at: storePath)
        if let base = try bundle.record().base {
            let missing = base.blobs.filter { bundle.entries[BundleFile.blobName($0.digest)] == nil && store.blobSize($0.digest) != $0.size }
            guard missing.isEmpty else {
                throw BundleError(bundle: bundle.path, artifact: nil, reason: "is a delta bundle and the store \(store.root) lacks \(missing.count) of the blobs it leaves to its base; load the base bundle first. Nothing was loaded. Missing:\n  "
                                  + missing.map(\.digest.description).joined(separator: "\n  "))
            }
        }
        let source = BundleSource(bundle: bundle)
        let engine = CopyEngine(source: source, sink: StoreEndpoint(store: store), progress: progress)
        return try await engine.copy(try source.entries().map(CopyRoot.entry))
    }
}
