import Foundation
import HTTPTypes
import Hummingbird
import OCI

/// Answers the distribution API: authenticates, parses the path, and hands each endpoint to its handler.
/// Every answer carries the API version header; errors carry the spec's JSON body; each request is logged.
struct DistributionResponder: HTTPResponder {
    typealias Context = ServeRequestContext

    let catalog: RegistryCatalog
    let uploads: UploadSessions
    let options: ServeOptions
    let authenticator: HtpasswdAuthenticator?
    let log: AccessLog

    var content: ServedContent { catalog.content }

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        var response: Response
        var problem: String?
        do {
            if let authenticator { try authenticator.check(request.headers[.authorization]) }
            guard let route = try DistributionRoute(path: request.uri.path) else {
                throw DistributionError(.notFound, .unsupported, "\(request.uri.path) is not part of the distribution API")
            }
            response = try await handle(route, request, context)
        } catch {
            let answer = error as? DistributionError ?? .storing("\(error)", cause: error)
            response = Self.response(for: answer, head: request.method == .head)
            // The server's own failures (a full disk, an unreadable file) are the operator's to see.
            if answer.status.code >= 500 { problem = answer.message }
        }
        response.headers[.apiVersion] = "registry/2.0"
        log.record(request, status: response.status, bytes: response.headers[.contentLength].flatMap { Int64($0) },
                   digest: response.headers[.dockerContentDigest], elapsed: ContinuousClock.now - started, problem: problem)
        return response
    }

    private func handle(_ route: DistributionRoute, _ request: Request, _ context: Context) async throws -> Response {
        let method = request.method
        let writes = method == .put || method == .post || method == .patch || method == .delete
        if writes && content.store == nil { throw DistributionError.readOnly }
        if method == .delete && !options.allowDelete, !Self.isUpload(route) { throw DistributionError.deleteDisabled }
        let repository = route.repository.map { mapped($0, request) }
        switch (route, method) {
        case (.base, .get), (.base, .head):
            return Self.json(Data("{}".utf8), head: method == .head)
        case (.catalog, .get):
            return try await catalogList(request)
        case (.tags, .get):
            return try await tagList(repository!, request)
        case (.manifest(_, let reference), .get), (.manifest(_, let reference), .head):
            return try await getManifest(reference, in: repository!, head: method == .head)
        case (.manifest(_, let reference), .put):
            return try await putManifest(reference, in: repository!, request)
        case (.manifest(_, let reference), .delete):
            return try await deleteManifest(reference, in: repository!)
        case (.blob(_, let digest), .get), (.blob(_, let digest), .head):
            return try await getBlob(digest, in: repository!, request, head: method == .head, pacedBy: context.eventLoop)
        case (.blob(_, let digest), .delete):
            try await catalog.delete(blob: digest, in: repository!)
            return Response(status: .accepted, headers: [.contentLength: "0"])
        case (.uploads, .post):
            return try await startUpload(in: repository!, request)
        case (.upload(_, let id), .patch):
            return try await patchUpload(id, in: repository!, request)
        case (.upload(_, let id), .put):
            return try await finishUpload(id, in: repository!, request)
        case (.upload(_, let id), .get):
            return try await uploadStatus(id, in: repository!)
        case (.upload(_, let id), .delete):
            try await uploads.cancel(id, in: repository!)
            return Response(status: .noContent)
        case (.referrers(_, let subject), .get):
            return try await referrers(of: subject, in: repository!, request)
        default:
            throw DistributionError(.methodNotAllowed, .unsupported, "\(method) is not supported on \(request.uri.path)")
        }
    }

    /// Whether `route` is an upload session (which a client may cancel without `--delete`).
    private static func isUpload(_ route: DistributionRoute) -> Bool {
        if case .upload = route { return true }
        return false
    }

    /// The repository a request addresses: as named, or with `--mirror-layout` and an `ns=<upstream>` query,
    /// where `transit push` put that upstream's repository.
    private func mapped(_ repository: String, _ request: Request) -> String {
        guard let prefix = options.mirrorPrefix, let upstream = request.uri.queryParameters["ns"], !upstream.isEmpty,
              let source = try? Reference(parsing: "\(upstream)/\(repository)") else { return repository }
        let mapped = (prefix.isEmpty ? "" : prefix + "/") + source.repository
        // Checked like any name from a path, so a query can lead nowhere a path could not.
        return (try? DistributionRoute.validate(name: mapped)) != nil ? mapped : repository
    }

    // MARK: Responses

    static func json(_ body: Data, status: HTTPResponse.Status = .ok, contentType: String = "application/json",
                     headers extra: HTTPFields = [:], head: Bool = false) -> Response {
        var headers = extra
        headers[.contentType] = contentType
        headers[.contentLength] = String(body.count)
        return Response(status: status, headers: headers, body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    static func response(for error: DistributionError, head: Bool) -> Response {
        json(error.body, status: error.status, headers: error.headers, head: head)
    }

    /// Reads a request body of at most `limit` bytes; a larger one is refused with 413.
    static func body(of request: Request, limit: Int, what: String) async throws -> Data {
        var data = Data()
        for try await buffer in request.body {
            guard data.count + buffer.readableBytes <= limit else {
                throw DistributionError(.contentTooLarge, .sizeInvalid, "\(what) is over the \(limit)-byte limit")
            }
            data.append(contentsOf: buffer.readableBytesView)
        }
        return data
    }
}
