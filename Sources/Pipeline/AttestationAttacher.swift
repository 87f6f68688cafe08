import Foundation
import OCI
import Registry
import Trust

/// Attaches a signed in-toto statement to an image in a registry as `cosign attest --key` does: a DSSE envelope
/// appended as a layer (annotation `predicateType`) to the image's `sha256-<hex>.att` manifest, which
/// `airgap verify-attestation` and cosign read back.
public struct AttestationAttacher: Sendable {
    public let client: RegistryClient
    public let key: PrivateKey

    public init(client: RegistryClient, key: PrivateKey) {
        self.client = client
        self.key = key
    }

    /// Signs `statement` and appends it to the `.att` manifest of `digest` in `repository`; returns that tag's reference.
    public func attach(_ statement: Data, predicateType: String, to digest: Digest, in repository: Repository) async throws -> String {
        let tag = "\(digest.tagForm).att"
        var layers: [Descriptor] = []
        if case .image(let existing)? = try await client.manifestIfPresent(repository, reference: tag)?.content { layers = existing.layers }
        let envelope = try DSSESigner.envelope(payload: statement, key: key)
        let uploaded = try await client.uploadBlob(repository, data: envelope, mediaType: AttestationCollector.envelopeMediaType)
        layers.append(Descriptor(mediaType: AttestationCollector.envelopeMediaType, digest: uploaded.digest, size: uploaded.size,
                                 annotations: ["predicateType": predicateType]))
        let written = CosignSignatureManifest.write(layers: layers)
        try await client.uploadBlob(repository, data: written.config, mediaType: MediaType.ociConfig)
        let manifest = try Manifest(bytes: written.manifest, declaredType: MediaType.ociManifest, source: "\(repository):\(tag)")
        try await client.putManifest(repository, manifest, reference: tag)
        return "\(repository):\(tag)"
    }
}
