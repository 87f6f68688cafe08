import Bundle
import Foundation

/// The blob uploads in progress, by session id. A session belongs to one repository and serves one request
/// at a time; one left idle for an hour is dropped with its partial file. Sessions do not outlive the
/// server: after a restart a client starts its upload again.
actor UploadSessions {
    private struct Session {
        let repository: String
        let upload: BlobUpload
        var busy = false
        var lastUsed = ContinuousClock.now
    }

    private var sessions: [String: Session] = [:]
    static let idleLimit = Duration.seconds(3600)

    /// Starts a session in `repository`, writing into `store`.
    func start(in repository: String, store: ContentStore) throws -> String {
        let now = ContinuousClock.now
        for (id, session) in sessions where !session.busy && now - session.lastUsed > Self.idleLimit {
            session.upload.abandon()
            sessions[id] = nil
        }
        let id = UUID().uuidString.lowercased()
        sessions[id] = Session(repository: repository, upload: try store.upload())
        return id
    }

    /// Takes session `id` for one request; give it back with `release` or end it with `end`.
    func take(_ id: String, in repository: String) throws(DistributionError) -> BlobUpload {
        guard var session = sessions[id], session.repository == repository else { throw .uploadUnknown(id) }
        guard !session.busy else {
            throw DistributionError(.conflict, .blobUploadInvalid, "upload \(id) is busy with another request")
        }
        session.busy = true
        sessions[id] = session
        return session.upload
    }

    /// The size of session `id` so far, for a status request.
    func size(of id: String, in repository: String) throws(DistributionError) -> Int64 {
        guard let session = sessions[id], session.repository == repository else { throw .uploadUnknown(id) }
        return session.upload.size
    }

    /// Ends a request on session `id`, which goes on.
    func release(_ id: String) {
        sessions[id]?.busy = false
        sessions[id]?.lastUsed = .now
    }

    /// Ends session `id` (committed, failed or cancelled), dropping what was not committed.
    func end(_ id: String) {
        sessions.removeValue(forKey: id)?.upload.abandon()
    }

    /// Cancels session `id` unless another request holds it.
    func cancel(_ id: String, in repository: String) throws(DistributionError) {
        guard let session = sessions[id], session.repository == repository, !session.busy else { throw .uploadUnknown(id) }
        end(id)
    }
}
