import Foundation

/// A user name and password for a test registry or token server.
public struct TestUser: Sendable, Hashable {
    /// Login name.
    public var username: String
    /// Plain-text password.
    public var password: String

    /// A user with this name and password.
    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// A user with a random password.
    public static func random(_ username: String = "airlock") -> TestUser {
        TestUser(username: username, password: UUID().uuidString)
    }

    /// `username:password`, as curl's `-u` and skopeo's `--creds` take it.
    public var colonSeparated: String { "\(username):\(password)" }
}

/// A docker token-auth service (`Tests/Peers/token-server.py`) on 127.0.0.1
/// that a ``RegistryServer`` in token mode trusts.
///
/// Usually started for you by `RegistryServer(authentication: .token(…))`;
/// read its ``stats()`` to assert that a client went through the token flow.
public final class TokenServer: Sendable {
    /// Which account may do what on which repositories.
    public struct Grant: Sendable, Hashable {
        /// Who the grant applies to.
        public enum Account: Sendable, Hashable {
            /// Requests without credentials.
            case anonymous
            /// Any authenticated user.
            case anyUser
            /// One user.
            case user(String)
        }

        /// Who may act.
        public var account: Account
        /// An fnmatch pattern such as `"team/*"` or `"*"`.
        public var repository: String
        /// Actions such as `"pull"`, `"push"`, `"delete"` or `"*"`.
        public var actions: [String]

        /// Grants `actions` on repositories matching `repository` to `account`.
        public init(_ account: Account, repository: String = "*", actions: [String] = ["pull", "push"]) {
            self.account = account
            self.repository = repository
            self.actions = actions
        }
    }

    /// Users, grants and token lifetime.
    public struct Configuration: Sendable {
        /// Users the token endpoint accepts with HTTP basic auth.
        public var users: [TestUser]
        /// What each account may do; anything not granted is refused.
        public var grants: [Grant]
        /// Seconds after issue until the registry rejects a token (also its `expires_in`).
        public var tokenLifetime: Int
        /// The `service` the registry announces and the token's audience.
        public var service: String
        /// The token issuer the registry trusts.
        public var issuer: String

        /// By default one random user may pull and push every repository.
        /// `grants` defaults to pull and push on every repository for every user.
        public init(
            users: [TestUser] = [.random()],
            grants: [Grant]? = nil,
            tokenLifetime: Int = 300,
            service: String = "airlock-test-registry",
            issuer: String = "airlock-test-token-server"
        ) {
            self.users = users
            self.grants = grants ?? users.map { Grant(.user($0.username)) }
            self.tokenLifetime = tokenLifetime
            self.service = service
            self.issuer = issuer
        }
    }

    /// Counters kept by the token server.
    public struct Stats: Sendable, Decodable {
        /// Tokens issued.
        public let issued: Int
        /// Requests refused (wrong credentials or unknown service).
        public let denied: Int
        /// All token requests.
        public let requests: Int
        /// Tokens issued per account (`"<anonymous>"` for anonymous ones).
        public let accounts: [String: Int]
    }

    /// Users, grants and lifetime this server was started with.
    public let configuration: Configuration
    /// `127.0.0.1:PORT`.
    public let host: String
    /// The token endpoint the registry's challenge points clients to.
    public let realm: URL
    /// PEM certificate of the token signing key; the registry's `rootcertbundle`.
    public let certificateBundle: String
    private let directory: TemporaryDirectory
    private let process: ManagedProcess

    /// Starts the token server and waits until it listens.
    public init(_ configuration: Configuration = Configuration()) async throws {
        self.configuration = configuration
        directory = try TemporaryDirectory(prefix: "airlock-token-server")
        certificateBundle = directory.file("token-signing.pem")
        let policyFile = directory.file("policy.json")
        try Self.policyDocument(configuration).write(to: URL(fileURLWithPath: policyFile))
        process = try ManagedProcess("python3", [
            Peers.script("token-server.py"),
            "--bundle", certificateBundle,
            "--policy", policyFile,
            "--issuer", configuration.issuer,
            "--service", configuration.service,
            "--lifetime", String(configuration.tokenLifetime),
        ], logFile: directory.file("token-server.log"))
        let port = try await process.announcedPort(name: "token-server.py")
        host = "127.0.0.1:\(port)"
        realm = URL(string: "http://\(host)/token")!
    }

    /// The log file (requests and errors), to print when a test fails.
    public var logFile: String { process.logFile }

    /// The last lines of the log.
    public func logTail(lines: Int = 40) -> String { process.logTail(lines: lines) }

    /// Current counters from `GET /stats`.
    public func stats() async throws -> Stats {
        let response = try await Curl.request("http://\(host)/stats")
        guard response.status == 200 else {
            throw HarnessError("token server /stats answered \(response.status): \(response.text)")
        }
        return try JSONDecoder().decode(Stats.self, from: response.body)
    }

    /// Fetches a token for `scopes` (e.g. `["repository:team/app:pull,push"]`)
    /// as `user`, or anonymously when `user` is nil.
    ///
    /// `lifetime` overrides the configured ``Configuration/tokenLifetime`` for this token only: the
    /// registry accepts it for that many seconds after issue. A negative lifetime gives a token that
    /// is already expired, so a test needs no clock to see one rejected.
    public func token(scopes: [String], as user: TestUser?, lifetime: Int? = nil) async throws -> String {
        var components = URLComponents(url: realm, resolvingAgainstBaseURL: false)!
        components.queryItems = [URLQueryItem(name: "service", value: configuration.service)]
            + scopes.map { URLQueryItem(name: "scope", value: $0) }
            + (lifetime.map { [URLQueryItem(name: "lifetime", value: String($0))] } ?? [])
        let options = user.map { ["-u", $0.colonSeparated] } ?? []
        let response = try await Curl.request(components.url!.absoluteString, options: options)
        struct TokenResponse: Decodable { let token: String }
        guard response.status == 200,
              let token = try? JSONDecoder().decode(TokenResponse.self, from: response.body).token
        else {
            throw HarnessError("token request for \(scopes) as \(user?.username ?? "anonymous") answered \(response.status): \(response.text)")
        }
        return token
    }

    /// Stops the server (also done when the value is released).
    public func stop() { process.stop() }

    deinit { process.stop() }

    private static func policyDocument(_ configuration: Configuration) throws -> Data {
        struct Policy: Encodable {
            struct Grant: Encodable {
                let account: String?
                let repository: String
                let actions: [String]

                func encode(to encoder: any Encoder) throws {
                    var container = encoder.container(keyedBy: CodingKeys.self)
                    try container.encode(account, forKey: .account)  // null means anonymous
                    try container.encode(repository, forKey: .repository)
                    try container.encode(actions, forKey: .actions)
                }

                enum CodingKeys: String, CodingKey { case account, repository, actions }
            }

            let users: [String: String]
            let grants: [Grant]
        }
        let grants = configuration.grants.map { grant in
            let account: String? = switch grant.account {
            case .anonymous: nil
            case .anyUser: "*"
            case .user(let name): name
            }
            return Policy.Grant(account: account, repository: grant.repository, actions: grant.actions)
        }
        let users = Dictionary(configuration.users.map { ($0.username, $0.password) }) { $1 }
        return try JSONEncoder().encode(Policy(users: users, grants: grants))
    }
}
