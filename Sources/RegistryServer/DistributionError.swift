import Bundle
import Foundation
import HTTPTypes
import Hummingbird

/// An error answer of the distribution API: an HTTP status and one of the spec's error codes, sent as
/// `{"errors":[{"code","message","detail"}]}`.
struct DistributionError: Error, CustomStringConvertible {
    let status: HTTPResponse.Status
    let code: Code
    let message: String
    /// Extra headers (`WWW-Authenticate`, `Range`, `Location`).
    var headers: HTTPFields = [:]

    /// The error codes of the distribution spec.
    enum Code: String {
        case blobUnknown = "BLOB_UNKNOWN"
        case blobUploadInvalid = "BLOB_UPLOAD_INVALID"
        case blobUploadUnknown = "BLOB_UPLOAD_UNKNOWN"
        case digestInvalid = "DIGEST_INVALID"
        case manifestBlobUnknown = "MANIFEST_BLOB_UNKNOWN"
        case manifestInvalid = "MANIFEST_INVALID"
        case manifestUnknown = "MANIFEST_UNKNOWN"
        case nameInvalid = "NAME_INVALID"
        case nameUnknown = "NAME_UNKNOWN"
        case sizeInvalid = "SIZE_INVALID"
        case unauthorized = "UNAUTHORIZED"
        case denied = "DENIED"
        case unsupported = "UNSUPPORTED"
        case tooManyRequests = "TOOMANYREQUESTS"
        case rangeInvalid = "RANGE_INVALID"
        case unknown = "UNKNOWN"
    }

    init(_ status: HTTPResponse.Status, _ code: Code, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    var description: String { "\(status.code) \(code.rawValue): \(message)" }

    /// The JSON body.
    var body: Data {
        let entry: [String: String] = ["code": code.rawValue, "message": message]
        return (try? JSONSerialization.data(withJSONObject: ["errors": [entry]], options: [.sortedKeys])) ?? Data()
    }

    static func blobUnknown(_ digest: String) -> DistributionError {
        DistributionError(.notFound, .blobUnknown, "blob \(digest) is not in this repository")
    }

    static func manifestUnknown(_ reference: String, in repository: String) -> DistributionError {
        DistributionError(.notFound, .manifestUnknown, "manifest \(reference) is not in \(repository)")
    }

    static func uploadUnknown(_ id: String) -> DistributionError {
        DistributionError(.notFound, .blobUploadUnknown, "upload \(id) is not in progress")
    }

    /// A write to the store that failed: 507 Insufficient Storage when the disk is full (clients should not
    /// retry it within seconds), 500 otherwise.
    static func storing(_ message: String, cause: any Error) -> DistributionError {
        let full = (cause as? StoreError)?.isOutOfSpace == true
        return DistributionError(full ? HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage") : .internalServerError,
                                 .unknown, message)
    }

    static let readOnly = DistributionError(.methodNotAllowed, .unsupported, "this registry is read-only")
    static let deleteDisabled = DistributionError(.methodNotAllowed, .unsupported, "deletion is disabled (start the server with --delete)")
}
