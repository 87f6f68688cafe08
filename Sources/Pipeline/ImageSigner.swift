import Bundle
import Foundation
import OCI
import Registry
import Trust

/// Signs images as `cosign sign --key … --tlog-upload=false` does: a simple-signing payload naming the
/// repository and digest, ECDSA over it, appended as a layer to the image's `sha256-<hex>.sig` manifest.
public struct ImageSigner: Sendable {
    public let key: PrivateKey
    /// `-a key=value` annotations for the payload's `optional` field.
    public let annotations: [String: String]?

    public init(key: PrivateKey, annotations: [String: String]? = nil) {
        self.key = key
        self.annotations = annotations
    }

    /// The payload and its signature for `image` at `digest` (cosign writes the repository, no tag).
    func signature(for image: Reference, digest: Digest) throws -> (payload: Data, signature: Data) {
        let payload = SimpleSigningPayload(dockerReference: image.name, manifestDigest: digest, annotations: annotations).bytes
        return (payload, try key.sign(payload))
    }

    /// Signs each image (a reference resolved to a digest) in content store `store`, recording every new
    /// `.sig` entry at once at the end; returns each image's entry, or nil where this key had signed it already.
    public func sign(_ images: [(reference: Reference, digest: Digest)], in store: ContentStore) throws -> [LayoutEntry?] {
        var signatures: [String: LayoutEntry] = [:]
        for entry in try store.entries() where entry.kind == .signature {
            if let name = entry.name { signatures[name] = entry }
        }
        var results: [LayoutEntry?] = []
        for (image, digest) in images {
            let tag = "\(digest.tagForm).sig"
            let name = "\(image.name):\(tag)"
            let layers = try signatures[name].map { entry -> [Descriptor] in
                guard case .image(let manifest) = try store.manifest(entry.descriptor).content else { throw StoreError(path: name, reason: "not an image manifest") }
                return manifest.layers
            } ?? []
            let (payload, signature) = try signature(for: image, digest: digest)
            guard let written = CosignSignatureManifest.appending(payload: payload, signature: signature, by: key.publicKey, to: layers) else {
                results.append(nil)
                continue
            }
            try store.putBlob(payload)
            try store.putBlob(written.config)
            let manifest = try Manifest(bytes: written.manifest, declaredType: MediaType.ociManifest, source: name)
            try store.putManifest(manifest)
            let entry = LayoutEntry(kind: .signature, reference: try image.withTag(tag), descriptor: manifest.descriptor, subject: digest)
            signatures[name] = entry
            results.append(entry)
        }
        try store.record(results.compactMap { $0 })
        return results
    }

    /// Signs `image` (resolved to `digest`) in its registry, appending to the `.sig` manifest there.
    /// Returns false when this key already signed it.
    public func sign(_ image: Reference, digest: Digest, with client: RegistryClient) async throws -> Bool {
        let repository = Repository(image)
        let tag = "\(digest.tagForm).sig"
        var layers: [Descriptor] = []
        if case .image(let manifest)? = try await client.manifestIfPresent(repository, reference: tag)?.content { layers = manifest.layers }
        let (payload, signature) = try signature(for: image, digest: digest)
        guard let written = CosignSignatureManifest.appending(payload: payload, signature: signature, by: key.publicKey, to: layers) else { return false }
        try await client.uploadBlob(repository, data: payload, mediaType: CosignSignatureLayer.mediaType)
        try await client.uploadBlob(repository, data: written.config, mediaType: MediaType.ociConfig)
        let manifest = try Manifest(bytes: written.manifest, declaredType: MediaType.ociManifest, source: "\(image.name):\(tag)")
        try await client.putManifest(repository, manifest, reference: tag)
        return true
    }
}
