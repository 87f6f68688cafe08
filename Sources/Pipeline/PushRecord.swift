import Bundle
import Foundation
import OCI

/// What `transit push` left in each repository it pushed images to: the target (`--to`) and, per image, the source
/// reference and digest. An OCI artifact (artifact type ``artifactType``, the empty config and layer) whose
/// ``annotation`` holds the record's JSON, tagged `airlock-push-<hex>` in that repository, so the inside knows what was
/// pushed from what and `airgap verify` can accept a source signature for exactly the image the record names. The
/// record is in the manifest rather than in a layer of its own: one request less to read it, and three less per
/// repository to write it (a `transit push` of 1,000 one-image repositories sent 7,000 requests for records alone).
public struct PushRecord: Codable, Sendable, Equatable {
    public static let currentFormat = "airlock-push/v1"
    public static let artifactType = "application/vnd.dev.airlock.push-record.v1+json"
    public static let tagPrefix = "airlock-push-"
    /// The manifest annotation that carries the record's JSON.
    public static let annotation = "dev.airlock.push-record"

    /// One image pushed into the repository.
    public struct Image: Codable, Sendable, Equatable {
        /// The full normalised source reference (`docker.io/library/nginx:1.27`).
        public var source: String
        public var digest: Digest

        public init(source: String, digest: Digest) {
            self.source = source
            self.digest = digest
        }
    }

    public var format: String
    /// `transit push --to`: `HOST[/PREFIX]`.
    public var target: String
    public var images: [Image]

    public init(target: PushTarget, images: [Image]) {
        format = Self.currentFormat
        self.target = target.description
        self.images = images.sorted { ($0.source, $0.digest.description) < ($1.source, $1.digest.description) }
    }

    /// The record's bytes: sorted keys, so the same push gives the same record and tag.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// The tag a record with these bytes is stored under.
    public static func tag(for bytes: Data) -> String { tagPrefix + String(Digest.sha256(of: bytes).encoded.prefix(32)) }

    /// The artifact manifest carrying `record` (the record's bytes), in a fixed field order.
    public static func manifest(record: Data) throws -> Manifest {
        func descriptor(_ d: Descriptor) -> GoJSON {
            .object([("mediaType", .string(d.mediaType)), ("digest", .string(d.digest.description)), ("size", .integer(d.size))])
        }
        let text = GoJSON.object([
            ("schemaVersion", .integer(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            ("artifactType", .string(artifactType)),
            ("config", descriptor(PlatformSubset.emptyDescriptor)),
            ("layers", .array([descriptor(PlatformSubset.emptyDescriptor)])),
            ("annotations", .object([(annotation, .string(String(decoding: record, as: UTF8.self)))])),
        ]).text
        return try Manifest(bytes: Data(text.utf8), declaredType: MediaType.ociManifest, source: "push record")
    }

    /// The record's bytes in an artifact manifest, or nil when the manifest is not a push record.
    public static func record(in manifest: Manifest) -> Data? {
        guard case .image(let image) = manifest.content, image.artifactType == artifactType,
              let text = image.annotations?[annotation] else { return nil }
        return Data(text.utf8)
    }

    /// Parses a record; `what` names it in errors.
    public init(parsing data: Data, what: String) throws {
        do { self = try JSONDecoder().decode(Self.self, from: data) } catch {
            throw BundleError(bundle: what, artifact: "push record", reason: "not a push record (\(error))")
        }
        guard format == Self.currentFormat else { throw BundleError(bundle: what, artifact: "push record", reason: "format \(format), expected \(Self.currentFormat)") }
    }
}
