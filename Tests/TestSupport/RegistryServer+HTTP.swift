import Foundation

/// A blob's digest and size.
public struct BlobInfo: Sendable, Hashable, Codable {
    /// `sha256:<hex>`.
    public let digest: String
    /// Size in bytes.
    public let size: Int
}

/// What a registry reports for a manifest.
public struct ManifestHead: Sendable, Hashable {
    /// The `Docker-Content-Digest` header.
    public let digest: String
    /// The `Content-Type` header.
    public let mediaType: String
    /// The `Content-Length` header.
    public let size: Int
}

extension RegistryServer {
    /// Every manifest media type distribution 2.8 serves; without the OCI
    /// types it refuses OCI manifests and indexes.
    public static let manifestAccept = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v1+prettyjws",
    ].joined(separator: ", ")

    /// Sends a request to `path` (e.g. `/v2/team/app/manifests/v1`) as `user`.
    ///
    /// Basic credentials are sent up front; in token mode a 401 Bearer
    /// challenge is answered the way a docker client does it: fetch a token for
    /// the challenged scope from the realm, then repeat the request once.
    public func request(
        _ path: String,
        method: String = "GET",
        headers: [String: String] = [:],
        body: Data? = nil,
        as user: TestUser?
    ) async throws -> CurlResponse {
        let target = path.hasPrefix("http") ? path : url.absoluteString + path
        let basicUser = tokenServer == nil ? user : nil
        let response = try await Curl.request(
            target, method: method, headers: headers, body: body, options: curlOptions(user: basicUser))
        guard response.status == 401, let tokenServer,
              let challenge = response.header("WWW-Authenticate"), challenge.hasPrefix("Bearer ")
        else { return response }
        let scopes = Self.challengeParameter("scope", in: challenge).map { $0.split(separator: " ").map(String.init) } ?? []
        let token = try await tokenServer.token(scopes: scopes, as: user)
        return try await Curl.request(
            target, method: method, headers: headers.merging(["Authorization": "Bearer \(token)"]) { $1 },
            body: body, options: curlOptions())
    }

    /// The digest, media type and size the registry reports for a manifest
    /// (a HEAD with every manifest type accepted), as `user` (default: ``user``).
    public func manifestHead(_ repository: String, reference: String, as user: TestUser? = nil) async throws -> ManifestHead {
        let response = try await request(
            "/v2/\(repository)/manifests/\(reference)", method: "HEAD",
            headers: ["Accept": Self.manifestAccept], as: user ?? self.user)
        guard response.status == 200,
              let digest = response.header("Docker-Content-Digest"),
              let mediaType = response.header("Content-Type")
        else {
            throw HarnessError("HEAD \(repository):\(reference) on \(host) answered \(response.status)\n\(logTail(lines: 10))")
        }
        return ManifestHead(
            digest: digest, mediaType: mediaType, size: Int(response.header("Content-Length") ?? "") ?? 0)
    }

    /// The manifest bytes for `reference` (a tag or digest), as `user` (default: ``user``).
    public func manifest(_ repository: String, reference: String, as user: TestUser? = nil) async throws -> Data {
        let response = try await request(
            "/v2/\(repository)/manifests/\(reference)",
            headers: ["Accept": Self.manifestAccept], as: user ?? self.user)
        guard response.status == 200 else {
            throw HarnessError("GET manifest \(repository):\(reference) on \(host) answered \(response.status): \(response.text)")
        }
        return response.body
    }

    /// Uploads `data` as a blob with a monolithic upload (POST, then PUT with
    /// the digest), as `user` (default: ``user``).
    @discardableResult
    public func pushBlob(_ data: Data, repository: String, as user: TestUser? = nil) async throws -> BlobInfo {
        let user = user ?? self.user
        let digest = try await sha256Digest(of: data)
        let start = try await request("/v2/\(repository)/blobs/uploads/", method: "POST", body: Data(), as: user)
        guard start.status == 202, let location = start.header("Location") else {
            throw HarnessError("starting a blob upload to \(repository) on \(host) answered \(start.status): \(start.text)")
        }
        let uploadURL = location.hasPrefix("/") ? url.absoluteString + location : location
        let separator = uploadURL.contains("?") ? "&" : "?"
        let finish = try await request(
            uploadURL + separator + "digest=" + digest, method: "PUT",
            headers: ["Content-Type": "application/octet-stream"], body: data, as: user)
        guard finish.status == 201 else {
            throw HarnessError("finishing the upload of \(digest) to \(repository) on \(host) answered \(finish.status): \(finish.text)")
        }
        return BlobInfo(digest: digest, size: data.count)
    }

    /// Uploads a manifest under `reference` (a tag or its digest) and returns
    /// the digest the registry reports, as `user` (default: ``user``).
    @discardableResult
    public func pushManifest(
        _ data: Data, mediaType: String, repository: String, reference: String, as user: TestUser? = nil
    ) async throws -> String {
        let response = try await request(
            "/v2/\(repository)/manifests/\(reference)", method: "PUT",
            headers: ["Content-Type": mediaType], body: data, as: user ?? self.user)
        guard response.status == 201, let digest = response.header("Docker-Content-Digest") else {
            throw HarnessError("PUT manifest \(repository):\(reference) on \(host) answered \(response.status): \(response.text)\n\(logTail(lines: 10))")
        }
        return digest
    }

    /// The value of `name="value"` in a `WWW-Authenticate` challenge.
    public static func challengeParameter(_ name: String, in challenge: String) -> String? {
        guard let range = challenge.range(of: "\(name)=\"") else { return nil }
        let rest = challenge[range.upperBound...]
        guard let end = rest.firstIndex(of: "\"") else { return nil }
        return String(rest[..<end])
    }
}

/// `sha256:<hex>` of `data`, computed by `openssl dgst`.
func sha256Digest(of data: Data) async throws -> String {
    let output = try await Tool.output("openssl", ["dgst", "-sha256", "-r"], input: data)
    guard let hex = output.split(separator: " ").first, hex.count == 64 else {
        throw HarnessError("unexpected output of openssl dgst: \(output)")
    }
    return "sha256:\(hex)"
}
