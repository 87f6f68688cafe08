import Bundle
import OCI
import Trust

/// The signature checks of a bundle, offline, from inside it: its own `index.json.sig` against a key, and
/// every image's signatures against a policy (`transit verify` collects every finding; `transit push` stops
/// at the first, before anything is sent).
public struct BundleTrustCheck: Sendable {
    /// The key the bundle signature must verify with, and how it is named in the outcome (its file).
    public var bundleKey: (key: PublicKey, name: String)?
    public var policy: TrustPolicy?

    public init(bundleKey: (key: PublicKey, name: String)?, policy: TrustPolicy?) {
        self.bundleKey = bundleKey
        self.policy = policy
    }

    /// What the checks found: one verdict per image, and a line per failure (none when everything passed).
    public struct Outcome: Encodable, Sendable {
        public var bundleSignature: String?
        public var images: [ImageVerdict]
        public var failures: [String]
    }

    public func check(_ bundle: BundleFile) async throws -> Outcome {
        var outcome = Outcome(bundleSignature: nil, images: [], failures: [])
        if let bundleKey {
            do {
                try BundleSignature.verify(bundle, with: bundleKey.key)
                outcome.bundleSignature = "verified with \(bundleKey.name)"
            } catch let error as BundleSignatureError {
                outcome.bundleSignature = "FAILED"
                outcome.failures.append(error.description)
            }
        }
        if let policy {
            outcome.images = try await TrustGate(policy: policy).verdicts(for: try images(in: bundle), in: try LayoutSignatureMaterial(bundle: bundle))
            for verdict in outcome.images where !verdict.trusted {
                outcome.failures.append("\(verdict.reference)@\(verdict.digest): not trusted: \(verdict.reason)")
            }
        }
        return outcome
    }

    /// Runs the checks and throws at the first that fails.
    public func require(_ bundle: BundleFile) async throws {
        if let bundleKey { try BundleSignature.verify(bundle, with: bundleKey.key) }
        if let policy {
            _ = try await TrustGate(policy: policy).require(try images(in: bundle), in: try LayoutSignatureMaterial(bundle: bundle))
        }
    }

    /// The images of the bundle (its `index.json` entries of kind image), by reference and digest.
    func images(in bundle: BundleFile) throws -> [(reference: Reference, digest: Digest)] {
        try BundleSource(bundle: bundle).entries().filter { $0.kind == .image }.map { entry in
            (reference: try entry.reference(), digest: entry.descriptor.digest)
        }
    }
}
