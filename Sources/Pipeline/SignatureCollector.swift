import OCI
import Trust

/// Gathers everything that might sign an image from a `SignatureMaterial`: the layers of its `.sig`
/// manifest with their payloads, and the sigstore bundles its referrers carry.
public enum SignatureCollector {
    /// Payloads and bundles larger than this are not signatures.
    static let blobLimit: Int64 = 1 << 20

    public static func collect(_ image: Reference, digest: Digest, from material: any SignatureMaterial) async throws -> SignatureEvidence {
        var evidence = SignatureEvidence()
        if let signatures = try await material.legacySignatures(of: image, digest: digest) {
            let origin = "\(image.name):\(digest.tagForm).sig"
            evidence.legacyOrigin = origin
            guard case .image(let manifest) = signatures.content else {
                evidence.problems.append("\(origin): not an image manifest")
                return evidence
            }
            for (position, layer) in manifest.layers.enumerated() {
                guard layer.mediaType == CosignSignatureLayer.mediaType, layer.size <= blobLimit else {
                    evidence.problems.append("\(origin) layer \(position): media type \(layer.mediaType) is not a signature")
                    continue
                }
                do { evidence.legacy.append(CosignSignatureLayer(layer: layer, payload: try await material.smallBlob(layer, of: image))) } catch {
                    evidence.problems.append("\(origin) layer \(position): payload cannot be read (\(error))")
                }
            }
        }
        for referrer in try await material.referrers(of: image, digest: digest) {
            guard case .image(let manifest) = referrer.content else { continue }
            for layer in manifest.layers where SigstoreBundle.isBundleType(layer.mediaType) {
                let origin = "\(image.name)@\(referrer.digest)"
                guard layer.size <= blobLimit else { evidence.problems.append("\(origin): bundle of \(layer.size) bytes is too large"); continue }
                do { evidence.bundles.append(.init(origin: origin, data: try await material.smallBlob(layer, of: image))) } catch {
                    evidence.problems.append("\(origin): bundle cannot be read (\(error))")
                }
            }
        }
        return evidence
    }
}
