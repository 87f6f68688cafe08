import Bundle
import Charts
import Foundation
import OCI
import Registry

/// Pulls Helm charts into a content store as Helm OCI artifacts, each found by the reference
/// `charts/NAME:VERSION` (`+` written `_`, as Helm tags it), so `transit push` places it at `HOST/PREFIX/charts/NAME`.
///
/// A chart from an HTTP repository is chosen from the index by Helm's rules, downloaded, checked against the
/// index digest and read (Chart.yaml, values, subcharts), then stored as `helm push` would push it: config,
/// chart layer, provenance layer when the repository has a `.prov`, and annotations, with `created` taken from
/// Chart.yaml's time in the archive so that the same archive always gives the same manifest. A chart from an
/// `oci://` registry is copied as it is (manifest bytes and digest kept), its version resolved through the tag list.
/// Nothing is recorded in `index.json` here: the caller records `Report.entries` once everything it pulls
/// (the charts' images too) is in place.
public final class ChartPuller: Sendable {
    let store: ContentStore
    let client: RegistryClient
    let downloader: HTTPDownloader
    /// `user:password` for HTTP chart repositories.
    let basicAuth: String?
    /// Rewrites each request before it is pulled, dependencies included (a lock file pins the version).
    let pin: @Sendable (ChartRequest) -> ChartRequest

    public init(store: ContentStore, client: RegistryClient, basicAuth: String?,
                pin: @escaping @Sendable (ChartRequest) -> ChartRequest = { $0 }) {
        self.store = store
        self.client = client
        self.downloader = HTTPDownloader(transport: client.transport, retry: client.retry)
        self.basicAuth = basicAuth
        self.pin = pin
    }

    /// One chart placed in the store.
    public struct PulledChart: Sendable, Codable {
        /// `charts/NAME:TAG`.
        public var reference: String
        /// The request it answers.
        public var source: String
        public var name: String
        public var version: String
        /// The chart manifest's digest.
        public var digest: Digest
        /// The `.tgz`'s digest.
        public var archiveDigest: Digest
        public var provenance: Bool
        /// Images the chart names (filled for every chart; pulled only when asked).
        public var images: [ChartImage]
        /// Dependencies Chart.yaml lists that were not pulled (no repository Airlock can reach, or not asked).
        public var dependenciesNotPulled: [String]
    }

    /// What a pull did: the charts, their `index.json` entries, and the images to pull for them.
    public struct Report: Sendable {
        public var charts: [PulledChart]
        public var entries: [LayoutEntry]
        public var imageRequests: [Reference]
    }

    /// Pulls every request (and, where asked, dependencies) into the store's blobs.
    public func pull(_ requests: [ChartRequest]) async throws -> Report {
        let scratch = NSTemporaryDirectory() + "airlock-charts-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        var pending = requests
        var done = Set<String>()
        var report = Report(charts: [], entries: [], imageRequests: [])
        while !pending.isEmpty {
            let request = pin(pending.removeFirst())
            guard done.insert(request.description).inserted else { continue }
            let (pulled, entry, archive) = try await pullOne(request, scratch: scratch)
            if report.charts.contains(where: { $0.reference == pulled.reference && $0.digest != pulled.digest }) {
                throw ChartError.invalidChart(pulled.reference, "two different charts would both be \(pulled.reference)")
            }
            var chart = pulled
            if request.dependencies {
                let (more, skipped) = dependencyRequests(of: archive, parent: request)
                pending += more
                chart.dependenciesNotPulled = skipped
            } else {
                chart.dependenciesNotPulled = archive.metadata.dependencies.filter { d in !archive.subcharts.contains { $0.metadata.name == d.name } }
                    .map { "\($0.name) \($0.version) (\($0.repository))" }
            }
            if request.images {
                for image in chart.images where !report.imageRequests.contains(where: { $0.description == image.reference }) {
                    report.imageRequests.append(try Reference(parsing: image.reference))
                }
            }
            report.charts.append(chart)
            if !report.entries.contains(entry) { report.entries.append(entry) }
        }
        return report
    }

    /// The requests for the dependencies a chart does not carry, and those that cannot be pulled.
    func dependencyRequests(of archive: ChartArchive, parent: ChartRequest) -> ([ChartRequest], [String]) {
        var requests: [ChartRequest] = []
        var skipped: [String] = []
        for d in archive.metadata.dependencies where !archive.subcharts.contains(where: { $0.metadata.name == d.name }) {
            if let request = try? ChartRequest(repository: d.repository, name: d.name, version: d.version.isEmpty ? nil : d.version,
                                               images: parent.images, dependencies: true) {
                requests.append(request)
            } else {
                skipped.append("\(d.name) \(d.version) (\(d.repository.isEmpty ? "no repository" : d.repository))")
            }
        }
        return (requests, skipped)
    }

