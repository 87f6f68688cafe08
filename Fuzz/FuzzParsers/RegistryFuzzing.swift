import Foundation
import Registry

/// What a registry answers that the client parses itself: `WWW-Authenticate` challenges.
enum RegistryFuzzing {
    @Sendable static func authChallenge(_ data: Data) {
        _ = AuthChallenge.parse(String(decoding: data, as: UTF8.self))
    }
}
