import Foundation
@testable import RegistryServer

/// What `airgap serve` parses from a request itself (NIO parses the HTTP): the path into a route, and the
/// `Range` and `Content-Range` headers.
enum ServerFuzzTargets {
    static let all: [String: @Sendable (Data) -> Void] = [
        "route": route,
        "range": range,
    ]

    @Sendable static func route(_ data: Data) {
        _ = try? DistributionRoute(path: String(decoding: data, as: UTF8.self))
    }

    /// The first 8 bytes are the blob's size, the rest the header.
    @Sendable static func range(_ data: Data) {
        let size = data.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        let header = String(decoding: data.dropFirst(8), as: UTF8.self)
        _ = ByteRange.request(header, size: size)
        _ = ByteRange.chunk(header)
    }
}
