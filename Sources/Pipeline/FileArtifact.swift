import Foundation
import OCI

/// A file as an OCI artifact, the way `oras push` stores one: an image manifest with artifact type
/// `application/vnd.dev.airlock.file.v1`, the OCI empty config, and one layer (the file's bytes) whose
/// `org.opencontainers.image.title` annotation is the file name, so `oras pull` writes it back under that name.
public enum FileArtifact {
    public static let artifactType = "application/vnd.dev.airlock.file.v1"
    public static let layerMediaType = "application/octet-stream"
    public static let titleAnnotation = "org.opencontainers.image.title"

    /// The manifest carrying `layer` as file `name`, in a fixed field order.
    public static func manifest(name: String, layer: Descriptor) throws -> Manifest {
        func descriptor(_ d: Descriptor, title: String? = nil) -> GoJSON {
            var fields: [(String, GoJSON)] = [("mediaType", .string(d.mediaType)), ("digest", .string(d.digest.description)), ("size", .integer(d.size))]
            if let title { fields.append(("annotations", .object([(titleAnnotation, .string(title))]))) }
            return .object(fields)
        }
        let text = GoJSON.object([
            ("schemaVersion", .integer(2)),
            ("mediaType", .string(MediaType.ociManifest)),
            ("artifactType", .string(artifactType)),
            ("config", descriptor(PlatformSubset.emptyDescriptor)),
            ("layers", .array([descriptor(layer, title: name)])),
        ]).text
        return try Manifest(bytes: Data(text.utf8), declaredType: MediaType.ociManifest, source: "file \(name)")
    }

    /// The file a manifest carries: its name and its layer, or nil when it is not a file artifact.
    public static func file(in manifest: Manifest) -> (name: String, layer: Descriptor)? {
        guard case .image(let image) = manifest.content, image.artifactType == artifactType, image.layers.count == 1,
              let name = image.layers[0].annotations?[titleAnnotation], FileRequest.isSafeName(name) else { return nil }
        return (name, image.layers[0])
    }
}
