import Bundle
import Foundation
import OCI
import Registry
import Synchronization

/// Copies images with everything attached to them from a source to a sink.
///
/// It walks index → manifests → config and layers, plus cosign signature tags and OCI referrers;
/// keeps only the requested platforms of an index; moves each blob once however many images share it;
/// skips blobs the sink has; runs up to `jobs` transfers at once across all images; and records the
/// copied artifacts (tags, index entries) only after all of their content is in place — or none at all
/// if any reference failed.
public final class CopyEngine: Sendable {
    let source: any ContentSource
    let sink: any ContentSink
    let options: CopyOptions
    let progress: any ProgressReporter
    let limiter: ConcurrencyLimiter
    let blobs = BlobScheduler()
    let tagLists = TagListCache()

    public init(source: any ContentSource, sink: any ContentSink, options: CopyOptions = CopyOptions(),
                progress: any ProgressReporter = SilentProgress()) {
        self.source = source
        self.sink = sink
        self.options = options
        self.progress = progress
        self.limiter = ConcurrencyLimiter(limit: options.jobs)
    }

    /// Copies every request; throws the first failure (naming its reference) after the others stopped.
    public func copy(_ requests: [CopyRequest]) async throws -> CopyReport {
        let unique = requests.reduce(into: [CopyRequest]()) { list, r in if !list.contains(r) { list.append(r) } }
        let results = try await withThrowingTaskGroup(of: (Int, ItemResult).self) { group in
            for (position, request) in unique.enumerated() {
                group.addTask {
                    do { return (position, try await self.copyReference(request)) } catch {
                        throw error is CopyError ? error : CopyError(reference: request.reference.description, underlying: error)
                    }
                }
            }
            var collected: [(Int, ItemResult)] = []
            for try await result in group { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        if let gate = options.gate { try await gate(results.flatMap(\.artifacts)) }
        try await sink.record(results.flatMap(\.artifacts))
        let totals = await blobs.totals()
        return CopyReport(items: results.map(\.item), artifacts: results.flatMap(\.artifacts), blobsFetched: totals.fetched, bytesFetched: totals.bytes,
                          blobsSkipped: totals.present)
    }

    /// What copying one reference produced.
    struct ItemResult: Sendable {
        var item: CopyReport.Item
        var artifacts: [CopiedArtifact]
    }

    /// Counts for one reference, updated from its concurrent tasks.
    final class Tally: Sendable {
        struct Counts { var bytes: Int64 = 0; var manifests = 0; var blobs = 0; var fetched = 0; var skipped = 0 }
        let counts = Mutex(Counts())
        func manifest(_ size: Int64) { counts.withLock { $0.manifests += 1; $0.bytes += size } }
        func blob(_ size: Int64, fetched: Bool) {
            counts.withLock { $0.blobs += 1; $0.bytes += size; if fetched { $0.fetched += 1 } else { $0.skipped += 1 } }
        }
    }

    private func copyReference(_ request: CopyRequest) async throws -> ItemResult {
        let reference = request.reference
        let repository = Repository(reference)
        let root = try await limiter.run {
            try await self.source.manifest(repository, reference: reference.manifestReference)
        }
        progress.report(.resolved(reference: reference.description, digest: root.digest))
        let tally = Tally()
        let tree = try await copyTree(root, in: repository, platforms: request.platforms, tally: tally, what: reference.description)

        // Platform subset hook (PlatformSubset.swift): the entry names the filtered index, and records the source digest.
        var artifacts = [CopiedArtifact(kind: .image, reference: reference, descriptor: tree.subset?.filtered.descriptor ?? root.descriptor,
                                        platforms: request.platforms == nil ? nil : tree.platforms, sourceDigest: tree.subset?.source.digest)]
        artifacts += try await copyAttachments(of: tree.manifests, in: repository, tally: tally)
        if let subset = tree.subset { artifacts.append(subset.provenanceArtifact(in: reference)) }   // platform subset hook
        progress.report(.referenceFinished(reference.description))
        let c = tally.counts.withLock { $0 }
        let item = CopyReport.Item(reference: reference.description, digest: artifacts[0].descriptor.digest, sourceDigest: tree.subset?.source.digest, mediaType: root.mediaType,
                                   platforms: tree.platforms.map(\.description), bytes: c.bytes, manifests: c.manifests,
                                   blobs: c.blobs, blobsFetched: c.fetched, blobsSkipped: c.skipped,
                                   attached: artifacts.dropFirst().map { $0.kind == .referrer ? "\($0.reference.name)@\($0.descriptor.digest)" : $0.reference.description })
        return ItemResult(item: item, artifacts: artifacts)
    }

    /// The manifests a tree copy placed and the platforms it kept.
    struct Tree: Sendable {
        var manifests: [Digest]
        var platforms: [Platform]
        /// Set when a platform filter dropped children of this index: what was stored instead of it.
        var subset: PlatformSubset? = nil
    }

    /// Copies `manifest` with everything below it: children first, the manifest itself last.
    func copyTree(_ manifest: Manifest, in repository: Repository, platforms: [Platform]?, tally: Tally, what: String) async throws -> Tree {
        switch manifest.content {
        case .image(let image):
            try await withThrowingTaskGroup(of: Void.self) { group in
                // Largest first: the longest transfer bounds the copy, so it should start soonest.
                for blob in ([image.config] + image.layers).sorted(by: { $0.size > $1.size }) {
                    group.addTask { try await self.copyBlob(blob, in: repository, tally: tally) }
                }
                try await group.waitForAll()
            }
            try await sink.putManifest(manifest, in: repository)
            tally.manifest(Int64(manifest.bytes.count))
            return Tree(manifests: [manifest.digest], platforms: [])
        case .index(let index):
            let chosen = try Self.select(index.manifests, platforms: platforms, what: what)
            let subtrees = try await withThrowingTaskGroup(of: Tree.self) { group in
                for child in chosen {
                    group.addTask {
                        let childManifest = try await self.limiter.run {
                            try await self.source.manifest(repository, reference: child.digest.description)
                        }
                        guard childManifest.mediaType == child.mediaType || !MediaType.isManifest(child.mediaType) else {
                            throw RegistryError(.integrity, "\(what): child \(child.digest) is \(childManifest.mediaType), the index says \(child.mediaType)")
                        }
                        var tree = try await self.copyTree(childManifest, in: repository, platforms: nil, tally: tally, what: what)
                        if let platform = child.platform, tree.platforms.isEmpty { tree.platforms = [platform] }
                        return tree
                    }
                }
                var trees: [Tree] = []
                for try await tree in group { trees.append(tree) }
                return trees
            }
            // Platform subset hook (PlatformSubset.swift): when the filter dropped children, a filtered index and its
            // source-index referrer are put instead of the source index (unless --verbatim-index).
            let subset = options.verbatimIndex ? nil : try PlatformSubset.make(source: manifest, kept: chosen)
            if let subset { try await subset.place(in: sink, repository: repository) } else { try await sink.putManifest(manifest, in: repository) }
            for written in subset?.manifests ?? [manifest] { tally.manifest(Int64(written.bytes.count)) }
            let kept = chosen.compactMap(\.platform).filter { $0.os != "unknown" }
            return Tree(manifests: [manifest.digest] + subtrees.flatMap(\.manifests), platforms: kept, subset: subset)
        }
    }

    /// The children of an index to copy: those matching a requested platform (and the buildx attestation
    /// manifests that belong to them), or all when no platform was requested.
    static func select(_ children: [Descriptor], platforms: [Platform]?, what: String) throws -> [Descriptor] {
        guard let platforms else { return children }
        let matching = children.filter { child in child.platform.map { p in platforms.contains { $0.matches(p) } } ?? false }
        guard !matching.isEmpty else {
            let available = children.compactMap(\.platform).filter { $0.os != "unknown" }.map(\.description)
            throw RegistryError(.notFound, "\(what) has no manifest for \(platforms.map(\.description).joined(separator: ", ")) (it has: \(available.joined(separator: ", ")))")
        }
        let kept = Set(matching.map(\.digest.description))
        let attestations = children.filter {
            $0.annotations?["vnd.docker.reference.type"] == "attestation-manifest"
                && kept.contains($0.annotations?["vnd.docker.reference.digest"] ?? "")
        }
        return matching + attestations
    }

    private func copyBlob(_ blob: Descriptor, in repository: Repository, tally: Tally) async throws {
        let fetched = try await blobs.once(blob.digest) {
            try await self.limiter.run {
                if try await self.sink.hasBlob(blob, in: repository) {
                    self.progress.report(.blobFinished(blob.digest, size: blob.size, skipped: true))
                    return false
                }
                self.progress.report(.blobStarted(blob.digest, size: blob.size))
                let reporter = self.progress
                try await self.sink.receiveBlob(blob, in: repository, from: self.source) { reporter.report(.transferred($0)) }
                self.progress.report(.blobFinished(blob.digest, size: blob.size, skipped: false))
                return true
            }
        }
        await blobs.count(blob, fetched: fetched.didFetch)
        tally.blob(blob.size, fetched: fetched.didFetch && fetched.first)
    }

    /// Copies the signature, attestation and SBOM tags and the referrers of each manifest in `manifests`.
    private func copyAttachments(of manifests: [Digest], in repository: Repository, tally: Tally) async throws -> [CopiedArtifact] {
        guard options.signatures || options.referrers else { return [] }
        let name = try Reference(registry: repository.registry, repository: repository.path, tag: nil, digest: nil)
        // One tag listing per repository answers most "is there a signature?" questions at once.
        let knownTags = try await tagLists.tags(of: repository) { try await self.limiter.run { try await self.source.tags(repository) } }
        return try await withThrowingTaskGroup(of: [CopiedArtifact].self) { group in
            for subject in manifests {
                if options.signatures {
                    for (suffix, kind) in [("sig", ArtifactKind.signature), ("att", .attestation), ("sbom", .sbom)] {
                        group.addTask {
                            let tag = "\(subject.tagForm).\(suffix)"
                            if let knownTags, !knownTags.contains(tag) { return [] }
                            guard let attached = try await self.limiter.run({ try await self.source.manifestIfPresent(repository, tag: tag) }) else { return [] }
                            _ = try await self.copyTree(attached, in: repository, platforms: nil, tally: tally, what: "\(name.name):\(tag)")
                            self.progress.report(.notice("\(name.name): \(kind.rawValue) \(tag)"))
                            return [CopiedArtifact(kind: kind, reference: try name.withTag(tag), descriptor: attached.descriptor, subject: subject)]
                        }
                    }
                }
                if options.referrers {
                    group.addTask {
                        let found = try await self.limiter.run { try await self.source.referrers(repository, subject: subject, knownTags: knownTags) }
                        var copied: [CopiedArtifact] = []
                        for descriptor in found {
                            let referrer = try await self.limiter.run {
                                try await self.source.manifest(repository, reference: descriptor.digest.description)
                            }
                            _ = try await self.copyTree(referrer, in: repository, platforms: nil, tally: tally, what: "\(name.name)@\(descriptor.digest)")
                            var entry = referrer.descriptor
                            entry.artifactType = descriptor.artifactType ?? referrer.artifactType
                            copied.append(CopiedArtifact(kind: .referrer, reference: name.withDigest(descriptor.digest).withoutTag(), descriptor: entry, subject: subject))
                        }
                        return copied
                    }
                }
            }
            var all: [CopiedArtifact] = []
            for try await artifacts in group { all += artifacts }
            return all.sorted { $0.reference.description < $1.reference.description }
        }
    }
}

/// Makes sure each blob is transferred once per run, whichever reference asks first.
actor BlobScheduler {
    private var tasks: [Digest: Task<Bool, any Error>] = [:]
    private var counted = Set<Digest>()
    private var fetched = 0
    private var present = 0
    private var bytes: Int64 = 0

    /// Runs `transfer` for `digest` unless a run for it exists; `didFetch` is what the transfer returned,
    /// `first` whether this caller started it.
    func once(_ digest: Digest, _ transfer: @escaping @Sendable () async throws -> Bool) async throws -> (didFetch: Bool, first: Bool) {
        if let existing = tasks[digest] { return (try await existing.value, false) }
        let task = Task { try await transfer() }
        tasks[digest] = task
        do { return (try await task.value, true) } catch {
            tasks[digest] = nil
            throw error
        }
    }

    /// Counts each distinct blob once: transferred, or found already in the destination.
    func count(_ blob: Descriptor, fetched didFetch: Bool) {
        guard counted.insert(blob.digest).inserted else { return }
        if didFetch { fetched += 1; bytes += blob.size } else { present += 1 }
    }

    func totals() -> (fetched: Int, present: Int, bytes: Int64) { (fetched, present, bytes) }
}

/// Lists each repository's tags once per run, however many images of it are copied.
actor TagListCache {
    private var lists: [Repository: Task<Set<String>?, any Error>] = [:]

    func tags(of repository: Repository, _ list: @escaping @Sendable () async throws -> Set<String>?) async throws -> Set<String>? {
        if let existing = lists[repository] { return try await existing.value }
        let task = Task { try await list() }
        lists[repository] = task
        return try await task.value
    }
}
