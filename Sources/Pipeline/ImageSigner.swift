import OCI
import Trust

/// Signs images as `cosign sign --key … --tlog-upload=false` does: a simple-signing payload naming the
/// repository and digest, ECDSA over it, appended as a layer to the image's `sha256-<hex>.sig` manifest.
/// The new signature manifests are made in memory and copied into the endpoint (a content store or a
/// registry) with the copy engine, all at once.
public struct ImageSigner: Sendable {
    public let key: PrivateKey
    /// `-a key=value` annotations for the payload's `optional` field.
    public let annotations: [String: String]?

    public init(key: PrivateKey, annotations: [String: String]? = nil) {
        self.key = key
        self.annotations = annotations
    }

    /// Signs each image (a reference resolved to a digest) where `endpoint` holds it, appending to the `.sig`
    /// manifest there; returns each image's signature entry, or nil where this key had signed it already.
    public func sign(_ images: [(reference: Reference, digest: Digest)], at endpoint: any ContentSource & ContentSink) async throws -> [LayoutEntry?] {
        let made = MemorySource()
        var written: [String: (entry: LayoutEntry, layers: [Descriptor])] = [:]
        var results: [LayoutEntry?] = []
        for (image, digest) in images {
            let tag = "\(digest.tagForm).sig"
            let name = "\(image.name):\(tag)"
            var layers = written[name]?.layers
            if layers == nil, case .image(let manifest)? = try await endpoint.manifestIfPresent(tag, in: Repository(image))?.content {
                layers = manifest.layers
            }
            let payload = SimpleSigningPayload(dockerReference: image.name, manifestDigest: digest, annotations: annotations).bytes
            guard let signed = CosignSignatureManifest.appending(payload: payload, signature: try key.sign(payload), by: key.publicKey,
                                                                 to: layers ?? []) else {
                results.append(nil)
                continue
            }
            made.add(payload, mediaType: CosignSignatureLayer.mediaType)
            made.add(signed.config, mediaType: MediaType.ociConfig)
            let manifest = try Manifest(bytes: signed.manifest, declaredType: MediaType.ociManifest, source: name)
            made.add(manifest)
            guard case .image(let content) = manifest.content else { continue }
            let entry = LayoutEntry(kind: .signature, reference: try image.withTag(tag), descriptor: manifest.descriptor, subject: digest)
            written[name] = (entry, content.layers)
            results.append(entry)
        }
        // The last manifest of each .sig tag (what `written` keeps) holds every signature made here.
        _ = try await CopyEngine(source: made, sink: endpoint).copy(written.values.map(\.entry).sorted { $0.identity < $1.identity }.map(CopyRoot.entry))
        return results
    }
}
