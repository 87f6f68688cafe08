import OCI
import Pipeline
import Testing

@Suite struct BundleManifestTests {
    @Test func readsBothEntryFormsAndDefaults() throws {
        let yaml = """
        version: 1
        name: site
        platforms: [linux/amd64, linux/arm64]
        images:
          - redis:7.4.1
          - ref: quay.io/prometheus/prometheus:v3.1.0
            platforms: [linux/arm64]
          - ghcr.io/org/app:1.2@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855
        """
        let manifest = try BundleManifest(yaml: yaml, file: "site.yaml")
        #expect(manifest.name == "site")
        #expect(manifest.images.map(\.reference.description) == [
            "docker.io/library/redis:7.4.1",
            "quay.io/prometheus/prometheus:v3.1.0",
            "ghcr.io/org/app:1.2@sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        ])
        #expect(manifest.images.map(\.line) == [5, 6, 8])
        let requests = manifest.copyRequests
        #expect(requests[0].platforms?.map(\.description) == ["linux/amd64", "linux/arm64/v8"])
        #expect(requests[1].platforms?.map(\.description) == ["linux/arm64/v8"])
    }

    @Test(arguments: [
        ("images: []", "site.yaml:1: version: missing"),
        ("version: 2\nimages: []", "version: version 2 is not supported"),
        ("version: 1\nimages:\n  - ref: nginx\n    platform: [linux/amd64]", "site.yaml:4: images[0].platform: unknown field"),
        ("version: 1\nimages:\n  - Nginx:1", "site.yaml:3: images[0]: invalid reference 'Nginx:1'"),
        ("version: 1\nimages:\n  - ref: nginx\n    platforms: [linux]", "site.yaml:4: images[0].platforms: invalid platform 'linux'"),
        ("version: 1\nimages:\n  - platforms: [linux/amd64]", "site.yaml:3: images[0].ref: missing"),
        ("version: 1\nimagez: []", "site.yaml:2: imagez: unknown field"),
        ("version: 1\nimages:\n  - nginx\n  - docker.io/library/nginx:latest", "site.yaml:4: images: docker.io/library/nginx:latest is listed twice (first on line 3)"),
        ("version: 1\nimages: [a\n", "site.yaml:3: not valid YAML"),
        ("version: one\nimages: []", "site.yaml:1: version: expected an integer"),
        ("- just\n- a list", "expected a mapping"),
        ("version: 1\nfiles:\n  - url: https://example.com/a.bin", "site.yaml:3: files[0].sha256: missing: a file from a URL needs its SHA-256"),
        ("version: 1\nfiles:\n  - url: https://example.com/a.bin\n    sha256: xyz", "site.yaml:4: files[0].sha256: expected 64 lower-case hex digits"),
        ("version: 1\nfiles:\n  - path: a.bin\n    name: ../a.bin", "files[0].name: '../a.bin' is not a file name"),
        ("version: 1\nfiles:\n  - path: x/a.bin\n  - path: y/a.bin", "site.yaml:4: files: two files are named 'a.bin' (first on line 3)"),
    ])
    func namesFileLineAndField(yaml: String, expected: String) {
        #expect {
            try BundleManifest(yaml: yaml, file: "site.yaml")
        } throws: { error in
            let text = "\(error)"
            if !text.contains(expected) { Issue.record("got: \(text)") }
            return text.contains(expected)
        }
    }

    @Test func readsFileEntries() throws {
        let hex = String(repeating: "ab", count: 32)
        let yaml = "version: 1\nfiles:\n  - url: https://example.com/dl/tool.tgz?x=1\n    sha256: \(hex)\n  - path: ca.pem\n    name: site-ca.pem\n"
        let files = try BundleManifest(yaml: yaml, file: "/etc/airlock/site.yaml").files.map(\.request)
        #expect(files == [
            FileRequest(origin: .url("https://example.com/dl/tool.tgz?x=1"), sha256: try Digest(parsing: "sha256:" + hex), name: "tool.tgz"),
            FileRequest(origin: .path("/etc/airlock/ca.pem"), sha256: nil, name: "site-ca.pem"),
        ])
        #expect(FileRequest.reference(name: "Tool_1.2.tar.gz", digest: try Digest(parsing: "sha256:" + hex)) == "files/tool-1-2-tar-gz:abababababababab")
    }

    @Test func theShippedManifestsParse() throws {
        let root = #filePath.components(separatedBy: "/Tests/")[0]
        for file in ["lumen.yaml", "example.yaml"] {
            let manifest = try BundleManifest(contentsOf: "\(root)/Manifests/\(file)")
            #expect(!manifest.images.isEmpty)
        }
    }
}
