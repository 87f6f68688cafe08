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

    /// The checks the flags ask for.
    func makeCheck() throws -> BundleTrustCheck {
        BundleTrustCheck(bundleKey: try bundleKey.map { (try PublicKey(file: $0), $0) }, policy: try images.trustPolicy())
    }
}
