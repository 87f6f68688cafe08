import OCI
import Registry
import Locking

/// The one engine every move of content goes through: pull (registry → store), load (bundle → store),
/// push (bundle → registry) are copies between different endpoints.
///
/// It walks each root's graph (index → manifests → config and layers; for references also cosign's
/// signature tags and OCI referrers), keeps only the requested platforms of an index, moves each blob once
/// however many artifacts share it (mounting it where the sink can), skips what the sink has, runs up to
/// `jobs` transfers at once across all roots, puts manifests children first, and commits tags only after
/// all content of all roots is in place — nothing at all if any root failed.
public final class CopyEngine: Sendable {
    let source: any ContentSource
    let sink: any ContentSink
    let options: CopyOptions
    let progress: any ProgressReporter
    let limiter: ConcurrencyLimiter
    let blobs = BlobScheduler()
    let manifests = Once<String, Bool>()
    let tagLists = Once<Repository, Set<String>?>()

    public init(source: any ContentSource, sink: any ContentSink, options: CopyOptions = CopyOptions(),
                progress: any ProgressReporter = SilentProgress()) {
        self.source = source
        self.sink = sink
        self.options = options
        self.progress = progress
        self.limiter = ConcurrencyLimiter(limit: options.jobs)
    }

    /// Copies every root; throws the first failure (naming its root) after the others stopped.
    public func copy(_ roots: [CopyRoot]) async throws -> CopyReport {
        let unique = roots.reduce(into: [CopyRoot]()) { list, r in if !list.contains(r) { list.append(r) } }
        progress.report(.planned(references: unique.count))
        let untagged = try await existingTagDecisions(unique)
        if options.dryRun { return try await plan(unique, untagged: untagged) }
        if let ordered = sink as? any OrderedSink { return try await copyInOrder(unique, into: ordered) }
        let results = try await withThrowingTaskGroup(of: (Int, RootResult).self) { group in
            for (position, root) in unique.enumerated() {
                group.addTask {
                    do { return (position, try await self.copyRoot(root)) } catch {
                        throw error is CopyError ? error : CopyError(reference: root.label, underlying: error)
                    }
                }
            }
            var collected: [(Int, RootResult)] = []
            for try await result in group { collected.append(result) }
            return collected.sorted { $0.0 < $1.0 }.map(\.1)
        }
        var placements = results.flatMap(\.placements)
        for i in placements.indices where untagged.contains(placements[i].entry.identity) { placements[i].tagged = false }
        if let gate = options.gate { try await gate(placements.map(\.entry)) }
        if options.commit { try await sink.commit(placements) }
        let totals = await blobs.totals()
        return CopyReport(items: results.map(\.item), placements: placements, blobsFetched: totals.transferred,
                          bytesFetched: totals.bytes, blobsSkipped: totals.present, blobsMounted: totals.mounted,
                          manifestsPut: manifestsPut.withLock { $0 })
    }

    private let manifestsPut = Locked(0)

    /// What copying one root produced.
    struct RootResult: Sendable {
        var item: CopyReport.Item
        var placements: [Placement]
    }

    /// Counts for one root, updated from its concurrent tasks.
    final class Tally: Sendable {
        struct Counts { var bytes: Int64 = 0; var manifests = 0; var blobs = 0; var fetched = 0; var skipped = 0 }
        let counts = Locked(Counts())
        func manifest(_ size: Int64) { counts.withLock { $0.manifests += 1; $0.bytes += size } }
        func blob(_ size: Int64, fetched: Bool) {
            counts.withLock { $0.blobs += 1; $0.bytes += size; if fetched { $0.fetched += 1 } else { $0.skipped += 1 } }
        }
    }

    // MARK: - Roots

    /// A root resolved at the source: its entry, its manifest, the platforms to keep, where it comes from and goes.
    struct ResolvedRoot: Sendable {
        var entry: LayoutEntry
        var manifest: Manifest
        var platforms: [Platform]?
        var from: Repository
        var to: Repository
    }

