import Foundation
import OCI
@testable import Pipeline
import Registry
import Testing

/// The copy engine between two in-memory endpoints: what it moves, in what order, and what a failure leaves.
@Suite struct CopyEngineTests {
    let repository = "example.com/app"

    func request(_ tag: String, platforms: [Platform]? = nil) throws -> CopyRoot {
        .reference(CopyRequest(reference: try Reference(parsing: "example.com/app:\(tag)"), platforms: platforms))
    }

    @Test func aBlobSharedByImagesMovesOnce() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        try source.addImage(config: "c1", layers: ["base", "one"], tag: "1")
        try source.addImage(config: "c2", layers: ["base", "two"], tag: "2")
        let report = try await CopyEngine(source: source, sink: sink).copy([try request("1"), try request("2")])
        let blobs = sink.events.compactMap { if case .blob(let d) = $0 { d } else { nil } }
        #expect(blobs.count == 5)                       // base, one, two, c1, c2
        #expect(Set(blobs).count == blobs.count)        // each once
        #expect(report.blobsFetched == 5)
        #expect(report.items.map(\.blobsFetched).reduce(0, +) == 5)
    }

    @Test func childrenComeBeforeParentsAndTagsComeLast() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        let amd = try source.addImage(config: "amd", layers: ["a"])
        let arm = try source.addImage(config: "arm", layers: ["b"])
        let index = try source.addIndex([(amd, Platform(os: "linux", architecture: "amd64")), (arm, Platform(os: "linux", architecture: "arm64"))], tag: "multi")
        _ = try await CopyEngine(source: source, sink: sink).copy([try request("multi")])
        let events = sink.events
        func position(_ event: InMemoryEndpoint.Event) throws -> Int { try #require(events.firstIndex(of: event)) }
        for image in [amd, arm] {
            guard case .image(let content) = image.content else { Issue.record("not an image"); continue }
            for blob in [content.config] + content.layers { #expect(try position(.blob(blob.digest)) < position(.manifest(image.digest))) }
            #expect(try position(.manifest(image.digest)) < position(.manifest(index.digest)))
        }
        #expect(events.last == .commit(["multi"]))
        #expect(events.filter { if case .commit = $0 { true } else { false } }.count == 1)
    }

    @Test func aFailureMidCopyLeavesNoTag() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        try source.addImage(config: "c1", layers: ["fine"], tag: "1")
        try source.addImage(config: "c2", layers: ["cut"], tag: "2")
        _ = sink.failing.withLock { $0.insert(.sha256(of: Data("cut".utf8))) }
        await #expect { try await CopyEngine(source: source, sink: sink).copy([try request("1"), try request("2")]) } throws: { error in
            "\(error)".contains("example.com/app:2") && "\(error)".contains("connection reset")
        }
        #expect(!sink.events.contains { if case .commit = $0 { true } else { false } })
        #expect(try await sink.taggedDigest("1", in: Repository(registry: "example.com", path: "app")) == nil)
    }

    @Test func aRerunAfterACutSendsOnlyWhatIsMissing() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        try source.addImage(config: "c", layers: ["l1", "l2", "cut"], tag: "1")
        let cut = Digest.sha256(of: Data("cut".utf8))
        _ = sink.failing.withLock { $0.insert(cut) }
        await #expect(throws: CopyError.self) { try await CopyEngine(source: source, sink: sink).copy([try request("1")]) }
        let placedBefore = Set(sink.events.compactMap { if case .blob(let d) = $0 { d } else { nil } })
        sink.failing.withLock { $0.removeAll() }
        let report = try await CopyEngine(source: source, sink: sink).copy([try request("1")])
        #expect(report.blobsFetched == 4 - placedBefore.count)
        #expect(report.blobsSkipped == placedBefore.count)
        #expect(try await sink.taggedDigest("1", in: Repository(registry: "example.com", path: "app")) != nil)
    }

    @Test func noMoreTransfersRunThanJobs() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint(transferDelay: .milliseconds(2))
        for n in 0..<6 { try source.addImage(config: "c\(n)", layers: (0..<4).map { "layer \(n) \($0)" }, tag: "\(n)") }
        let report = try await CopyEngine(source: source, sink: sink, options: CopyOptions(jobs: 3)).copy((0..<6).map { try request("\($0)") })
        #expect(report.blobsFetched == 30)
        #expect(sink.state.withLock { $0.mostRunning } <= 3)
    }

    @Test func aPlatformFilterCopiesOnlyTheChosenChildren() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        let amd = try source.addImage(config: "amd", layers: ["a"])
        let arm = try source.addImage(config: "arm", layers: ["b"])
        try source.addIndex([(amd, Platform(os: "linux", architecture: "amd64")), (arm, Platform(os: "linux", architecture: "arm64"))], tag: "multi")
        let report = try await CopyEngine(source: source, sink: sink).copy([try request("multi", platforms: [Platform(os: "linux", architecture: "arm64")])])
        #expect(sink.events.contains(.manifest(arm.digest)))
        #expect(!sink.events.contains(.manifest(amd.digest)))
        #expect(report.items[0].platforms == ["linux/arm64"])
        #expect(report.placements[0].entry.platforms == [Platform(os: "linux", architecture: "arm64")])
    }

    @Test func existingFailRefusesBeforeSendingAnything() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        let image = try source.addImage(config: "c", layers: ["l"], tag: "1")
        try sink.addImage(config: "other", layers: ["x"], tag: "1")
        let entry = LayoutEntry(kind: .image, name: "example.com/app:1", descriptor: image.descriptor)
        var options = CopyOptions()
        options.existing = .fail
        await #expect { try await CopyEngine(source: source, sink: sink, options: options).copy([.entry(entry)]) } throws: { "\($0)".contains("--existing fail") }
        #expect(sink.events.isEmpty)

        options.existing = .skip
        let report = try await CopyEngine(source: source, sink: sink, options: options).copy([.entry(entry)])
        #expect(report.placements[0].tag == nil)
        #expect(try await sink.taggedDigest("1", in: Repository(registry: "example.com", path: "app")) != image.digest)
    }

    @Test func signatureTagsTravelWithTheImage() async throws {
        let source = InMemoryEndpoint(), sink = InMemoryEndpoint()
        let image = try source.addImage(config: "c", layers: ["l"], tag: "1")
        try source.addImage(config: "sigconfig", layers: ["payload"], tag: "\(image.digest.tagForm).sig")
        let report = try await CopyEngine(source: source, sink: sink).copy([try request("1")])
        #expect(report.placements.map(\.entry.kind) == [.image, .signature])
        #expect(report.placements[1].entry.subject == image.digest)
        #expect(sink.events.last == .commit(["1", "\(image.digest.tagForm).sig"]))
    }
}
