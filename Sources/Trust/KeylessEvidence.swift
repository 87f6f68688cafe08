import Foundation

/// The keyless evidence of a legacy `.sig` layer: its `dev.sigstore.cosign/certificate` and the Rekor bundle
/// (`dev.sigstore.cosign/bundle`) whose SET gives the signing time. The `/chain` annotation is not read: the chain
/// comes from the trusted root only.
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
            return .success(SignatureVerification(content: SignedContent(form: .payload(layer.payload), signature: signature), certificate: certificate,
                                                  logEntries: entries, timestamps: [], requireInclusionProof: false))
        } catch let error as TrustError {
            return .failure(error)
        } catch {
            return .failure(.malformed(what, "\(error)"))
        }
    }
}