    /// A manifest must be what the descriptor naming it says: its size, and its media type when the descriptor
    /// gives a manifest type (the digest is checked as it is read).
    static func check(_ manifest: Manifest, against descriptor: Descriptor, what: String) throws {
        guard manifest.mediaType == descriptor.mediaType || !MediaType.isManifest(descriptor.mediaType) else {
            throw RegistryError(.integrity, "\(what) says \(descriptor.digest) is \(descriptor.mediaType), it is \(manifest.mediaType)")
        }
        guard Int64(manifest.bytes.count) == descriptor.size else {
            throw RegistryError(.integrity, "\(what) says \(descriptor.digest) is \(descriptor.size) bytes, it is \(manifest.bytes.count)")
        }
    }

    private func resolve(_ root: CopyRoot) async throws -> ResolvedRoot {
        let resolved: ResolvedRoot
        switch root {
        case .reference(let request):
            let reference = request.reference
            let manifest = try await limiter.run {
                try await self.source.manifest(request.pinned?.description ?? reference.manifestReference, in: Repository(reference))
            }
            resolved = ResolvedRoot(entry: LayoutEntry(kind: .image, reference: reference, descriptor: manifest.descriptor), manifest: manifest,
                                    platforms: request.platforms, from: Repository(reference), to: options.destination(reference))
        case .entry(let entry):
            let reference = try entry.reference()
            let manifest = try await Self.recordingFailure(.manifest, subject: entry.label, digest: entry.descriptor.digest) {
                try await limiter.run { try await self.source.manifest(entry.descriptor.digest.description, in: Repository(reference)) }
            }
            try Self.check(manifest, against: entry.descriptor, what: "\(entry.label): index.json")
            resolved = ResolvedRoot(entry: entry, manifest: manifest, platforms: entry.platforms, from: Repository(reference),
                                    to: options.destination(reference))
        }
        progress.report(.resolved(reference: resolved.entry.label, digest: resolved.manifest.digest))
        return resolved
    }

    private func copyRoot(_ root: CopyRoot) async throws -> RootResult {
        let resolved = try await resolve(root)
        let (entry, rootManifest, from, to) = (resolved.entry, resolved.manifest, resolved.from, resolved.to)
        let tally = Tally()
        let isReference: Bool
        if case .reference = root { isReference = true } else { isReference = false }
        let tree = try await copyTree(rootManifest, from: from, to: to, platforms: resolved.platforms, tally: tally, what: entry.label,
                                      subsets: isReference && !options.verbatimIndex)

        var placed = entry
        if case .reference(let request) = root, request.platforms != nil { placed.platforms = tree.platforms }
        if let subset = tree.subset {
            // A filtered index is what is stored and named; the source index it came from is recorded beside it.
            placed.descriptor = subset.filtered.descriptor
            placed.sourceDigest = subset.source.digest
        }
        var placements = [Placement(entry: placed, repository: to, manifest: tree.subset?.filtered ?? rootManifest, tagged: true)]
        if isReference { placements += try await copyAttachments(of: tree.manifests, from: from, to: to, tally: tally) }
        if let subset = tree.subset {
            let name = try entry.reference()
            placements.append(Placement(entry: subset.provenanceEntry(in: name), repository: to, manifest: subset.provenance, tagged: true))
        }
        progress.report(.referenceFinished(entry.label))
        let c = tally.counts.withLock { $0 }
        let item = CopyReport.Item(reference: entry.label, digest: placed.descriptor.digest, sourceDigest: placed.sourceDigest, mediaType: rootManifest.mediaType,
                                   platforms: tree.platforms.map(\.description), bytes: c.bytes, manifests: c.manifests,
                                   blobs: c.blobs, blobsFetched: c.fetched, blobsSkipped: c.skipped,
                                   attached: placements.dropFirst().map { $0.entry.label })
        return RootResult(item: item, placements: placements)
    }

