import Foundation

/// Who a keyless signature must come from: a certificate identity (a subject alternative name) and an OIDC
/// issuer, each matched exactly or by regular expression, with the trusted root that vouches for them.
public final class KeylessSigner: @unchecked Sendable, CustomStringConvertible {
    /// An exact string, or a regular expression that must match somewhere in the value (anchor it with `^…$`),
    /// as cosign's `--certificate-identity-regexp` does.
    public enum Match: Sendable, CustomStringConvertible {
        case exact(String)
        case regularExpression(String)

        public var description: String {
            switch self {
            case .exact(let text): text
            case .regularExpression(let pattern): "/\(pattern)/"
            }
        }
    }

    public let identity: Match
    public let issuer: Match
    public let trustedRoot: TrustedRoot
    /// Where the requirement is written (a policy entry or the command line), for messages.
    public let origin: String
    let identityExpression: NSRegularExpression?
    let issuerExpression: NSRegularExpression?

    public init(identity: Match, issuer: Match, trustedRoot: TrustedRoot, origin: String) throws(TrustError) {
        self.identity = identity
        self.issuer = issuer
        self.trustedRoot = trustedRoot
        self.origin = origin
        identityExpression = try Self.compile(identity, what: origin)
        issuerExpression = try Self.compile(issuer, what: origin)
    }

    public var description: String { "keyless \(identity) (issuer \(issuer))" }

    /// Checks the certificate's subject alternative names and OIDC issuer.
    public func checkIdentity(of certificate: Certificate) throws(KeylessFailure) {
        let names = certificate.subjectAlternativeNames
        guard names.contains(where: { Self.matches($0, identity, identityExpression) }) else {
            throw KeylessFailure(.identity, "the certificate is for \(names.isEmpty ? "no identity" : names.joined(separator: ", ")), not \(identity)")
        }
        guard let found = certificate.oidcIssuer else { throw KeylessFailure(.issuer, "the certificate names no OIDC issuer, \(issuer) required") }
        guard Self.matches(found, issuer, issuerExpression) else {
            throw KeylessFailure(.issuer, "the certificate was issued for \(found), not \(issuer)")
        }
    }

    static func matches(_ value: String, _ match: Match, _ expression: NSRegularExpression?) -> Bool {
        switch match {
        case .exact(let text): return value == text
        case .regularExpression:
            guard let expression else { return false }
            return expression.firstMatch(in: value, range: NSRange(value.startIndex..., in: value)) != nil
        }
    }

    static func compile(_ match: Match, what: String) throws(TrustError) -> NSRegularExpression? {
        guard case .regularExpression(let pattern) = match else { return nil }
        do { return try NSRegularExpression(pattern: pattern) } catch {
            throw TrustError.malformed(what, "/\(pattern)/ is not a regular expression")
        }
    }
}
