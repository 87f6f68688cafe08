import Foundation
import Trust

/// The signed chain head of an evidence log `FILE`: `FILE.head` holds the SHA-256 (hex) of the log's last line and
/// a newline; `FILE.sig` is `cosign sign-blob`'s signature of those bytes (base64 of the DER ECDSA signature, SHA-256),
/// so `cosign verify-blob --key cosign.pub --signature FILE.sig FILE.head` checks it, and
/// `tail -n 1 FILE | tr -d '\n' | sha256sum` gives the same hex.
public enum EvidenceHead {
    public static func headPath(for log: String) -> String { log + ".head" }
    public static func signaturePath(for log: String) -> String { log + ".sig" }

    /// The head file's bytes for `head`.
    public static func contents(_ head: String) -> Data { Data((head + "\n").utf8) }

    /// Writes `FILE.head` and `FILE.sig` (each by temporary file and rename).
    static func write(_ head: String, for log: String, signedWith key: PrivateKey) throws(EvidenceError) {
        let blob = contents(head)
        do {
            let signature = Data(try key.sign(blob).base64EncodedString().utf8)
            try blob.write(to: URL(fileURLWithPath: headPath(for: log)), options: .atomic)
            try signature.write(to: URL(fileURLWithPath: signaturePath(for: log)), options: .atomic)
        } catch {
            throw EvidenceError(.io, "\(log): cannot write the signed chain head (\(headPath(for: log)), \(signaturePath(for: log))): \(error)")
        }
    }

    /// Checks `FILE.sig` over `FILE.head` with `key` and returns the head it names; throws (untrusted, exit 5)
    /// when either file is missing or the signature does not verify.
    public static func verifiedHead(for log: String, key: PublicKey) throws(EvidenceError) -> String {
        let (headFile, signatureFile) = (headPath(for: log), signaturePath(for: log))
        guard let blob = FileManager.default.contents(atPath: headFile) else {
            throw EvidenceError(.untrusted, "\(headFile): missing: the log's chain head is not signed (write it with --evidence-key)")
        }
        guard let text = FileManager.default.contents(atPath: signatureFile) else {
            throw EvidenceError(.untrusted, "\(signatureFile): missing: the log's chain head is not signed (write it with --evidence-key)")
        }
        guard let signature = Data(base64Encoded: String(decoding: text, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw EvidenceError(.untrusted, "\(signatureFile): not base64 (expected cosign sign-blob's signature)")
        }
        guard key.verify(signature: signature, message: blob) else {
            throw EvidenceError(.untrusted, "\(signatureFile): does not verify \(headFile) with \(key.origin) (\(key.fingerprint))")
        }
        let head = String(decoding: blob, as: UTF8.self)
        guard head.hasSuffix("\n"), head.count == 65, head.dropLast().allSatisfy(\.isHexDigit) else {
            throw EvidenceError(.untrusted, "\(headFile): expected 64 hex characters and a newline")
        }
        return String(head.dropLast())
    }
}
