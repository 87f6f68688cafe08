import Foundation
import OCI

/// The Rekor bundle cosign stores in a legacy signature's `dev.sigstore.cosign/bundle` annotation: a signed
/// entry timestamp (SET) by the transparency log over the entry it logged.
public struct RekorSET: Sendable, Decodable {
    public struct Entry: Sendable, Decodable {
        public var body: String
        public var integratedTime: Int64
        public var logIndex: Int64
        public var logID: String
    }

    /// The log's signature over `entry`.
    public var signedEntryTimestamp: Data
    /// What the log says it recorded.
    public var entry: Entry

    enum CodingKeys: String, CodingKey {
        case signedEntryTimestamp = "SignedEntryTimestamp", entry = "Payload"
    }

    /// Parses the annotation; `what` names the signature in errors.
    public init(annotation: String, what: String) throws(TrustError) {
        do { self = try JSONDecoder().decode(RekorSET.self, from: Data(annotation.utf8)) } catch {
            throw TrustError.malformed(what, "the Rekor bundle annotation is not {SignedEntryTimestamp, Payload}")
        }
    }

    /// The bytes the log signed: the payload as canonical JSON (keys sorted, no whitespace).
    var signedBytes: Data {
        Data(#"{"body":\#(GoJSON.quoted(entry.body)),"integratedTime":\#(entry.integratedTime),"logID":\#(GoJSON.quoted(entry.logID)),"logIndex":\#(entry.logIndex)}"#.utf8)
    }

    /// Checks the SET with the log's key, then that the logged entry is this signature over this payload.
    public func verify(rekorKey: PublicKey, signature: Data, payload: Data, what: String) throws(TrustError) {
        guard rekorKey.verify(signature: signedEntryTimestamp, message: signedBytes) else {
            throw TrustError.malformed(what, "the Rekor entry timestamp does not verify with \(rekorKey.origin)")
        }
        guard let body = Data(base64Encoded: entry.body),
              let entry = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let spec = entry["spec"] as? [String: Any] else {
            throw TrustError.malformed(what, "the Rekor entry body is not a log entry")
        }
        let loggedSignature = ((spec["signature"] as? [String: Any])?["content"] as? String).flatMap { Data(base64Encoded: $0) }
        let loggedHash = (((spec["data"] as? [String: Any])?["hash"] as? [String: Any])?["value"] as? String)?.lowercased()
        guard loggedSignature == signature else { throw TrustError.malformed(what, "the Rekor entry logs another signature") }
        guard loggedHash == sha256(payload).hex else { throw TrustError.malformed(what, "the Rekor entry logs another payload") }
    }
}
