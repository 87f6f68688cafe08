import Foundation
import Trust

/// Signature material: simple-signing payloads, key files, sigstore bundles, DSSE envelopes, trusted roots.
enum TrustFuzzing {
    @Sendable static func simpleSigningPayload(_ data: Data) {
        _ = try? SimpleSigningPayload(parsing: data, what: "fuzz")
    }

    /// A key file as `--key` reads it: an encrypted cosign key (opened with an empty password), a plain private
    /// key, or a public key.
    @Sendable static func cosignKeyFile(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        if let block = try? PEMBlock.single(in: text, what: "fuzz") {
            _ = try? CosignKeyFile.decrypt(block, password: Data(), origin: "fuzz")
        }
        _ = try? PrivateKey(plainPEM: text, origin: "fuzz")
        _ = try? PublicKey(pem: text, origin: "fuzz")
    }

    @Sendable static func sigstoreBundle(_ data: Data) {
        _ = try? SigstoreBundle.parse(data, what: "fuzz")
    }

    @Sendable static func dsseEnvelope(_ data: Data) {
        guard let envelope = try? JSONDecoder().decode(DSSEEnvelope.self, from: data) else { return }
        _ = DSSEEnvelope.pae(payloadType: envelope.payloadType, payload: envelope.payload)
        _ = try? JSONDecoder().decode(InTotoStatement.self, from: envelope.payload)
    }

    @Sendable static func trustedRoot(_ data: Data) {
        _ = try? TrustedRoot(json: data, origin: "fuzz")
    }
}
