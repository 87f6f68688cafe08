import Foundation
import TestSupport
import Trust

/// One `bundle-verify` case of sigstore-conformance (Tests/Fixtures/sigstore-conformance, see its README): a
/// bundle, optionally its artifact, identity, issuer, key and trusted root; a name ending in `_fail` must be refused.
struct ConformanceCase: CustomStringConvertible, Sendable {
    static let directory = Fixtures.root + "/sigstore-conformance/bundle-verify"
    static let publicGoodRoot = Fixtures.root + "/sigstore-public-good/trusted_root.json"
    static let defaultIdentity = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main"
    static let defaultIssuer = "https://token.actions.githubusercontent.com"

    let name: String

    static var all: [ConformanceCase] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: "\(directory)/\(name)", isDirectory: &isDirectory) && isDirectory.boolValue
        }.sorted().map(ConformanceCase.init)
    }

    var description: String { name }
    var path: String { "\(Self.directory)/\(name)" }
    var expectsFailure: Bool { name.hasSuffix("_fail") }

    func file(_ name: String) -> String? {
        FileManager.default.fileExists(atPath: "\(path)/\(name)") ? "\(path)/\(name)" : nil
    }

    func text(_ name: String, default value: String) -> String {
        file(name).flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines) ?? value
    }

    var artifactPath: String { file("artifact") ?? "\(Self.directory)/a.txt" }
    var trustedRootPath: String { file("trusted_root.json") ?? Self.publicGoodRoot }
    var identity: String { text("identity", default: Self.defaultIdentity) }
    var issuer: String { text("issuer", default: Self.defaultIssuer) }

    /// Airlock's decision: nil when the bundle verifies, else the check that failed (`KeylessFailure.Check`, or
    /// `malformed` for a bundle, key or trusted root that cannot be read) and why.
    func verify() -> (check: String, detail: String)? {
        do {
            let bundleData = try Data(contentsOf: URL(fileURLWithPath: "\(path)/bundle.sigstore.json"))
            let bundle = try SigstoreBundle.parse(bundleData, what: name)
            let root = try TrustedRoot(file: trustedRootPath)
            let artifact = try Data(contentsOf: URL(fileURLWithPath: artifactPath))
            let verification = try bundle.verification(artifactDigest: HashAlgorithm.sha256.hash(artifact), what: name)
            if let keyFile = file("key.pub") {
                try verification.verify(key: try PublicKey(file: keyFile), root: root)
            } else {
                guard verification.certificate != nil else { return ("signature", "the bundle is signed with a key and no key was given") }
                let signer = try KeylessSigner(identity: .exact(identity), issuer: .exact(issuer), trustedRoot: root, origin: name)
                _ = try verification.verify(keyless: signer)
            }
            return nil
        } catch let failure as KeylessFailure {
            return (failure.check.rawValue, failure.detail)
        } catch {
            return ("malformed", "\(error)")
        }
    }
}
