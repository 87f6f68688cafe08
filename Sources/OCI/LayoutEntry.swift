/// The kinds of top-level artifact a store or bundle holds.
public enum ArtifactKind: String, Sendable, Codable, CaseIterable {
    case image, signature, attestation, sbom, referrer, chart, file
}

/// One top-level artifact of an OCI layout (a content store or a bundle), as its `index.json` entry
/// describes it. This is the only code that reads or writes Airlock's `index.json` annotations.
public struct LayoutEntry: Sendable, Hashable, Codable {
    /// What the artifact is.
    public var kind: ArtifactKind
    /// The name it is found by, exactly as written: `docker.io/library/nginx:1.27`, `…:sha256-<hex>.sig`,
    /// `charts/NAME:VERSION`; for a referrer (which has no tag) `repository@digest`. Nil for an entry
    /// another tool wrote without a name.
    public var name: String?
    /// The root manifest: media type, digest, size and artifact type, without annotations.
    public var descriptor: Descriptor
    /// The manifest a signature, attestation, SBOM or referrer is about.
    public var subject: Digest?
    /// For an index copied with a platform filter: the platforms whose manifests are present.
    public var platforms: [Platform]?
    /// For a chart: where it came from (`https://repo nginx@^1.2`, `oci://host/path/nginx@1.2.3`).
    public var origin: String?
    /// For an index stored filtered by a platform filter: the digest of the source index it was made from
    /// (whose bytes travel as the filtered index's source-index referrer).
    public var sourceDigest: Digest?

    public init(kind: ArtifactKind, name: String?, descriptor: Descriptor, subject: Digest? = nil,
                platforms: [Platform]? = nil, origin: String? = nil, sourceDigest: Digest? = nil) {
        self.kind = kind
        self.name = name
        self.descriptor = Descriptor(mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size,
                                     artifactType: descriptor.artifactType)
        self.subject = subject
        self.platforms = platforms
        self.origin = origin
        self.sourceDigest = sourceDigest
    }

    /// An artifact found by `reference`; a referrer's reference is `repository@digest`.
    public init(kind: ArtifactKind, reference: Reference, descriptor: Descriptor, subject: Digest? = nil,
                platforms: [Platform]? = nil, origin: String? = nil, sourceDigest: Digest? = nil) {
        let name = kind == .referrer ? "\(reference.name)@\(descriptor.digest)" : reference.description
        self.init(kind: kind, name: name, descriptor: descriptor, subject: subject, platforms: platforms, origin: origin, sourceDigest: sourceDigest)
    }

    /// Reads an `index.json` entry. Annotations it does not know are ignored; a missing kind means `image`.
    public init(indexEntry entry: Descriptor) throws(LayoutEntryError) {
        let a = entry.annotations ?? [:]
        let kind = a[Key.kind].map { ArtifactKind(rawValue: $0) } ?? .image
        guard let kind else { throw LayoutEntryError(entry: entry.digest, reason: "unknown kind '\(a[Key.kind] ?? "")'") }
        func digest(_ key: String) throws(LayoutEntryError) -> Digest? {
            guard let text = a[key] else { return nil }
            do { return try Digest(parsing: text) } catch {
                throw LayoutEntryError(entry: entry.digest, reason: "\(key) '\(text)' is not a digest")
            }
        }
        var platforms: [Platform]?
        if let list = a[Key.platforms] {
            do { platforms = try list.split(separator: ",").map { try Platform(parsing: String($0)) } } catch {
                throw LayoutEntryError(entry: entry.digest, reason: "platforms '\(list)': \(error)")
            }
        }
        let name = a[Key.referenceName] ?? a[Key.repository].map { "\($0)@\(entry.digest)" }
        self.init(kind: kind, name: name, descriptor: entry, subject: try digest(Key.subject), platforms: platforms, origin: a[Key.origin],
                  sourceDigest: try digest(Key.sourceDigest))
    }

    /// The `index.json` entry: the descriptor annotated with name, kind, subject, platforms and origin.
    public var indexEntry: Descriptor {
        var entry = descriptor
        var annotations = [Key.kind: kind.rawValue]
        if kind == .referrer, let name, let at = name.lastIndex(of: "@") {
            annotations[Key.repository] = String(name[..<at])
        } else if let name {
            annotations[Key.referenceName] = name
        }
        if let subject { annotations[Key.subject] = subject.description }
        if let platforms { annotations[Key.platforms] = platforms.map(\.description).joined(separator: ",") }
        if let origin { annotations[Key.origin] = origin }
        if let sourceDigest { annotations[Key.sourceDigest] = sourceDigest.description }
        entry.annotations = annotations
        return entry
    }

    /// The parsed reference (`docker.io/library/nginx:1.27`, or `repository@digest` for a referrer).
    public func reference() throws(LayoutEntryError) -> Reference {
        guard let name else { throw LayoutEntryError(entry: descriptor.digest, reason: "has no reference name") }
        do { return try Reference(parsing: name) } catch {
            throw LayoutEntryError(entry: descriptor.digest, reason: "\(error)")
        }
    }

    /// The tag a registry should carry for it, if any (referrers have none).
    public var tag: String? {
        guard kind != .referrer else { return nil }
        return (try? reference())?.tag
    }

    /// What a newer entry replaces: the same kind and name, or for referrers the same subject and digest.
    public var identity: String {
        if kind == .referrer {
            let repository = name.map { $0.split(separator: "@", maxSplits: 1)[0] } ?? ""
            return "\(kind.rawValue) \(repository)@\(subject?.description ?? "") \(descriptor.digest)"
        }
        return "\(kind.rawValue) \(name ?? "@\(descriptor.digest)")"
    }

    /// How the entry is named in messages: its name, else its digest.
    public var label: String { name ?? "@\(descriptor.digest)" }

    /// The annotation keys Airlock writes on `index.json` entries.
    enum Key {
        /// The full normalised source reference (OCI's own key).
        static let referenceName = "org.opencontainers.image.ref.name"
        static let kind = "dev.airlock.kind"
        static let subject = "dev.airlock.subject"
        /// For referrers (which have no tag): the repository they came from.
        static let repository = "dev.airlock.repository"
        static let origin = "dev.airlock.source"
        static let platforms = "dev.airlock.platforms"
        static let sourceDigest = "dev.airlock.source-digest"
    }
}

extension ImageIndex {
    /// The layout's artifacts: every entry of this `index.json`, read.
    public func layoutEntries() throws(LayoutEntryError) -> [LayoutEntry] {
        var entries: [LayoutEntry] = []
        for entry in manifests { entries.append(try LayoutEntry(indexEntry: entry)) }
        return entries
    }
}

/// An `index.json` entry whose annotations cannot be read.
public struct LayoutEntryError: CategorizedError, CustomStringConvertible, Sendable {
    public let entry: Digest
    public let reason: String
    public var description: String { "index.json entry \(entry): \(reason)" }
    public var category: ErrorCategory { .integrity }
}
