import Archive
import Bundle
import Foundation
import OCI
import Registry

/// Pushes a bundle into a registry: blobs in parallel straight from the bundle file (skipped when present,
/// mounted when another repository of the target has them, hashed as they stream), then manifests children
/// first, and only when all of that succeeded, the tags — none at all if anything failed.
public final class BundlePusher: Sendable {
    /// What to do with a tag the target already has.
    public enum ExistingTags: String, Sendable, CaseIterable { case overwrite, skip, fail }

    public struct Options: Sendable {
        public var jobs = 8
        /// Blobs larger than this go up in PATCH chunks of this size.
        public var chunkSize: Int64 = 64 << 20
        public var existing: ExistingTags = .overwrite
        public var dryRun = false
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
    }

    /// One top-level artifact placed at its target.
    struct Placement: Sendable {
        var entry: Descriptor
        var source: Reference
        var repository: Repository
        var kind: ArtifactKind
        var tag: String?
        var subject: Digest?
    }

    let bundle: BundleFile
    let client: RegistryClient
    let target: PushTarget
    let options: Options
    let progress: any ProgressReporter
    let limiter: ConcurrencyLimiter
    let once = OnceRunner()
    let stats = PushStats()

    public init(bundle: BundleFile, client: RegistryClient, target: PushTarget, options: Options, progress: any ProgressReporter = SilentProgress()) {
        self.bundle = bundle
        self.client = client
        self.target = target
        self.options = options
        self.progress = progress
        self.limiter = ConcurrencyLimiter(limit: options.jobs)
    }

