import Bundle
import Cluster
import OCI
import Pipeline
import Testing

/// Plan, then edit: the registry's digests are handed in between, and every image that cannot be mapped or pinned is
/// reported with its file and line.
struct ImageRewriteTests {
    static let digest = "sha256:" + String(repeating: "12", count: 32)
    static let text = """
        kind: Deployment
        metadata: {name: web}
        spec:
          template:
            spec:
              containers:
                - {name: a, image: "nginx:1.27"}   # kept comment
                - {name: b, image: ghcr.io/org/app:2}
                - {name: c, image: "Bad:Ref"}

        """

    func plan(_ rewrite: ImageRewrite) throws -> ImageRewrite.Plan {
        let file = ManifestFile(path: "web.yaml", relativePath: "web.yaml", text: Self.text)
        return rewrite.plan([file], images: try ManifestScanner.images(in: [file]))
    }

    @Test func registryDigestsPinWhatThePlanLeftOpen() throws {
        let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: "r.example:5000/m"))
        let rewrite = ImageRewrite(mapping: mapping, bundle: nil, pinDigests: true)
        let plan = try plan(rewrite)
        #expect(plan.errors.map(\.description) == ["web.yaml:9: Deployment/web: container c: cannot map 'Bad:Ref': invalid reference 'Bad:Ref': repository name must be lowercase"])
        #expect(plan.unpinned == [try Reference(parsing: "r.example:5000/m/library/nginx:1.27"), try Reference(parsing: "r.example:5000/m/org/app:2")])

        // One digest missing: both the unmappable image and the unpinnable one are reported.
        let partial = [try Reference(parsing: "r.example:5000/m/library/nginx:1.27"): try Digest(parsing: Self.digest)]
        #expect { try rewrite.edit(plan, digests: partial) } throws: { error in
            "\(error)" == """
                web.yaml:9: Deployment/web: container c: cannot map 'Bad:Ref': invalid reference 'Bad:Ref': repository name must be lowercase
                web.yaml:8: Deployment/web: container b: r.example:5000/m/org/app:2 is not in the registry; cannot pin it
                """
        }
    }

    @Test func aBundlePinsAndRefusesWhatItLacks() throws {
        let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: "r.example:5000/m"))
        let record = BundleRecord(tool: "test", manifest: nil, artifacts: [
            .init(kind: .image, reference: "docker.io/library/nginx:1.27", digest: try Digest(parsing: Self.digest),
                  mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1),
        ], blobCount: 1, blobBytes: 1)
        let rewrite = ImageRewrite(mapping: mapping, bundle: BundleImageIndex(record: record, mapping: mapping), pinDigests: true)
        let plan = try plan(rewrite)
        #expect(plan.unpinned.isEmpty)
        #expect(plan.errors.map { "\($0.line ?? 0)" } == ["8", "9"])
        #expect(plan.files[0].images.map(\.target.description) == ["r.example:5000/m/library/nginx:1.27@\(Self.digest)"])
    }
}
