import ArgumentParser
import Pipeline
import Trust
import ZoneSupport

/// The signature checks of `transit verify` and `transit push`: the bundle's own signature (`--bundle-key`)
/// and every image's signatures against `--key` or `--policy`, all from inside the bundle, offline.
struct BundleTrustOptions: ParsableArguments {
    @OptionGroup var images: TrustOptions

    @Option(name: .customLong("bundle-key"), help: ArgumentHelp("Public key the bundle's index.json.sig must verify with (connected bundle --sign-key).", valueName: "file"))
    var bundleKey: String?

    var requested: Bool { bundleKey != nil || images.requested }

    func validate() throws {
        if images.keyless.requested && images.keyless.trustedRoot == nil && bundleKey == nil {
            throw ValidationError("keyless verification needs --trusted-root, or --bundle-key to use the trusted root the signed bundle carries")
        }
    }

    /// The checks the flags ask for. Keyless flags without `--trusted-root` use the root the bundle carries, which
    /// only a verified bundle signature vouches for.
    func makeCheck() throws -> BundleTrustCheck {
        let key = try bundleKey.map { (key: try PublicKey(file: $0), name: $0) }
        guard images.keyless.requested && images.keyless.trustedRoot == nil else {
            return BundleTrustCheck(bundleKey: key, policy: try images.trustPolicy())
        }
        let keys = try images.keys.map { try PublicKey(file: $0) }
        let (identity, issuer) = (images.keyless.identityMatch, images.keyless.issuerMatch)
        let rule = TrustPolicy.IdentityRule(rawValue: images.identity) ?? .repository
        return BundleTrustCheck(bundleKey: key, policy: nil, carriedRootPolicy: { root in
            TrustPolicy.requiring(keys, keyless: [try KeylessSigner(identity: identity, issuer: issuer, trustedRoot: root, origin: "--certificate-identity")],
                                  identity: rule)
        })
    }
}