    /// Copies layout entries into a sink that writes in one pass (a bundle file): every root is walked first,
    /// the sink told the whole plan, then each manifest and blob sent once, in bundle order.
    private func copyInOrder(_ roots: [CopyRoot], into ordered: any OrderedSink) async throws -> CopyReport {
        var placements: [Placement] = []
        var sizes: [Int64] = []
        var content: [(node: Node, from: Repository, to: Repository)] = []
        var seen = Set<Digest>()
        // Signatures, attestations and referrers travel whole: what checks an image must not depend on a base.
        var attached = Set<Digest>()
        for root in roots {
            guard case .entry = root else { throw RegistryError(.protocolViolation, "\(root.label): a sink written in one pass takes layout entries only") }
            let (resolved, tree) = try await walk(root)
            var counted = Set<Digest>()
            var size: Int64 = 0
            for node in tree.content where counted.insert(node.descriptor.digest).inserted {
                if ![.image, .chart, .file].contains(resolved.entry.kind) { attached.insert(node.descriptor.digest) }
                size += node.descriptor.size
                if seen.insert(node.descriptor.digest).inserted { content.append((node, resolved.from, resolved.to)) }
            }
            placements.append(Placement(entry: resolved.entry, repository: resolved.to, manifest: resolved.manifest, tagged: true))
            sizes.append(size)
        }
        if let gate = options.gate { try await gate(placements.map(\.entry)) }
        func leftOut(_ node: Node) -> Bool { !node.isManifest && !attached.contains(node.descriptor.digest) && ordered.leavesToBase(node.descriptor.digest) }
        let expected = content.filter { leftOut($0.node) }.map(\.node.descriptor)
        content.removeAll { leftOut($0.node) }
        try await ordered.begin(placements, sizes: sizes, content: content.map(\.node.descriptor), expected: expected)
        var bytes: Int64 = 0
        for (node, from, to) in content {
            if node.isManifest {
                _ = try await sink.putManifest(try await source.manifest(node.descriptor.digest.description, in: from), in: to)
            } else {
                _ = try await send(node.descriptor, from: source, to: to)
                bytes += node.descriptor.size
            }
        }
        try await sink.commit(placements)
        let manifests = content.filter(\.node.isManifest).count
        return CopyReport(items: [], placements: placements, blobsFetched: content.count - manifests, bytesFetched: bytes,
                          blobsSkipped: 0, blobsMounted: 0, manifestsPut: manifests)
    }

    /// Walks a root without copying anything: what it needs, in bundle order.
    func walk(_ root: CopyRoot) async throws -> (ResolvedRoot, Tree) {
        let resolved = try await resolve(root)
        let tree = try await copyTree(resolved.manifest, from: resolved.from, to: resolved.to, platforms: resolved.platforms,
                                      tally: Tally(), what: resolved.entry.label, mode: .plan)
        return (resolved, tree)
    }

    /// The roots' placements without copying anything (`dryRun`).
    private func plan(_ roots: [CopyRoot], untagged: Set<String>) async throws -> CopyReport {
        var placements: [Placement] = []
        for case .entry(let entry) in roots {
            let resolved = try await resolve(.entry(entry))
            placements.append(Placement(entry: entry, repository: resolved.to, manifest: resolved.manifest,
                                        tagged: !untagged.contains(entry.identity)))
        }
        return CopyReport(items: [], placements: placements, blobsFetched: 0, bytesFetched: 0, blobsSkipped: 0,
                          blobsMounted: 0, manifestsPut: 0)
    }

