import Foundation

/// A manifest exactly as received: its bytes, their digest and media type, and the parsed content.
///
/// The digest is always of the received bytes, never of re-serialised JSON, so a manifest
/// can be stored and pushed again without changing its identity.
public struct Manifest: Sendable {
    /// What the manifest describes.
    public enum Content: Sendable {
        case image(ImageManifest)
        case index(ImageIndex)
    }

    /// The largest manifest accepted (distribution's own limit is 4 MiB).
    public static let maximumSize = 4 * 1024 * 1024

    public let bytes: Data
    public let digest: Digest
    public let mediaType: String
    public let content: Content

    /// Parses `bytes`, taking the media type from the manifest's own `mediaType` field, else from
    /// `declaredType` (a Content-Type header or descriptor), else from the shape of the JSON.
    /// `source` names the manifest in errors.
    public init(bytes: Data, declaredType: String?, source: String) throws(ManifestError) {
        guard bytes.count <= Self.maximumSize else {
            throw ManifestError(source: source, reason: "manifest is \(bytes.count) bytes, over the \(Self.maximumSize)-byte limit")
        }
        let probe: MediaTypeProbe
        do { probe = try JSONDecoder().decode(MediaTypeProbe.self, from: bytes) } catch {
            throw ManifestError(source: source, reason: "not a JSON manifest (\(Self.describe(error)))")
        }
        let declared = declaredType.map { $0.split(separator: ";")[0].trimmingCharacters(in: .whitespaces) }
        var type = probe.mediaType ?? declared ?? ""
        if MediaType.isSchema1(type) || probe.schemaVersion == 1 {
            throw ManifestError(source: source, reason: "Docker schema 1 manifests are not supported (deprecated since 2017); push the image again with a current client to convert it to schema 2 or OCI")
        }
        if !MediaType.isManifest(type) {
            // A manifest without a mediaType field: the OCI spec allows it; decide by shape.
            if probe.manifests != nil { type = MediaType.ociIndex }
            else if probe.config != nil { type = MediaType.ociManifest }
            else { throw ManifestError(source: source, reason: "unknown manifest media type '\(type)'") }
        }
        guard probe.schemaVersion == 2 else {
            throw ManifestError(source: source, reason: "schemaVersion is \(probe.schemaVersion.map(String.init) ?? "missing"), expected 2")
        }
        do {
            if MediaType.isIndex(type) {
                content = .index(try JSONDecoder().decode(ImageIndex.self, from: bytes))
            } else {
                content = .image(try JSONDecoder().decode(ImageManifest.self, from: bytes))
            }
        } catch {
            throw ManifestError(source: source, reason: "malformed \(type) (\(Self.describe(error)))")
        }
        self.bytes = bytes
        self.mediaType = type
        self.digest = Digest.sha256(of: bytes)
    }

    /// A descriptor of this manifest, as a parent index or `index.json` refers to it.
    public var descriptor: Descriptor {
        Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// The blobs this manifest needs directly: config and layers of an image; nothing for an index.
    public var blobs: [Descriptor] {
        if case .image(let m) = content { return [m.config] + m.layers }
        return []
    }

    /// The child manifests of an index; nothing for an image.
    public var children: [Descriptor] {
        if case .index(let i) = content { return i.manifests }
        return []
    }

    /// The manifest this one refers to through `subject` (signatures, SBOMs, attestations).
    public var subject: Descriptor? {
        switch content {
        case .image(let m): m.subject
        case .index(let i): i.subject
        }
    }

    /// The artifact type: `artifactType`, else the config media type for artifact manifests.
    public var artifactType: String? {
        switch content {
        case .image(let m): m.artifactType ?? (m.config.mediaType == MediaType.ociConfig || m.config.mediaType == MediaType.dockerConfig ? nil : m.config.mediaType)
        case .index(let i): i.artifactType
        }
    }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let ctx):
            return "missing field '\((ctx.codingPath + [key]).map(\.stringValue).joined(separator: "."))'"
        case DecodingError.typeMismatch(_, let ctx), DecodingError.valueNotFound(_, let ctx), DecodingError.dataCorrupted(let ctx):
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? ctx.debugDescription : "field '\(path)': \(ctx.debugDescription)"
        default:
            return "\(error)"
        }
    }

    private struct MediaTypeProbe: Decodable {
        struct Present: Decodable {}
        var schemaVersion: Int?
        var mediaType: String?
        var manifests: [Present]?
        var config: Present?
    }
}

/// A manifest that cannot be used, with the artifact it came from and why.
public struct ManifestError: CategorizedError, CustomStringConvertible {
    public let source: String
    public let reason: String
    public var description: String { "\(source): \(reason)" }
    public var category: ErrorCategory { .integrity }
}
