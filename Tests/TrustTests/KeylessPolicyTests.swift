import Foundation
import OCI
import Testing
import TestSupport
@testable import Trust

/// The `keyless:` entries of a trust policy: named beside keys, used by rules, and errors that say where and what.
@Suite struct KeylessPolicyTests {
    let directory: TemporaryDirectory

    init() throws {
        directory = try TemporaryDirectory(prefix: "airlock-keyless-policy")
        try FileManager.default.copyItem(atPath: Fixture.path("sigstore-public-good/trusted_root.json"), toPath: directory.file("trusted_root.json"))
        try FileManager.default.copyItem(atPath: Fixture.path("cosign/containers-image/cosign.pub"), toPath: directory.file("cosign.pub"))
    }

    func policy(_ text: String) throws -> TrustPolicy {
        let path = directory.file("policy.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try TrustPolicy(file: path)
    }

    @Test func keylessEntriesAreNamedBesideKeys() throws {
        let parsed = try policy("""
        version: 1
        keys:
          release: cosign.pub
        keyless:
          ci:
            identity-regexp: ^https://github\\.com/acme/
            issuer: https://token.actions.githubusercontent.com
            trustedRoot: trusted_root.json
        rules:
          - match: "ghcr.io/acme/**"
            keys: [release, ci]
            require: all-of
        """)
        let rule = try #require(parsed.rule(for: try Reference(parsing: "ghcr.io/acme/app:1")))
        #expect(rule.keys.count == 1 && rule.keyless.count == 1 && rule.requirement == .allOf)
        let signer = try #require(rule.keyless.first)
        #expect(signer.description == "keyless /^https://github\\.com/acme// (issuer https://token.actions.githubusercontent.com)")
        #expect(signer.trustedRoot.transparencyLogs.count == 2)
        #expect(signer.origin.hasSuffix("policy.yaml:6"))
    }

    @Test(arguments: [
        ("keyless:\n  ci:\n    issuer: https://x\n    trustedRoot: trusted_root.json\n", "keyless.ci: missing identity"),
        ("keyless:\n  ci:\n    identity: a@b.c\n    trustedRoot: trusted_root.json\n", "keyless.ci: missing issuer"),
        ("keyless:\n  ci:\n    identity: a@b.c\n    issuer: https://x\n", "keyless.ci: missing trustedRoot"),
        ("keyless:\n  ci:\n    identity: a@b.c\n    issuer: https://x\n    trustedRoot: nowhere.json\n", "nowhere.json: cannot be read"),
        ("keyless:\n  ci:\n    identity-regexp: \"(\"\n    issuer: https://x\n    trustedRoot: trusted_root.json\n", "is not a regular expression"),
        ("keyless:\n  ci:\n    identity: a@b.c\n    issuer: https://x\n    trustedRoot: trusted_root.json\n    audience: me\n", "keyless.ci.audience: unknown field"),
        ("keys:\n  ci: cosign.pub\nkeyless:\n  ci:\n    identity: a@b.c\n    issuer: https://x\n    trustedRoot: trusted_root.json\n", "keyless.ci: the name is also under keys:"),
    ])
    func badKeylessEntriesSayWhereAndWhat(_ entry: String, _ fragment: String) throws {
        let text = "version: 1\n" + entry + "rules:\n  - match: \"**\"\n    keys: [ci]\n"
        #expect(throws: TrustError.self) { try policy(text) }
        do { _ = try policy(text) } catch { #expect("\(error)".contains(fragment), "\(error)") }
    }

    @Test func aTrustConfigIsReadForTheRootItWraps() throws {
        let root = try JSONSerialization.jsonObject(with: Fixture.data("sigstore-public-good/trusted_root.json"))
        let config = try JSONSerialization.data(withJSONObject: ["mediaType": TrustedRoot.trustConfigMediaType, "trustedRoot": root])
        let parsed = try TrustedRoot(json: config, origin: "config")
        #expect(parsed.certificateAuthorities.count == 2 && parsed.timestampAuthorities.count == 1 && parsed.certificateTransparencyLogs.count == 2)
    }
}
