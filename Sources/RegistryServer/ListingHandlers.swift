import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// `_catalog`, tag lists and the referrers API.
extension DistributionResponder {
    func catalogList(_ request: Request) async throws -> Response {
        let names = await catalog.names()
        let (page, next) = try Self.page(names, request)
        let body = try JSONSerialization.data(withJSONObject: ["repositories": page], options: [.sortedKeys, .withoutEscapingSlashes])
        return Self.json(body, headers: next.map { [.link: "</v2/_catalog?\($0)>; rel=\"next\""] } ?? [:])
    }

    func tagList(_ repository: String, _ request: Request) async throws -> Response {
        guard let tags = await catalog.tags(in: repository) else {
            throw DistributionError(.notFound, .nameUnknown, "repository \(repository) is not known")
        }
        let (page, next) = try Self.page(tags, request)
        let body = try JSONSerialization.data(withJSONObject: ["name": repository, "tags": page], options: [.sortedKeys, .withoutEscapingSlashes])
        return Self.json(body, headers: next.map { [.link: "</v2/\(repository)/tags/list?\($0)>; rel=\"next\""] } ?? [:])
    }

    /// One page of a sorted list: the names after `last`, at most `n` of them, and the query of the next page
    /// when more follow.
    static func page(_ sorted: [String], _ request: Request) throws(DistributionError) -> ([String], String?) {
        let query = request.uri.queryParameters
        var items = sorted[...]
        if let last = query["last"].map(String.init) { items = items.drop { $0 <= last } }
        guard let text = query["n"] else { return (Array(items), nil) }
        guard let n = Int(text), n >= 0 else { throw DistributionError(.badRequest, .unsupported, "n must be a count, not '\(text)'") }
        let page = Array(items.prefix(n))
        guard items.count > n, let last = page.last else { return (page, nil) }
        let encoded = last.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? last
        return (page, "n=\(n)&last=\(encoded)")
    }

    func referrers(of subject: Digest, in repository: String, _ request: Request) async throws -> Response {
        var found = await catalog.referrers(of: subject, in: repository)
        var headers: HTTPFields = [:]
        if let type = request.uri.queryParameters["artifactType"].map(String.init), !type.isEmpty {
            found = found.filter { $0.artifactType == type }
            headers[.ociFiltersApplied] = "artifactType"
        }
        var index = ImageIndex(manifests: found)
        index.mediaType = MediaType.ociIndex
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Self.json(try encoder.encode(index), contentType: MediaType.ociIndex, headers: headers)
    }
}
