import Foundation
import OCI

extension RegistryClient {
    /// Whether `host` answered a referrers request without the API during this client's life.
    public func lacksReferrersAPI(_ host: String) -> Bool {
        referrersUnsupported.withLock { $0.contains(host) }
    }

    /// The manifests that name `subject` as their subject: from the referrers API, or, where the registry
    /// lacks it, from the fallback tag `sha256-<hex>` (an image index kept by the pushers).
    ///
    /// A host that once answered without the API is not asked again. `knownTags`, when the caller has
    /// listed the repository's tags, spares the fallback request when the tag does not exist.
    public func referrers(_ repository: Repository, subject: Digest, knownTags: Set<String>? = nil) async throws -> [Descriptor] {
        let what = "referrers of \(repository)@\(subject)"
        if !referrersUnsupported.withLock({ $0.contains(repository.host) }) {
            let response = try await send(.get, repository, path: "/v2/\(repository.path)/referrers/\(subject)",
                                          headers: [("Accept", MediaType.ociIndex)])
            if response.isSuccess, response.headers["Content-Type"]?.hasPrefix(MediaType.ociIndex) == true {
                do { return try JSONDecoder().decode(ImageIndex.self, from: response.body).manifests } catch {
                    throw RegistryError(.protocolViolation, "\(what): malformed referrers index (\(error))")
                }
            }
            guard [404, 400, 405].contains(response.status) || response.isSuccess else { throw RegistryError.http(response, what) }
            referrersUnsupported.withLock { _ = $0.insert(repository.host) }
        }
        if let knownTags, !knownTags.contains(subject.tagForm) { return [] }
        guard let fallback = try await manifestIfPresent(repository, reference: subject.tagForm) else { return [] }
        guard case .index(let index) = fallback.content else {
            throw RegistryError(.protocolViolation, "\(what): tag \(subject.tagForm) is not an image index")
        }
        return index.manifests
    }
}
