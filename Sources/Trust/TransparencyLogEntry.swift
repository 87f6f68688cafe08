import Foundation

/// One transparency log entry as a signature carries it (a sigstore bundle's `tlogEntries[]`, or the Rekor bundle
/// annotation of a legacy `.sig` layer): the logged body, and the log's promise (SET) and/or inclusion proof.
public struct TransparencyLogEntry: Sendable {
    public var logIndex: Int64
    public var logID: Data
    public var kind: String
    public var version: String
    public var integratedTime: Int64?
    /// The signed entry timestamp: the log's signature over the entry's canonical JSON.
    public var signedEntryTimestamp: Data?
    public var inclusionProof: MerkleInclusionProof?
    /// The checkpoint that signs the inclusion proof's root.
    public var checkpoint: String?
    /// The canonicalized entry body, exactly as logged.
    public var body: Data

    public init(logIndex: Int64, logID: Data, kind: String, version: String, integratedTime: Int64?, signedEntryTimestamp: Data?,
                inclusionProof: MerkleInclusionProof? = nil, checkpoint: String? = nil, body: Data) {
        self.logIndex = logIndex
        self.logID = logID
        self.kind = kind
        self.version = version
        self.integratedTime = integratedTime
        self.signedEntryTimestamp = signedEntryTimestamp
        self.inclusionProof = inclusionProof
        self.checkpoint = checkpoint
        self.body = body
    }

    /// Whether the entry comes from a Rekor v2 log (tiles: no promise, no integrated time).
    public var isRekorV2: Bool { version == "0.0.2" && (kind == "hashedrekord" || kind == "dsse") }

    /// The bytes the SET signs: `{"body","integratedTime","logID","logIndex"}` as canonical JSON (base64 and hex
    /// need no JSON escaping).
    public var promisedBytes: Data {
        Data(#"{"body":"\#(body.base64EncodedString())","integratedTime":\#(integratedTime ?? 0),"logID":"\#(logID.hex)","logIndex":\#(logIndex)}"#.utf8)
    }

    /// Checks the entry against the trusted root's logs: the SET when present, and the inclusion proof with its
    /// checkpoint when present (required when `requireProof`, and for Rekor v2). Returns the integrated time when
    /// a verified SET vouches for it, the only signing time a log gives.
    public func verify(in root: TrustedRoot, requireProof: Bool) throws(KeylessFailure) -> Date? {
        guard logIndex >= 0 else { throw KeylessFailure(.malformed, "log index \(logIndex) is negative") }
        guard let log = root.transparencyLog(id: logID) else {
            throw KeylessFailure(.logProof, "the entry comes from log \(logID.base64EncodedString()), which \(root.origin) does not trust")
        }
        guard signedEntryTimestamp != nil || inclusionProof != nil else {
            throw KeylessFailure(.logProof, "the log entry has neither a signed entry timestamp nor an inclusion proof")
        }
        if (requireProof || isRekorV2) && inclusionProof == nil {
            throw KeylessFailure(.logProof, "the log entry has no inclusion proof")
        }
        var promisedTime: Date?
        if let promise = signedEntryTimestamp, !isRekorV2 {
            guard let integratedTime else { throw KeylessFailure(.logProof, "the signed entry timestamp has no integrated time") }
            guard log.key.verify(signature: promise, message: promisedBytes, hash: log.key.kind.defaultHash) else {
                throw KeylessFailure(.logProof, "the signed entry timestamp does not verify with the key of \(log.baseURL)")
            }
            let time = Date(timeIntervalSince1970: TimeInterval(integratedTime))
            guard log.validFor.contains(time) else {
                throw KeylessFailure(.logProof, "integrated time \(time) is outside the period \(root.origin) trusts \(log.baseURL) for")
            }
            promisedTime = time
        }
        if let proof = inclusionProof {
            try proof.verify(leaf: body)
            guard let checkpoint else { throw KeylessFailure(.logProof, "the inclusion proof has no checkpoint") }
            let signed = try SignedCheckpoint(envelope: checkpoint)
            guard signed.treeSize == proof.treeSize, signed.rootHash == proof.rootHash else {
                throw KeylessFailure(.logProof, "the checkpoint (size \(signed.treeSize), root \(signed.rootHash.hex)) is not the proof's tree")
            }
            try signed.verify(by: log)
        }
        return promisedTime
    }
}

extension TransparencyLogEntry {
    /// The entry a legacy `.sig` layer's Rekor bundle annotation describes (a promise, no proof).
    public init(legacy set: RekorSET) throws(KeylessFailure) {
        guard let logID = Data(hex: set.entry.logID), let body = Data(base64Encoded: set.entry.body) else {
            throw KeylessFailure(.malformed, "the Rekor bundle's logID or body is not encoded as cosign writes it")
        }
        guard let parsed = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let kind = parsed["kind"] as? String, let version = parsed["apiVersion"] as? String else {
            throw KeylessFailure(.malformed, "the Rekor bundle's body is not a log entry")
        }
        self.init(logIndex: set.entry.logIndex, logID: logID, kind: kind, version: version, integratedTime: set.entry.integratedTime,
                  signedEntryTimestamp: set.signedEntryTimestamp, body: body)
    }
}
