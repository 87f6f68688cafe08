/// One raw 512-byte tar header block (or what is left of one at the end of a file), read
/// independently of libarchive: to check the type flag of each entry the index records, and to
/// explain precisely why libarchive refused a header.
struct TarHeaderBlock {
    static let size = 512
    let bytes: [UInt8]

    /// Reads the block at `offset`; fewer than 512 bytes when the source ends inside it.
    static func read(from source: RandomAccessSource, at offset: Int64) throws -> TarHeaderBlock {
        var bytes = [UInt8](repeating: 0, count: size)
        let n = try bytes.withUnsafeMutableBytes { try source.read(into: $0, at: offset) }
        return TarHeaderBlock(bytes: Array(bytes.prefix(n)))
    }

    var isComplete: Bool { bytes.count == Self.size }
    var isZero: Bool { bytes.allSatisfy { $0 == 0 } }
    var typeflag: UInt8? { bytes.count > 156 ? bytes[156] : nil }

    /// Whether the magic field says ustar (POSIX `ustar\0` or GNU `ustar  \0`).
    var hasUstarMagic: Bool {
        bytes.count >= 262 && Array(bytes[257..<262]) == Array("ustar".utf8)
    }

    /// The entry name the block spells (POSIX prefix joined), when it is printable text.
    var name: String? {
        let name = Self.text(bytes, 0, 100)
        let posix = bytes.count >= 263 && Array(bytes[257..<263]) == Array("ustar\0".utf8)
        let prefix = posix ? Self.text(bytes, 345, 155) : nil
        guard let name, !name.isEmpty else { return nil }
        if let prefix, !prefix.isEmpty { return prefix + "/" + name }
        return name
    }

    /// The checksum stored in the header, if the field is a number.
    var storedChecksum: Int64? {
        guard isComplete else { return nil }
        return Self.number(bytes[148..<156])
    }

    /// The checksum computed over the block (the checksum field counted as spaces), unsigned and signed.
    var computedChecksums: (unsigned: Int64, signed: Int64) {
        var unsigned: Int64 = 0, signed: Int64 = 0
        for (index, byte) in bytes.enumerated() {
            let value = (148..<156).contains(index) ? 0x20 : byte
            unsigned += Int64(value)
            signed += Int64(Int8(bitPattern: value))
        }
        return (unsigned, signed)
    }

    var checksumIsValid: Bool {
        guard let stored = storedChecksum else { return false }
        let computed = computedChecksums
        return stored == computed.unsigned || stored == computed.signed
    }

    /// The size field: octal, or base-256 when its first byte has the high bit set.
    var storedSize: Int64? {
        guard isComplete else { return nil }
        return Self.number(bytes[124..<136])
    }

    /// Parses a numeric header field; nil when it is neither octal text nor base-256.
    static func number(_ field: ArraySlice<UInt8>) -> Int64? {
        guard let first = field.first else { return nil }
        if first & 0x80 != 0 {
            guard first == 0x80 else { return nil } // negative or over 64 bits: refuse
            var value: Int64 = 0
            for byte in field.dropFirst() {
                guard value <= (Int64.max >> 8) else { return nil }
                value = value << 8 | Int64(byte)
            }
            return value
        }
        var value: Int64 = 0
        var digits = 0
        for byte in field {
            switch byte {
            case 0x30...0x37:
                guard value <= (Int64.max >> 3) else { return nil }
                value = value << 3 | Int64(byte - 0x30)
                digits += 1
            case 0x20 where digits == 0: continue
            case 0x20, 0: return digits > 0 ? value : nil
            default: return nil
            }
        }
        return digits > 0 ? value : nil
    }

    /// Text of a NUL-padded field, if it is printable UTF-8.
    private static func text(_ bytes: [UInt8], _ start: Int, _ length: Int) -> String? {
        guard bytes.count > start else { return nil }
        let field = bytes[start..<min(bytes.count, start + length)]
        let content = field.prefix { $0 != 0 }
        guard !content.contains(where: { $0 < 0x20 || $0 == 0x7F }),
              let text = String(validating: content, as: UTF8.self) else { return nil }
        return text
    }
}
