import Bundle
import OCI
import Trust

/// A bundle as `airgap audit --bundle` walks it, before it is pushed: its `index.json` entries grouped by
/// repository, names as the bundle records them (the source registry's), read in place.
public struct BundleAuditInventory: AuditInventory {
    public let bundle: BundleFile
    let signatures: LayoutSignatureMaterial
    /// Each repository's named entries, by tag (or digest, for an entry pinned by digest only).
    let entries: [Repository: [String: Descriptor]]

    public init(bundle: BundleFile) throws {
        self.bundle = bundle
        let all = try BundleSource(bundle: bundle).entries()
        signatures = LayoutSignatureMaterial(entries: all, manifest: { try bundle.manifest($0) }) { descriptor in
            let name = BundleFile.blobName(descriptor.digest)
            let data = try bundle.contents(of: name)
            try DigestVerifier.verify(data, "\(bundle.path): \(name)", expected: descriptor)
            return data
        }
        var entries: [Repository: [String: Descriptor]] = [:]
        for entry in all where entry.kind != .referrer {
            guard let name = entry.name, let reference = try? Reference(parsing: name),
                  let tag = reference.tag ?? reference.digest?.description else { continue }
            entries[Repository(reference), default: [:]][tag] = entry.descriptor
        }
        self.entries = entries
    }

    public var location: String { "bundle \(bundle.path)" }

    public func repositories() async throws -> [Repository] {
        entries.keys.sorted { $0.description < $1.description }
    }

    public func tags(of repository: Repository) async throws -> [String] {
        entries[repository].map { Array($0.keys) } ?? []
    }

    public func manifest(tag: String, in repository: Repository) async throws -> Manifest {
        guard let descriptor = entries[repository]?[tag] else {
            throw BundleError(bundle: bundle.path, artifact: "\(repository):\(tag)", reason: "no such entry in index.json")
        }
        return try bundle.manifest(descriptor)
    }

    public func material(for repository: Repository, tags: Set<String>) -> any SignatureMaterial { signatures }

    /// A bundle has not been pushed: nothing was relocated yet.
    public func relocations(in repository: Repository, tags: Set<String>) async throws -> [Digest: [Relocation]] { [:] }
}
