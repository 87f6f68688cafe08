import OCI

/// A relocation `transit push` made: images signed at the source (`docker.io/library/nginx`) now live where
/// `transit push --to TARGET` put them (`TARGET/library/nginx`). Under the repository identity rule a signature
/// for the source repository is accepted for exactly the image it was relocated to, and for nothing else.
/// The policy's `remap: {prefix, signedPrefix}` (after containers/image's `remapIdentity`), or `--prefix` and
/// `--signed-prefix`.
public struct Relocation: Sendable, Equatable, CustomStringConvertible {
    /// Where the images were pushed (`--to` of `transit push`).
    public let target: PushTarget
    /// The source repositories it applies to (`docker.io`, `docker.io/library`), whole path segments; nil: any.
    public let signedPrefix: String?

    public init(target: PushTarget, signedPrefix: String? = nil) {
        self.target = target
        self.signedPrefix = signedPrefix.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
    }

    /// Whether a signature for `signed` vouches for `verified`: `signed` lies under the signed prefix and
    /// `transit push`'s mapping takes its repository to exactly `verified`'s.
    public func relocates(_ signed: Reference, to verified: Reference) -> Bool {
        if let signedPrefix, signed.name != signedPrefix, !signed.name.hasPrefix(signedPrefix + "/") { return false }
        return target.repository(for: signed).description == verified.name
    }

    public var description: String { target.description + (signedPrefix.map { " (signed under \($0))" } ?? "") }
}
