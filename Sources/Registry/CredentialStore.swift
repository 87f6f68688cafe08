import Foundation
import OCI

/// Finds credentials the way docker and podman do: explicit `--creds`, an auth file
/// (`--authfile`, `REGISTRY_AUTH_FILE`, `$XDG_RUNTIME_DIR/containers/auth.json`, `$DOCKER_CONFIG/config.json`,
/// `~/.docker/config.json`), per-registry `credHelpers`, the default `credsStore`, and `auths` entries.
public struct CredentialStore: Sendable {
    /// Credentials given on the command line, used for every registry.
    public var explicit: Credentials?
    /// The auth file in use, if one was found.
    public let authFile: String?
    private let config: AuthConfig
    /// The environment credential helpers run with (their `PATH` finds them).
    private let environment: [String: String]

    /// Reads the auth file once. `authFile` overrides the search; a named file that cannot be read is an error.
    public init(authFile: String? = nil, explicit: Credentials? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) throws(CredentialError) {
        self.explicit = explicit
        let candidates: [String]
        if let authFile { candidates = [authFile] } else {
            var list: [String] = []
            if let path = environment["REGISTRY_AUTH_FILE"] { list.append(path) }
            if let runtime = environment["XDG_RUNTIME_DIR"] { list.append(runtime + "/containers/auth.json") }
            if let dockerConfig = environment["DOCKER_CONFIG"] { list.append(dockerConfig + "/config.json") }
            if let home = environment["HOME"] { list.append(home + "/.docker/config.json") }
            candidates = list
        }
        var found: (String, AuthConfig)?
        for path in candidates where FileManager.default.fileExists(atPath: path) {
            found = (path, try Self.load(path))
            break
        }
        if let authFile, found == nil { throw CredentialError(source: authFile, reason: "no such file") }
        self.authFile = found?.0
        self.config = found?.1 ?? AuthConfig()
        self.environment = environment
    }

    /// Credentials for `repository` on `registry` (as written in references: `docker.io`, `ghcr.io`, `host:port`),
    /// or nil for anonymous access.
    public func credentials(registry: String, repository: String) throws(CredentialError) -> Credentials? {
        if let explicit { return explicit }
        for key in Self.lookupKeys(registry: registry, repository: repository) {
            if let helper = config.credHelpers?[key] { return try Self.runHelper(helper, server: key, environment: environment) }
        }
        let entries = (config.auths ?? [:]).map { (Self.normalizedKey($0.key), $0.value) }
        for key in Self.lookupKeys(registry: registry, repository: repository) {
            if let entry = entries.first(where: { $0.0 == key })?.1, let credentials = try entry.credentials(source: authFile ?? "auth file", key: key) {
                return credentials
            }
        }
        if let store = config.credsStore, !store.isEmpty {
            return try Self.runHelper(store, server: registry == "docker.io" ? "https://index.docker.io/v1/" : registry, environment: environment)
        }
        return nil
    }

    /// Keys to look up, most specific first: `host/ns/repo`, `host/ns`, `host` (docker.io also as its legacy names).
    static func lookupKeys(registry: String, repository: String) -> [String] {
        var keys: [String] = []
        var parts = repository.split(separator: "/").map(String.init)
        while !parts.isEmpty {
            keys.append(registry + "/" + parts.joined(separator: "/"))
            parts.removeLast()
        }
        keys.append(registry)
        if registry == "docker.io" { keys += ["index.docker.io", "registry-1.docker.io"] }
        return keys
    }

    /// `https://index.docker.io/v1/` → `index.docker.io`; `http://host:5000/v2/` → `host:5000`.
    static func normalizedKey(_ key: String) -> String {
        var k = key
        for scheme in ["https://", "http://"] where k.hasPrefix(scheme) { k.removeFirst(scheme.count) }
        if k.hasSuffix("/v1/") || k.hasSuffix("/v2/") { k.removeLast(4) }
        if k.hasSuffix("/v1") || k.hasSuffix("/v2") { k.removeLast(3) }
        while k.hasSuffix("/") { k.removeLast() }
        return k == "index.docker.io" || k == "registry-1.docker.io" ? "docker.io" : k
    }

    static func load(_ path: String) throws(CredentialError) -> AuthConfig {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw CredentialError(source: path, reason: "cannot be read (\(error.localizedDescription))")
        }
        do { return try JSONDecoder().decode(AuthConfig.self, from: data) } catch {
            throw CredentialError(source: path, reason: "is not a docker config / auth.json file (\(error))")
        }
    }

    /// Runs `docker-credential-NAME get` with the server on standard input, as docker does.
    static func runHelper(_ name: String, server: String, environment: [String: String]) throws(CredentialError) -> Credentials? {
        let executable = "docker-credential-" + name
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [executable, "get"]
        process.environment = environment
        let input = Pipe(), output = Pipe(), errors = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        do { try process.run() } catch {
            throw CredentialError(source: executable, reason: "could not be started (\(error.localizedDescription))")
        }
        input.fileHandleForWriting.write(Data(server.utf8))
        try? input.fileHandleForWriting.close()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let message = String(decoding: out + err, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            if message.contains("credentials not found") { return nil }
            throw CredentialError(source: executable, reason: "failed for \(server): \(message)")
        }
        struct HelperAnswer: Decodable { let Username: String; let Secret: String }
        guard let answer = try? JSONDecoder().decode(HelperAnswer.self, from: out) else {
            throw CredentialError(source: executable, reason: "answered something that is not {Username, Secret} JSON")
        }
        return answer.Username == "<token>" ? .identityToken(answer.Secret) : .basic(username: answer.Username, password: answer.Secret)
    }
}

/// The parts of docker's config.json and containers' auth.json that hold credentials.
struct AuthConfig: Decodable, Sendable {
    struct Entry: Decodable, Sendable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?

        func credentials(source: String, key: String) throws(CredentialError) -> Credentials? {
            if let token = identitytoken, !token.isEmpty { return .identityToken(token) }
            if let auth, !auth.isEmpty {
                guard let decoded = Data(base64Encoded: auth).map({ String(decoding: $0, as: UTF8.self) }),
                      let colon = decoded.firstIndex(of: ":") else {
                    throw CredentialError(source: source, reason: "the 'auth' of \(key) is not base64 of user:password")
                }
                return .basic(username: String(decoded[..<colon]), password: String(decoded[decoded.index(after: colon)...]))
            }
            if let username, let password { return .basic(username: username, password: password) }
            return nil
        }
    }
    var auths: [String: Entry]?
    var credHelpers: [String: String]?
    var credsStore: String?
}

/// Credentials that could not be read.
public struct CredentialError: CategorizedError, CustomStringConvertible {
    public let source: String
    public let reason: String
    public var description: String { "\(source): \(reason)" }
    public var category: ErrorCategory { .authentication }
}
