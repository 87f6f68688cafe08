import Foundation
import Pipeline

/// The operator's YAML: the bundle manifest and the lock file.
enum PipelineFuzzing {
    @Sendable static func bundleManifest(_ data: Data) {
        _ = try? BundleManifest(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.yaml")
    }

    @Sendable static func lockFile(_ data: Data) {
        _ = try? LockFile(yaml: String(decoding: data, as: UTF8.self), file: "fuzz.lock")
    }
}
