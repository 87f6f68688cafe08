import Bundle
import Foundation
import OCI
import Registry
import Trust

/// Where an image's signatures are looked up: a layout (content store or bundle) or a registry.
public protocol SignatureMaterial: Sendable {
    /// The legacy `sha256-<hex>.sig` manifest of `digest` in the image's repository, or nil when there is none.
    func legacySignatures(of image: Reference, digest: Digest) async throws -> Manifest?
    /// cosign's `sha256-<hex>.att` manifest of `digest` (DSSE attestations), or nil when there is none.
    func attestations(of image: Reference, digest: Digest) async throws -> Manifest?
    /// The manifests referring to `digest` that may carry sigstore bundles or a source index (`PlatformSubset`).
    func referrers(of image: Reference, digest: Digest) async throws -> [Manifest]
    /// Manifest `descriptor` of the image's repository, its digest checked.
    func manifest(_ descriptor: Descriptor, of image: Reference) async throws -> Manifest
    /// A small blob of the image's repository, its digest checked.
    func smallBlob(_ descriptor: Descriptor, of image: Reference) async throws -> Data
}

/// Signatures in an OCI layout whose `index.json` entries carry Airlock's annotations (a store or a bundle).
public struct LayoutSignatureMaterial: SignatureMaterial {
    /// `.sig` entries by reference name (`repo:sha256-<hex>.sig`).
    let signatures: [String: Descriptor]
    /// `.att` entries by reference name (`repo:sha256-<hex>.att`).
    let attestations: [String: Descriptor]
    /// Referrer entries by `repository@subject`.
    let referrers: [String: [Descriptor]]
    let readManifest: @Sendable (Descriptor) throws -> Manifest
    let readBlob: @Sendable (Descriptor) throws -> Data

    /// `entries` are the layout's `index.json` entries (or the ones about to be recorded).
    public init(entries: [LayoutEntry], manifest: @escaping @Sendable (Descriptor) throws -> Manifest,
                blob: @escaping @Sendable (Descriptor) throws -> Data) {
        var signatures: [String: Descriptor] = [:]
        var attestations: [String: Descriptor] = [:]
        var referrers: [String: [Descriptor]] = [:]
        for entry in entries {
            switch entry.kind {
            case .signature: if let name = entry.name { signatures[name] = entry.descriptor }
            case .attestation: if let name = entry.name { attestations[name] = entry.descriptor }
            case .referrer:
                if let name = entry.name, let subject = entry.subject {
                    referrers["\(name.split(separator: "@")[0])@\(subject)", default: []].append(entry.descriptor)
                }
            default: break
            }
        }
        self.signatures = signatures
        self.attestations = attestations
        self.referrers = referrers
        self.readManifest = manifest
        self.readBlob = blob
    }

    /// The signatures in content store `store`, found through `entries` (default: its `index.json`).
    public init(store: ContentStore, entries: [LayoutEntry]? = nil) throws {
        self.init(entries: try entries ?? store.entries(), manifest: { try store.manifest($0) }) { descriptor in
            let path = store.blobPath(descriptor.digest)
            guard descriptor.size <= Manifest.maximumSize, let data = FileManager.default.contents(atPath: path) else {
                throw StoreError(path: path, reason: "blob \(descriptor.digest) is missing from the store")
            }
            try DigestVerifier.verify(data, path, expected: descriptor)
            return data
        }
    }

    /// The signatures in bundle `bundle`.
    public init(bundle: BundleFile) throws {
        self.init(entries: try BundleSource(bundle: bundle).entries(), manifest: { try bundle.manifest($0) }) { descriptor in
            let name = BundleFile.blobName(descriptor.digest)
            let data = try bundle.contents(of: name)
            try DigestVerifier.verify(data, "\(bundle.path): \(name)", expected: descriptor)
            return data
        }
    }

    public func legacySignatures(of image: Reference, digest: Digest) async throws -> Manifest? {
        try signatures["\(image.name):\(digest.tagForm).sig"].map(readManifest)
    }

    public func attestations(of image: Reference, digest: Digest) async throws -> Manifest? {
        try attestations["\(image.name):\(digest.tagForm).att"].map(readManifest)
    }

    public func referrers(of image: Reference, digest: Digest) async throws -> [Manifest] {
        try (referrers["\(image.name)@\(digest)"] ?? []).map(readManifest)
    }

    public func smallBlob(_ descriptor: Descriptor, of image: Reference) async throws -> Data { try readBlob(descriptor) }

    public func manifest(_ descriptor: Descriptor, of image: Reference) async throws -> Manifest { try readManifest(descriptor) }
}

/// Signatures served by a registry: the `.sig` tag and the referrers API (or its fallback tag).
public struct RegistrySignatureMaterial: SignatureMaterial {
    let client: RegistryClient
    /// The tags of the one repository looked in, when they were listed (`airgap audit`): tags not among them are
    /// not asked for.
    let listedTags: Set<String>?

    public init(client: RegistryClient, listedTags: Set<String>? = nil) {
        self.client = client
        self.listedTags = listedTags
    }

    public func legacySignatures(of image: Reference, digest: Digest) async throws -> Manifest? {
        try await manifestIfListed(Repository(image), tag: "\(digest.tagForm).sig")
    }

    public func attestations(of image: Reference, digest: Digest) async throws -> Manifest? {
        try await manifestIfListed(Repository(image), tag: "\(digest.tagForm).att")
    }

    /// The manifest `tag` names, or nil when there is none (or the listed tags lack it: nothing is asked).
    func manifestIfListed(_ repository: Repository, tag: String) async throws -> Manifest? {
        if let listedTags, !listedTags.contains(tag) { return nil }
        return try await client.manifestIfPresent(repository, reference: tag)
    }

    public func referrers(of image: Reference, digest: Digest) async throws -> [Manifest] {
        let repository = Repository(image)
        var manifests: [Manifest] = []
        for descriptor in try await client.referrers(repository, subject: digest, knownTags: listedTags)
        where descriptor.artifactType.map { SigstoreBundle.isBundleType($0) || $0 == PlatformSubset.artifactType } ?? true {
            manifests.append(try await client.manifest(repository, reference: descriptor.digest.description))
        }
        return manifests
    }

    public func smallBlob(_ descriptor: Descriptor, of image: Reference) async throws -> Data {
        try await client.blobData(Repository(image), descriptor)
    }

    public func manifest(_ descriptor: Descriptor, of image: Reference) async throws -> Manifest {
        try await client.manifest(Repository(image), reference: descriptor.digest.description)
    }
}