    private func pullOne(_ request: ChartRequest, scratch: String) async throws -> (PulledChart, LayoutEntry, ChartArchive) {
        switch request.source {
        case .http(let url):
            let repository = HTTPChartRepository(url: url, basicAuth: basicAuth, downloader: downloader)
            let entry = try await repository.index(of: request.name, scratch: scratch).select(request.version)
            let download = try await repository.download(entry, into: scratch)
            defer { unlink(download.archive.path); if let p = download.provenance { unlink(p.path) } }
            let archive = try ChartArchive(path: download.archive.path, name: "\(entry.name) \(entry.version) (\(download.url))")
            // The manifest helm push would make, over the downloaded files: copied into the store like any artifact.
            let made = MemorySource()
            let chartLayer = Descriptor(mediaType: HelmArtifact.chartLayerMediaType, digest: download.archive.digest, size: download.archive.size)
            made.add(file: download.archive.path, as: chartLayer)
            var provenanceLayer: Descriptor?
            if let prov = download.provenance {
                provenanceLayer = Descriptor(mediaType: HelmArtifact.provenanceLayerMediaType, digest: prov.digest, size: prov.size)
                made.add(file: prov.path, as: provenanceLayer!)
            }
            let config = made.add(Data(archive.metadata.helmConfigJSON.utf8), mediaType: HelmArtifact.configMediaType)
            let bytes = HelmArtifact.manifest(metadata: archive.metadata, config: config, chart: chartLayer, provenance: provenanceLayer,
                                              created: HelmArtifact.rfc3339(secondsSince1970: archive.chartFileModified))
            let manifest = try Manifest(bytes: bytes, declaredType: MediaType.ociManifest, source: "chart \(archive.metadata.name)")
            made.add(manifest)
            let (pulled, chartEntry, _) = finish(request, archive: archive, manifest: manifest, archiveDigest: chartLayer.digest, provenance: provenanceLayer != nil)
            try await copy(.entry(chartEntry), from: made)
            return (pulled, chartEntry, archive)
        case .oci(let repository):
            let tag = try await resolveTag(request, in: repository)
            let manifest = try await client.manifest(repository, reference: tag)
            guard case .image(let image) = manifest.content, HelmArtifact.isChart(image), let chartLayer = HelmArtifact.chartLayer(of: image) else {
                throw ChartError.invalidChart("oci://\(repository):\(tag)", "is not a Helm chart (config \(manifest.blobs.first?.mediaType ?? manifest.mediaType), expected \(HelmArtifact.configMediaType))")
            }
            try await copy(.reference(CopyRequest(reference: try Reference(registry: repository.registry, repository: repository.path, tag: nil,
                                                                           digest: manifest.digest))), from: RegistryEndpoint(client: client))
            let archive = try ChartArchive(path: store.blobPath(chartLayer.digest), name: "oci://\(repository):\(tag)")
            return finish(request, archive: archive, manifest: manifest, archiveDigest: chartLayer.digest,
                          provenance: HelmArtifact.provenanceLayer(of: image) != nil)
        }
    }

    private func finish(_ request: ChartRequest, archive: ChartArchive, manifest: Manifest, archiveDigest: Digest,
                        provenance: Bool) -> (PulledChart, LayoutEntry, ChartArchive) {
        let reference = "charts/\(archive.metadata.name):\(HelmArtifact.tag(forVersion: archive.metadata.version))"
        var root = manifest.descriptor
        root.artifactType = HelmArtifact.configMediaType
        let entry = LayoutEntry(kind: .chart, name: reference, descriptor: root, origin: request.description)
        let pulled = PulledChart(reference: reference, source: request.description, name: archive.metadata.name, version: archive.metadata.version,
                                 digest: manifest.digest, archiveDigest: archiveDigest, provenance: provenance,
                                 images: ChartImageFinder.images(in: archive), dependenciesNotPulled: [])
        return (pulled, entry, archive)
    }

    /// The tag of an `oci://` chart: the version itself when tagged, else the newest tag the constraint allows.
    func resolveTag(_ request: ChartRequest, in repository: Repository) async throws -> String {
        let tags = try await client.tags(repository)
        if let version = request.version, tags.contains(HelmArtifact.tag(forVersion: version)) { return HelmArtifact.tag(forVersion: version) }
        let constraint = try VersionConstraint(request.version ?? "*")
        let versions = tags.compactMap { tag in SemanticVersion(HelmArtifact.version(forTag: tag)).map { (tag, $0) } }
            .sorted { $0.1.compare($1.1) > 0 }
        guard let match = versions.first(where: { constraint.allows($0.1) }) else {
            throw ChartError.noMatchingVersion(chart: "oci://\(repository)", constraint: request.version ?? "*", available: versions.map(\.1.original))
        }
        return match.0
    }

    /// Copies a chart's content into the store without naming it (the caller records the charts with the images).
    private func copy(_ root: CopyRoot, from source: any ContentSource) async throws {
        var options = CopyOptions(signatures: false, referrers: false)
        options.commit = false
        _ = try await CopyEngine(source: source, sink: StoreEndpoint(store: store), options: options).copy([root])
    }
}
