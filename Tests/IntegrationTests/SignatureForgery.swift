import Bundle
import Foundation
import OCI
import Pipeline
import Trust

/// Writes forged or hand-made signatures into a content store, for the tamper tests.
struct SignatureForgery {
    let store: ContentStore

    init(store path: String) throws { store = try ContentStore(at: path, create: false) }

    /// Replaces the `.sig` manifest of `image` with one whose single layer carries `payload` and `signature`.
    func setLegacySignature(of image: Reference, digest: Digest, payload: Data, signature: Data) throws {
        try setLegacySignature(of: image, digest: digest, payload: payload,
                               annotations: [CosignSignatureLayer.signatureAnnotation: signature.base64EncodedString()])
    }

    /// Replaces the `.sig` manifest of `image` with one whose single layer carries `payload` and these annotations
    /// (signature, and for keyless signatures certificate, chain and Rekor bundle).
    func setLegacySignature(of image: Reference, digest: Digest, payload: Data, annotations: [String: String]) throws {
        let layerBlob = try store.putBlob(payload)
        let layer = Descriptor(mediaType: CosignSignatureLayer.mediaType, digest: layerBlob.digest, size: layerBlob.size,
                               annotations: annotations)
        let written = CosignSignatureManifest.write(layers: [layer])
        _ = try store.putBlob(written.config)
        let manifest = try Manifest(bytes: written.manifest, declaredType: MediaType.ociManifest, source: "forged")
        try store.putManifest(manifest)
        try store.record([LayoutEntry(kind: .signature, reference: try image.withTag("\(digest.tagForm).sig"),
                                      descriptor: manifest.descriptor, subject: digest)])
    }

    /// The payload bytes of the first layer of `image`'s `.sig` manifest.
    func legacyPayload(of image: Reference, digest: Digest) throws -> (payload: Data, signature: Data) {
        let name = "\(image.name):\(digest.tagForm).sig"
        let entry = try store.entries().first { $0.name == name }!
        guard case .image(let manifest) = try store.manifest(entry.descriptor).content else { fatalError("not an image manifest") }
        let layer = manifest.layers[0]
        let payload = FileManager.default.contents(atPath: store.blobPath(layer.digest))!
        return (payload, CosignSignatureLayer(layer: layer, payload: payload).signature!)
    }

    /// Adds a cosign v3 signature of `image`: a sigstore bundle (DSSE, in-toto statement with cosign's sign
    /// predicate) as an OCI referrer, in cosign's manifest shape. `tamper` changes the statement after signing.
    func addBundleReferrer(of image: Reference, digest: Digest, subjectSize: Int64, subjectType: String, key: PrivateKey,
                           tamper: Bool = false) throws {
        var statement = Data(#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"digest":{"sha256":"\#(digest.encoded)"}}],"predicateType":"https://sigstore.dev/cosign/sign/v1"}"#.utf8)
        let signature = try key.sign(DSSEEnvelope.pae(payloadType: DSSEEnvelope.inTotoPayloadType, payload: statement))
        if tamper { statement = Data(String(decoding: statement, as: UTF8.self).replacingOccurrences(of: "Statement/v1", with: "Statement/v2").utf8) }
        let bundle = Data(#"{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","verificationMaterial":{"publicKey":{"hint":"\#(key.publicKey.hint)"}},"dsseEnvelope":{"payload":"\#(statement.base64EncodedString())","payloadType":"application/vnd.in-toto+json","signatures":[{"sig":"\#(signature.base64EncodedString())"}]}}"#.utf8)
        try addBundleReferrer(of: image, digest: digest, subjectSize: subjectSize, subjectType: subjectType, bundle: bundle)
    }

    /// Adds `bundle` (a sigstore bundle v0.3 with a DSSE image signature) as an OCI referrer of `image`, in cosign's
    /// manifest shape.
    func addBundleReferrer(of image: Reference, digest: Digest, subjectSize: Int64, subjectType: String, bundle: Data) throws {
        let bundleBlob = try store.putBlob(bundle)
        let config = try store.putBlob(Data("{}".utf8))
        let type = "application/vnd.dev.sigstore.bundle.v0.3+json"
        let manifestText = #"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","artifactType":"\#(type)","config":{"mediaType":"application/vnd.oci.empty.v1+json","artifactType":"\#(type)","digest":"\#(config.digest)","size":2},"layers":[{"mediaType":"\#(type)","digest":"\#(bundleBlob.digest)","size":\#(bundleBlob.size)}],"subject":{"mediaType":"\#(subjectType)","digest":"\#(digest)","size":\#(subjectSize)},"annotations":{"dev.sigstore.bundle.content":"dsse-envelope","dev.sigstore.bundle.predicateType":"https://sigstore.dev/cosign/sign/v1"}}"#
        let manifest = try Manifest(bytes: Data(manifestText.utf8), declaredType: MediaType.ociManifest, source: "bundle referrer")
        try store.putManifest(manifest)
        var descriptor = manifest.descriptor
        descriptor.artifactType = type
        try store.record([LayoutEntry(kind: .referrer, reference: image, descriptor: descriptor, subject: digest)])
    }
}
