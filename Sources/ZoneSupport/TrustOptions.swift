import ArgumentParser
import Foundation
import Trust

/// `--key` / `--policy` / `--identity`: which signatures images need (transit and airgap).
public struct TrustOptions: ParsableArguments {
    @Option(name: .customLong("key"), help: ArgumentHelp("Public key (cosign.pub) every image must be signed with; repeat for any-of.", valueName: "file"))
    public var keys: [String] = []

    @Option(help: ArgumentHelp("Trust policy (YAML): per reference pattern, the keys required (see README).", valueName: "file"))
    public var policy: String?

    @Option(help: ArgumentHelp("With --key: how a signature's docker-reference must match the image: repository, exact or digest (ignore it, as cosign does).", valueName: "rule"))
    public var identity: String = TrustPolicy.IdentityRule.repository.rawValue

    @OptionGroup public var keyless: KeylessOptions

    public init() {}

    /// Whether any signature check was asked for.
    public var requested: Bool { !keys.isEmpty || policy != nil || keyless.requested }

    public func validate() throws {
        if (!keys.isEmpty || keyless.requested) && policy != nil { throw ValidationError("give --key/--certificate-identity or --policy, not both") }
        if TrustPolicy.IdentityRule(rawValue: identity) == nil { throw ValidationError("--identity must be repository, exact or digest") }
    }

    /// The policy asked for, or nil when no signature check was requested.
    public func trustPolicy() throws -> TrustPolicy? {
        try makePolicy(keys: keys, keyless: try keyless.signer(), policy: policy, identity: identity)
    }
}

/// `--verify-key` / `--policy` / `--identity` on `connected pull` and `bundle`: verify at the source.
public struct SourceTrustOptions: ParsableArguments {
    @Option(name: .customLong("verify-key"), help: ArgumentHelp("Public key every pulled image must be signed with; nothing is kept otherwise. Repeat for any-of.", valueName: "file"))
    public var keys: [String] = []

    @Option(help: ArgumentHelp("Trust policy (YAML) the pulled images must satisfy (see README).", valueName: "file"))
    public var policy: String?

    @Option(help: ArgumentHelp("With --verify-key: how a signature's docker-reference must match: repository, exact or digest.", valueName: "rule"))
    public var identity: String = TrustPolicy.IdentityRule.repository.rawValue

    @OptionGroup public var keyless: KeylessOptions

    public init() {}

    /// Whether any signature check was asked for.
    public var requested: Bool { !keys.isEmpty || policy != nil || keyless.requested }

    public func validate() throws {
        if (!keys.isEmpty || keyless.requested) && policy != nil { throw ValidationError("give --verify-key/--certificate-identity or --policy, not both") }
        if TrustPolicy.IdentityRule(rawValue: identity) == nil { throw ValidationError("--identity must be repository, exact or digest") }
        try keyless.requireTrustedRoot()
    }

    /// `--trusted-root`, to carry into the store (and so the bundle) beside the images.
    public func carriedTrustedRoot() throws -> TrustedRoot? {
        try keyless.trustedRoot.map { try TrustedRoot(file: $0) }
    }

    public func trustPolicy() throws -> TrustPolicy? {
        try makePolicy(keys: keys, keyless: try keyless.signer(), policy: policy, identity: identity)
    }
}

/// `--policy`, else a rule over every image: one of `keys` or the keyless signer must have signed.
func makePolicy(keys: [String], keyless: KeylessSigner?, policy: String?, identity: String) throws -> TrustPolicy? {
    if let policy { return try TrustPolicy(file: policy) }
    guard !keys.isEmpty || keyless != nil else { return nil }
    return TrustPolicy.requiring(try keys.map { try PublicKey(file: $0) }, keyless: keyless.map { [$0] } ?? [],
                                 identity: TrustPolicy.IdentityRule(rawValue: identity) ?? .repository)
}

/// Loads a private key file as cosign does, asking for its password only when it is encrypted.
public func loadSigningKey(_ path: String) throws -> PrivateKey {
    try CosignKeyFile.load(path: path) { try KeyPassword.read(prompt: "Enter password for private key \(path): ") }
}
