import Foundation

/// PKCS#8 v2 (RFC 5958 OneAsymmetricKey: version 1 plus a `[1] publicKey`) rewritten as v1, which OpenSSL 3.0
/// reads. sigstore-rs writes Ed25519 keys this way.
enum PKCS8 {
    /// The v1 form of a v2 key, or nil when `der` is not a v2 PrivateKeyInfo.
    static func downgradedV2(_ der: Data) -> Data? {
        let bytes = [UInt8](der)
        guard let outer = element(bytes, at: 0), outer.tag == 0x30, outer.end == bytes.count else { return nil }
        var children: [(tag: UInt8, start: Int, end: Int)] = []
        var offset = outer.contentStart
        while offset < outer.end {
            guard let child = element(bytes, at: offset) else { return nil }
            children.append((child.tag, offset, child.end))
            offset = child.end
        }
        // INTEGER 1, AlgorithmIdentifier SEQUENCE, OCTET STRING, then optional [0] attributes and [1] publicKey.
        guard children.count >= 3, children[0].tag == 0x02, Array(bytes[children[0].start..<children[0].end]) == [0x02, 0x01, 0x01],
              children[1].tag == 0x30, children[2].tag == 0x04 else { return nil }
        var content: [UInt8] = [0x02, 0x01, 0x00]
        for child in children.dropFirst() where child.tag != 0x81 && child.tag != 0xA1 {
            content += bytes[child.start..<child.end]
        }
        return Data([0x30] + length(content.count) + content)
    }

    /// The tag, content start and end of the DER element at `offset`.
    static func element(_ bytes: [UInt8], at offset: Int) -> (tag: UInt8, contentStart: Int, end: Int)? {
        guard offset + 2 <= bytes.count else { return nil }
        let first = Int(bytes[offset + 1])
        var length = first, header = 2
        if first & 0x80 != 0 {
            let count = first & 0x7F
            guard count >= 1, count <= 3, offset + 2 + count <= bytes.count else { return nil }
            length = bytes[(offset + 2)..<(offset + 2 + count)].reduce(0) { $0 << 8 | Int($1) }
            header += count
        }
        guard offset + header + length <= bytes.count else { return nil }
        return (bytes[offset], offset + header, offset + header + length)
    }

    static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        if n < 0x100 { return [0x81, UInt8(n)] }
        return [0x82, UInt8(n >> 8), UInt8(n & 0xFF)]
    }
}
