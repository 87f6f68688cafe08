import Foundation
import OCI

/// Writes legacy `.sig` manifests byte for byte as cosign (go-containerregistry) does: an OCI manifest with
/// one simple-signing layer per signature, and a config whose `rootfs.diff_ids` lists every layer.
public enum CosignSignatureManifest {
    /// A manifest and the config blob it references.
    public struct Written: Sendable {
        public var manifest: Data
        public var config: Data
        public var layers: [Descriptor]
    }

    /// Appends a signature of `payload` to the layers of an existing `.sig` manifest (or starts one).
    /// Returns nil when `key` already signed this same payload there (cosign's duplicate detection).
    public static func appending(payload: Data, signature: Data, by key: PublicKey, to existing: [Descriptor]) -> Written? {
        let payloadDigest = Digest.sha256(of: payload)
        let duplicate = existing.contains { layer in
            layer.digest == payloadDigest && CosignSignatureLayer(layer: layer, payload: payload).signature.map {
                key.verify(signature: $0, message: payload)
            } == true
        }
        if duplicate { return nil }
        let layer = Descriptor(mediaType: CosignSignatureLayer.mediaType, digest: payloadDigest, size: Int64(payload.count),
                               annotations: [CosignSignatureLayer.signatureAnnotation: signature.base64EncodedString()])
        return write(layers: existing + [layer])
    }

    /// The manifest and config for `layers`, in cosign's field order.
    public static func write(layers: [Descriptor]) -> Written {
        let zeroTime = "0001-01-01T00:00:00Z"
        let history = Array(repeating: #"{"created":"\#(zeroTime)"}"#, count: layers.count).joined(separator: ",")
        let diffIDs = layers.map { GoJSON.quoted($0.digest.description) }.joined(separator: ",")
        let config = Data((#"{"architecture":"","created":"\#(zeroTime)","history":[\#(history)],"os":"","#
            + #""rootfs":{"type":"layers","diff_ids":[\#(diffIDs)]},"config":{}}"#).utf8)
        let configDescriptor = Descriptor(mediaType: MediaType.ociConfig, digest: .sha256(of: config), size: Int64(config.count))
        let manifest = #"{"schemaVersion":2,"mediaType":"\#(MediaType.ociManifest)","config":\#(descriptorJSON(configDescriptor)),"#
            + #""layers":[\#(layers.map(descriptorJSON).joined(separator: ","))]}"#
        return Written(manifest: Data(manifest.utf8), config: config, layers: layers)
    }

    /// A descriptor as go-containerregistry marshals it: mediaType, size, digest, annotations.
    static func descriptorJSON(_ d: Descriptor) -> String {
        var text = #"{"mediaType":\#(GoJSON.quoted(d.mediaType)),"size":\#(d.size),"digest":\#(GoJSON.quoted(d.digest.description))"#
        if let annotations = d.annotations, !annotations.isEmpty { text += #","annotations":\#(GoJSON.sortedObject(annotations).text)"# }
        return text + "}"
    }
}