    public func push() async throws -> Report {
        let started = Date()
        let structure = BundleVerifier(bundle: bundle, hashBlobs: false).verify()
        guard structure.verified else {
            throw BundleError(bundle: bundle.path, artifact: nil, reason: "fails verification, nothing pushed:\n  " + structure.failures.joined(separator: "\n  "))
        }
        let placements = try plan()
        let tagged = try await existingTagDecisions(placements)

        if !options.dryRun {
            // Content of every artifact, in parallel; each artifact's manifests after its blobs.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for placement in placements {
                    group.addTask { try await self.pushContent(placement.entry, to: placement.repository) }
                }
                try await group.waitForAll()
            }
            // Tags last, one at a time: with CNCF distribution 2.8, a tag PUT running beside the PUT of an index that
            // lists the same manifest sometimes fails the index with MANIFEST_BLOB_UNKNOWN (seen once in 20 pushes).
            for placement in placements where tagged.contains(placement.source.description) {
                guard let tag = placement.tag else { continue }
                try await client.putManifest(placement.repository, try bundle.manifest(placement.entry), reference: tag)
            }
            try await updateReferrersFallback(placements)
        }
        let s = await stats.snapshot()
        return Report(target: target.description, artifacts: placements.map {
            Report.Artifact(source: $0.source.description, target: "\($0.repository)" + ($0.tag.map { ":\($0)" } ?? "@\($0.entry.digest)"),
                            kind: $0.kind.rawValue, digest: $0.entry.digest, tagged: tagged.contains($0.source.description) && $0.tag != nil)
        }, blobsUploaded: s.uploaded, bytesUploaded: s.bytes, blobsMounted: s.mounted, blobsPresent: s.present,
           manifestsPut: s.manifests, dryRun: options.dryRun, seconds: Date().timeIntervalSince(started))
    }

    /// Where each artifact goes; two source repositories landing on one target repository is an error.
    func plan() throws -> [Placement] {
        var placements: [Placement] = []
        var owners: [String: String] = [:]
        for entry in try bundle.layoutIndex().manifests {
            let a = entry.annotations ?? [:]
            let kind = LayoutAnnotation.kind(of: entry)
            guard let text = LayoutAnnotation.reference(of: entry) else {
                throw BundleError(bundle: bundle.path, artifact: "index.json", reason: "entry \(entry.digest) has no reference name")
            }
            let source = try Reference(parsing: text)
            let repository = target.repository(for: source)
            if let owner = owners[repository.path], owner != source.name {
                throw BundleError(bundle: bundle.path, artifact: text,
                                  reason: "\(source.name) and \(owner) would both land on \(repository); push them with different --to prefixes")
            }
            owners[repository.path] = source.name
            placements.append(Placement(entry: entry, source: source, repository: repository, kind: kind,
                                        tag: kind == .referrer ? nil : source.tag,
                                        subject: a[LayoutAnnotation.subject].flatMap { try? Digest(parsing: $0) }))
        }
        return placements
    }

    /// The sources whose tags are to be written, after `--existing` had its say.
    func existingTagDecisions(_ placements: [Placement]) async throws -> Set<String> {
        var write = Set(placements.map(\.source.description))
        guard options.existing != .overwrite else { return write }
        var conflicts: [String] = []
        for placement in placements {
            guard let tag = placement.tag,
                  let present = try await client.manifestDescriptor(placement.repository, reference: tag) else { continue }
            if present.digest == placement.entry.digest { continue }
            if options.existing == .fail { conflicts.append("\(placement.repository):\(tag) is \(present.digest), the bundle has \(placement.entry.digest)") }
            else { write.remove(placement.source.description) }
        }
        if !conflicts.isEmpty {
            throw RegistryError(.denied, "tags exist with other content (--existing fail), nothing pushed:\n  " + conflicts.joined(separator: "\n  "))
        }
        return write
    }

    /// Pushes `descriptor` with everything below it that the bundle holds: blobs, then child manifests, then it.
    func pushContent(_ descriptor: Descriptor, to repository: Repository) async throws {
        guard MediaType.isManifest(descriptor.mediaType) else {
            try await pushBlob(descriptor, to: repository)
            return
        }
        let manifest = try bundle.manifest(descriptor)
        let children = manifest.children.filter { bundle.entries[BundleFile.blobName($0.digest)] != nil }
        try await withThrowingTaskGroup(of: Void.self) { group in
            // Config and layers are blobs whatever their media type (a source-index referrer's layer is an index's bytes).
            for blob in manifest.blobs.sorted(by: { $0.size > $1.size }) {
                group.addTask { try await self.pushBlob(blob, to: repository) }
            }
            for child in children {
                group.addTask { try await self.pushContent(child, to: repository) }
            }
            try await group.waitForAll()
        }
        try await once.run("\(repository) \(descriptor.digest)") {
            try await self.limiter.run {
                if try await self.client.manifestDescriptor(repository, reference: descriptor.digest.description) == nil {
                    do { try await self.client.putManifest(repository, manifest, reference: descriptor.digest.description) } catch let error as RegistryError where children.count < manifest.children.count {
                        // The index was bundled with a platform filter: its digest covers platforms the bundle lacks.
                        throw RegistryError(error.kind, "\(repository)@\(descriptor.digest): the bundle holds \(children.count) of this index's \(manifest.children.count) platforms (bundled with --platform) and the registry refuses an index whose manifests it lacks (\(error.message)); bundle it without --platform to push it with its digest")
                    }
                    await self.stats.manifestPut()
                }
            }
        }
    }

    /// One blob into one repository: present, mounted from a repository this push already filled, or uploaded.
    func pushBlob(_ blob: Descriptor, to repository: Repository) async throws {
        try await once.run("\(repository) \(blob.digest)") {
            // Wait for (or do) the first upload of this digest anywhere in the target, then mount from there.
            let home = try await self.firstHome(of: blob, uploadingTo: repository)
            guard home != repository else { return }
            try await self.limiter.run {
                if try await self.client.hasBlob(repository, blob.digest) { await self.stats.present(); return }
                if try await self.client.mountBlob(repository, blob.digest, from: home.path) { await self.stats.mounted(); return }
                try await self.upload(blob, to: repository)
            }
        }
    }

    /// The repository the blob was first placed in during this push (placing it in `repository` if none).
    private func firstHome(of blob: Descriptor, uploadingTo repository: Repository) async throws -> Repository {
        try await stats.home(of: blob.digest, default: repository) {
            try await self.limiter.run {
                if try await self.client.hasBlob(repository, blob.digest) { await self.stats.present(); return }
                try await self.upload(blob, to: repository)
            }
        }
    }

    private func upload(_ blob: Descriptor, to repository: Repository) async throws {
        let name = BundleFile.blobName(blob.digest)
        guard let entry = bundle.entries[name] else { throw BundleError(bundle: bundle.path, artifact: name, reason: "missing from the bundle") }
        let check = BlobStreamCheck(name: "\(bundle.path): \(name)", expected: blob)
        let source = bundle.source
        progress.report(.blobStarted(blob.digest, size: blob.size))
        try await client.uploadBlob(repository, blob, chunkSize: options.chunkSize) { offset, length in
            BlobRangeReader(source: source, entry: entry, check: check, offset: offset, length: length)
        }
        progress.report(.transferred(blob.size))
        progress.report(.blobFinished(blob.digest, size: blob.size, skipped: false))
        await stats.uploaded(blob.size)
    }

    /// Where the target lacks the referrers API, keeps the `sha256-<hex>` index of each subject's referrers.
    func updateReferrersFallback(_ placements: [Placement]) async throws {
        let referrers = placements.filter { $0.kind == .referrer && $0.subject != nil }
        let bySubject = Dictionary(grouping: referrers) { "\($0.repository.description) \($0.subject!)" }
        for (_, group) in bySubject.sorted(by: { $0.key < $1.key }) {
            guard let first = group.first, let subject = first.subject else { continue }
            let repository = first.repository
            // A registry with the API indexes referrers itself.
            _ = try? await client.referrers(repository, subject: subject)
            if !client.lacksReferrersAPI(repository.host) { continue }
            var index = ImageIndex(manifests: [])
            if let existing = try? await client.manifest(repository, reference: subject.tagForm), case .index(let current) = existing.content {
                index = current
            }
            for placement in group where !index.manifests.contains(where: { $0.digest == placement.entry.digest }) {
                let manifest = try bundle.manifest(placement.entry)
                var descriptor = manifest.descriptor
                descriptor.artifactType = manifest.artifactType
                if case .image(let image) = manifest.content { descriptor.annotations = image.annotations }
                index.manifests.append(descriptor)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            let bytes = try encoder.encode(index)
            let manifest = try Manifest(bytes: bytes, declaredType: MediaType.ociIndex, source: "referrers of \(subject)")
            try await client.putManifest(repository, manifest, reference: subject.tagForm)
        }
    }
}

