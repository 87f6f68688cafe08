import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// GET, HEAD, PUT and DELETE of `/v2/<name>/manifests/<reference>`.
extension DistributionResponder {
    func getManifest(_ reference: DistributionRoute.ManifestReference, in repository: String, head: Bool) async throws -> Response {
        let descriptor = try await catalog.manifest(reference, in: repository)
        let headers: HTTPFields = [.dockerContentDigest: descriptor.digest.description]
        if head {
            var fields = headers
            fields[.contentType] = descriptor.mediaType
            fields[.contentLength] = String(descriptor.size)
            return Response(status: .ok, headers: fields)
        }
        guard let bytes = content.manifestBytes(descriptor) else {
            throw DistributionError(.internalServerError, .unknown, "manifest \(descriptor.digest) cannot be read from the store")
        }
        return Self.json(bytes, contentType: descriptor.mediaType, headers: headers)
    }

    func putManifest(_ reference: DistributionRoute.ManifestReference, in repository: String, _ request: Request) async throws -> Response {
        let bytes = try await Self.body(of: request, limit: Manifest.maximumSize, what: "manifest")
        let declared = request.headers[.contentType].map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        let digest: Digest
        var tags: [String] = []
        switch reference {
        case .digest(let named):
            let actual = named.recomputed(over: bytes)
            guard actual == named else {
                throw DistributionError(.badRequest, .digestInvalid, "manifest hashes to \(actual), not \(named)")
            }
            digest = named
        case .tag(let tag):
            digest = .sha256(of: bytes)
            tags.append(tag)
        }
        for tag in request.uri.queryParameters[values: "tag"].map(String.init) where !tags.contains(tag) {
            guard DistributionRoute.isValidTag(tag) else { throw DistributionError(.badRequest, .manifestInvalid, "invalid tag '\(tag)'") }
            tags.append(tag)
        }
        let manifest: Manifest
        do { manifest = try Manifest(bytes: bytes, declaredType: declared, source: "manifest") } catch {
            throw DistributionError(.badRequest, .manifestInvalid, error.reason)
        }
        if let declared, !declared.isEmpty, declared != manifest.mediaType {
            throw DistributionError(.badRequest, .manifestInvalid,
                                    "Content-Type \(declared) does not match the manifest's media type \(manifest.mediaType)")
        }
        try await catalog.put(manifest, digest: digest, mediaType: manifest.mediaType, tags: tags, in: repository)
        var headers: HTTPFields = [
            .location: "/v2/\(repository)/manifests/\(digest)",
            .dockerContentDigest: digest.description,
            .contentLength: "0",
        ]
        if let subject = manifest.subject { headers[.ociSubject] = subject.digest.description }
        if case .digest = reference {
            for tag in tags { headers.append(HTTPField(name: .ociTag, value: tag)) }
        }
        return Response(status: .created, headers: headers)
    }

    func deleteManifest(_ reference: DistributionRoute.ManifestReference, in repository: String) async throws -> Response {
        switch reference {
        case .tag(let tag): try await catalog.delete(tag: tag, in: repository)
        case .digest(let digest): try await catalog.delete(manifest: digest, in: repository)
        }
        return Response(status: .accepted, headers: [.contentLength: "0"])
    }
}
