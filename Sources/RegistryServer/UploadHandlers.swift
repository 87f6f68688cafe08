import Bundle
import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// Blob uploads: `POST …/blobs/uploads/` (a session, a monolithic upload with `?digest=`, or a mount with
/// `?mount=&from=`), `PATCH` (a chunk with `Content-Range`, or a stream without), `PUT ?digest=` (the last
/// bytes, then the check and the commit), `GET` (status) and `DELETE` (cancel).
extension DistributionResponder {
    func startUpload(in repository: String, _ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        if let mount = query["mount"] {
            let digest = try DistributionRoute.digest(String(mount))
            let from = query["from"].map(String.init)
            if let from { try DistributionRoute.validate(name: from) }
            let present = if let from { await catalog.hasBlob(digest, in: from) } else { content.size(of: digest) != nil }
            if present {
                try await catalog.link(blob: digest, in: repository)
                return created(digest, in: repository)
            }
        }
        let id = try await uploads.start(in: repository, store: content.store!)
        if let named = query["digest"] {
            let digest = try DistributionRoute.digest(String(named))
            let upload = try await uploads.take(id, in: repository)
            return try await complete(id, upload, as: digest, in: repository, request)
        }
        return accepted(id, in: repository, size: 0)
    }

    func patchUpload(_ id: String, in repository: String, _ request: Request) async throws -> Response {
        let upload = try await uploads.take(id, in: repository)
        do {
            try await append(request, to: upload, id: id, in: repository)
        } catch {
            await uploads.release(id)
            throw error
        }
        await uploads.release(id)
        return accepted(id, in: repository, size: upload.size)
    }

    func finishUpload(_ id: String, in repository: String, _ request: Request) async throws -> Response {
        guard let named = request.uri.queryParameters["digest"] else {
            throw DistributionError(.badRequest, .digestInvalid, "the closing PUT of upload \(id) needs ?digest=")
        }
        let digest = try DistributionRoute.digest(String(named))
        let upload = try await uploads.take(id, in: repository)
        return try await complete(id, upload, as: digest, in: repository, request)
    }

    func uploadStatus(_ id: String, in repository: String) async throws -> Response {
        let size = try await uploads.size(of: id, in: repository)
        var response = accepted(id, in: repository, size: size)
        response.status = .noContent
        return response
    }

    /// Writes the request's body (the last chunk, maybe empty), checks the whole against `digest`, moves it
    /// into the store and links it into `repository`. The session ends whatever happens.
    private func complete(_ id: String, _ upload: BlobUpload, as digest: Digest, in repository: String,
                          _ request: Request) async throws -> Response {
        do {
            try await append(request, to: upload, id: id, in: repository)
        } catch let error as DistributionError where error.status == .rangeNotSatisfiable {
            // A chunk out of order leaves the session as it was, for the client to go on from its Range.
            await uploads.release(id)
            throw error
        } catch {
            await uploads.end(id)
            throw error
        }
        do {
            try upload.commit(as: digest)
            await uploads.end(id)
        } catch let mismatch as DigestMismatch {
            await uploads.end(id)
            throw DistributionError(.badRequest, .digestInvalid, "upload \(id): \(mismatch)")
        } catch {
            await uploads.end(id)
            throw error
        }
        try await catalog.link(blob: digest, in: repository)
        return created(digest, in: repository)
    }

    /// Appends the request body; a `Content-Range` must start where the upload stands (416 otherwise).
    private func append(_ request: Request, to upload: BlobUpload, id: String, in repository: String) async throws {
        if let header = request.headers[.contentRange] {
            guard let range = ByteRange.chunk(header), range.start == upload.size else {
                throw DistributionError(.rangeNotSatisfiable, .blobUploadInvalid,
                                        "chunk \(header) does not start at byte \(upload.size) of upload \(id)",
                                        headers: uploadHeaders(id, in: repository, size: upload.size))
            }
        }
        for try await buffer in request.body {
            try buffer.withUnsafeReadableBytes { bytes in try upload.append(bytes) as Void }
        }
    }

    private func uploadHeaders(_ id: String, in repository: String, size: Int64) -> HTTPFields {
        [
            .location: "/v2/\(repository)/blobs/uploads/\(id)",
            .range: "0-\(max(size - 1, 0))",
            .dockerUploadUUID: id,
            .contentLength: "0",
        ]
    }

    private func accepted(_ id: String, in repository: String, size: Int64) -> Response {
        Response(status: .accepted, headers: uploadHeaders(id, in: repository, size: size))
    }

    private func created(_ digest: Digest, in repository: String) -> Response {
        Response(status: .created, headers: [
            .location: "/v2/\(repository)/blobs/\(digest)",
            .dockerContentDigest: digest.description,
            .contentLength: "0",
        ])
    }
}
