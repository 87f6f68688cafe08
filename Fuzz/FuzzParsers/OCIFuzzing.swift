import Foundation
import OCI

/// OCI values read from outside: manifests and indexes, a layout's `index.json` entries, references.
enum OCIFuzzing {
    @Sendable static func manifest(_ data: Data) {
        for type in [nil, MediaType.ociManifest, MediaType.ociIndex] {
            _ = try? Manifest(bytes: data, declaredType: type, source: "fuzz")
        }
    }

    @Sendable static func layoutIndex(_ data: Data) {
        guard let index = try? JSONDecoder().decode(ImageIndex.self, from: data) else { return }
        for descriptor in index.manifests { _ = try? LayoutEntry(indexEntry: descriptor) }
    }

    @Sendable static func reference(_ data: Data) {
        let text = String(decoding: data, as: UTF8.self)
        _ = try? Reference(parsing: text)
        _ = try? Digest(parsing: text)
    }
}
