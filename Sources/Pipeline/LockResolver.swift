import Bundle
import Charts
import Foundation
import OCI
import Registry

/// `connected lock`: resolves what a bundle would hold, without pulling any layer. Each image's tag to its
/// digest (manifests only), the children its platform filter keeps, its `.sig` tag; each chart through the
/// chart puller (archives are small) into a scratch store, and the images a chart names like any other image.
public struct LockResolver: Sendable {
    public var images: [CopyRequest]
    public var charts: [ChartRequest]
    /// The platforms of the images a chart names.
    public var chartImagePlatforms: [Platform]?
    /// `user:password` sent to chart repositories' own hosts.
    public var chartCredentials: String?
    public var jobs: Int

    public init(images: [CopyRequest], charts: [ChartRequest], chartImagePlatforms: [Platform]?, chartCredentials: String?, jobs: Int = 8) {
        self.images = images
        self.charts = charts
        self.chartImagePlatforms = chartImagePlatforms
        self.chartCredentials = chartCredentials
        self.jobs = jobs
    }

    public func resolve(with client: RegistryClient) async throws -> LockFile {
        var lockedCharts: [LockFile.Chart] = []
        var requests = images
        if !charts.isEmpty {
            let scratch = NSTemporaryDirectory() + "airlock-lock-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let report = try await ChartPuller(store: try ContentStore(at: scratch), client: client, basicAuth: chartCredentials).pull(charts)
            lockedCharts = report.charts.map { LockFile.Chart(source: $0.source, reference: $0.reference, version: $0.version, digest: $0.digest) }
            requests += report.imageRequests.map { CopyRequest(reference: $0, platforms: chartImagePlatforms) }
        }
        let source = RegistryEndpoint(client: client, jobs: jobs)
        let limiter = ConcurrencyLimiter(limit: jobs)
        let unique = requests.reduce(into: [CopyRequest]()) { list, r in if !list.contains(where: { $0.reference == r.reference }) { list.append(r) } }
        let lockedImages = try await withThrowingTaskGroup(of: LockFile.Image.self) { group in
            for request in unique {
                group.addTask { try await limiter.run { try await Self.lock(request, at: source) } }
            }
            var all: [LockFile.Image] = []
            for try await image in group { all.append(image) }
            return all
        }
        return LockFile(images: lockedImages, charts: lockedCharts)
    }

    /// One image's digest, kept children and signature.
    static func lock(_ request: CopyRequest, at source: RegistryEndpoint) async throws -> LockFile.Image {
        let reference = request.reference
        let repository = Repository(reference)
        do {
            let manifest = try await source.manifest(reference.manifestReference, in: repository)
            var image = LockFile.Image(reference: reference, digest: manifest.digest)
            if case .index(let index) = manifest.content {
                for child in try CopyEngine.select(index.manifests, platforms: request.platforms, what: reference.description) {
                    guard let platform = child.platform, platform.os != "unknown" else { continue }
                    image.platforms[platform.description] = child.digest
                }
            }
            image.signature = try await source.manifestIfPresent("\(manifest.digest.tagForm).sig", in: repository)?.digest
            return image
        } catch {
            throw CopyError(reference: reference.description, underlying: error)
        }
    }
}
