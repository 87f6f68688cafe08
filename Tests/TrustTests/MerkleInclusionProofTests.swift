import Foundation
import Testing
@testable import Trust

/// RFC 6962 inclusion proofs for every leaf of trees of 1 to 40 entries, against a reference written from the
/// RFC's definitions (MTH and PATH, §2.1), and the proofs that must fail.
@Suite struct MerkleInclusionProofTests {
    static let leaves = (0..<40).map { Data("entry \($0)".utf8) }

    /// MTH(D[n]) of RFC 6962 §2.1.
    static func root(_ leaves: ArraySlice<Data>) -> Data {
        guard leaves.count > 1 else { return MerkleInclusionProof.leafHash(leaves.first ?? Data()) }
        let split = largestPowerOfTwo(below: leaves.count)
        return MerkleInclusionProof.nodeHash(root(leaves.prefix(split)), root(leaves.dropFirst(split)))
    }

    /// PATH(m, D[n]) of RFC 6962 §2.1.1.
    static func path(_ index: Int, _ leaves: ArraySlice<Data>) -> [Data] {
        guard leaves.count > 1 else { return [] }
        let split = largestPowerOfTwo(below: leaves.count)
        if index < split { return path(index, leaves.prefix(split)) + [root(leaves.dropFirst(split))] }
        return path(index - split, leaves.dropFirst(split)) + [root(leaves.prefix(split))]
    }

    static func largestPowerOfTwo(below count: Int) -> Int {
        var power = 1
        while power * 2 < count { power *= 2 }
        return power
    }

    @Test(arguments: 1...40)
    func everyLeafOfATreeOfThisSizeVerifies(_ size: Int) throws {
        let tree = Self.leaves.prefix(size)
        let rootHash = Self.root(tree)
        for index in 0..<size {
            let proof = MerkleInclusionProof(index: Int64(index), treeSize: Int64(size), rootHash: rootHash, hashes: Self.path(index, tree))
            try proof.verify(leaf: Self.leaves[index])
            #expect(throws: KeylessFailure.self) { try proof.verify(leaf: Data("not logged".utf8)) }
            if size > 1 {
                let moved = MerkleInclusionProof(index: Int64((index + 1) % size), treeSize: Int64(size), rootHash: rootHash, hashes: proof.hashes)
                #expect(throws: KeylessFailure.self) { try moved.verify(leaf: Self.leaves[index]) }
            }
        }
    }

    @Test func aPathOfTheWrongLengthOrAnIndexOutsideTheTreeIsRefused() {
        let tree = Self.leaves.prefix(7)
        let rootHash = Self.root(tree)
        let path = Self.path(3, tree)
        for proof in [MerkleInclusionProof(index: 3, treeSize: 7, rootHash: rootHash, hashes: path + [rootHash]),
                      MerkleInclusionProof(index: 3, treeSize: 7, rootHash: rootHash, hashes: Array(path.dropLast())),
                      MerkleInclusionProof(index: 7, treeSize: 7, rootHash: rootHash, hashes: path),
                      MerkleInclusionProof(index: -1, treeSize: 7, rootHash: rootHash, hashes: path)] {
            #expect(throws: KeylessFailure.self) { try proof.verify(leaf: Self.leaves[3]) }
        }
    }
}
