import HTTPTypes
import Hummingbird

/// The distribution API's own headers.
extension HTTPField.Name {
    static let dockerContentDigest = HTTPField.Name("Docker-Content-Digest")!
    static let dockerUploadUUID = HTTPField.Name("Docker-Upload-UUID")!
    static let apiVersion = HTTPField.Name("Docker-Distribution-API-Version")!
    static let ociSubject = HTTPField.Name("OCI-Subject")!
    static let ociTag = HTTPField.Name("OCI-Tag")!
    static let ociFiltersApplied = HTTPField.Name("OCI-Filters-Applied")!
    static let link = HTTPField.Name("Link")!
}
