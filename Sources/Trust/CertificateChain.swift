import COpenSSL
import Foundation

extension TrustedRoot {
    /// Checks that `leaf` chains, at `time`, to a certificate authority of the root that is trusted at `time`, and
    /// returns the certificate that issued it. The chain comes from the root only, never from the signature.
    public func verifyChain(_ leaf: Certificate, at time: Date) throws(KeylessFailure) -> Certificate {
        let authorities = certificateAuthorities.filter { $0.validFor.contains(time) }
        guard !authorities.isEmpty else {
            throw KeylessFailure(.chain, "\(origin) trusts no certificate authority at \(time)")
        }
        var reasons: [String] = []
        for authority in authorities {
            switch Self.chain(leaf, to: authority, at: time) {
            case .success(let issuer): return issuer
            case .failure(let reason): reasons.append("\(authority.uri.isEmpty ? "a CA" : authority.uri): \(reason)")
            }
        }
        throw KeylessFailure(.chain, "the certificate does not chain to a CA of \(origin) (\(reasons.joined(separator: "; ")))")
    }

    static func chain(_ leaf: Certificate, to authority: Authority, at time: Date) -> Result<Certificate, KeylessFailure> {
        guard let anchor = authority.chain.last, let store = X509_STORE_new(), let context = X509_STORE_CTX_new(),
              let untrusted = OPENSSL_sk_new_null() else { return .failure(KeylessFailure(.chain, "out of memory")) }
        defer {
            X509_STORE_CTX_free(context)
            X509_STORE_free(store)
            OPENSSL_sk_free(untrusted)
        }
        X509_STORE_add_cert(store, anchor.x509)
        for certificate in authority.chain.dropLast() { OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.x509)) }
        guard X509_STORE_CTX_init(context, store, leaf.x509, untrusted) == 1 else {
            return .failure(KeylessFailure(.chain, openSSLError()))
        }
        X509_STORE_CTX_set_time(context, 0, time_t(time.timeIntervalSince1970))
        guard X509_verify_cert(context) == 1 else {
            let code = X509_STORE_CTX_get_error(context)
            _ = openSSLError()
            return .failure(KeylessFailure(.chain, String(cString: X509_verify_cert_error_string(Int(code)))))
        }
        guard let built = X509_STORE_CTX_get0_chain(context), OPENSSL_sk_num(built) > 1, let issuer = OPENSSL_sk_value(built, 1) else {
            return .failure(KeylessFailure(.chain, "the certificate is itself the anchor"))
        }
        let issuerPointer = OpaquePointer(issuer)
        let issuerCertificate = authority.chain.first { $0.x509 == issuerPointer } ?? anchor
        return .success(issuerCertificate)
    }
}
