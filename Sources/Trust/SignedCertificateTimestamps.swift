import COpenSSL
import Foundation

/// The signed certificate timestamps (RFC 6962) a Fulcio certificate embeds: each is a CT log's promise to
/// log the precertificate, checked against the certificate-transparency logs of the trusted root.
enum SignedCertificateTimestamps {
    /// Checks that at least one embedded SCT verifies with a CT log of `root`. A root without CT logs asks for none.
    static func verify(_ leaf: Certificate, issuer: Certificate, in root: TrustedRoot) throws(KeylessFailure) {
        guard !root.certificateTransparencyLogs.isEmpty else { return }
        guard let list = X509_get_ext_d2i(leaf.x509, NID_ct_precert_scts, nil, nil) else {
            throw KeylessFailure(.certificateTransparency, "the certificate embeds no SCT, and \(root.origin) names CT logs")
        }
        let scts = OpaquePointer(list)
        defer { SCT_LIST_free(scts) }
        let tbs = try precertificateTBS(leaf)
        guard let issuerKey = derBytes({ i2d_X509_PUBKEY(X509_get_X509_PUBKEY(issuer.x509), $0) }) else {
            throw KeylessFailure(.certificateTransparency, "the issuer's key cannot be encoded")
        }
        let issuerKeyHash = sha256(issuerKey)
        var reasons: [String] = []
        for index in 0..<OPENSSL_sk_num(scts) {
            let sct = OpaquePointer(OPENSSL_sk_value(scts, index))
            var pointer: UnsafeMutablePointer<UInt8>?
            let idLength = SCT_get0_log_id(sct, &pointer)
            guard let pointer, idLength == 32 else { continue }
            let logID = Data(bytes: pointer, count: idLength)
            guard let log = root.certificateTransparencyLog(id: logID) else {
                reasons.append("SCT from unknown log \(logID.base64EncodedString())")
                continue
            }
            var extensionsPointer: UnsafeMutablePointer<UInt8>?
            let extensionsLength = SCT_get0_extensions(sct, &extensionsPointer)
            let extensions = extensionsPointer.map { Data(bytes: $0, count: extensionsLength) } ?? Data()
            var signaturePointer: UnsafeMutablePointer<UInt8>?
            let signatureLength = SCT_get0_signature(sct, &signaturePointer)
            guard let signaturePointer else { continue }
            let signature = Data(bytes: signaturePointer, count: signatureLength)
            let timestamp = SCT_get_timestamp(sct)
            var signed = Data([0, 0])  // v1, certificate_timestamp
            signed.append(contentsOf: (0..<8).reversed().map { UInt8(truncatingIfNeeded: timestamp >> ($0 * 8)) })
            signed.append(contentsOf: [0, 1])  // precert_entry
            signed.append(issuerKeyHash)
            signed.append(contentsOf: [UInt8(truncatingIfNeeded: tbs.count >> 16), UInt8(truncatingIfNeeded: tbs.count >> 8), UInt8(truncatingIfNeeded: tbs.count)])
            signed.append(tbs)
            signed.append(contentsOf: [UInt8(truncatingIfNeeded: extensions.count >> 8), UInt8(truncatingIfNeeded: extensions.count)])
            signed.append(extensions)
            if log.key.verify(signature: signature, message: signed, hash: log.key.kind.defaultHash) { return }
            reasons.append("SCT from \(log.baseURL) does not verify")
        }
        throw KeylessFailure(.certificateTransparency, "no embedded SCT verifies with a CT log of \(root.origin)" + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))"))
    }

    /// The TBSCertificate the CT log signed: the leaf's, without the SCT list extension.
    static func precertificateTBS(_ leaf: Certificate) throws(KeylessFailure) -> Data {
        guard let copy = X509_dup(leaf.x509) else { throw KeylessFailure(.certificateTransparency, "cannot copy the certificate") }
        defer { X509_free(copy) }
        let position = X509_get_ext_by_NID(copy, NID_ct_precert_scts, -1)
        if position >= 0, let removed = X509_delete_ext(copy, position) { X509_EXTENSION_free(removed) }
        guard let tbs = derBytes({ i2d_re_X509_tbs(copy, $0) }) else {
            throw KeylessFailure(.certificateTransparency, "cannot encode the precertificate")
        }
        return tbs
    }
}
