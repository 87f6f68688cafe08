import Foundation
import OCI

/// The metadata of a bundle split into volumes (`NAME.tar.000`, `NAME.tar.001`, …), kept beside them as
/// `NAME.tar.parts.json`: how many parts, their sizes and SHA-256s, and the size and SHA-256 of the whole,
/// so each part can be checked before anything in it is trusted.
public struct BundleParts: Codable, Sendable, Equatable {
    public struct Part: Codable, Sendable, Equatable {
        /// The file name, without directory.
        public var name: String
        public var size: Int64
        public var sha256: Digest

        public init(name: String, size: Int64, sha256: Digest) {
            self.name = name
            self.size = size
            self.sha256 = sha256
        }
    }

    public static let currentFormat = "airlock-bundle-parts/v1"

    public var format: String
    public var parts: [Part]
    public var totalSize: Int64
    /// SHA-256 of the parts concatenated: what `cat NAME.tar.* | sha256sum` prints.
    public var sha256: Digest

    public init(parts: [Part], totalSize: Int64, sha256: Digest) {
        self.format = Self.currentFormat
        self.parts = parts
        self.totalSize = totalSize
        self.sha256 = sha256
    }

    /// The metadata as written beside the volumes: pretty, with sorted keys, so equal metadata is equal bytes.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// Where the metadata of the bundle `basePath` (`NAME.tar`) is kept.
    public static func metadataPath(for basePath: String) -> String { basePath + ".parts.json" }
}
