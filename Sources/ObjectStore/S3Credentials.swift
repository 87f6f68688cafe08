import Foundation

/// Credentials and place of S3-compatible storage, found the way AWS tools find them: `AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION` (or `AWS_DEFAULT_REGION`) and `AWS_ENDPOINT_URL`
/// in the environment, else the profile `AWS_PROFILE` (default `default`) of `~/.aws/credentials` and
/// `~/.aws/config`.
public struct S3Credentials: Sendable {
    public var accessKey: String
    public var secretKey: String
    public var sessionToken: String?
    public var region: String
    /// `http(s)://HOST[:PORT]`; nil means AWS itself (which a disconnected site does not reach).
    public var endpoint: String?

    public init(accessKey: String, secretKey: String, sessionToken: String? = nil, region: String = "us-east-1", endpoint: String? = nil) {
        self.accessKey = accessKey
        self.secretKey = secretKey
        self.sessionToken = sessionToken
        self.region = region
        self.endpoint = endpoint
    }

    /// Reads the environment, then the shared files; `S3Error.credentials` when no key pair is found.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws(S3Error) -> S3Credentials {
        let profile = environment["AWS_PROFILE"] ?? "default"
        let home = environment["HOME"] ?? NSHomeDirectory()
        let shared = Self.profile(profile, in: environment["AWS_SHARED_CREDENTIALS_FILE"] ?? home + "/.aws/credentials", prefix: "")
        let config = Self.profile(profile, in: environment["AWS_CONFIG_FILE"] ?? home + "/.aws/config", prefix: profile == "default" ? "" : "profile ")
        guard let accessKey = environment["AWS_ACCESS_KEY_ID"] ?? shared["aws_access_key_id"],
              let secretKey = environment["AWS_SECRET_ACCESS_KEY"] ?? shared["aws_secret_access_key"] else {
            throw .credentials("no AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment, nor in profile '\(profile)' of ~/.aws/credentials")
        }
        return S3Credentials(
            accessKey: accessKey, secretKey: secretKey,
            sessionToken: environment["AWS_SESSION_TOKEN"] ?? shared["aws_session_token"],
            region: environment["AWS_REGION"] ?? environment["AWS_DEFAULT_REGION"] ?? config["region"] ?? "us-east-1",
            endpoint: environment["AWS_ENDPOINT_URL_S3"] ?? environment["AWS_ENDPOINT_URL"] ?? config["endpoint_url"])
    }

    /// The `key = value` lines of section `[PREFIX+name]` of an INI file; empty when the file or section is missing.
    static func profile(_ name: String, in path: String, prefix: String) -> [String: String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [:] }
        var values: [String: String] = [:]
        var inSection = false
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("[") && line.hasSuffix("]") {
                inSection = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces) == prefix + name
            } else if inSection, !line.hasPrefix("#"), !line.hasPrefix(";"), let equals = line.firstIndex(of: "=") {
                values[line[..<equals].trimmingCharacters(in: .whitespaces)] = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return values
    }
}
