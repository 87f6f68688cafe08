import ArgumentParser
import Archive
import Bundle
import HTTP
import ObjectStore

/// Where bundles are kept: local paths, or `s3://BUCKET/KEY` in S3-compatible storage, with the options S3
/// needs beyond what AWS tools read from the environment and `~/.aws`.
public struct StorageOptions: ParsableArguments, Sendable {
    @Option(name: .customLong("s3-endpoint"), help: ArgumentHelp("S3-compatible endpoint for s3:// bundles (default: AWS_ENDPOINT_URL, the profile's endpoint_url).", valueName: "url"))
    public var endpoint: String?

    @Option(name: .customLong("s3-region"), help: ArgumentHelp("Region that signs s3:// requests (default: AWS_REGION, the profile's region, us-east-1).", valueName: "name"))
    public var region: String?

    @Option(name: .customLong("s3-ca-file"), help: ArgumentHelp("PEM file of CA certificates to trust for the S3 endpoint besides the system's.", valueName: "file"))
    public var caFile: String?

    public init() {}

    /// The store holding `name`: S3 for `s3://…`, else the local file system.
    public func store(for name: String) throws -> any ArchiveStore {
        guard name.hasPrefix("s3://") else { return LocalFiles() }
        guard S3Location(name) != nil else { throw ValidationError("'\(name)' is not s3://BUCKET/KEY") }
        var credentials = try S3Credentials.fromEnvironment()
        if let endpoint { credentials.endpoint = endpoint }
        if let region { credentials.region = region }
        var transport = TransportOptions()
        transport.caFile = caFile
        return S3Store(client: S3Client(credentials: credentials, options: transport))
    }

    /// Checks that `name` can be written in `files` before any work: for an object, that the credentials are
    /// accepted and the bucket exists.
    public func checkWritable(_ name: String, in files: any ArchiveStore) throws {
        guard let s3 = files as? S3Store, let location = S3Location(name) else { return }
        _ = try s3.client.uploads(of: location)
    }

    /// Opens the bundle `name` where it is kept, read in place.
    public func openBundle(_ name: String) throws -> BundleFile {
        try BundleFile(path: name, store: try store(for: name))
    }
}
