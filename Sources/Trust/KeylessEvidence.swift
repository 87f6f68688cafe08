import Foundation

/// The keyless evidence of a legacy `.sig` layer: its `dev.sigstore.cosign/certificate`, the Rekor bundle
/// (`dev.sigstore.cosign/bundle`) whose SET gives a signing time, and an RFC 3161 timestamp over the signature
/// (`dev.sigstore.cosign/rfc3161timestamp`) when there is one. The `/chain` annotation is not read: the chain comes
/// from the trusted root only.
enum KeylessEvidence {
    static func legacy(_ layer: CosignSignatureLayer, signature: Data, what: String) -> Result<SignatureVerification, TrustError> {
        let annotations = layer.layer.annotations ?? [:]
        guard let pem = annotations[CosignSignatureLayer.certificateAnnotation] else {
            return .failure(.malformed(what, "no \(CosignSignatureLayer.certificateAnnotation) annotation: not a keyless signature, and no key of the rule verifies it"))
        }
        do {
            guard let certificate = try Certificate.all(pem: pem, what: "\(what) certificate").first else {
                return .failure(.malformed(what, "the certificate annotation holds no PEM certificate"))
            }
            var entries: [TransparencyLogEntry] = []
            if let annotation = annotations[CosignSignatureLayer.rekorBundleAnnotation] {
                do { entries.append(try TransparencyLogEntry(legacy: try RekorSET(annotation: annotation, what: what))) } catch let failure as KeylessFailure {
                    return .failure(.malformed(what, "keyless \(failure)"))
                }
            }
            var timestamps: [RFC3161Timestamp] = []
            if let annotation = annotations[CosignSignatureLayer.timestampAnnotation] {
                struct Stamp: Decodable {
                    var response: Data
                    enum CodingKeys: String, CodingKey { case response = "SignedRFC3161Timestamp" }
                }
                guard let stamp = try? JSONDecoder().decode(Stamp.self, from: Data(annotation.utf8)) else {
                    return .failure(.malformed(what, "the \(CosignSignatureLayer.timestampAnnotation) annotation is not {SignedRFC3161Timestamp}"))
                }
                timestamps.append(RFC3161Timestamp(response: stamp.response))
            }
            return .success(SignatureVerification(content: SignedContent(form: .payload(layer.payload), signature: signature), certificate: certificate,
                                                  logEntries: entries, timestamps: timestamps, requireInclusionProof: false))
        } catch let error as TrustError {
            return .failure(error)
        } catch {
            return .failure(.malformed(what, "\(error)"))
        }
    }
}
