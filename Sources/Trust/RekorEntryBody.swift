import Foundation

/// What a Rekor log entry records, read from its canonicalized body: the signatures, who verifies them (a
/// certificate or a public key, DER), and what was signed. Kinds: `hashedrekord` 0.0.1 and 0.0.2 (Rekor v2),
/// `dsse` 0.0.1, `intoto` 0.0.2.
public struct RekorEntryBody: Sendable {
    /// A verifier as the log recorded it: a certificate or a public key, DER.
    public enum Verifier: Sendable, Equatable {
        case certificate(Data)
        case publicKey(Data)
    }

    public var kind: String
    public var version: String
    public var signatures: [Data] = []
    public var verifiers: [Verifier] = []
    /// hashedrekord: the digest that was signed (the artifact's, or for DSSE in Rekor v2 the PAE's).
    public var signedDigest: Data?
    /// dsse, intoto: SHA-256 of the envelope's payload.
    public var payloadHash: Data?

    /// Parses the body; `kind` and `version` are what the bundle says the entry is.
    public init(_ body: Data) throws(KeylessFailure) {
        guard let top = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let kind = top["kind"] as? String, let version = top["apiVersion"] as? String,
              let spec = top["spec"] as? [String: Any] else {
            throw KeylessFailure(.malformed, "the log entry body is not a Rekor entry")
        }
        self.kind = kind
        self.version = version
        switch (kind, version) {
        case ("hashedrekord", "0.0.1"):
            let signature = spec["signature"] as? [String: Any]
            signatures = [try Self.base64(signature?["content"], "signature.content")]
            verifiers = [try Self.pemVerifier((signature?["publicKey"] as? [String: Any])?["content"])]
            let hash = (spec["data"] as? [String: Any])?["hash"] as? [String: Any]
            guard hash?["algorithm"] as? String == "sha256", let hex = hash?["value"] as? String, let digest = Data(hex: hex) else {
                throw KeylessFailure(.malformed, "the hashedrekord entry has no sha256 data hash")
            }
            signedDigest = digest
        case ("hashedrekord", "0.0.2"):
            let inner = spec["hashedRekordV002"] as? [String: Any]
            let signature = inner?["signature"] as? [String: Any]
            signatures = [try Self.base64(signature?["content"], "signature.content")]
            verifiers = [try Self.protoVerifier(signature?["verifier"])]
            let data = inner?["data"] as? [String: Any]
            guard data?["algorithm"] as? String == "SHA2_256" else { throw KeylessFailure(.malformed, "the hashedrekord entry's digest is not SHA2_256") }
            signedDigest = try Self.base64(data?["digest"], "data.digest")
        case ("dsse", "0.0.1"):
            for item in spec["signatures"] as? [[String: Any]] ?? [] {
                signatures.append(try Self.base64(item["signature"], "signatures.signature"))
                verifiers.append(try Self.pemVerifier(item["verifier"]))
            }
            payloadHash = try Self.hexHash(spec["payloadHash"], "payloadHash")
        case ("intoto", "0.0.2"):
            let content = spec["content"] as? [String: Any]
            let envelope = content?["envelope"] as? [String: Any]
            for item in envelope?["signatures"] as? [[String: Any]] ?? [] {
                // intoto 0.0.2 stores the signature base64-encoded twice (once where a client logged it so: it then
                // records other bytes than the envelope's signature, and does not match).
                let once = try Self.base64(item["sig"], "envelope.signatures.sig")
                signatures.append(Data(base64Encoded: once) ?? once)
                verifiers.append(try Self.pemVerifier(item["publicKey"]))
            }
            payloadHash = try Self.hexHash(content?["payloadHash"], "payloadHash")
        default:
            throw KeylessFailure(.malformed, "log entries of kind \(kind) \(version) are not supported (hashedrekord, dsse, intoto)")
        }
        guard !signatures.isEmpty else { throw KeylessFailure(.malformed, "the \(kind) entry records no signature") }
    }

    static func base64(_ value: Any?, _ field: String) throws(KeylessFailure) -> Data {
        guard let text = value as? String, let data = Data(base64Encoded: text) else {
            throw KeylessFailure(.malformed, "the log entry's \(field) is missing or not base64")
        }
        return data
    }

    static func hexHash(_ value: Any?, _ field: String) throws(KeylessFailure) -> Data {
        let hash = value as? [String: Any]
        guard hash?["algorithm"] as? String == "sha256", let hex = hash?["value"] as? String, let digest = Data(hex: hex) else {
            throw KeylessFailure(.malformed, "the log entry's \(field) is not a sha256 hash")
        }
        return digest
    }

    /// base64 of a PEM certificate or public key.
    static func pemVerifier(_ value: Any?) throws(KeylessFailure) -> Verifier {
        let pem = try base64(value, "verifier")
        guard let block = try? PEMBlock.single(in: String(decoding: pem, as: UTF8.self), what: "log entry verifier") else {
            throw KeylessFailure(.malformed, "the log entry's verifier is not PEM")
        }
        return block.label == "CERTIFICATE" ? .certificate(block.der) : .publicKey(block.der)
    }

    /// Rekor v2's verifier: `{x509Certificate: {rawBytes}}` or `{publicKey: {rawBytes}}`.
    static func protoVerifier(_ value: Any?) throws(KeylessFailure) -> Verifier {
        let verifier = value as? [String: Any]
        if let certificate = verifier?["x509Certificate"] as? [String: Any] {
            return .certificate(try base64(certificate["rawBytes"], "verifier.x509Certificate"))
        }
        if let key = verifier?["publicKey"] as? [String: Any] {
            return .publicKey(try base64(key["rawBytes"], "verifier.publicKey"))
        }
        throw KeylessFailure(.malformed, "the log entry has no verifier")
    }
}
