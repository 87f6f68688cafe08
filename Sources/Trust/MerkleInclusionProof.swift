import Foundation

/// An RFC 6962 Merkle audit path: proves that a leaf is entry `index` of a tree of `treeSize` entries whose
/// root hash is `rootHash`.
public struct MerkleInclusionProof: Sendable {
    public var index: Int64
    public var treeSize: Int64
    public var rootHash: Data
    public var hashes: [Data]

    /// RFC 6962 leaf hash: SHA-256(0x00 || leaf).
    public static func leafHash(_ leaf: Data) -> Data { sha256(Data([0]) + leaf) }

    /// RFC 6962 interior node hash: SHA-256(0x01 || left || right).
    static func nodeHash(_ left: Data, _ right: Data) -> Data { sha256(Data([1]) + left + right) }

    /// Checks that `leaf` (the entry's bytes, not yet hashed) sits at `index` under `rootHash`.
    public func verify(leaf: Data) throws(KeylessFailure) {
        guard index >= 0, treeSize > 0, index < treeSize else {
            throw KeylessFailure(.logProof, "inclusion proof index \(index) is outside a tree of \(treeSize) entries")
        }
        // The path splits where the paths to `index` and to the last leaf diverge: below, siblings on either side;
        // above, only left siblings along the right border.
        let last = UInt64(treeSize - 1), position = UInt64(index)
        let inner = 64 - (position ^ last).leadingZeroBitCount
        let border = (position >> UInt64(inner)).nonzeroBitCount
        guard hashes.count == inner + border else {
            throw KeylessFailure(.logProof, "inclusion proof has \(hashes.count) hashes; a leaf at \(index) of \(treeSize) needs \(inner + border)")
        }
        var hash = Self.leafHash(leaf)
        for (level, sibling) in hashes.enumerated() {
            if level < inner && (position >> UInt64(level)) & 1 == 0 {
                hash = Self.nodeHash(hash, sibling)
            } else {
                hash = Self.nodeHash(sibling, hash)
            }
        }
        guard hash == rootHash else {
            throw KeylessFailure(.logProof, "inclusion proof leads to root \(hash.hex), not \(rootHash.hex)")
        }
    }
}
