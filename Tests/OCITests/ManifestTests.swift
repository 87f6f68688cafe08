import Foundation
import OCI
import Testing

@Suite struct ManifestTests {
    static let layer = #"{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":0}"#
    static let config = #"{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2}"#

    @Test func keepsExactBytesAndDigestsThem() throws {
        // Odd spacing and a trailing newline: re-serialising would change the digest.
        let text = "{ \"schemaVersion\": 2, \"config\": \(Self.config),\n \"layers\": [\(Self.layer)] }\n"
        let manifest = try Manifest(bytes: Data(text.utf8), declaredType: nil, source: "test")
        #expect(manifest.bytes == Data(text.utf8))
        #expect(manifest.digest == Digest.sha256(of: Array(text.utf8)))
        #expect(manifest.mediaType == MediaType.ociManifest)
        #expect(manifest.blobs.count == 2)
    }

    @Test func recognisesIndexesByShapeOrType() throws {
        let child = #"{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":10,"platform":{"architecture":"arm64","os":"linux","variant":"v8"}}"#
        let bare = try Manifest(bytes: Data("{\"schemaVersion\":2,\"manifests\":[\(child)]}".utf8), declaredType: nil, source: "t")
        #expect(bare.mediaType == MediaType.ociIndex)
        #expect(bare.children.first?.platform?.variant == "v8")
        let docker = try Manifest(bytes: Data("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.dockerManifestList)\",\"manifests\":[\(child)]}".utf8), declaredType: MediaType.ociIndex, source: "t")
        #expect(docker.mediaType == MediaType.dockerManifestList)
    }

    @Test func usesTheContentTypeWhenTheBodyHasNone() throws {
        let text = "{\"schemaVersion\":2,\"config\":\(Self.config),\"layers\":[]}"
        let m = try Manifest(bytes: Data(text.utf8), declaredType: MediaType.dockerManifest + "; charset=utf-8", source: "t")
        #expect(m.mediaType == MediaType.dockerManifest)
    }

    @Test func rejectsSchema1WithAClearReason() {
        let text = #"{"schemaVersion":1,"name":"library/x","tag":"1","fsLayers":[]}"#
        #expect {
            try Manifest(bytes: Data(text.utf8), declaredType: MediaType.dockerSchema1Signed, source: "docker.io/library/x:1")
        } throws: { error in
            "\(error)".contains("schema 1") && "\(error)".contains("docker.io/library/x:1")
        }
    }

    @Test(arguments: [
        ("not json", "not a JSON manifest"),
        (#"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:bad","size":1},"layers":[]}"#, "config.digest"),
        (#"{"schemaVersion":2,"config":{"mediaType":"x","size":1},"layers":[]}"#, "config.digest"),
        (#"{"schemaVersion":3,"manifests":[]}"#, "schemaVersion is 3"),
        (#"{"schemaVersion":2}"#, "unknown manifest media type"),
        (#"{"schemaVersion":2,"config":{"mediaType":"x","digest":"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855","size":-1},"layers":[]}"#, "negative size"),
    ])
    func rejectsMalformed(text: String, expected: String) {
        #expect {
            try Manifest(bytes: Data(text.utf8), declaredType: nil, source: "m")
        } throws: { error in
            "\(error)".contains(expected)
        }
    }

    @Test func rejectsOversizedManifests() {
        let big = Data(repeating: 0x20, count: Manifest.maximumSize + 1)
        #expect(throws: ManifestError.self) { try Manifest(bytes: big, declaredType: MediaType.ociManifest, source: "m") }
    }

    @Test func artifactTypeFallsBackToConfigType() throws {
        let text = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.dev.sigstore.bundle.v0.3+json\",\"digest\":\"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a\",\"size\":2},\"layers\":[],\"subject\":\(Self.layer)}"
        let m = try Manifest(bytes: Data(text.utf8), declaredType: nil, source: "m")
        #expect(m.artifactType == "application/vnd.dev.sigstore.bundle.v0.3+json")
        #expect(m.subject != nil)
    }
}