    /// The identities of layout entries whose tag the sink keeps (`--existing skip`); with `--existing fail`,
    /// throws before anything is sent if a tag names other content.
    private func existingTagDecisions(_ roots: [CopyRoot]) async throws -> Set<String> {
        guard options.existing != .overwrite else { return [] }
        var keep = Set<String>()
        var conflicts: [String] = []
        for case .entry(let entry) in roots {
            guard let tag = entry.tag else { continue }
            let repository = options.destination(try entry.reference())
            guard let present = try await sink.taggedDigest(tag, in: repository), present != entry.descriptor.digest else { continue }
            if options.existing == .fail {
                conflicts.append("\(repository):\(tag) is \(present), the source has \(entry.descriptor.digest)")
            } else {
                keep.insert(entry.identity)
            }
        }
        if !conflicts.isEmpty {
            throw RegistryError(.denied, "tags exist with other content (--existing fail), nothing copied:\n  " + conflicts.joined(separator: "\n  "))
        }
        return keep
    }

    // MARK: - The graph walk

    /// What a walk found below a root: its manifests, the platforms it kept, and everything it needs in
    /// bundle order (each manifest before what it references, as a streaming reader needs them).
    struct Tree: Sendable {
        /// The source's manifests the walk went through (their attachments travel with them).
        var manifests: [Digest]
        var platforms: [Platform]
        var content: [Node]
        /// Set when a platform filter dropped children of this index: what was stored instead of it.
        var subset: PlatformSubset? = nil
    }

    /// A manifest or a blob the walk found. A config or layer is a blob whatever its media type (a
    /// source-index referrer's layer is an index's bytes).
    struct Node: Sendable {
        var descriptor: Descriptor
        var isManifest: Bool
    }

    /// What a walk does with what it finds.
    enum WalkMode: Sendable {
        /// Copy it: blobs in parallel, children first, each manifest after everything below it.
        case copy
        /// Only read the manifests and list the content (for a sink that writes in order).
        case plan
    }

