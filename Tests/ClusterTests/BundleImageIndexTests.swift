import Bundle
import Cluster
import OCI
import Pipeline
import Testing

/// Digests for pinning come from the bundle record, looked up by the private reference transit push gave each image.
struct BundleImageIndexTests {
    static func digest(_ byte: String) throws -> Digest { try Digest(parsing: "sha256:" + String(repeating: byte, count: 32)) }

    @Test func privateReferencesFindTheirBundledDigests() throws {
        let filtered = try Self.digest("aa"), source = try Self.digest("bb"), app = try Self.digest("cc"), signature = try Self.digest("dd")
        let record = BundleRecord(tool: "test", manifest: nil, artifacts: [
            .init(kind: .image, reference: "docker.io/library/nginx:1.27", digest: filtered, mediaType: "application/vnd.oci.image.index.v1+json",
                  size: 1, platforms: ["linux/amd64"], sourceDigest: source),
            .init(kind: .image, reference: "ghcr.io/org/app:2", digest: app, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1),
            .init(kind: .signature, reference: "ghcr.io/org/app:sha256-\(app.encoded).sig", digest: signature, mediaType: "application/vnd.oci.image.manifest.v1+json", size: 1),
        ], blobCount: 1, blobBytes: 1)
        let mapping = PrivateRegistryMapping(target: try PushTarget(parsing: "r.example:5000/mirror"))
        let index = BundleImageIndex(record: record, mapping: mapping)
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/library/nginx:1.27")) == filtered)
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/org/app:2")) == app)
        // Pinned references are found by digest: the pushed one, or the source index a platform subset came from.
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/org/app@\(app)")) == app)
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/library/nginx@\(source)")) == source)
        // Not bundled: another tag, another repository, a signature tag.
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/org/app:3")) == nil)
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/org/other:2")) == nil)
        #expect(index.digest(for: try Reference(parsing: "r.example:5000/mirror/org/app:sha256-\(app.encoded).sig")) == nil)
        #expect(MirrorSettings.upstreams(of: record) == ["docker.io", "ghcr.io"])
    }
}
