import Bundle
import Foundation

/// The bundle's own metadata: the record inside the tar and the split-volume list beside it.
enum BundleFuzzing {
    @Sendable static func record(_ data: Data) {
        _ = try? JSONDecoder().decode(BundleRecord.self, from: data)
    }

    @Sendable static func parts(_ data: Data) {
        _ = try? JSONDecoder().decode(BundleParts.self, from: data)
    }
}
