import Foundation
import OCI
import Pipeline
import Testing

/// The push record's bytes, tag and artifact: deterministic, recognised, and refused when malformed.
@Suite struct PushRecordTests {
    let digest = Digest.sha256(of: Data("app".utf8))

    func record(_ sources: [String]) throws -> PushRecord {
        PushRecord(target: try PushTarget(parsing: "registry.site:5000/mirror"), images: sources.map { .init(source: $0, digest: digest) })
    }

    @Test func theSamePushGivesTheSameBytesAndTag() throws {
        let one = try record(["docker.io/library/nginx:1.27", "docker.io/library/nginx:1.26"]).encoded()
        let other = try record(["docker.io/library/nginx:1.26", "docker.io/library/nginx:1.27"]).encoded()
        #expect(one == other)
        #expect(String(decoding: one, as: UTF8.self) == #"{"format":"airlock-push/v1","images":[{"digest":"\#(digest)","source":"docker.io/library/nginx:1.26"},{"digest":"\#(digest)","source":"docker.io/library/nginx:1.27"}],"target":"registry.site:5000/mirror"}"#)
        #expect(PushRecord.tag(for: one) == "airlock-push-" + Digest.sha256(of: one).encoded.prefix(32))
        #expect(try PushRecord(parsing: one, what: "r") == (try record(["docker.io/library/nginx:1.27", "docker.io/library/nginx:1.26"])))
    }

    @Test func theArtifactCarriesTheRecordInItsAnnotation() throws {
        let bytes = try record(["ghcr.io/acme/app:1"]).encoded()
        let manifest = try PushRecord.manifest(record: bytes)
        #expect(PushRecord.record(in: manifest) == bytes)
        guard case .image(let image) = manifest.content else { Issue.record("not an image manifest"); return }
        #expect(image.artifactType == PushRecord.artifactType)
        #expect(image.layers.map(\.digest) == [Digest.sha256(of: Data("{}".utf8))])
        let other = try Manifest(bytes: Data(String(decoding: manifest.bytes, as: UTF8.self)
            .replacingOccurrences(of: PushRecord.artifactType, with: "application/json").utf8), declaredType: MediaType.ociManifest, source: "t")
        #expect(PushRecord.record(in: other) == nil)
    }

    @Test(arguments: [
        (#"{"format":"airlock-push/v2","images":[],"target":"a.site"}"#, "format airlock-push/v2"),
        (#"{"format":"airlock-push/v1","target":"a.site"}"#, "not a push record"),
        ("[]", "not a push record"),
    ])
    func malformedRecordsAreRefusedByName(_ text: String, _ fragment: String) throws {
        #expect { try PushRecord(parsing: Data(text.utf8), what: "r.site/team/app:airlock-push-x") } throws: {
            "\($0)".contains(fragment) && "\($0)".contains("r.site/team/app:airlock-push-x")
        }
    }
}
