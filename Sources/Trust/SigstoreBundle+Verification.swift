import Foundation

extension SigstoreBundle {
    /// The bundle's media type version: 1, 2 or 3 (for v0.1–v0.3).
    public var minorVersion: Int {
        mediaType.contains("0.1") ? 1 : mediaType.contains("0.2") ? 2 : 3
    }

    /// The signing certificate, refusing what protobuf-specs' client policy forbids: an empty chain, a CA in
    /// the leaf position, or a root certificate carried in the bundle.
    public func signingCertificate(what: String) throws(KeylessFailure) -> Certificate? {
        guard let material = verificationMaterial else { throw KeylessFailure(.malformed, "the bundle has no verification material") }
        if let leaf = material.certificate {
            do { return try Certificate(der: leaf.rawBytes, what: what) } catch { throw KeylessFailure(.malformed, error.description) }
        }
        guard let chain = material.x509CertificateChain else { return nil }
        guard !chain.certificates.isEmpty else { throw KeylessFailure(.malformed, "the bundle's certificate chain is empty") }
        var certificates: [Certificate] = []
        for raw in chain.certificates {
            do { certificates.append(try Certificate(der: raw.rawBytes, what: what)) } catch { throw KeylessFailure(.malformed, error.description) }
        }
        guard !certificates[0].isCA else { throw KeylessFailure(.chain, "the bundle's first certificate is a CA, not a signing certificate") }
        guard !certificates.dropFirst().contains(where: \.isSelfSigned) else {
            throw KeylessFailure(.chain, "the bundle carries a root certificate; trust comes from the trusted root only")
        }
        return certificates[0]
    }

    /// The bundle's signature and evidence, for an artifact with SHA-256 `artifactDigest`: a message signature's
    /// digest must be the artifact's; a DSSE statement must name the artifact as a subject.
    public func verification(artifactDigest: Data, what: String) throws(KeylessFailure) -> SignatureVerification {
        let content: SignedContent
        if let envelope = dsseEnvelope {
            guard envelope.signatures.count == 1 else { throw KeylessFailure(.malformed, "the DSSE envelope has \(envelope.signatures.count) signatures; expected one") }
            if envelope.payloadType == DSSEEnvelope.inTotoPayloadType {
                guard let statement = try? JSONDecoder().decode(InTotoStatement.self, from: envelope.payload) else {
                    throw KeylessFailure(.malformed, "the DSSE payload is not an in-toto statement")
                }
                guard statement.names(sha256: artifactDigest.hex) else {
                    throw KeylessFailure(.bodyMismatch, "the in-toto statement does not name sha256:\(artifactDigest.hex)")
                }
            }
            content = SignedContent(form: .envelope(envelope), signature: envelope.signatures[0].sig)
        } else if let message = messageSignature {
            if let digest = message.messageDigest {
                guard digest.algorithm == "SHA2_256", digest.digest == artifactDigest else {
                    throw KeylessFailure(.bodyMismatch, "the message digest is not the artifact's sha256:\(artifactDigest.hex)")
                }
            }
            content = SignedContent(form: .digest(artifactDigest), signature: message.signature)
        } else {
            throw KeylessFailure(.malformed, "the bundle has no signature")
        }
        let entries = (verificationMaterial?.tlogEntries ?? []).map(\.entry)
        let timestamps = (verificationMaterial?.timestampVerificationData?.rfc3161Timestamps ?? []).map { RFC3161Timestamp(response: $0.signedTimestamp) }
        return SignatureVerification(content: content, certificate: try signingCertificate(what: what), logEntries: entries,
                                     timestamps: timestamps, requireInclusionProof: minorVersion >= 2)
    }
}
