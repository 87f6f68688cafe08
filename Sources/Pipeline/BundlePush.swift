import Bundle
import Foundation
import OCI
import Registry

/// `transit push`: a bundle into a registry, as copy(bundle → registry). The bundle's structure is checked
/// first (blobs are hashed as they stream); `REGISTRY/PATH:TAG` lands at `TARGET/PREFIX/PATH:TAG`. A delta bundle
/// is pushed only onto a target that holds every blob it leaves to its base.
public struct BundlePush: Sendable {
    public struct Options: Sendable {
        public var jobs = 8
        /// Blobs larger than this go up in PATCH chunks of this size.
        public var chunkSize: Int64 = 64 << 20
        public var existing: ExistingTags = .overwrite
        public var dryRun = false
        /// Signature checks that must pass before anything is sent.
        public var trust: BundleTrustCheck?
        /// Countersigns every pushed image for its new reference (`transit push --sign-key`).
        public var signer: ImageSigner?
        public init() {}
    }

    /// What a push did.
    public struct Report: Codable, Sendable {
        public struct Artifact: Codable, Sendable {
            public var source: String
            public var target: String
            public var kind: String
            public var digest: Digest
            public var tagged: Bool
        }
        public var target: String
        public var artifacts: [Artifact]
        public var blobsUploaded: Int
        public var bytesUploaded: Int64
        public var blobsMounted: Int
        public var blobsPresent: Int
        public var manifestsPut: Int
        public var dryRun: Bool
        public var seconds: Double
        /// The images countersigned for their new reference (`repository@digest`), when a signer was given.
        public var countersigned: [String]?
    }

    public let bundle: BundleFile
    public let client: RegistryClient
    public let target: PushTarget
    public let options: Options

    public init(bundle: BundleFile, client: RegistryClient, target: PushTarget, options: Options) {
        self.bundle = bundle
        self.client = client
        self.target = target
        self.options = options
    }

    public func run(progress: any ProgressReporter = SilentProgress()) async throws -> Report {
        let started = Date()
        try await bundle.requireStructure(doing: "pushed")
        try await options.trust?.require(bundle)
        let source = BundleSource(bundle: bundle)
        let entries = try source.entries()
        try target.checkDistinctRepositories(entries, bundle: bundle.path)
        var copy = CopyOptions(jobs: options.jobs)
        copy.destination = { [target] in target.repository(for: $0) }
        copy.existing = options.existing
        copy.dryRun = options.dryRun
        let sink = RegistryEndpoint(client: client, chunkSize: options.chunkSize, jobs: options.jobs)
        if let expected = try bundle.record().base {
            try await DeltaPrecheck(bundle: bundle, expected: expected, target: sink, destination: copy.destination, jobs: options.jobs).require(entries)
        }
        let engine = CopyEngine(source: source, sink: sink, options: copy, progress: progress)
        let report = try await engine.copy(entries.map(CopyRoot.entry))
        if !options.dryRun {
            try await storeRecords(of: entries.filter { $0.kind == .image }, at: sink)
        }
        var countersigned: [String]?
        if let signer = options.signer, !options.dryRun {
            let images = try report.placements.filter { $0.entry.kind == .image && $0.tag != nil }.map { placement in
                (reference: try Reference(parsing: placement.target), digest: placement.entry.descriptor.digest)
            }
            let signed = try await signer.sign(images, at: RegistryEndpoint(client: client, jobs: options.jobs))
            countersigned = zip(images, signed).compactMap { image, entry in entry.map { _ in "\(image.reference.name)@\(image.digest)" } }
        }
        return Report(target: target.description, artifacts: report.placements.map {
            Report.Artifact(source: $0.entry.label, target: $0.target, kind: $0.entry.kind.rawValue,
                            digest: $0.entry.descriptor.digest, tagged: $0.tag != nil)
        }, blobsUploaded: report.blobsFetched, bytesUploaded: report.bytesFetched, blobsMounted: report.blobsMounted,
           blobsPresent: report.blobsSkipped, manifestsPut: report.manifestsPut, dryRun: options.dryRun,
           seconds: Date().timeIntervalSince(started), countersigned: countersigned)
    }
}

extension BundlePush {
    /// Leaves a ``PushRecord`` in every repository `images` went to, copied like any other content (tagged last).
    func storeRecords(of images: [LayoutEntry], at sink: RegistryEndpoint) async throws {
        var byRepository: [Repository: [PushRecord.Image]] = [:]
        for entry in images {
            let source = try entry.reference()
            byRepository[target.repository(for: source), default: []].append(.init(source: entry.label, digest: entry.descriptor.digest))
        }
        guard !byRepository.isEmpty else { return }
        let made = MemorySource()
        made.add(PlatformSubset.emptyBlob, mediaType: MediaType.ociEmpty)
        var roots: [CopyRoot] = []
        for (repository, pushed) in byRepository.sorted(by: { $0.key.description < $1.key.description }) {
            let bytes = try PushRecord(target: target, images: pushed).encoded()
            let manifest = try PushRecord.manifest(record: bytes)
            made.add(manifest)
            let reference = try Reference(parsing: "\(repository):\(PushRecord.tag(for: bytes))")
            roots.append(.entry(LayoutEntry(kind: .file, reference: reference, descriptor: manifest.descriptor)))
        }
        _ = try await CopyEngine(source: made, sink: sink).copy(roots)
    }
}

extension PushTarget {
    /// Two source repositories that would land on one target repository are an error before anything is sent.
    func checkDistinctRepositories(_ entries: [LayoutEntry], bundle: String) throws {
        var owners: [String: String] = [:]
        for entry in entries {
            let source = try entry.reference()
            let repository = self.repository(for: source)
            if let owner = owners[repository.path], owner != source.name {
                throw BundleError(bundle: bundle, artifact: entry.label,
                                  reason: "\(source.name) and \(owner) would both land on \(repository); push them with different --to prefixes")
            }
            owners[repository.path] = source.name
        }
    }
}
