import CLinux
import Foundation
import HTTPTypes
import Hummingbird
import OCI
import Locking

/// HTTP Basic authentication against an htpasswd file of bcrypt entries (`user:$2y$…`, as `htpasswd -B`
/// writes them), checked with the system's `crypt(3)`. A password that passed is remembered (by its SHA-256,
/// never in clear), so bcrypt's deliberate slowness is paid once per client, not once per request.
final class HtpasswdAuthenticator: Sendable {
    private let hashes: [String: String]
    private let accepted = Locked<Set<String>>([])
    static let challenge = #"Basic realm="airlock""#

    /// Reads `path`; every entry must be bcrypt.
    init(path: String) throws {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ServeError(what: path, reason: "cannot be read as an htpasswd file")
        }
        var hashes: [String: String] = [:]
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let entry = line.trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty, !entry.hasPrefix("#") else { continue }
            guard let colon = entry.firstIndex(of: ":") else {
                throw ServeError(what: "\(path):\(number + 1)", reason: "expected USER:HASH")
            }
            let hash = String(entry[entry.index(after: colon)...])
            guard hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") else {
                throw ServeError(what: "\(path):\(number + 1)", reason: "only bcrypt entries are accepted (htpasswd -B)")
            }
            hashes[String(entry[..<colon])] = hash
        }
        self.hashes = hashes
    }

    /// Throws 401 with a Basic challenge unless `header` carries a valid user and password.
    func check(_ header: String?) throws(DistributionError) {
        guard let header, header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") else {
            throw Self.unauthorized("authentication required")
        }
        let user = String(text[..<colon]), password = String(text[text.index(after: colon)...])
        let key = "\(user):\(Digest.sha256(of: Array(password.utf8)))"
        if accepted.withLock({ $0.contains(key) }) { return }
        guard let hash = hashes[user], Self.bcryptMatches(password, hash) else {
            throw Self.unauthorized("wrong user name or password")
        }
        accepted.withLock { _ = $0.insert(key) }
    }

    private static func unauthorized(_ message: String) -> DistributionError {
        DistributionError(.unauthorized, .unauthorized, message, headers: [.wwwAuthenticate: challenge])
    }

    /// `crypt_r` of the password with the stored hash as setting equals the stored hash.
    private static func bcryptMatches(_ password: String, _ hash: String) -> Bool {
        let data = UnsafeMutablePointer<crypt_data>.allocate(capacity: 1)
        defer { data.deallocate() }
        memset(data, 0, MemoryLayout<crypt_data>.size)
        guard let result = crypt_r(password, hash, data) else { return false }
        let computed = String(cString: result)
        return !computed.hasPrefix("*") && constantTimeEqual(Array(computed.utf8), Array(hash.utf8))
    }

    private static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

/// A server set-up problem: a file that cannot be used, a bad address.
public struct ServeError: Error, CustomStringConvertible {
    public let what: String
    public let reason: String
    public var description: String { "\(what): \(reason)" }
}