/// Counters and first homes of a push, shared by its tasks.
actor PushStats {
    private var homes: [Digest: Task<Repository, any Error>] = [:]
    private(set) var counts = (uploaded: 0, bytes: Int64(0), mounted: 0, present: 0, manifests: 0)

    func home(of digest: Digest, default repository: Repository, place: @escaping @Sendable () async throws -> Void) async throws -> Repository {
        if let task = homes[digest] { return try await task.value }
        let task = Task { try await place(); return repository }
        homes[digest] = task
        do { return try await task.value } catch { homes[digest] = nil; throw error }
    }

    func uploaded(_ bytes: Int64) { counts.uploaded += 1; counts.bytes += bytes }
    func mounted() { counts.mounted += 1 }
    func present() { counts.present += 1 }
    func manifestPut() { counts.manifests += 1 }
    func snapshot() -> (uploaded: Int, bytes: Int64, mounted: Int, present: Int, manifests: Int) { counts }
}

/// Runs each keyed operation once per push, however many tasks ask for it.
actor OnceRunner {
    private var tasks: [String: Task<Void, any Error>] = [:]

    func run(_ key: String, _ operation: @escaping @Sendable () async throws -> Void) async throws {
        if let task = tasks[key] { return try await task.value }
        let task = Task { try await operation() }
        tasks[key] = task
        do { try await task.value } catch { tasks[key] = nil; throw error }
    }
}
