import Cluster
import OCI
import Pipeline
import Testing

/// The offline admission rules, one reference at a time.
struct ImageRulesTests {
    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    func rules(_ target: String = "r.example:5000/mirror", requireDigest: Bool = false) throws -> ImageRules {
        ImageRules(mapping: PrivateRegistryMapping(target: try PushTarget(parsing: target)), requireDigest: requireDigest)
    }

    func violations(_ image: String, requireDigest: Bool = false) throws -> [String] {
        let occurrence = ImageOccurrence(file: "f.yaml", line: 3, column: 12, kind: "Pod", name: "p", container: "c", value: image, style: .plain)
        return try rules(requireDigest: requireDigest).check(occurrence).violations.map(\.rule.rawValue)
    }

    @Test(arguments: [
        ("r.example:5000/mirror/library/nginx:1.27", [String]()),
        ("r.example:5000/mirror/library/nginx:1.27@\(digest)", []),
        ("r.example:5000/mirror/library/nginx@\(digest)", []),
        ("r.example:5000/mirror/library/nginx:latest", ["no-latest"]),
        ("r.example:5000/mirror/library/nginx:latest@\(digest)", []),
        ("r.example:5000/mirror/library/nginx", ["tag-required"]),
        ("r.example:5000/mirror:1", ["private-registry"]),            // the prefix is a repository of its own, not under it
        ("r.example:5000/other/nginx:1", ["private-registry"]),
        ("r.example:5001/mirror/nginx:1", ["private-registry"]),
        ("nginx", ["private-registry", "tag-required"]),
        ("docker.io/library/nginx:latest", ["private-registry", "no-latest"]),
        ("Nginx:1", ["invalid-reference"]),
    ])
    func defaultRules(image: String, expected: [String]) throws {
        #expect(try violations(image) == expected)
    }

    @Test func requireDigestAddsTheDigestRule() throws {
        #expect(try violations("r.example:5000/mirror/a/b:1", requireDigest: true) == ["digest-required"])
        #expect(try violations("r.example:5000/mirror/a/b:1@\(Self.digest)", requireDigest: true) == [])
    }

    @Test func theMappingIsTransitPushs() throws {
        let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: "r.example:5000/site/mirror"))
        #expect(try mapping.privateReference(for: try Reference(parsing: "nginx:1.27")).description == "r.example:5000/site/mirror/library/nginx:1.27")
        #expect(try mapping.privateReference(for: try Reference(parsing: "ghcr.io/org/app@\(Self.digest)")).description
                == "r.example:5000/site/mirror/org/app@\(Self.digest)")
        let already = try Reference(parsing: "r.example:5000/site/mirror/org/app:2")
        #expect(try mapping.privateReference(for: already) == already)
    }

    @Test(arguments: [("nginx", "r.example/library/nginx"), ("nginx:latest", "r.example/library/nginx:latest"),
                      ("a/b@\(digest)", "r.example/a/b@\(digest)"), ("localhost:5000/a", "r.example/a")])
    func rewrittenTextKeepsAnImpliedLatestImplied(original: String, expected: String) throws {
        let mapped = try PrivateRegistryMapping(target: try PushTarget(parsing: "r.example")).privateReference(for: try Reference(parsing: original))
        #expect(ImageText.written(mapped, like: original) == expected)
    }
}
