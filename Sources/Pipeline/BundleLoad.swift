import Bundle
import OCI

/// `transit load`: a bundle into a content store, as copy(bundle → store): every blob through the store's
/// ingest (checked against its digest before it becomes visible), the entries recorded only when all is in place.
public struct BundleLoad: Sendable {
    public let bundle: BundleFile
    public let store: ContentStore

    public init(bundle: BundleFile, store: ContentStore) {
        self.bundle = bundle
        self.store = store
    }

    public func run(progress: any ProgressReporter = SilentProgress()) async throws -> CopyReport {
        try await bundle.requireStructure(doing: "loaded")
        let source = BundleSource(bundle: bundle)
        let engine = CopyEngine(source: source, sink: StoreEndpoint(store: store), progress: progress)
        return try await engine.copy(try source.entries().map(CopyRoot.entry))
    }
}
