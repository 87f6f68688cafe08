import Foundation
import OCI

/// One signature of a legacy cosign `sha256-<hex>.sig` manifest: a layer whose blob is the payload and
/// whose annotations carry the signature (and, when logged, certificate and Rekor bundle).
public struct CosignSignatureLayer: Sendable {
    /// The layer media type of a signature.
    public static let mediaType = "application/vnd.dev.cosign.simplesigning.v1+json"
    /// The annotation holding base64 of the signature.
    public static let signatureAnnotation = "dev.cosignproject.cosign/signature"
    /// The annotation holding a Rekor bundle (SET).
    public static let rekorBundleAnnotation = "dev.sigstore.cosign/bundle"
    /// The annotation holding a signing certificate (keyless).
    public static let certificateAnnotation = "dev.sigstore.cosign/certificate"
    /// The annotation holding an RFC 3161 timestamp over the signature: `{"SignedRFC3161Timestamp": base64}`.
    public static let timestampAnnotation = "dev.sigstore.cosign/rfc3161timestamp"

    public var layer: Descriptor
    /// The payload bytes (the layer's blob), already checked against the layer digest by the reader.
    public var payload: Data

    public init(layer: Descriptor, payload: Data) {
        self.layer = layer
        self.payload = payload
    }

    /// The decoded signature, or nil when the annotation is missing or not base64.
    public var signature: Data? {
        layer.annotations?[Self.signatureAnnotation].flatMap { Data(base64Encoded: $0) }
    }

    /// Whether the layer claims to be a signature (media type) and carries one.
    public var isSignature: Bool { layer.mediaType == Self.mediaType && signature != nil && signature?.isEmpty == false }
}
