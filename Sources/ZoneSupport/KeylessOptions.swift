import ArgumentParser
import Trust

/// `--certificate-identity[-regexp]`, `--certificate-oidc-issuer[-regexp]`, `--trusted-root`: a keyless signer,
/// as cosign names the flags; checked offline against the trusted root file.
public struct KeylessOptions: ParsableArguments {
    @Option(name: .customLong("certificate-identity"), help: ArgumentHelp("Keyless: the signing certificate's identity (e-mail, URI), exactly.", valueName: "identity"))
    public var identity: String?

    @Option(name: .customLong("certificate-identity-regexp"), help: ArgumentHelp("Keyless: a regular expression the identity must match (anchor it with ^…$).", valueName: "regex"))
    public var identityRegexp: String?

    @Option(name: .customLong("certificate-oidc-issuer"), help: ArgumentHelp("Keyless: the OIDC issuer recorded in the certificate, exactly.", valueName: "url"))
    public var issuer: String?

    @Option(name: .customLong("certificate-oidc-issuer-regexp"), help: ArgumentHelp("Keyless: a regular expression the OIDC issuer must match.", valueName: "regex"))
    public var issuerRegexp: String?

    @Option(name: .customLong("trusted-root"), help: ArgumentHelp("Keyless: sigstore trusted_root.json (or client trust config) with the Fulcio CAs, Rekor and timestamp keys trusted (connected also carries it into the store and bundle).", valueName: "file"))
    public var trustedRoot: String?

    public init() {}

    /// Whether any keyless flag was given.
    public var requested: Bool { identity != nil || identityRegexp != nil || issuer != nil || issuerRegexp != nil }

    public func validate() throws {
        guard requested else { return }
        if (identity == nil) == (identityRegexp == nil) { throw ValidationError("give one of --certificate-identity and --certificate-identity-regexp") }
        if (issuer == nil) == (issuerRegexp == nil) { throw ValidationError("give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp") }
    }

    /// Refuses keyless flags without `--trusted-root` (where no bundle can carry one).
    public func requireTrustedRoot() throws {
        if requested && trustedRoot == nil { throw ValidationError("keyless verification needs --trusted-root (sigstore's trusted_root.json)") }
    }

    /// The signer the flags describe, or nil when none was asked for (or `--trusted-root` is missing: the
    /// caller then uses the root a bundle carries).
    public func signer() throws -> KeylessSigner? {
        guard requested, let trustedRoot else { return nil }
        let root = try TrustedRoot(file: trustedRoot)
        return try KeylessSigner(identity: identityMatch, issuer: issuerMatch, trustedRoot: root, origin: "--certificate-identity")
    }

    /// The identity the flags require, exactly or by regular expression.
    public var identityMatch: KeylessSigner.Match { identity.map { .exact($0) } ?? .regularExpression(identityRegexp ?? "") }
    /// The OIDC issuer the flags require.
    public var issuerMatch: KeylessSigner.Match { issuer.map { .exact($0) } ?? .regularExpression(issuerRegexp ?? "") }
}
