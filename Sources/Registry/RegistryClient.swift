import Foundation
import HTTP
import OCI
import Locking

/// A client for registries that speak the OCI distribution spec: manifests, blobs, tags, catalog, referrers.
///
/// One client serves any number of registries and concurrent tasks. It learns each host's scheme
/// and auth challenge once (`/v2/` ping), caches tokens per scope, and retries transient failures
/// with exponential backoff and jitter, honouring `Retry-After`.
public final class RegistryClient: Sendable {
    public let transport: CurlTransport
    public let retry: RetryPolicy
    let authenticator: Authenticator
    private let endpoints = Once<String, Endpoint>()
    /// Hosts that answered a referrers request without the API (distribution 2.x, older Harbor).
    let referrersUnsupported = Locked<Set<String>>([])

    /// Where a host is reached and what auth it asked for.
    struct Endpoint: Sendable {
        let baseURL: String
        let challenge: AuthChallenge?
    }

    public init(options: TransportOptions = TransportOptions(), credentials: CredentialStore, retry: RetryPolicy = RetryPolicy()) {
        self.transport = CurlTransport(options: options)
        self.retry = retry
        self.authenticator = Authenticator(transport: transport, credentials: credentials)
    }

    // MARK: - Requests

    /// Pings `/v2/` on `repository`'s host, failing when it is unreachable or not a registry.
    public func ping(_ repository: Repository) async throws {
        _ = try await endpoint(repository.host)
    }

    /// Sends one API request for `repository` with auth and retries; the path starts with `/v2/`.
    /// A 2xx body goes to `sink` when given; `actions` are the scope's actions (`pull`, `push`);
    /// `scope` replaces the whole token scope when the request is not about one repository.
    func send(_ method: HTTPRequest.Method, _ repository: Repository, path: String, headers: [(String, String)] = [],
              body: Data? = nil, upload: UploadBody? = nil, actions: String = "pull", scope: String? = nil,
              sink: (any ResponseBodySink)? = nil, followRedirects: Bool = true) async throws -> HTTPResponse {
        let endpoint = try await endpoint(repository.host)
        let scope = scope ?? "repository:\(repository.path):\(actions)"
        var request = HTTPRequest(method, path.hasPrefix("http") ? path : endpoint.baseURL + path,
                                  headers: headers, body: body, followRedirects: followRedirects)
        request.upload = upload
        var refreshedToken = false
        return try await retry.run { _ -> RetryStep<HTTPResponse> in
            let response: HTTPResponse
            do {
                var answer = try await authorizedSend(&request, repository, endpoint, scope: scope, sink: sink)
                if answer.status == 401, endpoint.challenge?.isBearer == true, !refreshedToken {
                    // The token expired or lacked the scope: get a fresh one, once.
                    await authenticator.invalidate(host: repository.host, scope: scope)
                    refreshedToken = true
                    answer = try await authorizedSend(&request, repository, endpoint, scope: scope, sink: sink)
                }
                response = answer
            } catch let error as TransportError {
                // A streamed body that broke off is the caller's to resume.
                let giveUp: any Error = sink != nil && error.isTransient ? error : RegistryError.transport(error, host: repository.host)
                guard error.bytesReceived == 0 else { throw giveUp }
                return try .transient(error, giveUp: giveUp)
            }
            if let retry = RetryStep.transient(response, giveUp: .success(response)) { return retry }
            if response.status == 401 {
                throw RegistryError(.unauthorized, "\(repository): authentication required or refused (\(RegistryError.registryErrors(response.body) ?? "HTTP 401")); give credentials with --creds, --authfile or docker login")
            }
            return .done(response)
        }
    }

    /// Sends `request` once, with the current credentials for `scope`.
    private func authorizedSend(_ request: inout HTTPRequest, _ repository: Repository, _ endpoint: Endpoint, scope: String,
                                sink: (any ResponseBodySink)?) async throws -> HTTPResponse {
        if let auth = try await authenticator.header(for: repository, challenge: endpoint.challenge, scope: scope) {
            request.setHeader("Authorization", auth)
        }
        return try await transport.send(request, sink: sink)
    }

    /// The scheme and challenge of `host`, learned once by pinging `/v2/`.
    func endpoint(_ host: String) async throws -> Endpoint {
        try await endpoints.value(for: host) { try await self.discover(host) }.value
    }

    private func discover(_ host: String) async throws -> Endpoint {
        if transport.options.forcesPlainHTTP(host) { return try await probe("http://\(host)", host: host) }
        if Reference.isLoopback(registry: host) {
            // As docker does for local registries, plain HTTP is accepted on loopback; asking it
            // first spares a failed TLS handshake (and loading the CA store) per run. A registry that answered
            // plain HTTP with 429 or 5xx until the retries gave up is reported with that status; anything else
            // (no answer, or a TLS server's 400 to plain HTTP) is asked again over HTTPS.
            do {
                return try await probe("http://\(host)", host: host, retryingConnections: false)
            } catch let error as RegistryError where error.kind == .http {
                throw error
            } catch {}
        }
        do {
            return try await probe("https://\(host)", host: host)
        } catch let error as TransportError {
            throw RegistryError.transport(error, host: host)
        }
    }

    /// Asks `base/v2/` until it answers; `retryingConnections: false` gives up at once when nothing
    /// answers HTTP there (a 429 or 5xx still counts as an answer, and is waited out).
    private func probe(_ base: String, host: String, retryingConnections: Bool = true) async throws -> Endpoint {
        let response = try await retry.run { _ -> RetryStep<HTTPResponse> in
            let response: HTTPResponse
            do { response = try await transport.send(HTTPRequest(.get, base + "/v2/")) } catch let error as TransportError {
                guard retryingConnections else { throw error }
                return try .transient(error, giveUp: error)
            }
            return RetryStep.transient(response, giveUp: .success(response)) ?? .done(response)
        }
        if response.status == 401 {
            let challenges = response.headers.values("WWW-Authenticate").flatMap(AuthChallenge.parse)
            return Endpoint(baseURL: base, challenge: challenges.first(where: \.isBearer) ?? challenges.first)
        }
        if response.status == 429 || response.status >= 500 {
            throw RegistryError(.http, "\(host): /v2/ answered HTTP \(response.status) on every attempt")
        }
        guard response.isSuccess || response.status == 404 && response.headers["Docker-Distribution-API-Version"] != nil else {
            throw RegistryError(.protocolViolation, "\(host): /v2/ answered HTTP \(response.status); is this an OCI distribution registry?")
        }
        return Endpoint(baseURL: base, challenge: nil)
    }
}
