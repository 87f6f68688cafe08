/// A content digest such as `sha256:6c3c…`: the algorithm and its lowercase hex encoding.
///
/// Parsing follows the OCI image spec's digest grammar; the registered algorithms
/// (`sha256`, `sha512`) must have their exact hex length.
public struct Digest: Hashable, Comparable, Sendable, CustomStringConvertible, Codable {
    public let algorithm: String
    public let encoded: String

    /// Parses `algorithm:encoded`, rejecting anything the OCI grammar or the algorithm's length forbids.
    public init(parsing text: String) throws(DigestError) {
        guard let colon = text.firstIndex(of: ":") else { throw DigestError(text: text, reason: "missing ':' between algorithm and hex") }
        let algorithm = String(text[..<colon])
        let encoded = String(text[text.index(after: colon)...])
        guard Self.isValidAlgorithm(algorithm) else { throw DigestError(text: text, reason: "invalid algorithm '\(algorithm)'") }
        guard !encoded.isEmpty, encoded.utf8.allSatisfy({ Self.isEncodedByte($0) }) else {
            throw DigestError(text: text, reason: "invalid encoded part")
        }
        switch algorithm {
        case "sha256", "sha512":
            let expected = algorithm == "sha256" ? 64 : 128
            guard encoded.utf8.count == expected, encoded.utf8.allSatisfy({ Self.isLowerHex($0) }) else {
                throw DigestError(text: text, reason: "\(algorithm) needs \(expected) lowercase hex characters")
            }
        default:
            throw DigestError(text: text, reason: "unsupported algorithm '\(algorithm)' (sha256 and sha512 are supported)")
        }
        self.algorithm = algorithm
        self.encoded = encoded
    }

    /// A digest from its algorithm and lowercase hex characters, already known to be valid.
    init(algorithm: String, validHex hex: String) {
        self.algorithm = algorithm
        self.encoded = hex
    }

    /// The digest of `bytes` with this digest's algorithm (to check bytes against it).
    public func recomputed<Bytes: Sequence>(over bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = ContentHasher(algorithm: algorithm)
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    public var description: String { "\(algorithm):\(encoded)" }

    /// The SHA-256 digest of `bytes`.
    public static func sha256<Bytes: Sequence>(of bytes: Bytes) -> Digest where Bytes.Element == UInt8 {
        var hasher = ContentHasher()
        hasher.update(Array(bytes))
        return hasher.finalize()
    }

    /// The tag cosign and the referrers fallback use for this digest: `sha256-<hex>`.
    public var tagForm: String { "\(algorithm)-\(encoded)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { self = try Digest(parsing: text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    static func isValidAlgorithm(_ s: String) -> Bool {
        // algorithm-component (separator algorithm-component)*, component = [a-z0-9]+
        var previousWasSeparator = true
        for byte in s.utf8 {
            let isComponent = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39)
            let isSeparator = byte == 0x2B || byte == 0x2E || byte == 0x5F || byte == 0x2D // + . _ -
            if isComponent { previousWasSeparator = false }
            else if isSeparator, !previousWasSeparator { previousWasSeparator = true }
            else { return false }
        }
        return !s.isEmpty && !previousWasSeparator
    }

    static func isEncodedByte(_ b: UInt8) -> Bool {
        (b >= 0x61 && b <= 0x7A) || (b >= 0x41 && b <= 0x5A) || (b >= 0x30 && b <= 0x39) || b == 0x3D || b == 0x5F || b == 0x2D
    }

    static func isLowerHex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }
}

/// A string that is not a valid digest.
public struct DigestError: CategorizedError, CustomStringConvertible, Equatable {
    public let text: String
    public let reason: String
    public var description: String { "invalid digest '\(text)': \(reason)" }
    public var category: ErrorCategory { .invalidInput }
}
