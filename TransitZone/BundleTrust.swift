import ArgumentParser
import Bundle
import Foundation
import OCI
import Pipeline
import Trust
import ZoneSupport

/// The signature checks of `transit verify` and `transit push`: the bundle's own signature (`--bundle-key`)
/// and every image's signatures against `--key` or `--policy`, all from inside the bundle, offline.
struct BundleTrustOptions: ParsableArguments {
    @OptionGroup var images: TrustOptions

    @Option(name: .customLong("bundle-key"), help: ArgumentHelp("Public key the bundle's index.json.sig must verify with (connected bundle --sign-key).", valueName: "file"))
    var bundleKey: String?

    /// What the checks found: one verdict per image, and a line per failure (none when everything passed).
    struct Outcome: Encodable {
        var bundleSignature: String?
        var images: [ImageVerdict]
        var failures: [String]
    }

    var requested: Bool { bundleKey != nil || !images.keys.isEmpty || images.policy != nil }

    func check(_ bundle: BundleFile) async throws -> Outcome {
        var outcome = Outcome(bundleSignature: nil, images: [], failures: [])
        if let bundleKey {
            let failure = try bundleSignatureFailure(bundle, key: bundleKey)
            outcome.bundleSignature = failure == nil ? "verified with \(bundleKey)" : "FAILED"
            outcome.failures += failure.map { [$0] } ?? []
        }
        if let policy = try images.trustPolicy() {
            let targets = try imagesToCheck(in: bundle)
            outcome.images = try await TrustGate(policy: policy).verdicts(for: targets, in: try LayoutSignatureMaterial(bundle: bundle))
            for verdict in outcome.images where !verdict.trusted {
                outcome.failures.append("\(verdict.reference)@\(verdict.digest): not trusted: \(verdict.reason)")
            }
        }
        return outcome
    }

    /// Why the bundle's own signature fails with `key`, or nil when it verifies.
    func bundleSignatureFailure(_ bundle: BundleFile, key: String) throws -> String? {
        do { try BundleSignature.verify(bundle, with: try PublicKey(file: key)) } catch let error as BundleSignatureError {
            return error.description
        }
        return nil
    }

    /// The images of the bundle (its `index.json` entries of kind image), by reference and digest.
    func imagesToCheck(in bundle: BundleFile) throws -> [(reference: Reference, digest: Digest)] {
        try BundleSource(bundle: bundle).entries().filter { $0.kind == .image }.map { entry in
            (reference: try entry.reference(), digest: entry.descriptor.digest)
        }
    }

    /// Runs the checks and throws at the first that fails (`transit push` checks before sending anything).
    func require(_ bundle: BundleFile) async throws {
        if let bundleKey { try BundleSignature.verify(bundle, with: try PublicKey(file: bundleKey)) }
        if let policy = try images.trustPolicy() {
            _ = try await TrustGate(policy: policy).require(try imagesToCheck(in: bundle), in: try LayoutSignatureMaterial(bundle: bundle))
        }
    }
}
