import Foundation
import Testing
import TestSupport

/// Two Airlock processes on one registry or one store at once: both succeed, and the result is what running them
/// one after the other gives.
@Suite(.enabled(if: Peers.available, Comment(rawValue: Peers.unavailableReason)))
struct ConcurrencyTests {
    /// A source registry with three images; `first` and `second` overlap in `team/app` (and share a base layer).
    struct Source {
        let registry: RegistryServer
        let first: [String]
        let second: [String]
        let scratch: TemporaryDirectory

        init() async throws {
            registry = try await RegistryServer()
            let images = try await TestImages()
            try await images.build("base", layerSizes: [600_000])
            try await images.build("app", layerSizes: [300_000], base: "base")
            try await images.build("tool", layerSizes: [250_000], base: "base")
            let app = try await images.push("app", to: registry, repository: "team/app", tag: "1")
            _ = try await TestImages.pushCosignSignature(for: app, to: registry)
            let tool = try await images.push("tool", to: registry, repository: "team/tool", tag: "1")
            _ = try await images.buildIndex("multi", layerSizes: [150_000])
            let multi = try await images.push("multi", to: registry, repository: "library/multi", tag: "2")
            first = [app.reference, multi.reference]
            second = [app.reference, tool.reference]
            scratch = try TemporaryDirectory(prefix: "airlock-concurrent")
        }
    }

    /// Runs `first` and `second` at the same time and returns both results.
    static func together(_ first: @escaping @Sendable () async throws -> Tool.Result,
                         _ second: @escaping @Sendable () async throws -> Tool.Result) async throws -> (Tool.Result, Tool.Result) {
        async let a = first()
        async let b = second()
        return try await (a, b)
    }

    /// Files a writer leaves only while it runs: ingest files and temporary `index.json` copies.
    static func leftovers(in store: String) -> [String] {
        DirectoryUsage.names(in: store + "/.ingest").filter { $0.hasSuffix(".part") }
            + DirectoryUsage.names(in: store).filter { $0.hasSuffix(".tmp") }
    }

    @Test(arguments: ["distribution", "airgap serve"])
    func twoPushesOfOverlappingBundlesAtOnceEqualTwoInSequence(server: String) async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        let bundles = [source.scratch.file("first.tar"), source.scratch.file("second.tar")]
        for (bundle, references) in zip(bundles, [source.first, source.second]) {
            try await AirlockTool.run("connected", ["bundle", "-q", "-o", bundle] + references).check()
        }
        func target() async throws -> RegistryServer {
            try await RegistryServer(implementation: server == "distribution" ? .distribution : .airgap([]))
        }
        let sequential = try await target()
        defer { sequential.stop() }
        for bundle in bundles {
            try await AirlockTool.run("transit", ["push", "-q", bundle, "--to", "\(sequential.host)/mirror"]).check()
        }
        let expected = try await ContentCheck.content(of: sequential)

        for round in 1...3 {
            let concurrent = try await target()
            defer { concurrent.stop() }
            let (a, b) = try await Self.together(
                { try await AirlockTool.run("transit", ["push", "-q", bundles[0], "--to", "\(concurrent.host)/mirror"]) },
                { try await AirlockTool.run("transit", ["push", "-q", bundles[1], "--to", "\(concurrent.host)/mirror"]) })
            #expect(a.succeeded, "round \(round): \(a.errorOutput)")
            #expect(b.succeeded, "round \(round): \(b.errorOutput)")
            let content = try await ContentCheck.content(of: concurrent)
            #expect(content.problems == [], "round \(round)")
            #expect(content.tags == expected.tags, "round \(round)")
        }
    }

    @Test func twoPullsIntoOneStoreAtOnceEqualTwoInSequence() async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        let sequential = source.scratch.file("sequential")
        for references in [source.first, source.second] {
            try await AirlockTool.run("connected", ["pull", "-q", "--store", sequential] + references).check()
        }
        let expectedIndex = try Data(contentsOf: URL(fileURLWithPath: sequential + "/index.json"))

        for round in 1...3 {
            let store = source.scratch.file("concurrent-\(round)")
            let (a, b) = try await Self.together(
                { try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + source.first) },
                { try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + source.second) })
            #expect(a.succeeded, "round \(round): \(a.errorOutput)")
            #expect(b.succeeded, "round \(round): \(b.errorOutput)")
            #expect(try await ContentCheck.problems(inLayout: store) == [], "round \(round)")
            // One entry per artifact (the shared image once), every one reachable: the sequential result.
            #expect(try Data(contentsOf: URL(fileURLWithPath: store + "/index.json")) == expectedIndex, "round \(round)")
            #expect(DirectoryUsage.names(in: store + "/blobs/sha256") == DirectoryUsage.names(in: sequential + "/blobs/sha256"))
            #expect(Self.leftovers(in: store) == [], "round \(round)")
        }
    }

    @Test func aPackDuringAPullOfTheSameStoreWritesAValidBundle() async throws {
        let source = try await Source()
        defer { source.registry.stop() }
        for round in 1...3 {
            let store = source.scratch.file("store-\(round)")
            try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + source.first).check()
            let bundle = source.scratch.file("packed-\(round).tar")
            let (pulled, packed) = try await Self.together(
                { try await AirlockTool.run("connected", ["pull", "-q", "--store", store] + source.second) },
                { try await AirlockTool.run("connected", ["pack", "-q", "--store", store, "-o", bundle]) })
            #expect(pulled.succeeded, "round \(round): \(pulled.errorOutput)")
            #expect(packed.succeeded, "round \(round): \(packed.errorOutput)")
            let verified = try await AirlockTool.run("transit", ["verify", bundle])
            #expect(verified.succeeded, "round \(round): \(verified.errorOutput)")
            // The bundle holds what the store held when the pack read index.json: at least the first pull's images.
            let listed = try await Tool.output("tar", ["-xOf", bundle, "index.json"])
            for reference in source.first { #expect(listed.contains(reference), "round \(round)") }
            #expect(try await ContentCheck.problems(inLayout: store) == [], "round \(round)")
            #expect(Self.leftovers(in: store) == [], "round \(round)")
        }
    }
}
