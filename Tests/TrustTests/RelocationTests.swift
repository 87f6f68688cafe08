import Foundation
import OCI
import Testing
import TestSupport
@testable import Trust

/// The repository identity rule across a `transit push` relocation: exactly the pushed repository, nothing looser.
@Suite struct RelocationTests {
    func reference(_ text: String) throws -> Reference { try Reference(parsing: text) }

    func relocation(_ target: String, signedPrefix: String? = nil) throws -> Relocation {
        Relocation(target: try PushTarget(parsing: target), signedPrefix: signedPrefix)
    }

    @Test(arguments: [
        // signed, verified, accepted
        ("docker.io/library/nginx", "registry.site:5000/mirror/library/nginx:1.27", true),
        ("nginx:1.27", "registry.site:5000/mirror/library/nginx", true),
        ("ghcr.io/acme/app", "registry.site:5000/mirror/acme/app@sha256:" + String(repeating: "a", count: 64), true),
        ("docker.io/library/nginx", "registry.site:5000/mirror/library/redis", false),          // another repository
        ("docker.io/library/nginx", "registry.site:5000/library/nginx", false),                 // another prefix
        ("docker.io/library/nginx", "registry.site:5000/mirror/x/library/nginx", false),        // a suffix is not enough
        ("docker.io/library/nginx", "other.site:5000/mirror/library/nginx", false),             // another registry
    ])
    func thePushMappingDecides(_ signed: String, _ verified: String, _ accepted: Bool) throws {
        #expect(try relocation("registry.site:5000/mirror").relocates(try reference(signed), to: try reference(verified)) == accepted)
    }

    @Test func aSignedPrefixLimitsTheSourcesToWholeSegments() throws {
        let relocation = try relocation("registry.site:5000/mirror", signedPrefix: "ghcr.io/acme/")
        #expect(relocation.relocates(try reference("ghcr.io/acme/app"), to: try reference("registry.site:5000/mirror/acme/app")))
        #expect(!relocation.relocates(try reference("docker.io/acme/app"), to: try reference("registry.site:5000/mirror/acme/app")))
        #expect(!relocation.relocates(try reference("ghcr.io/acmecorp/app"), to: try reference("registry.site:5000/mirror/acmecorp/app")))
    }

    @Test func theRepositoryRuleAcceptsTheRelocationAndNamesItWhenRefusing() throws {
        let key = try Fixture.key("cosign/containers-image/cosign.pub")
        var policy = TrustPolicy.requiring([key])
        let verified = try reference("registry.site:5000/mirror/library/nginx:1.27")
        #expect(ImageSignatureVerifier(policy: policy).identityProblem("docker.io/library/nginx", reference: verified, rule: .repository)?
            .contains("signed for docker.io/library/nginx, not registry.site:5000/mirror/library/nginx (identity rule: repository)") == true)
        policy.relocations = [try relocation("registry.site:5000/mirror")]
        let verifier = ImageSignatureVerifier(policy: policy)
        #expect(verifier.identityProblem("docker.io/library/nginx", reference: verified, rule: .repository) == nil)
        #expect(verifier.identityProblem("registry.site:5000/mirror/library/nginx", reference: verified, rule: .repository) == nil)
        let elsewhere = try #require(verifier.identityProblem("docker.io/library/redis", reference: verified, rule: .repository))
        #expect(elsewhere.contains("relocated by registry.site:5000/mirror"), "\(elsewhere)")
        // exact stays exact.
        #expect(verifier.identityProblem("docker.io/library/nginx:1.27", reference: verified, rule: .exact) != nil)
    }

    func policyFile(_ remap: String) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "airlock-remap")
        try FileManager.default.copyItem(atPath: Fixture.path("cosign/containers-image/cosign.pub"), toPath: directory.file("cosign.pub"))
        let path = directory.file("policy.yaml")
        try "version: 1\nkeys:\n  a: cosign.pub\n\(remap)rules:\n  - match: \"**\"\n    keys: [a]\n".write(toFile: path, atomically: true, encoding: .utf8)
        return (directory, path)
    }

    @Test func remapIsOneEntryOrAList() throws {
        let (one, onePath) = try policyFile("remap:\n  prefix: registry.site:5000/mirror\n  signedPrefix: docker.io\n")
        _ = one
        #expect(try TrustPolicy(file: onePath).relocations == [try relocation("registry.site:5000/mirror", signedPrefix: "docker.io")])
        let (list, listPath) = try policyFile("remap:\n  - prefix: a.site/m\n  - prefix: b.site\n    signedPrefix: ghcr.io\n")
        _ = list
        #expect(try TrustPolicy(file: listPath).relocations == [try relocation("a.site/m"), try relocation("b.site", signedPrefix: "ghcr.io")])
    }

    @Test(arguments: [
        ("remap:\n  signedPrefix: docker.io\n", ":5: remap: missing prefix"),
        ("remap:\n  prefix: registry.site\n  target: x\n", ":6: remap.target: unknown field"),
        ("remap:\n  - prefix: \"a.site/x y\"\n", "remap[0].prefix:"),
        ("remap: registry.site\n", "remap: expected {prefix, signedPrefix}"),
    ])
    func badRemapsSayWhereAndWhat(_ remap: String, _ fragment: String) throws {
        let (directory, path) = try policyFile(remap)
        _ = directory
        #expect { try TrustPolicy(file: path) } throws: { "\($0)".contains(fragment) }
    }
}
