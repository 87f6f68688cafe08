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

    @Option(name: .customLong("trusted-root"), help: ArgumentHelp("Keyless: sigstore trusted_root.json (or client trust config) with the Fulcio CAs, Rekor and timestamp keys trusted.", valueName: "file"))
    public var trustedRoot: String?

    public init() {}

    /// Whether any keyless flag was given.
    public var requested: Bool { identity != nil || identityRegexp != nil || issuer != nil || issuerRegexp != nil }

    public func validate() throws {
        guard requested else { return }
        if (identity == nil) == (identityRegexp == nil) { throw ValidationError("give one of --certificate-identity and --certificate-identity-regexp") }
        if (issuer == nil) == (issuerRegexp == nil) { throw ValidationError("give one of --certificate-oidc-issuer and --certificate-oidc-issuer-regexp") }
        if trustedRoot == nil { throw ValidationError("keyless verification needs --trusted-root (sigstore's trusted_root.json)") }
    }

    /// The signer the flags describe, or nil when none was asked for.
    public func signer() throws -> KeylessSigner? {
        guard requested, let trustedRoot else { return nil }
        let identityMatch: KeylessSigner.Match = identity.map { .exact($0) } ?? .regularExpression(identityRegexp ?? "")
        let issuerMatch: KeylessSigner.Match = issuer.map { .exact($0) } ?? .regularExpression(issuerRegexp ?? "")
        return try KeylessSigner(identity: identityMatch, issuer: issuerMatch, trustedRoot: try TrustedRoot(file: trustedRoot), origin: "--certificate-identity")
    }
}
