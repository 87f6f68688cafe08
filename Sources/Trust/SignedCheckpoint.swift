import Foundation

/// A transparency log checkpoint in the signed-note format (C2SP `tlog-checkpoint`, `signed-note`): origin, tree
/// size and root hash, then signature lines `— NAME base64(keyhint[4] || signature)`.
public struct SignedCheckpoint: Sendable {
    public var origin: String
    public var treeSize: Int64
    public var rootHash: Data
    /// The signed text: every line up to the blank line, each with its newline.
    public var body: Data
    public var signatures: [(name: String, keyHint: Data, signature: Data)]

    /// Parses a checkpoint envelope; refuses one without origin, size, root hash or signature.
    public init(envelope: String) throws(KeylessFailure) {
        guard let split = envelope.range(of: "\n\n") else { throw KeylessFailure(.logProof, "the checkpoint has no blank line before its signatures") }
        let text = envelope[..<split.lowerBound]
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 3, !lines[0].isEmpty else { throw KeylessFailure(.logProof, "the checkpoint lacks an origin, size or root hash") }
        guard let size = Int64(lines[1]), size >= 0 else { throw KeylessFailure(.logProof, "the checkpoint's second line '\(lines[1])' is not a tree size") }
        guard let root = Data(base64Encoded: String(lines[2])), root.count == 32 else {
            throw KeylessFailure(.logProof, "the checkpoint's third line is not a base64 SHA-256 root hash")
        }
        origin = String(lines[0])
        treeSize = size
        rootHash = root
        body = Data((text + "\n").utf8)
        signatures = []
        for line in envelope[split.upperBound...].split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[0] == "\u{2014}", let raw = Data(base64Encoded: String(parts[2])), raw.count > 4 else {
                throw KeylessFailure(.logProof, "checkpoint signature line '\(line)' is not '— NAME SIGNATURE'")
            }
            signatures.append((String(parts[1]), raw.prefix(4), raw.dropFirst(4)))
        }
        guard !signatures.isEmpty else { throw KeylessFailure(.logProof, "the checkpoint is not signed") }
    }

    /// Checks that `log` signed the checkpoint: a signature line with the log's name (its host) and key hint (the first
    /// four bytes of its log ID) verifies over the body. Other lines (witness cosignatures) are ignored.
    public func verify(by log: TrustedRoot.Log) throws(KeylessFailure) {
        let hint = log.logID.prefix(4)
        let names = log.checkpointNames
        let candidates = signatures.filter { names.contains($0.name) && $0.keyHint == hint }
        guard !candidates.isEmpty else {
            throw KeylessFailure(.logProof, "no checkpoint signature by \(names.joined(separator: " or ")) with key hint \(hint.hex)")
        }
        guard candidates.contains(where: { log.key.verify(signature: $0.signature, message: body, hash: log.key.kind.defaultHash) }) else {
            throw KeylessFailure(.logProof, "the checkpoint signature does not verify with the key of \(log.baseURL)")
        }
    }
}
