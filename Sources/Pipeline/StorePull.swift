import Bundle
import Charts
import OCI
import Registry
import Trust

/// `connected pull`: charts and images into a content store, as copy(registry → store). Charts come first (with
/// the images they name, when asked), then every image with its signatures and referrers; with a policy, the
/// pulled images' signatures are checked before anything is recorded; `index.json` gains the charts only when
/// the images succeeded too.
public struct StorePull: Sendable {
    public var images: [CopyRequest]
    public var charts: [ChartRequest]
    /// Files carried as OCI artifacts.
    public var files: [FileRequest] = []
    /// The platforms of the images a chart names.
    public var chartImagePlatforms: [Platform]?
    /// Jobs, signatures, referrers (the gate is set from `policy`).
    public var options: CopyOptions
    public var policy: TrustPolicy?
    /// `user:password` sent to chart repositories' own hosts.
    public var chartCredentials: String?
    /// When set, every image is pulled at its locked digest and every chart at its locked version, and the pull
    /// fails, recording nothing, where a source no longer matches the lock.
    public var lock: LockFile?
    /// A sigstore trusted root to carry beside the images (`--trusted-root`), stored once they are.
    public var trustedRoot: TrustedRoot?

    public init(images: [CopyRequest], charts: [ChartRequest] = [], chartImagePlatforms: [Platform]? = nil,
                options: CopyOptions = CopyOptions(), policy: TrustPolicy? = nil, chartCredentials: String? = nil,
                lock: LockFile? = nil, trustedRoot: TrustedRoot? = nil) {
        self.lock = lock
        self.trustedRoot = trustedRoot
        self.images = images
        self.charts = charts
        self.chartImagePlatforms = chartImagePlatforms
        self.options = options
        self.policy = policy
        self.chartCredentials = chartCredentials
    }

    /// What a pull placed: images (with what came along) and charts.
    public struct Report: Sendable {
        public var images: CopyReport
        public var charts: ChartPuller.Report
        /// Files, and the trusted root carried beside the images when asked for.
        public var files: [LayoutEntry]

        /// Everything recorded in the store, charts, files and the trusted root included.
        public var entries: [LayoutEntry] { images.entries + charts.entries + files }
    }

    public func run(into store: ContentStore, with client: RegistryClient, progress: any ProgressReporter = SilentProgress()) async throws -> Report {
        let lock = self.lock
        let puller = ChartPuller(store: store, client: client, basicAuth: chartCredentials) { lock?.pin($0) ?? $0 }
        let charts = try await puller.pull(self.charts)
        try lock?.check(charts: charts.charts)
        var files = try await FilePuller(store: store, client: client).pull(self.files)
        var requests = images + charts.imageRequests.map { CopyRequest(reference: $0, platforms: chartImagePlatforms) }
        if let lock { requests = try requests.map { try lock.pin($0) } }
        var options = self.options
        let checkSignatures = lock != nil && options.signatures
        let gate = policy.map { TrustGate(policy: $0) }
        if checkSignatures || gate != nil {
            options.gate = { entries in
                if checkSignatures { try lock?.check(signatures: entries) }
                guard let gate else { return }
                let images = try entries.filter { $0.kind == .image }.map { (reference: try $0.reference(), digest: $0.descriptor.digest) }
                _ = try await gate.require(images, in: try LayoutSignatureMaterial(store: store, entries: entries))
            }
        }
        let engine = CopyEngine(source: RegistryEndpoint(client: client), sink: StoreEndpoint(store: store), options: options, progress: progress)
        let copied = try await engine.copy(requests.map(CopyRoot.reference))
        try store.record(charts.entries + files)
        if let trustedRoot { files.append(try await TrustedRootArtifact.store(trustedRoot, into: store)) }
        return Report(images: copied, charts: charts, files: files)
    }
}
