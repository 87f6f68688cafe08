import Foundation
import HTTP
import OCI

extension RegistryClient {
    /// Whether `repository` holds blob `digest`.
    public func hasBlob(_ repository: Repository, _ digest: Digest) async throws -> Bool {
        let response = try await send(.head, repository, path: "/v2/\(repository.path)/blobs/\(digest)", actions: "pull,push")
        if response.status == 404 { return false }
        guard response.isSuccess else { throw RegistryError.http(response, "blob \(digest) of \(repository)") }
        return true
    }

    /// Asks the registry to link blob `digest` from `source` (another repository of the same registry)
    /// into `repository` without sending it; true when it did.
    public func mountBlob(_ repository: Repository, _ digest: Digest, from source: String) async throws -> Bool {
        let query = "mount=\(digest)&from=\(source.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? source)"
        let response = try await send(.post, repository, path: "/v2/\(repository.path)/blobs/uploads/?\(query)",
                                      scope: "repository:\(repository.path):pull,push repository:\(source):pull")
        if response.status == 201 { return true }
        // 202: the registry opened an upload instead; leave it to expire, the caller uploads anew.
        guard response.status == 202 || response.isSuccess || response.status == 404 || response.status == 403 else {
            throw RegistryError.http(response, "mount of \(digest) from \(source) into \(repository)")
        }
        return false
    }

    /// Uploads blob `descriptor` to `repository`: in one PUT when it is at most `chunkSize` bytes, else in
    /// PATCH chunks of `chunkSize`. `open(offset, length)` gives a reader of that part of the blob; the
    /// registry checks the digest when the upload completes. An upload whose connection broke, or whose
    /// session the registry lost, starts over, up to the retry limit; a refused digest does not.
    public func uploadBlob(_ repository: Repository, _ descriptor: Descriptor, chunkSize: Int64,
                           open: @escaping @Sendable (_ offset: Int64, _ length: Int64) throws -> any UploadReader) async throws {
        let what = "upload of blob \(descriptor.digest) to \(repository)"
        try await retry.run { _ -> RetryStep<Void> in
            do {
                try await uploadOnce(repository, descriptor, chunkSize: chunkSize, open: open, what: what)
                return .done(())
            } catch let error as RegistryError where error.kind == .network || error.kind == .notFound {
                // The connection broke mid-upload, or the registry forgot the session: start over.
                return .retry(giveUp: .failure(error))
            }
        }
    }

    private func uploadOnce(_ repository: Repository, _ descriptor: Descriptor, chunkSize: Int64,
                            open: @escaping @Sendable (Int64, Int64) throws -> any UploadReader, what: String) async throws {
        let start = try await send(.post, repository, path: "/v2/\(repository.path)/blobs/uploads/", actions: "pull,push")
        guard start.status == 202, var location = start.headers["Location"] else { throw RegistryError.http(start, what) }
        let octets = [("Content-Type", "application/octet-stream")]
        if descriptor.size > chunkSize {
            var offset: Int64 = 0
            while offset < descriptor.size {
                let length = min(chunkSize, descriptor.size - offset)
                let from = offset
                let chunk = try await send(.patch, repository, path: location,
                                           headers: octets + [("Content-Range", "\(offset)-\(offset + length - 1)")],
                                           upload: UploadBody(length: length) { try open(from, length) }, actions: "pull,push")
                guard chunk.status == 202, let next = chunk.headers["Location"] else { throw RegistryError.http(chunk, what) }
                location = next
                offset += length
            }
            let done = try await send(.put, repository, path: Self.appending(digest: descriptor.digest, to: location),
                                      headers: octets, actions: "pull,push")
            guard done.status == 201 || done.isSuccess else { throw RegistryError.http(done, what) }
        } else {
            let size = descriptor.size
            let body = UploadBody(length: size) { try open(0, size) }
            let done = try await send(.put, repository, path: Self.appending(digest: descriptor.digest, to: location),
                                      headers: octets, upload: body, actions: "pull,push")
            guard done.status == 201 || done.isSuccess else { throw RegistryError.http(done, what) }
        }
    }

    /// Stores `manifest`'s exact bytes in `repository` under `reference` (a tag or its digest).
    public func putManifest(_ repository: Repository, _ manifest: Manifest, reference: String) async throws {
        let what = "manifest \(repository):\(reference)"
        let response = try await retry.run { _ -> RetryStep<HTTPResponse> in
            let response = try await send(.put, repository, path: "/v2/\(repository.path)/manifests/\(reference)",
                                          headers: [("Content-Type", manifest.mediaType)], body: manifest.bytes, actions: "pull,push")
            if response.isSuccess { return .done(response) }
            // Callers put a manifest only after its blobs were placed, so a blob the registry does not know is
            // taken for a moment's inconsistency and asked again: distribution 2.8 answered this while another push
            // uploaded the same blob into the repository at once (ConcurrencyTests, on a loaded machine).
            if response.status == 400, String(decoding: response.body, as: UTF8.self).contains("MANIFEST_BLOB_UNKNOWN") {
                return .retry(giveUp: .failure(RegistryError.http(response, what)))
            }
            throw RegistryError.http(response, what)
        }
        if let stored = response.headers["Docker-Content-Digest"].flatMap({ try? Digest(parsing: $0) }) {
            // The registry's digest of what it stored, against the bytes sent.
            try DigestMismatch.check("\(what) as the registry stored it", expected: manifest.digest,
                                     actual: stored, actualSize: Int64(manifest.bytes.count))
        }
    }

    /// The upload `Location` (a URL or a path; `send` resolves paths) with `digest=` added to its query.
    static func appending(digest: Digest, to location: String) -> String {
        location + (location.contains("?") ? "&" : "?") + "digest=" + (digest.description.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? digest.description)
    }
}