    /// The one walk of a manifest graph: `manifest` with everything below it, an index's children chosen
    /// by platform. Copying puts children first and the manifest itself last.
    /// With `subsets`, an index the platform filter took children from is stored filtered (`PlatformSubset`).
    func copyTree(_ manifest: Manifest, from: Repository, to: Repository, platforms: [Platform]?, tally: Tally, what: String,
                  mode: WalkMode = .copy, subsets: Bool = false) async throws -> Tree {
        // Every manifest the walk is given was read by digest and hashed to it, or resolved from a tag to the digest it hashes to.
        CheckRecording.report(CheckRecord(.manifest, subject: what, digest: manifest.digest, passed: true))
        switch manifest.content {
        case .image(let image):
            if mode == .copy {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    // Largest first: the longest transfer bounds the copy, so it should start soonest.
                    for blob in ([image.config] + image.layers).sorted(by: { $0.size > $1.size }) {
                        group.addTask { try await self.copyBlob(blob, from: from, to: to, tally: tally) }
                    }
                    try await group.waitForAll()
                }
                try await putManifest(manifest, in: to, omitted: 0, tally: tally)
            }
            return Tree(manifests: [manifest.digest], platforms: [],
                        content: [Node(descriptor: manifest.descriptor, isManifest: true)] + manifest.blobs.map { Node(descriptor: $0, isManifest: false) })
        case .index(let index):
            let chosen = try Self.select(index.manifests, platforms: platforms, what: what)
            let subtrees = try await withThrowingTaskGroup(of: (Int, Tree).self) { group in
                for (position, child) in chosen.enumerated() {
                    group.addTask {
                        let childManifest = try await Self.recordingFailure(.manifest, subject: what, digest: child.digest) {
                            try await self.limiter.run { try await self.source.manifest(child.digest.description, in: from) }
                        }
                        try Self.check(childManifest, against: child, what: "\(what): the index")
                        var tree = try await self.copyTree(childManifest, from: from, to: to, platforms: nil, tally: tally, what: what, mode: mode)
                        if let platform = child.platform, tree.platforms.isEmpty { tree.platforms = [platform] }
                        return (position, tree)
                    }
                }
                var trees: [(Int, Tree)] = []
                for try await tree in group { trees.append(tree) }
                return trees.sorted { $0.0 < $1.0 }.map(\.1)
            }
            var subset: PlatformSubset?
            if mode == .copy {
                subset = subsets ? try PlatformSubset.make(source: manifest, kept: chosen) : nil
                if let subset {
                    let made = subset.content()
                    for blob in [PlatformSubset.emptyDescriptor, subset.source.descriptor] {
                        try await copyBlob(blob, from: from, to: to, tally: tally, reading: made)
                    }
                    try await putManifest(subset.filtered, in: to, omitted: 0, tally: tally)
                    try await putManifest(subset.provenance, in: to, omitted: 0, tally: tally)
                } else {
                    try await putManifest(manifest, in: to, omitted: index.manifests.count - chosen.count, tally: tally)
                }
            }
            let kept = chosen.compactMap(\.platform).filter { $0.os != "unknown" }
            return Tree(manifests: [manifest.digest] + subtrees.flatMap(\.manifests), platforms: kept,
                        content: [Node(descriptor: manifest.descriptor, isManifest: true)] + subtrees.flatMap(\.content), subset: subset)
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

    /// Puts a manifest once per repository of the sink. `omitted` children of an index were left out by a
    /// platform filter; a sink that refuses the index for it is told why.
    private func putManifest(_ manifest: Manifest, in repository: Repository, omitted: Int, tally: Tally) async throws {
        _ = try await manifests.value(for: "\(repository) \(manifest.digest)") {
            try await self.limiter.run {
                do {
                    let put = try await self.sink.putManifest(manifest, in: repository)
                    if put { self.manifestsPut.withLock { $0 += 1 } }
                    return put
                } catch let error as RegistryError where omitted > 0 {
                    let total = manifest.children.count
                    throw RegistryError(error.kind, "\(repository)@\(manifest.digest): the source holds \(total - omitted) of this index's \(total) platforms (copied with --platform --verbatim-index) and the destination refuses an index whose manifests it lacks (\(error.message)); copy it without --verbatim-index to store a filtered index instead")
                }
            }
        }
        tally.manifest(Int64(manifest.bytes.count))
    }

    // MARK: - Blobs

    /// Places one blob in `to`: skipped when present, mounted from the repository it first went to when
    /// the sink can, transferred otherwise. Concurrent requests for the same blob share one transfer.
    /// `reading` is where the blob's bytes come from when not from the copy's source (content made by the copy).
    private func copyBlob(_ blob: Descriptor, from: Repository, to: Repository, tally: Tally, reading: (any ContentSource)? = nil) async throws {
        let source = reading ?? self.source
        let placement: (outcome: BlobOutcome, first: Bool)
        if let mountable = sink as? any Mountable {
            let home = try await blobs.home(of: blob.digest, in: to) { try await self.transfer(blob, from: source, to: to) }
            if home.repository == to {
                placement = (home.outcome, home.first)
            } else {
                placement = try await blobs.once("\(to) \(blob.digest)") {
                    try await self.limiter.run {
                        // A mount answers for a blob the repository has as well: one request instead of a HEAD first.
                        if try await mountable.mount(blob, into: to, from: home.repository) { return .mounted }
                        return try await self.send(blob, from: source, to: to)
                    }
                }
            }
        } else {
            placement = try await blobs.once(blob.digest.description) { try await self.transfer(blob, from: source, to: to) }
        }
        if placement.first { await blobs.count(blob, placement.outcome) }
        tally.blob(blob.size, fetched: placement.first && placement.outcome == .transferred)
    }

    private func transfer(_ blob: Descriptor, from source: any ContentSource, to: Repository) async throws -> BlobOutcome {
        try await limiter.run {
            if try await self.sink.hasBlob(blob, in: to) {
                self.progress.report(.blobFinished(blob.digest, size: blob.size, skipped: true))
                return .present
            }
            return try await self.send(blob, from: source, to: to)
        }
    }

    /// Sends a blob, which the sink hashes as it arrives (recorded as a blob check).
    private func send(_ blob: Descriptor, from source: any ContentSource, to: Repository) async throws -> BlobOutcome {
        progress.report(.blobStarted(blob.digest, size: blob.size))
        let reporter = progress
        try await Self.recordingFailure(.blob, subject: to.description, digest: blob.digest) {
            try await sink.putBlob(blob, in: to, from: source) { reporter.report(.transferred($0)) }
        }
        CheckRecording.report(CheckRecord(.blob, subject: to.description, digest: blob.digest, passed: true))
        progress.report(.blobFinished(blob.digest, size: blob.size, skipped: false))
        return .transferred
    }

    /// Runs `body`; an integrity failure it throws (bytes that do not hash to their digest) is recorded as a failed
    /// check of `kind` before it is rethrown.
    static func recordingFailure<T>(_ kind: CheckRecord.Kind, subject: @autoclosure () -> String, digest: Digest,
                                    _ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch {
            if (error as? any CategorizedError)?.category == .integrity {
                CheckRecording.report(CheckRecord(kind, subject: subject(), digest: digest, passed: false, reason: "\(error)"))
            }
            throw error
        }
    }

    // MARK: - Attachments

    /// Copies the signature, attestation and SBOM tags and the referrers of each manifest in `manifests`,
    /// where the source can list them.
    private func copyAttachments(of manifests: [Digest], from: Repository, to: Repository, tally: Tally) async throws -> [Placement] {
        guard options.signatures || options.referrers, let lister = source as? any ReferrersListing else { return [] }
        let name = try Reference(registry: from.registry, repository: from.path, tag: nil, digest: nil)
        // One tag listing per repository answers most "is there a signature?" questions at once.
        let knownTags = try await tagLists.value(for: from) { try await self.limiter.run { try await lister.tags(from) } }.value
        return try await withThrowingTaskGroup(of: [Placement].self) { group in
            for subject in manifests {
                if options.signatures {
                    for (suffix, kind) in [("sig", ArtifactKind.signature), ("att", .attestation), ("sbom", .sbom)] {
                        group.addTask {
                            let tag = "\(subject.tagForm).\(suffix)"
                            if let knownTags, !knownTags.contains(tag) { return [] }
                            guard let attached = try await self.limiter.run({ try await self.source.manifestIfPresent(tag, in: from) }) else { return [] }
                            _ = try await self.copyTree(attached, from: from, to: to, platforms: nil, tally: tally, what: "\(name.name):\(tag)")
                            self.progress.report(.notice("\(name.name): \(kind.rawValue) \(tag)"))
                            let entry = LayoutEntry(kind: kind, reference: try name.withTag(tag), descriptor: attached.descriptor, subject: subject)
                            return [Placement(entry: entry, repository: to, manifest: attached, tagged: true)]
                        }
                    }
                }
                if options.referrers {
                    group.addTask {
                        let found = try await self.limiter.run { try await lister.referrers(of: subject, in: from, knownTags: knownTags) }
                        var copied: [Placement] = []
                        for descriptor in found {
                            let referrer = try await self.limiter.run { try await self.source.manifest(descriptor.digest.description, in: from) }
                            _ = try await self.copyTree(referrer, from: from, to: to, platforms: nil, tally: tally, what: "\(name.name)@\(descriptor.digest)")
                            var root = referrer.descriptor
                            root.artifactType = descriptor.artifactType ?? referrer.artifactType
                            let entry = LayoutEntry(kind: .referrer, reference: name, descriptor: root, subject: subject)
                            copied.append(Placement(entry: entry, repository: to, manifest: referrer, tagged: true))
                        }
                        return copied
                    }
                }
            }
            var all: [Placement] = []
            for try await placements in group { all += placements }
            return all.sorted { $0.entry.label < $1.entry.label }
        }
    }
}

extension CopyRoot {
    /// How the root is named in messages.
    var label: String {
        switch self {
        case .reference(let request): request.reference.description
        case .entry(let entry): entry.label
        }
    }
}
