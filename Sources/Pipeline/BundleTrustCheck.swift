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
    /// The policy to build from the trusted root the bundle carries (keyless flags without `--trusted-root`); used
    /// only once the bundle signature verified, since only it vouches for that root.
    public var carriedRootPolicy: (@Sendable (TrustedRoot) throws -> TrustPolicy?)?

    public init(bundleKey: (key: PublicKey, name: String)?, policy: TrustPolicy?,
                carriedRootPolicy: (@Sendable (TrustedRoot) throws -> TrustPolicy?)? = nil) {
        self.bundleKey = bundleKey
        self.policy = policy
        self.carriedRootPolicy = carriedRootPolicy
    }

    /// `policy`, or the one made from the bundle's own trusted root (its signature verified first by the caller).
    func effectivePolicy(_ bundle: BundleFile) throws -> TrustPolicy? {
        guard policy == nil, let carriedRootPolicy else { return policy }
        guard bundleKey != nil else { throw TrustError.malformed(bundle.path, "a carried trusted root is trusted only with --bundle-key") }
        guard let root = try TrustedRootArtifact.carried(in: bundle) else {
            throw TrustError.malformed(bundle.path, "the bundle carries no trusted root (connected bundle --trusted-root); give --trusted-root")
        }
        return try carriedRootPolicy(root)
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
                if carriedRootPolicy != nil && policy == nil {
                    outcome.failures.append("\(bundle.path): the trusted root it carries is not used, since the bundle signature failed")
                    return outcome
                }
            }
        }
        if let policy = try effectivePolicy(bundle) {
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
        if let policy = try effectivePolicy(bundle) {
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
