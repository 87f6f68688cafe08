import Foundation
import HTTP
import OCI

/// A registry operation that failed, saying which artifact and what was expected.
public struct RegistryError: CategorizedError, CustomStringConvertible {
    public enum Kind: Sendable { case notFound, unauthorized, denied, tls, network, http, integrity, protocolViolation }
    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    public var category: ErrorCategory {
        switch kind {
        case .notFound: .notFound
        case .unauthorized, .denied: .authentication
        case .tls: .tls
        case .network: .network
        case .http, .protocolViolation: .registryRefused
        case .integrity: .integrity
        }
    }

    /// An error for an unexpected HTTP answer, with the registry's own error codes when it sent any.
    static func http(_ response: HTTPResponse, _ what: String) -> RegistryError {
        let detail = registryErrors(response.body) ?? "HTTP \(response.status)"
        switch response.status {
        case 401: return RegistryError(.unauthorized, "\(what): unauthorized (\(detail))")
        case 403: return RegistryError(.denied, "\(what): access denied (\(detail))")
        case 404: return RegistryError(.notFound, "\(what): not found (\(detail))")
        default: return RegistryError(.http, "\(what): HTTP \(response.status) (\(detail))")
        }
    }

    /// The `errors` array of a distribution-spec error body, as `CODE: message; …`.
    static func registryErrors(_ body: Data) -> String? {
        struct Body: Decodable {
            struct Entry: Decodable { let code: String?; let message: String? }
            let errors: [Entry]?
        }
        guard let entries = (try? JSONDecoder().decode(Body.self, from: body))?.errors, !entries.isEmpty else { return nil }
        return entries.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
    }

    /// A transport failure explained for an operator, with the fix where there is one.
    static func transport(_ error: TransportError, host: String) -> RegistryError {
        if error.isCertificateProblem {
            return RegistryError(.tls, "\(host): TLS certificate not trusted (\(error.detail)); pass the registry's CA with --ca-file, or --tls-verify=false to skip the check")
        }
        if error.isHandshakeFailure {
            return RegistryError(.tls, "\(host): TLS handshake failed (\(error.detail)); if the registry speaks plain HTTP, pass --plain-http")
        }
        return RegistryError(.network, "\(host): \(error.detail)")
    }
}
