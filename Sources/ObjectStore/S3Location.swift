/// An object in S3-compatible storage, `s3://BUCKET/KEY`.
public struct S3Location: Sendable, Hashable, CustomStringConvertible {
    public let bucket: String
    public let key: String

    /// Parses `s3://BUCKET/KEY`; nil for anything else (a local path).
    public init?(_ text: String) {
        guard text.hasPrefix("s3://") else { return nil }
        let rest = text.dropFirst(5)
        guard let slash = rest.firstIndex(of: "/"), slash != rest.startIndex else { return nil }
        let key = rest[rest.index(after: slash)...]
        guard !key.isEmpty else { return nil }
        bucket = String(rest[..<slash])
        self.key = String(key)
    }

    public init(bucket: String, key: String) {
        self.bucket = bucket
        self.key = key
    }

    public var description: String { "s3://\(bucket)/\(key)" }

    /// The same bucket, another key (a volume beside a bundle).
    public func sibling(_ key: String) -> S3Location { S3Location(bucket: bucket, key: key) }
}
