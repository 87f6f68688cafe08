import Bundle
import Charts
import Foundation
import OCI

/// The registry's view of its content: repositories, their tags, manifests, blobs and referrers. Read from
/// the layouts' `index.json` entries (and a store's repository links) at start; a push updates it only after
/// its bytes are in the store, and records tags and referrers in `index.json` before it answers.
///
/// A layout entry `HOST/PATH:TAG` is served as repository `PATH`, tag `TAG`: the repository `transit push`
/// would give it without a prefix. What a client pushes is recorded as `AUTHORITY/PATH:TAG`.
actor RegistryCatalog {
    let content: ServedContent
    /// The registry name pushed artifacts are recorded under in `index.json`.
    let authority: String
    private var repositories: [String: RepositoryState]

    init(content: ServedContent, authority: String) throws {
        self.content = content
        self.authority = authority
        var repositories: [String: RepositoryState] = [:]
        for entry in try content.entries() {
            guard let reference = try? entry.reference() else { continue }
            var state = repositories[reference.repository, default: RepositoryState()]
            state.roots[entry.descriptor.digest] = entry.descriptor
            if entry.kind != .referrer, let tag = reference.tag { state.tags[tag] = entry.descriptor }
            repositories[reference.repository] = state
        }
        if let links = content.links {
            for repository in links.repositories() {
                var state = repositories[repository, default: RepositoryState()]
                for (digest, mediaType) in links.list(.manifests, in: repository) {
                    guard let size = content.size(of: digest) else { continue }
                    state.roots[digest] = Descriptor(mediaType: mediaType, digest: digest, size: size)
                }
                state.linkedBlobs = Set(links.list(.blobs, in: repository).keys)
                repositories[repository] = state
            }
        }
        self.repositories = repositories
    }

    // MARK: Reading

    /// Every repository that holds something, sorted.
    func names() -> [String] {
        repositories.filter { !$0.value.isEmpty }.keys.sorted()
    }

    /// The tags of `repository`, sorted; nil when the repository is unknown.
    func tags(in repository: String) -> [String]? {
        guard let state = repositories[repository], !state.isEmpty else { return nil }
        return state.tags.keys.sorted()
    }

    /// The manifest `reference` names in `repository`.
    func manifest(_ reference: DistributionRoute.ManifestReference, in repository: String) throws(DistributionError) -> Descriptor {
        switch reference {
        case .tag(let tag):
            guard let descriptor = repositories[repository]?.tags[tag] else {
                throw .manifestUnknown(tag, in: repository)
            }
            return descriptor
        case .digest(let digest):
            guard let descriptor = reach(of: repository)?.manifests[digest] else {
                throw .manifestUnknown(digest.description, in: repository)
            }
            return descriptor
        }
    }

    /// Whether blob `digest` is in `repository` (pushed, mounted, or used by one of its manifests).
    func hasBlob(_ digest: Digest, in repository: String) -> Bool {
        guard let state = repositories[repository] else { return false }
        return state.linkedBlobs.contains(digest) || reach(of: repository)?.blobs.contains(digest) == true
    }

    /// The manifests in `repository` whose subject is `subject`, as descriptors for a referrers index.
    func referrers(of subject: Digest, in repository: String) -> [Descriptor] {
        guard let found = reach(of: repository)?.referrers[subject] else { return [] }
        return found.values.sorted { $0.digest < $1.digest }
    }

    /// What `repository`'s roots reach, worked out once.
    private func reach(of repository: String) -> RepositoryState.Reach? {
        guard var state = repositories[repository] else { return nil }
        if let reach = state.reach { return reach }
        var reach = RepositoryState.Reach()
        var queue = Array(state.roots.values)
        while let descriptor = queue.popLast() {
            guard reach.manifests[descriptor.digest] == nil, let manifest = parsed(descriptor) else { continue }
            include(manifest, as: descriptor, in: &reach)
            queue += manifest.children
        }
        // Referrers that clients without the referrers API listed in the tag schema (`sha256-<hex>`).
        for (tag, descriptor) in state.tags {
            guard let subject = Self.subject(ofFallbackTag: tag), let manifest = parsed(descriptor) else { continue }
            for child in manifest.children where reach.manifests[child.digest] != nil {
                reach.referrers[subject, default: [:]][child.digest] = child
            }
        }
        state.reach = reach
        repositories[repository] = state
        return reach
    }

    private func parsed(_ descriptor: Descriptor) -> Manifest? {
        guard let bytes = content.manifestBytes(descriptor) else { return nil }
        return try? Manifest(bytes: bytes, declaredType: descriptor.mediaType, source: descriptor.digest.description)
    }

    /// Adds one manifest, its blobs and, when it has a subject, its referrer descriptor.
    private func include(_ manifest: Manifest, as descriptor: Descriptor, in reach: inout RepositoryState.Reach) {
        reach.manifests[descriptor.digest] = descriptor
        for blob in manifest.blobs { reach.blobs.insert(blob.digest) }
        if let subject = manifest.subject {
            let annotations: [String: String]? = switch manifest.content {
            case .image(let image): image.annotations
            case .index(let index): index.annotations
            }
            // An image manifest without artifactType is listed under its config's media type, as the spec asks.
            let artifactType: String? = switch manifest.content {
            case .image(let image): image.artifactType ?? image.config.mediaType
            case .index(let index): index.artifactType
            }
            reach.referrers[subject.digest, default: [:]][descriptor.digest] = Descriptor(
                mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size,
                annotations: annotations, artifactType: artifactType)
        }
    }

    /// `sha256-<hex>` → the digest it stands for.
    private static func subject(ofFallbackTag tag: String) -> Digest? {
        guard let dash = tag.firstIndex(of: "-"), !tag.contains(".") else { return nil }
        return try? Digest(parsing: tag[..<dash] + ":" + tag[tag.index(after: dash)...])
    }

    // MARK: Writing

    /// Records blob `digest`, already in the store, as part of `repository`.
    func link(blob digest: Digest, in repository: String) throws(DistributionError) {
        guard let links = content.links else { throw .readOnly }
        do { try links.add(.blobs, digest, in: repository) } catch {
            throw .storing("cannot record blob \(digest) in \(repository): \(error)", cause: error)
        }
        repositories[repository, default: RepositoryState()].linkedBlobs.insert(digest)
    }

    /// Stores a pushed manifest under `digest` (already checked against the bytes) and `tags`, once every
    /// manifest and blob it needs is in `repository`; its subject may be missing.
    func put(_ manifest: Manifest, digest: Digest, mediaType: String, tags: [String], in repository: String) throws(DistributionError) {
        guard let store = content.store, let links = content.links else { throw .readOnly }
        var reach = reach(of: repository) ?? RepositoryState.Reach()
        for child in manifest.children where reach.manifests[child.digest] == nil {
            throw DistributionError(.badRequest, .manifestBlobUnknown, "manifest \(child.digest) is not in \(repository); push it first")
        }
        let linked = repositories[repository]?.linkedBlobs ?? []
        for blob in manifest.blobs where !Self.isNondistributable(blob) && !reach.blobs.contains(blob.digest) && !linked.contains(blob.digest) {
            throw DistributionError(.badRequest, .manifestBlobUnknown, "blob \(blob.digest) is not in \(repository); push it first")
        }
        let descriptor = Descriptor(mediaType: mediaType, digest: digest, size: Int64(manifest.bytes.count), artifactType: manifest.artifactType)
        var entries = tags.map { tag in
            LayoutEntry(kind: Self.kind(ofTag: tag, artifactType: manifest.artifactType),
                        name: "\(authority)/\(repository):\(tag)", descriptor: descriptor)
        }
        if let subject = manifest.subject {
            entries.append(LayoutEntry(kind: .referrer, name: "\(authority)/\(repository)@\(digest)", descriptor: descriptor, subject: subject.digest))
        }
        do {
            if store.blobSize(digest) != Int64(manifest.bytes.count) {
                let upload = try store.upload()
                try manifest.bytes.withUnsafeBytes { bytes in try upload.append(bytes) as Void }
                try upload.commit(as: digest)
            }
            try links.add(.manifests, digest, in: repository, contents: mediaType)
            if !entries.isEmpty {
                let replaced = Set(tags)
                try store.record(entries) { Self.tag(of: $0, in: repository).map(replaced.contains) == true }
            }
        } catch {
            throw .storing("cannot store manifest \(digest) in \(repository): \(error)", cause: error)
        }
        include(manifest, as: descriptor, in: &reach)
        var state = repositories[repository, default: RepositoryState()]
        state.roots[digest] = descriptor
        for tag in tags { state.tags[tag] = descriptor }
        state.reach = reach
        repositories[repository] = state
    }

    /// Removes tag `tag` from `repository`.
    func delete(tag: String, in repository: String) throws(DistributionError) {
        guard let store = content.store else { throw .readOnly }
        guard var state = repositories[repository], state.tags[tag] != nil else { throw .manifestUnknown(tag, in: repository) }
        do {
            try store.record([]) { Self.tag(of: $0, in: repository) == tag }
        } catch {
            throw DistributionError(.internalServerError, .unknown, "cannot delete tag \(tag) of \(repository): \(error)")
        }
        state.tags[tag] = nil
        repositories[repository] = state
    }

    /// Removes manifest `digest` from `repository`, with every tag that names it; refused while an index there
    /// still lists it (the index would name missing content).
    func delete(manifest digest: Digest, in repository: String) throws(DistributionError) {
        guard let store = content.store, let links = content.links else { throw .readOnly }
        guard let reach = reach(of: repository), reach.manifests[digest] != nil, var state = repositories[repository] else {
            throw .manifestUnknown(digest.description, in: repository)
        }
        for other in reach.manifests.values where other.digest != digest && MediaType.isIndex(other.mediaType) {
            guard let index = parsed(other), index.children.contains(where: { $0.digest == digest }) else { continue }
            throw DistributionError(.methodNotAllowed, .unsupported,
                                    "manifest \(digest) is listed by index \(other.digest) in \(repository); delete the index first")
        }
        do {
            try store.record([]) { entry in
                guard entry.descriptor.digest == digest, let reference = try? entry.reference() else { return false }
                return reference.repository == repository
            }
        } catch {
            throw DistributionError(.internalServerError, .unknown, "cannot delete manifest \(digest) of \(repository): \(error)")
        }
        links.remove(.manifests, digest, in: repository)
        state.tags = state.tags.filter { $0.value.digest != digest }
        state.roots[digest] = nil
        state.reach = nil
        repositories[repository] = state
    }

    /// Removes blob `digest` from `repository`; refused while a manifest there still uses it.
    func delete(blob digest: Digest, in repository: String) throws(DistributionError) {
        guard let links = content.links else { throw .readOnly }
        guard hasBlob(digest, in: repository), var state = repositories[repository] else { throw .blobUnknown(digest.description) }
        if reach(of: repository)?.blobs.contains(digest) == true {
            throw DistributionError(.methodNotAllowed, .unsupported, "blob \(digest) is used by a manifest in \(repository); delete the manifest first")
        }
        links.remove(.blobs, digest, in: repository)
        state.linkedBlobs.remove(digest)
        repositories[repository] = state
    }

    /// The tag `entry` gives `repository`, whatever registry its name starts with; nil for referrers and for
    /// entries of other repositories.
    private static func tag(of entry: LayoutEntry, in repository: String) -> String? {
        guard entry.kind != .referrer, let reference = try? entry.reference(), reference.repository == repository else { return nil }
        return reference.tag
    }

    /// What an `index.json` entry for tag `tag` records: cosign's signature, attestation and SBOM tags by
    /// their suffix, Helm charts by artifact type, images otherwise.
    static func kind(ofTag tag: String, artifactType: String?) -> ArtifactKind {
        if tag.hasSuffix(".sig") { return .signature }
        if tag.hasSuffix(".att") { return .attestation }
        if tag.hasSuffix(".sbom") { return .sbom }
        if artifactType == HelmArtifact.configMediaType { return .chart }
        return .image
    }

    /// Layers that registries do not hold (foreign and non-distributable ones).
    private static func isNondistributable(_ blob: Descriptor) -> Bool {
        blob.mediaType.contains("nondistributable") || blob.mediaType.contains("foreign")
    }
}
