import COpenSSL
import Foundation

/// An RFC 3161 timestamp response (DER `TimeStampResp`), verified with OpenSSL's TS API against the timestamp
/// authorities of a trusted root.
public struct RFC3161Timestamp: Sendable {
    public let response: Data

    public init(response: Data) { self.response = response }

    /// Checks that an authority of `root` stamped `signed` (its message imprint covers these bytes) and returns
    /// the time it vouches for. The authority's chain is checked at that time, and the time must lie in the
    /// period the root trusts the authority for.
    public func verify(signed data: Data, in root: TrustedRoot) throws(KeylessFailure) -> Date {
        let parsed: OpaquePointer? = response.withUnsafeBytes { raw in
            var cursor: UnsafePointer<UInt8>? = raw.baseAddress?.assumingMemoryBound(to: UInt8.self)
            return d2i_TS_RESP(nil, &cursor, raw.count)
        }
        guard let parsed else { throw KeylessFailure(.timestamp, "not a DER RFC 3161 timestamp response (\(openSSLError()))") }
        defer { TS_RESP_free(parsed) }
        guard let info = TS_RESP_get_tst_info(parsed), let time = Certificate.date(TS_TST_INFO_get_time(info)) else {
            throw KeylessFailure(.timestamp, "the timestamp response carries no time")
        }
        guard !root.timestampAuthorities.isEmpty else { throw KeylessFailure(.timestamp, "\(root.origin) names no timestamp authority") }
        var reasons: [String] = []
        for authority in root.timestampAuthorities {
            guard authority.validFor.contains(time) else {
                reasons.append("\(authority.uri) is not trusted at \(time)")
                continue
            }
            if let problem = Self.check(parsed, data: data, authority: authority, at: time) {
                reasons.append("\(authority.uri): \(problem)")
                continue
            }
            return time
        }
        throw KeylessFailure(.timestamp, "no trusted timestamp authority vouches for it (\(reasons.joined(separator: "; ")))")
    }

    /// Why `response` does not verify with `authority` at `time`, or nil when it does.
    static func check(_ response: OpaquePointer, data: Data, authority: TrustedRoot.Authority, at time: Date) -> String? {
        guard let context = TS_VERIFY_CTX_new(), let store = X509_STORE_new(), let untrusted = OPENSSL_sk_new_null() else { return "out of memory" }
        defer { TS_VERIFY_CTX_free(context) }  // frees the store, the certificates and the data BIO too
        guard let rootCertificate = authority.chain.last else { return "no certificate" }
        X509_STORE_add_cert(store, rootCertificate.x509)
        for certificate in authority.chain.dropLast() {
            X509_up_ref(certificate.x509)
            OPENSSL_sk_push(untrusted, UnsafeRawPointer(certificate.x509))
        }
        X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store), time_t(time.timeIntervalSince1970))
        TS_VERIFY_CTX_set_store(context, store)
        TS_VERIFY_CTX_set_certs(context, untrusted)
        TS_VERIFY_CTX_set_flags(context, Int32(TS_VFY_SIGNATURE | TS_VFY_VERSION | TS_VFY_DATA))
        let result: Int32 = data.withUnsafeBytes { raw in
            guard let copy = BIO_new(BIO_s_mem()) else { return 0 }
            BIO_write(copy, raw.baseAddress, Int32(raw.count))
            TS_VERIFY_CTX_set_data(context, copy)
            return TS_RESP_verify_response(context, response)
        }
        return result == 1 ? nil : openSSLError()
    }
}
