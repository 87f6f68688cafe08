import Foundation
import OCI

extension RegistryClient {
    /// Fetches a manifest by tag or digest and checks its bytes: against the digest asked for,
    /// and against the `Docker-Content-Digest` the registry claims.
    public func manifest(_ repository: Repository, reference: String) async throws -> Manifest {
        let what = "manifest \(repository):\(reference)"
        let response = try await send(.get, repository, path: "/v2/\(repository.path)/manifests/\(reference)",
                                      headers: [("Accept", MediaType.manifestAccept.joined(separator: ", "))])
        guard response.isSuccess else { throw RegistryError.http(response, what) }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: response.body, declaredType: response.headers["Content-Type"], source: what) } catch {
            throw RegistryError(.protocolViolation, error.description)
        }
        if let expected = try? Digest(parsing: reference) {
            _ = try manifest.verified(what, digest: expected)
        }
        if let claimed = response.headers["Docker-Content-Digest"].flatMap({ try? Digest(parsing: $0) }), claimed.algorithm == "sha256" {
            _ = try manifest.verified("\(what) (the registry's Docker-Content-Digest)", digest: claimed)
        }
        return manifest
    }

    /// The manifest tagged (or pinned by) `reference`, or nil when the registry has none.
    public func manifestIfPresent(_ repository: Repository, reference: String) async throws -> Manifest? {
        do { return try await manifest(repository, reference: reference) } catch let error as RegistryError where error.kind == .notFound {
            return nil
        }
    }

    /// Resolves a tag or digest to a descriptor with a HEAD request, or nil when the registry has no such manifest.
    public func manifestDescriptor(_ repository: Repository, reference: String) async throws -> Descriptor? {
        let what = "manifest \(repository):\(reference)"
        let response = try await send(.head, repository, path: "/v2/\(repository.path)/manifests/\(reference)",
                                      headers: [("Accept", MediaType.manifestAccept.joined(separator: ", "))])
        if response.status == 404 { return nil }
        guard response.isSuccess else { throw RegistryError.http(response, what) }
        guard let digest = response.headers["Docker-Content-Digest"].flatMap({ try? Digest(parsing: $0) }),
              let type = response.headers["Content-Type"]?.split(separator: ";").first.map({ $0.trimmingCharacters(in: .whitespaces) }),
              let size = response.headers["Content-Length"].flatMap({ Int64($0) }) else {
            // Some registries omit the digest on HEAD: fall back to fetching the manifest.
            return try await manifest(repository, reference: reference).descriptor
        }
        return Descriptor(mediaType: type, digest: digest, size: size)
    }

    /// Every tag of `repository`, following `Link` pagination.
    public func tags(_ repository: Repository) async throws -> [String] {
        struct Page: Decodable { let tags: [String]? }
        var tags: [String] = []
        try await paginate(repository, path: "/v2/\(repository.path)/tags/list?n=1000", what: "tags of \(repository)") { body in
            tags += (try JSONDecoder().decode(Page.self, from: body)).tags ?? []
        }
        return tags
    }

    /// Every repository of the registry `repository` belongs to (`/v2/_catalog`), following pagination.
    public func catalog(_ registry: String) async throws -> [String] {
        struct Page: Decodable { let repositories: [String]? }
        var names: [String] = []
        let anchor = Repository(registry: registry, path: "")
        try await paginate(anchor, path: "/v2/_catalog?n=1000", what: "catalog of \(registry)", actions: "*", scopeOverride: "registry:catalog:*") { body in
            names += (try JSONDecoder().decode(Page.self, from: body)).repositories ?? []
        }
        return names
    }

    private func paginate(_ repository: Repository, path: String, what: String, actions: String = "pull",
                          scopeOverride: String? = nil, page: (Data) throws -> Void) async throws {
        var next: String? = path
        var seen = Set<String>()
        while let current = next, seen.insert(current).inserted {
            let response = try await send(.get, repository, path: current, actions: actions, scope: scopeOverride)
            guard response.isSuccess else { throw RegistryError.http(response, what) }
            do { try page(response.body) } catch {
                throw RegistryError(.protocolViolation, "\(what): malformed answer (\(error))")
            }
            next = response.headers["Link"].flatMap(Self.nextLink)
        }
    }

    /// The target of `rel="next"` in a `Link` header: `</v2/x/tags/list?last=a&n=1>; rel="next"`.
    static func nextLink(_ header: String) -> String? {
        for part in header.split(separator: ",") where part.contains("rel=\"next\"") || part.contains("rel=next") {
            guard let open = part.firstIndex(of: "<"), let close = part.firstIndex(of: ">"), open < close else { continue }
            return String(part[part.index(after: open)..<close])
        }
        return nil
    }
}
