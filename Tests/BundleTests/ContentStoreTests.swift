import Bundle
import Foundation
import OCI
import Testing

@Suite struct ContentStoreTests {
    func freshStore() throws -> ContentStore {
        try ContentStore(at: FileManager.default.temporaryDirectory.appendingPathComponent("airlock-store-\(UUID().uuidString)").path)
    }

    func descriptor(_ bytes: [UInt8]) -> Descriptor {
        Descriptor(mediaType: MediaType.ociLayerGzip, digest: Digest.sha256(of: bytes), size: Int64(bytes.count))
    }

    @Test func createsAValidLayout() throws {
        let store = try freshStore()
        let layout = try String(contentsOfFile: store.root + "/oci-layout", encoding: .utf8)
        #expect(layout.contains("\"imageLayoutVersion\":\"1.0.0\""))
        #expect(try store.index().manifests.isEmpty)
        #expect(FileManager.default.fileExists(atPath: store.root + "/blobs/sha256"))
    }

    @Test func finishesALayoutWhoseCreationWasCutShort() throws {
        // What a process killed between creating `blobs/sha256` and writing `oci-layout` leaves (found by the crash loop).
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-store-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try FileManager.default.createDirectory(atPath: path + "/blobs/sha256", withIntermediateDirectories: true)
        let store = try ContentStore(at: path)
        #expect(try store.index().manifests.isEmpty)
        #expect(FileManager.default.fileExists(atPath: path + "/oci-layout"))

        // Anything else in the directory is still refused.
        let other = path + "-other"
        defer { try? FileManager.default.removeItem(atPath: other) }
        try FileManager.default.createDirectory(atPath: other + "/blobs/sha256", withIntermediateDirectories: true)
        try Data("x".utf8).write(to: URL(fileURLWithPath: other + "/blobs/sha256/notes"))
        #expect { try ContentStore(at: other) } throws: { "\($0)".contains("is not an OCI image layout") }
    }

    @Test func commitsOnlyVerifiedBlobs() throws {
        let store = try freshStore()
        let bytes = Array("hello layer".utf8)
        let ingest = try store.ingest(descriptor(bytes))
        try bytes.withUnsafeBytes { try ingest.append($0) }
        #expect(!store.hasBlob(descriptor(bytes)))
        try ingest.commit()
        #expect(store.hasBlob(descriptor(bytes)))
        #expect(FileManager.default.contents(atPath: store.blobPath(Digest.sha256(of: bytes))) == Data(bytes))
    }

    @Test func rejectsWrongContentAndLeavesNothing() throws {
        let store = try freshStore()
        let claimed = descriptor(Array("expected".utf8))
        let ingest = try store.ingest(claimed)
        try Array("tampered".utf8).withUnsafeBytes { try ingest.append($0) }
        #expect { try ingest.commit() } throws: { "\($0)".contains("hashes to") && "\($0)".contains(claimed.digest.description) }
        #expect(!FileManager.default.fileExists(atPath: store.blobPath(claimed.digest)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.root + "/.ingest").filter { $0.hasSuffix(".part") }.isEmpty)
    }

    @Test func rejectsShortContent() throws {
        let store = try freshStore()
        let bytes = Array("0123456789".utf8)
        let ingest = try store.ingest(descriptor(bytes))
        try bytes.prefix(4).withUnsafeBytes { try ingest.append($0) }
        #expect { try ingest.commit() } throws: { "\($0)".contains("(4 bytes), expected") && "\($0)".contains("(10 bytes)") }
    }

    @Test func restartDiscardsWhatWasWritten() throws {
        let store = try freshStore()
        let bytes = Array("the real content".utf8)
        let ingest = try store.ingest(descriptor(bytes))
        try Array("junk".utf8).withUnsafeBytes { try ingest.append($0) }
        try ingest.restart()
        #expect(ingest.received == 0)
        try bytes.withUnsafeBytes { try ingest.append($0) }
        try ingest.commit()
        #expect(store.hasBlob(descriptor(bytes)))
    }

    @Test func removesIngestsLeftByAnInterruptedRun() throws {
        let store = try freshStore()
        let stale = store.root + "/.ingest/abc.999.1.part"
        FileManager.default.createFile(atPath: stale, contents: Data("partial".utf8))
        let live = try store.ingest(descriptor(Array("x".utf8)))
        _ = try ContentStore(at: store.root, create: false)
        #expect(!FileManager.default.fileExists(atPath: stale))
        // A writer still holding its ingest keeps it.
        try Array("x".utf8).withUnsafeBytes { try live.append($0) }
        try live.commit()
    }

    @Test func refusesANonEmptyDirectoryThatIsNoLayout() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("airlock-notlayout-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: dir + "/precious.txt", contents: Data())
        #expect { try ContentStore(at: dir) } throws: { "\($0)".contains("not an OCI image layout") }
    }

    @Test func recordReplacesEntriesWithTheSameName() throws {
        let store = try freshStore()
        func entry(_ name: String, _ content: String) -> LayoutEntry {
            LayoutEntry(kind: .image, name: name, descriptor: Descriptor(mediaType: MediaType.ociManifest, digest: Digest.sha256(of: Array(content.utf8)), size: 1))
        }
        try store.record([entry("docker.io/library/a:1", "one"), entry("docker.io/library/b:1", "two")])
        try store.record([entry("docker.io/library/a:1", "three")])
        let index = try store.index()
        #expect(index.manifests.count == 2)
        #expect(index.manifests.first { $0.annotations?["org.opencontainers.image.ref.name"] == "docker.io/library/a:1" }?.digest == Digest.sha256(of: Array("three".utf8)))
    }

    @Test func manifestsRoundTripByteForByte() throws {
        let store = try freshStore()
        let text = "{\"schemaVersion\":2,\"manifests\":[]}\n"
        let manifest = try Manifest(bytes: Data(text.utf8), declaredType: nil, source: "t")
        try store.putManifest(manifest)
        let back = try store.manifest(manifest.descriptor)
        #expect(back.bytes == manifest.bytes)
        try Data("{\"schemaVersion\":2,\"manifests\":[ ]}\n".utf8).write(to: URL(fileURLWithPath: store.blobPath(manifest.digest)))
        #expect { try store.manifest(manifest.descriptor) } throws: { "\($0)".contains("hashes to") }
    }

    @Test func concurrentWritersOfOneBlobAgree() async throws {
        let store = try freshStore()
        let bytes = (0..<200_000).map { UInt8(truncatingIfNeeded: $0) }
        let d = descriptor(bytes)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let ingest = try store.ingest(d)
                    try bytes.withUnsafeBytes { try ingest.append($0) }
                    try ingest.commit()
                }
            }
            try await group.waitForAll()
        }
        #expect(FileManager.default.contents(atPath: store.blobPath(d.digest)) == Data(bytes))
    }
}
