import Foundation
import OCI
import Testing
import TestSupport
@testable import Trust

/// The trust policy file: parsing, error messages with lines, pattern matching, first rule wins.
@Suite struct PolicyTests {
    /// Holds the policy and its keys for the test's life.
    let directory: TemporaryDirectory

    init() throws { directory = try TemporaryDirectory(prefix: "airlock-policy") }

    func write(_ text: String) throws -> String {
        for key in ["cosign.pub", "cosign2.pub"] {
            if !FileManager.default.fileExists(atPath: directory.file(key)) {
                try FileManager.default.copyItem(atPath: Fixture.path("cosign/containers-image/\(key)"), toPath: directory.file(key))
            }
        }
        let path = directory.file("policy.yaml")
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func rulesMatchInOrderWithSegmentGlobs() throws {
        let policy = try TrustPolicy(file: try write("""
        version: 1
        keys:
          a: cosign.pub
          b: cosign2.pub
        rules:
          - match: ["registry.example.com/platform/*", "docker.io/library/redis:7.*"]
            keys: [a, b]
            require: all-of
            identity: exact
          - match: "registry.example.com/**"
            keys: [b]
          - match: "**"
            unsigned: allow
        """))
        func rule(_ text: String) throws -> TrustPolicy.Rule? { policy.rule(for: try Reference(parsing: text)) }
        let first = try #require(try rule("registry.example.com/platform/api:1"))
        #expect(first.requirement == .allOf && first.identity == .exact && first.keys.count == 2)
        #expect(try rule("docker.io/library/redis:7.4.1")?.keys.count == 2)
        let second = try #require(try rule("registry.example.com/platform/deep/api:1"))   // `*` stays in one segment
        #expect(second.keys.count == 1 && second.requirement == .anyOf && second.identity == .repository)
        #expect(try rule("docker.io/library/redis:6.2")?.allowUnsigned == true)
        #expect(try rule("quay.io/x/y@sha256:" + String(repeating: "a", count: 64))?.allowUnsigned == true)
    }

    @Test(arguments: [
        ("version: 1\nrules:\n  - match: \"**\"\n    keys: [nobody]\n", "no key named nobody"),
        ("version: 1\nkeys:\n  a: cosign.pub\nrules:\n  - match: \"**\"\n    keys: [a]\n    colour: red\n", ":7: rules[0].colour: unknown field"),
        ("version: 1\nkeys:\n  a: missing.pub\nrules:\n  - match: \"**\"\n    keys: [a]\n", "missing.pub: cannot be read"),
        ("version: 2\nrules:\n  - match: \"**\"\n    unsigned: allow\n", "expected 'version: 1'"),
        ("version: 1\nrules:\n  - match: \"**\"\n", "name keys or say 'unsigned: allow'"),
        ("version: 1\nkeys:\n  a: cosign.pub\nrules:\n  - match: \"**\"\n    keys: [a]\n    require: most-of\n", "expected any-of or all-of"),
    ])
    func badPoliciesSayWhereAndWhat(_ text: String, _ fragment: String) throws {
        let path = try write(text)
        #expect { try TrustPolicy(file: path) } throws: { "\($0)".contains(fragment) }
    }

    @Test func noMatchingRuleRejects() throws {
        let policy = TrustPolicy(rules: [.init(patterns: [ReferencePattern("ghcr.io/acme/**")], keys: [try Fixture.key("cosign/containers-image/cosign.pub")], origin: "test")])
        let verdict = ImageSignatureVerifier(policy: policy).verify(try Reference(parsing: "quay.io/x/y:1"), digest: .sha256(of: Data()), evidence: SignatureEvidence())
        #expect(!verdict.trusted && verdict.reason == "no policy rule matches quay.io/x/y")
    }
}
