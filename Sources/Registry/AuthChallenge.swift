/// One challenge of a `WWW-Authenticate` header: a scheme and its parameters (RFC 7235).
public struct AuthChallenge: Sendable, Equatable {
    public let scheme: String
    public let parameters: [String: String]

    public var isBearer: Bool { scheme.lowercased() == "bearer" }
    public var isBasic: Bool { scheme.lowercased() == "basic" }
    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }
    /// The OAuth2 error a registry adds when a token was refused (`insufficient_scope`, `invalid_token`).
    public var error: String? { parameters["error"] }

    /// Parses every challenge in a header value such as
    /// `Bearer realm="https://auth.example/token",service="registry",scope="repository:a/b:pull"`.
    public static func parse(_ header: String) -> [AuthChallenge] {
        var challenges: [AuthChallenge] = []
        var scanner = Scanner(Array(header.utf8))
        while !scanner.atEnd {
            scanner.skip { $0 == 0x20 || $0 == 0x09 || $0 == 0x2C }
            let scheme = scanner.token()
            guard !scheme.isEmpty else { break }
            var parameters: [String: String] = [:]
            while true {
                scanner.skip { $0 == 0x20 || $0 == 0x09 }
                let mark = scanner.position
                let name = scanner.token()
                scanner.skip { $0 == 0x20 || $0 == 0x09 }
                guard !name.isEmpty, scanner.consume(0x3D) else { scanner.position = mark; break } // '='
                scanner.skip { $0 == 0x20 || $0 == 0x09 }
                parameters[name.lowercased()] = scanner.peek == 0x22 ? scanner.quoted() : scanner.token()
                scanner.skip { $0 == 0x20 || $0 == 0x09 }
                guard scanner.consume(0x2C) else { break } // ','
            }
            challenges.append(AuthChallenge(scheme: scheme, parameters: parameters))
        }
        return challenges
    }

    private struct Scanner {
        let bytes: [UInt8]
        var position = 0
        init(_ bytes: [UInt8]) { self.bytes = bytes }
        var atEnd: Bool { position >= bytes.count }
        var peek: UInt8? { atEnd ? nil : bytes[position] }

        mutating func skip(while predicate: (UInt8) -> Bool) {
            while let b = peek, predicate(b) { position += 1 }
        }
        mutating func consume(_ byte: UInt8) -> Bool {
            guard peek == byte else { return false }
            position += 1
            return true
        }
        /// An RFC 7230 token.
        mutating func token() -> String {
            let start = position
            skip { b in
                !(b <= 0x20 || b >= 0x7F || [0x22, 0x28, 0x29, 0x2C, 0x2F, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F, 0x40, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D].contains(b))
            }
            return String(decoding: bytes[start..<position], as: UTF8.self)
        }
        /// A quoted string, with backslash escapes resolved.
        mutating func quoted() -> String {
            position += 1
            var out: [UInt8] = []
            while let b = peek {
                position += 1
                if b == 0x22 { break }
                if b == 0x5C, let next = peek { out.append(next); position += 1 } else { out.append(b) }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }
}
