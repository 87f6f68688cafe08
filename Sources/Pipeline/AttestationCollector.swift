import Foundation
import OCI
import Trust

/// Gathers an image's in-toto attestations from a `SignatureMaterial`: the DSSE envelopes in the layers of its
/// cosign `sha256-<hex>.att` manifest, and those in sigstore bundles its referrers carry (other than image signatures).
public enum AttestationCollector {
    /// The DSSE envelope layer of a `.att` manifest.
    public static let envelopeMediaType = "application/vnd.dsse.envelope.v1+json"

    /// An envelope found, where it was found, its JSON (what `verify-attestation` prints) and the sigstore bundle
    /// that carried it, if one did.
    public struct Found: Sendable {
        public let origin: String
        public let envelope: DSSEEnvelope
        public let json: Data
        public var bundle: SigstoreBundle? = nil
    }

    /// Every envelope found, and why anything that looked like one could not be read.
    public static func collect(_ image: Reference, digest: Digest, from material: any SignatureMaterial) async throws -> (found: [Found], problems: [String]) {
        var found: [Found] = []
        var problems: [String] = []
        if let attestations = try await material.attestations(of: image, digest: digest) {
            let origin = "\(image.name):\(digest.tagForm).att"
            guard case .image(let manifest) = attestations.content else { return ([], ["\(origin): not an image manifest"]) }
            for (position, layer) in manifest.layers.enumerated() {
                let what = "\(origin) layer \(position)"
                guard layer.mediaType == envelopeMediaType, layer.size <= SignatureCollector.blobLimit else {
                    problems.append("\(what): media type \(layer.mediaType) is not a DSSE envelope")
                    continue
                }
                do {
                    let json = try await material.smallBlob(layer, of: image)
                    found.append(Found(origin: what, envelope: try JSONDecoder().decode(DSSEEnvelope.self, from: json), json: json))
                } catch {
                    problems.append("\(what): not a DSSE envelope (\(error))")
                }
            }
        }
        for referrer in try await material.referrers(of: image, digest: digest) {
            guard case .image(let manifest) = referrer.content else { continue }
            for layer in manifest.layers where SigstoreBundle.isBundleType(layer.mediaType) && layer.size <= SignatureCollector.blobLimit {
                let what = "\(image.name)@\(referrer.digest)"
                do {
                    let data = try await material.smallBlob(layer, of: image)
                    let bundle = try SigstoreBundle.parse(data, what: what)
                    guard let envelope = bundle.dsseEnvelope,
                          (try? JSONDecoder().decode(InTotoStatement.self, from: envelope.payload))?.predicateType != InTotoStatement.cosignSignPredicate,
                          let object = try JSONSerialization.jsonObject(with: data) as? [String: Any], let inner = object["dsseEnvelope"] else { continue }
                    found.append(Found(origin: what, envelope: envelope,
                                       json: try JSONSerialization.data(withJSONObject: inner, options: [.sortedKeys, .withoutEscapingSlashes]), bundle: bundle))
                } catch {
                    problems.append("\(what): bundle cannot be read (\(error))")
                }
            }
        }
        return (found, problems)
    }
}
