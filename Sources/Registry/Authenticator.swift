import Foundation
import HTTP
import OCI

/// Gets and caches the `Authorization` header for each registry host and scope:
/// bearer tokens from the registry's token service (anonymous, basic or refresh-token grant), or basic auth.
actor Authenticator {
    private struct Token { let value: String; let expires: Date }
    private var tokens: [String: Token] = [:]
    private var pending: [String: Task<Token, any Error>] = [:]
    private let transport: CurlTransport
    private let credentials: CredentialStore

    init(transport: CurlTransport, credentials: CredentialStore) {
        self.transport = transport
        self.credentials = credentials
    }

    /// The header to send for `scope` on `repository`, given the challenge the host answered with (nil: none needed).
    func header(for repository: Repository, challenge: AuthChallenge?, scope: String) async throws -> String? {
        guard let challenge else { return nil }
        if challenge.isBasic {
            guard case .basic(let user, let password)? = try credentials.credentials(registry: repository.registry, repository: repository.path) else { return nil }
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        }
        guard challenge.isBearer, let realm = challenge.realm else { return nil }
        let key = "\(repository.host) \(scope)"
        if let token = tokens[key], token.expires > Date() { return "Bearer " + token.value }
        if let task = pending[key] { return "Bearer " + (try await task.value).value }
        let creds = try credentials.credentials(registry: repository.registry, repository: repository.path)
        let task = Task { [transport] in
            try await Self.fetchToken(transport: transport, realm: realm, service: challenge.service, scope: scope,
                                      credentials: creds, registry: repository.registry)
        }
        pending[key] = task
        defer { pending[key] = nil }
        let token = try await task.value
        tokens[key] = token
        return "Bearer " + token.value
    }

    /// Forgets the token for `scope` on `host`, after the registry refused it.
    func invalidate(host: String, scope: String) {
        tokens["\(host) \(scope)"] = nil
    }

    private static func fetchToken(transport: CurlTransport, realm: String, service: String?, scope: String,
                                   credentials: Credentials?, registry: String) async throws -> Token {
        var request: HTTPRequest
        switch credentials {
        case .identityToken(let refresh):
            var form = URLComponents()
            form.queryItems = [URLQueryItem(name: "grant_type", value: "refresh_token"),
                               URLQueryItem(name: "refresh_token", value: refresh),
                               URLQueryItem(name: "client_id", value: "airlock"),
                               URLQueryItem(name: "scope", value: scope)]
                + (service.map { [URLQueryItem(name: "service", value: $0)] } ?? [])
            request = HTTPRequest(.post, realm, headers: [("Content-Type", "application/x-www-form-urlencoded")],
                                  body: Data((form.percentEncodedQuery ?? "").utf8))
        case .basic(let user, let password):
            request = HTTPRequest(.get, tokenURL(realm: realm, service: service, scope: scope, account: user))
            request.setHeader("Authorization", "Basic " + Data("\(user):\(password)".utf8).base64EncodedString())
        case nil:
            request = HTTPRequest(.get, tokenURL(realm: realm, service: service, scope: scope, account: nil))
        }
        let response: HTTPResponse
        do { response = try await transport.send(request) } catch let error as TransportError {
            throw RegistryError.transport(error, host: "token service \(realm)")
        }
        guard response.isSuccess else {
            if response.status == 401 || response.status == 403 {
                let who = credentials?.username.map { "user '\($0)'" } ?? (credentials == nil ? "anonymous access" : "the identity token")
                throw RegistryError(.unauthorized, "\(registry): the token service \(realm) refused \(who) for \(scope) (HTTP \(response.status)); check the credentials (--creds, --authfile, docker login)")
            }
            throw RegistryError.http(response, "\(registry): token service \(realm)")
        }
        struct Answer: Decodable {
            let token: String?
            let access_token: String?
            let expires_in: Int?
        }
        guard let answer = try? JSONDecoder().decode(Answer.self, from: response.body),
              let value = answer.token ?? answer.access_token, !value.isEmpty else {
            throw RegistryError(.protocolViolation, "\(registry): the token service \(realm) answered without a token")
        }
        // Refresh a little early; docker assumes 60 s when the service says nothing.
        let lifetime = Double(max(answer.expires_in ?? 60, 60)) - 10
        return Token(value: value, expires: Date().addingTimeInterval(lifetime))
    }

    private static func tokenURL(realm: String, service: String?, scope: String, account: String?) -> String {
        var components = URLComponents(string: realm) ?? URLComponents()
        var items = components.queryItems ?? []
        if let service { items.append(URLQueryItem(name: "service", value: service)) }
        items.append(URLQueryItem(name: "scope", value: scope))
        if let account { items.append(URLQueryItem(name: "account", value: account)) }
        components.queryItems = items
        return components.string ?? realm
    }
}
