import Foundation
import OCI
@testable import Pipeline
import Testing

/// The filtered index a platform filter writes, and its source-index referrer.
@Suite struct PlatformSubsetTests {
    static func hex(_ byte: String) -> String { String(repeating: byte, count: 32) }

    /// A buildx-style index: amd64, arm64, arm/v7, an attestation manifest for arm64, with fields Airlock does not model.
    static let sourceText = """
    {
      "schemaVersion": 2,
      "mediaType": "application/vnd.oci.image.index.v1+json",
      "manifests": [
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\(hex("aa"))", "size": 100,
         "platform": {"architecture": "amd64", "os": "linux"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\(hex("bb"))", "size": 200,
         "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}, "annotations": {"z": "<&>", "a": "1"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\(hex("cc"))", "size": 300,
         "platform": {"architecture": "arm", "os": "linux", "variant": "v7"}},
        {"mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": "sha256:\(hex("dd"))", "size": 400,
         "platform": {"architecture": "unknown", "os": "unknown"},
         "annotations": {"vnd.docker.reference.type": "attestation-manifest", "vnd.docker.reference.digest": "sha256:\(hex("bb"))"}}
      ],
      "annotations": {"org.opencontainers.image.revision": "abc", "org.opencontainers.image.url": "https://example.com/x?a=1&b=2"},
      "x-vendor-extension": {"nested": [1, 2.5, true, null, "s"]}
    }
    """

    static func source() throws -> Manifest {
        try Manifest(bytes: Data(sourceText.utf8), declaredType: nil, source: "test index")
    }

    static func kept(_ platforms: String?) throws -> [Descriptor] {
        let source = try source()
        return try CopyEngine.select(source.children, platforms: platforms.map { try $0.split(separator: ",").map { try Platform(parsing: String($0)) } }, what: "x")
    }

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func listsExactlyTheKeptChildrenInSourceOrderAndKeepsEveryOtherField() throws {
        let source = try Self.source()
        // select lists matches first, then attestations; the subset follows the source's order.
        let kept = try Self.kept("linux/arm/v7,linux/arm64")
        let subset = try #require(try PlatformSubset.make(source: source, kept: kept))
        #expect(subset.filtered.children.map(\.digest.encoded) == [Self.hex("bb"), Self.hex("cc"), Self.hex("dd")])
        #expect(subset.filtered.mediaType == MediaType.ociIndex)
        #expect(subset.filtered.digest != source.digest)
        // Every child is its source descriptor, unchanged.
        let sourceChildren = Dictionary(uniqueKeysWithValues: source.children.map { ($0.digest, $0) })
        for child in subset.filtered.children { #expect(child == sourceChildren[child.digest]) }
        // Every other field is the source's, unmodelled ones included.
        var original = try Self.json(source.bytes)
        var filtered = try Self.json(subset.filtered.bytes)
        #expect((filtered["manifests"] as? [Any])?.count == 3)
        original["manifests"] = nil
        filtered["manifests"] = nil
        #expect(NSDictionary(dictionary: original).isEqual(to: filtered))
    }

    @Test func theBytesAreDeterministicGoStyleJSON() throws {
        let kept = try Self.kept("linux/arm64")
        let a = try #require(try PlatformSubset.make(source: try Self.source(), kept: kept))
        let b = try #require(try PlatformSubset.make(source: try Self.source(), kept: kept))
        #expect(a.filtered.bytes == b.filtered.bytes)
        #expect(a.provenance.bytes == b.provenance.bytes)
        let text = String(decoding: a.filtered.bytes, as: UTF8.self)
        // Sorted keys, no spaces, Go's escaping, integers without a fraction.
        #expect(text.hasPrefix(#"{"annotations":{"org.opencontainers.image.revision":"abc","org.opencontainers.image.url":"https://example.com/x?a=1\u0026b=2"},"manifests":[{"annotations":{"a":"1","z":"\u003c\u0026\u003e"},"digest":"sha256:"#))
        #expect(text.hasSuffix(#""schemaVersion":2,"x-vendor-extension":{"nested":[1,2.5,true,null,"s"]}}"#))
        #expect(!text.contains(" "))
        // The same subset from the same bytes, whichever order the kept children are given in.
        let reversed = try #require(try PlatformSubset.make(source: try Self.source(), kept: kept.reversed()))
        #expect(reversed.filtered.digest == a.filtered.digest)
    }

    @Test func noFilterOrAFilterKeepingAllChangesNothing() throws {
        let source = try Self.source()
        #expect(try PlatformSubset.make(source: source, kept: try Self.kept(nil)) == nil)
        #expect(try PlatformSubset.make(source: source, kept: source.children) == nil)
        #expect(try PlatformSubset.make(source: source, kept: try Self.kept("linux/amd64,linux/arm64,linux/arm/v7")) == nil)
        // An image manifest is never filtered.
        let image = try Manifest(bytes: Data(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:\#(Self.hex("ee"))","size":2},"layers":[]}"#.utf8), declaredType: nil, source: "image")
        #expect(try PlatformSubset.make(source: image, kept: []) == nil)
    }

    @Test func theProvenanceReferrerCarriesTheSourceIndex() throws {
        let source = try Self.source()
        let subset = try #require(try PlatformSubset.make(source: source, kept: try Self.kept("linux/amd64")))
        guard case .image(let provenance) = subset.provenance.content else { Issue.record("not an image manifest"); return }
        #expect(subset.provenance.mediaType == MediaType.ociManifest)
        #expect(subset.provenance.artifactType == "application/vnd.dev.airlock.source-index.v1+json")
        #expect(provenance.config == Descriptor(mediaType: "application/vnd.oci.empty.v1+json",
                                                digest: try Digest(parsing: "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"), size: 2))
        #expect(provenance.layers == [Descriptor(mediaType: MediaType.ociIndex, digest: source.digest, size: Int64(source.bytes.count))])
        #expect(provenance.subject == subset.filtered.descriptor)
        let artifact = subset.provenanceEntry(in: try Reference(parsing: "example.com/team/multi:1"))
        #expect(artifact.kind == .referrer && artifact.subject == subset.filtered.digest)
        #expect(artifact.descriptor.artifactType == PlatformSubset.artifactType)
        #expect(artifact.name == "example.com/team/multi@\(subset.provenance.digest)")
    }

    @Test func aDockerManifestListStaysOne() throws {
        let text = Self.sourceText.replacingOccurrences(of: "application/vnd.oci.image.index.v1+json", with: MediaType.dockerManifestList)
        let source = try Manifest(bytes: Data(text.utf8), declaredType: nil, source: "list")
        let subset = try #require(try PlatformSubset.make(source: source, kept: [source.children[0]]))
        #expect(subset.filtered.mediaType == MediaType.dockerManifestList)
        guard case .image(let provenance) = subset.provenance.content else { Issue.record("not an image manifest"); return }
        #expect(provenance.layers.first?.mediaType == MediaType.dockerManifestList)
    }
}
