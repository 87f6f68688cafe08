import Archive
import Foundation

/// S3-compatible storage as the place bundles are written to and read from: names are `s3://BUCKET/KEY`.
public struct S3Store: ArchiveStore {
    public let client: S3Client

    public init(client: S3Client) { self.client = client }

    public func stage(_ name: String) throws -> any StagedVolume { S3Volume(try location(name), client: client) }

    public func publish(_ data: Data, as name: String) throws { try client.write(data, to: try location(name)) }

    @discardableResult public func remove(_ name: String) -> Bool {
        guard let location = S3Location(name), (try? client.size(of: location)) != nil else { return false }
        return (try? client.delete(location)) != nil
    }

    public func withdraw(_ name: String) throws {
        let location = try location(name)
        if try client.size(of: location) != nil { try client.delete(location) }
    }

    /// An unfinished upload is not garbage here: the next write of the object resumes it.
    public func removeAbandoned(of name: String) {}

    public func settle(_ name: String) {}

    public func size(of name: String) throws -> Int64? { try client.size(of: try location(name)) }

    public func open(_ name: String) throws -> any RandomAccessSource { try S3Object(try location(name), client: client) }

    private func location(_ name: String) throws -> S3Location {
        guard let location = S3Location(name) else {
            throw S3Error.malformed(S3Location(bucket: "", key: name), operation: "open", detail: "expected s3://BUCKET/KEY")
        }
        return location
    }
}
